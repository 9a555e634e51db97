"""Stale rows in the state model: a date's state, the table's reasons, the repairs and the record.

The staleness check itself runs against the emulator (``tests/integration/test_staleness.py``);
these take its findings as given and check what the verifier makes of them.
"""

from __future__ import annotations

import datetime
import json

from nba_backfill.coverage.figures import (
    COMPLETE,
    DRIFTED,
    PARTIAL,
    STALE,
    DateFigures,
    StaleFindings,
    TableCoverage,
)
from nba_backfill.coverage.history import history_rows
from nba_backfill.coverage.repairs import RANGE, REPROCESS_COMPLETED, plan_repairs
from nba_backfill.coverage.report import CoverageReport
from nba_backfill.coverage.staleness import stale_window

D = datetime.date
DAYS = [D(2021, 11, 15) + datetime.timedelta(days=i) for i in range(6)]


def _complete(day: datetime.date, **extra: int) -> DateFigures:
    return DateFigures(day, 20, 20, 20, hashed=20, **extra)


def _coverage(table: str, stale: dict[datetime.date, int], field: str = "stale") -> TableCoverage:
    cov = TableCoverage(table, DAYS[0], DAYS[-1])
    cov.dates = [_complete(d, **({field: stale[d]} if d in stale else {})) for d in DAYS]
    cov.staleness = StaleFindings(DAYS[0], DAYS[-1], keys=[f"{d} 002 203999" for d in stale])
    return cov


def test_a_stale_date_is_its_own_state_below_the_identity_problems():
    day = DAYS[0]
    assert _complete(day).state == COMPLETE
    assert _complete(day, stale=3).state == STALE
    assert _complete(day, stale_upstream=40).state == STALE  # a context reading a corrected game
    # Identity problems say more than staleness does: they keep their own state.
    assert DateFigures(day, 20, 20, 19, hashed=19, drifted=1, stale=3).state == DRIFTED
    assert DateFigures(day, 20, 19, 19, 1, hashed=19, stale=3).state == PARTIAL


def test_stale_rows_make_the_table_incomplete_and_say_why_and_where():
    cov = _coverage("player_game_summary", {DAYS[2]: 3, DAYS[4]: 1})
    assert not cov.complete and cov.status == "INCOMPLETE"
    assert cov.dates_in(STALE) == [DAYS[2], DAYS[4]]
    assert cov.stale_rows == 4
    [reason] = cov.reasons()
    assert "4 rows stale over 2021-11-15..2021-11-20" in reason
    assert "today's raw data" in reason and reason.endswith("(2 stale dates)")


def test_a_window_that_could_not_be_checked_is_not_complete():
    cov = _coverage("player_game_summary", {})
    assert cov.complete  # checked, nothing stale
    cov.staleness.error = "raw data refused: 2 duplicate box score rows"
    assert not cov.complete
    assert cov.reasons() == [
        "stale rows not checked over 2021-11-15..2021-11-20: raw data refused: 2 duplicate box score rows"
    ]


def test_context_rows_reading_a_corrected_game_are_stale_and_named_by_their_upstream():
    cov = _coverage("upcoming_player_game_context", {DAYS[3]: 26, DAYS[5]: 25}, field="stale_upstream")
    cov.staleness.upstream_rows = {"player_game_summary": 51}
    assert cov.dates_in(STALE) == [DAYS[3], DAYS[5]]
    assert cov.reasons() == [
        "51 rows read games of player_game_summary that raw corrections changed (2 stale dates)"
    ]


def test_stale_dates_are_repaired_by_the_processor_rerunning_completed_dates():
    # Whatever ran before (here: no recorded write at all), a stale date is rerun: `completed`.
    few = plan_repairs(_coverage("player_game_summary", {DAYS[2]: 3}), {})
    assert [(r.from_date, r.to_date, r.reprocess_behavior) for r in few] == [
        (DAYS[2], DAYS[2], REPROCESS_COMPLETED)
    ]
    assert "--reprocess-behavior completed" in few[0].command
    # Many dates: one range run, on the processor path (the SQL path only rehashes stored content).
    many = plan_repairs(_coverage("player_game_summary", dict.fromkeys(DAYS, 1)), dict.fromkeys(DAYS, True))
    assert [(r.kind, r.mode, r.from_date, r.to_date) for r in many] == [
        (RANGE, "processor", DAYS[0], DAYS[-1])
    ]


def test_the_record_carries_the_window_the_findings_and_the_stale_dates():
    cov = _coverage("player_game_summary", {DAYS[2]: 3})
    cov.staleness.bytes_processed = 123_456
    report = CoverageReport(
        [cov], datetime.datetime(2021, 11, 21, 11, tzinfo=datetime.UTC), "nba-props-platform"
    )
    [table], dates = history_rows(report, "scheduled__2021-11-21", "scheduled")
    assert table["status"] == "INCOMPLETE"
    assert (table["stale_rows"], table["stale_dates"]) == (3, 1)
    assert (table["stale_from_date"], table["stale_to_date"]) == ("2021-11-15", "2021-11-20")
    assert table["stale_bytes_processed"] == 123_456
    assert json.loads(table["stale_ranges"]) == [["2021-11-17", "2021-11-17"]]
    assert json.loads(table["staleness"])["keys"] == ["2021-11-17 002 203999"]
    assert table["stale_hashes"] is None  # retired: older-spec hashes are old_spec_hashes now
    assert [(d["game_date"], d["state"], d["stale_rows"]) for d in dates if d["stale_rows"]] == [
        ("2021-11-17", STALE, 3)
    ]


def test_the_window_is_the_newest_days_of_the_range():
    assert stale_window(D(2016, 10, 1), D(2026, 12, 3), 14) == (D(2026, 11, 20), D(2026, 12, 3))
    assert stale_window(D(2026, 12, 1), D(2026, 12, 3), 14) == (D(2026, 12, 1), D(2026, 12, 3))
    assert stale_window(D(2026, 12, 1), D(2026, 12, 3), 1) == (D(2026, 12, 3), D(2026, 12, 3))
