"""How the Coverage page pairs each recorded gap with the repair that closes it."""

from __future__ import annotations

import json

from nba_backfill.ui.data import repairs_with_gaps

TABLE = "team_offense_game_summary"


def _command(first: str, last: str, behavior: str) -> str:
    return (
        f"airflow backfill create --dag-id backfill_{TABLE} --from-date {first} --to-date {last} "
        f"--reprocess-behavior {behavior}"
    )


def test_the_big_number_sums_the_newest_state_of_every_verified_date():
    from nba_backfill.ui.data import history_keys

    dates = {
        "2021-10-19": ["complete", 20, 20, 20],
        "2021-10-20": ["partial", 30, 30, 3],
        "2021-10-21": ["missing", 50, 0, 0],
        "2021-10-22": ["unexpected", 0, 2, None],  # keys where none are expected
    }
    assert history_keys(dates) == {
        "history_expected_rows": 100,
        "history_hashed_rows": 23,
        "history_hashed_pct": 23.0,
    }
    assert history_keys({})["history_hashed_pct"] is None


def test_a_gap_straddling_two_repairs_is_split_between_them():
    # 2021-10-19..25 last verified complete (redo with `completed`), the rest never (`failed`).
    row = {
        "table_name": TABLE,
        "missing_ranges": json.dumps([["2021-10-19", "2021-11-14"], ["2021-11-16", "2021-11-19"]]),
        "partial_ranges": json.dumps([["2021-11-15", "2021-11-15"]]),
        "repair_commands": "\n".join(
            [
                _command("2021-10-19", "2021-10-25", "completed"),
                _command("2021-10-26", "2021-11-19", "failed"),
            ]
        ),
    }
    completed, failed = repairs_with_gaps(row)
    assert (completed["reprocess_behavior"], completed["dag_id"]) == ("completed", f"backfill_{TABLE}")
    assert completed["gaps"] == [{"state": "missing", "from_date": "2021-10-19", "to_date": "2021-10-25"}]
    assert failed["reprocess_behavior"] == "failed"
    assert [(g["state"], g["from_date"], g["to_date"]) for g in failed["gaps"]] == [
        ("missing", "2021-10-26", "2021-11-14"),
        ("partial", "2021-11-15", "2021-11-15"),
        ("missing", "2021-11-16", "2021-11-19"),
    ]


def test_a_gap_without_a_recorded_repair_is_shown_without_a_command():
    row = {
        "table_name": TABLE,
        "missing_ranges": json.dumps([["2023-01-10", "2023-01-11"]]),
        "partial_ranges": "[]",
        "repair_commands": None,
    }
    (orphan,) = repairs_with_gaps(row)
    assert orphan["command"] is None
    assert orphan["gaps"] == [{"state": "missing", "from_date": "2023-01-10", "to_date": "2023-01-11"}]
