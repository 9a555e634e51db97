"""The verifier's figures on the emulator: every defect it must find, found, and nothing else.

Defects are injected into a copy of an analytics table in a scratch dataset (nullable
columns, so even NULL keys can be written); the raw tables are the loaded sample data.
The seeds' trap and the terminal report run against the test warehouse's own tables.
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import subprocess
import sys
import uuid

import pytest

from local_stack.adhoc import run_query
from nba_backfill import processors
from nba_backfill.catalog.hash_spec import VERSION, row_hash
from nba_backfill.catalog.monitoring_tables import (
    COVERAGE_HISTORY,
    COVERAGE_HISTORY_DATES,
    COVERAGE_LATEST_VIEW,
)
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage import plan, verify
from nba_backfill.coverage.figures import MISSING, PARTIAL, UNEXPECTED
from nba_backfill.coverage.history import record
from nba_backfill.coverage.measure import measure_table
from nba_backfill.coverage.repairs import plan_repairs
from nba_backfill.coverage.report import date_ranges
from nba_backfill.warehouse.client import load_rows
from tests.as_of import AS_OF, AS_OF_DATE

pytestmark = pytest.mark.integration

D = datetime.date
WINDOW = (D(2021, 10, 19), D(2021, 10, 23))
PLAYERS = REGISTRY["player_game_summary"]
OFFENSE = REGISTRY["team_offense_game_summary"]
RUN = processors.RunInfo("test__coverage", "test", datetime.datetime(2026, 11, 22, tzinfo=datetime.UTC))
DEFECT_COUNTERS = (
    "missing_keys",
    "unexpected_keys",
    "drifted_rows",
    "unhashed",
    "old_spec_hashes",
    "malformed_hashes",
    "null_key_rows",
    "duplicate_keys",
    "duplicate_hashes",
    "totals_mismatches",
    "parity_mismatches",
)


def _game_dates(sample_data, first, last) -> list[datetime.date]:
    return sorted(
        {
            g["game_date"]
            for g in sample_data.source.schedule
            if first <= g["game_date"] <= last and not g["is_postponed"]
        }
    )


def _rows(sample_data, table, first, last) -> list[dict]:
    days = _game_dates(sample_data, first, last)
    return processors.finalize(table, processors.compute(table, sample_data.source, days), RUN)


@pytest.fixture(scope="module")
def copies(bq, loaded_warehouse):
    """Load rows into a nullable copy of a registry table; returns the copy's table id."""
    import uuid

    from google.cloud import bigquery

    dataset = f"scratch_cov_{uuid.uuid4().hex[:8]}"
    bq.create_dataset(dataset)
    counter = iter(range(10_000))

    def load(table, rows) -> str:
        table_id = f"{dataset}.{table.name}_{next(counter)}"
        schema = [bigquery.SchemaField(c.name, c.type) for c in table.all_columns]
        target = bigquery.Table(f"{bq.project}.{table_id}", schema=schema)
        target.time_partitioning = bigquery.TimePartitioning(field="game_date")
        bq.create_table(target)
        load_rows(table_id, rows, [(c.name, c.type) for c in table.all_columns], client=bq)
        return table_id

    yield load
    bq.delete_dataset(dataset, delete_contents=True, not_found_ok=True)


def _rehash(table, row: dict) -> dict:
    row["data_hash"] = row_hash(row, table.hash_columns)
    return row


def _defects(cov) -> dict[str, int]:
    found = {name: getattr(cov, name) for name in DEFECT_COUNTERS}
    found["unknown_ids"] = sum(cov.unknown_ids.values())
    return {name: n for name, n in found.items() if n}


@pytest.mark.parametrize("table", [PLAYERS, OFFENSE], ids=lambda t: t.name)
def test_a_complete_table_is_complete(table, sample_data, copies, bq):
    rows = _rows(sample_data, table, *WINDOW)
    cov = measure_table(table, *WINDOW, bq, table_id=copies(table, rows))
    assert cov.complete, cov.reasons()
    assert cov.status == "COMPLETE" and cov.reasons() == []
    assert cov.expected_dates == _game_dates(sample_data, *WINDOW)
    assert cov.expected_rows == cov.present_rows == cov.hashed_rows == cov.actual_rows == len(rows)
    assert cov.coverage_pct == cov.hashed_pct == 100.0
    assert cov.parity_checked == min(200, len(rows)) and _defects(cov) == {}
    assert (cov.min_date, cov.max_date) == (WINDOW[0], cov.expected_dates[-1])


def _drop_date(rows, table):
    return [r for r in rows if r["game_date"] != D(2021, 10, 21)]


def _duplicate(rows, table):
    # A scorer counted twice: his team's total no longer matches the box score either.
    return [*rows, dict(next(r for r in rows if r["points"] > 0))]


def _shared_hash(rows, table):
    rows[1]["data_hash"] = rows[0]["data_hash"]
    return rows


def _malformed(rows, table):
    rows[0]["data_hash"] = "NOT-A-HASH-" + rows[0]["data_hash"][:5]
    return rows


def _old_spec(rows, table):
    rows[0]["hash_spec_version"] = VERSION - 1
    return rows


def _null_key(rows, table):
    # A player without points, so the team totals stay right; the stored hash was
    # computed with the game id, so the row's recomputed hash differs too.
    next(r for r in rows if r["points"] == 0)["game_id"] = None
    return rows


def _team_total(rows, table):
    rows[0]["points"] += 2
    _rehash(table, rows[0])  # a well-hashed row: only the total is wrong
    return rows


def _drifted_hash(rows, table):
    rows[0]["fga"] += 1  # the stored hash no longer matches the row's own columns
    return rows


def _unknown_team(rows, table):
    rows[0]["team_id"] = 1
    _rehash(table, rows[0])
    return rows


@pytest.mark.parametrize(
    ("table", "inject", "expected_defects", "reason"),
    [
        (PLAYERS, _drop_date, {"missing_keys": ...}, "1 of 5 expected dates missing"),
        (PLAYERS, _duplicate, {"duplicate_keys": 1, "totals_mismatches": 1}, "1 duplicate key rows"),
        (
            OFFENSE,
            _shared_hash,
            {"duplicate_hashes": 2, "drifted_rows": 1, "parity_mismatches": 1},
            "2 rows share a hash",
        ),
        (OFFENSE, _malformed, {"malformed_hashes": 1}, "1 malformed hashes (not 16 lowercase hex)"),
        (OFFENSE, _old_spec, {"old_spec_hashes": 1}, f"1 hashes from an older spec (current v{VERSION})"),
        (
            PLAYERS,
            _null_key,
            {"null_key_rows": 1, "missing_keys": 1, "parity_mismatches": 1},
            "1 rows with NULL key columns",
        ),
        (
            OFFENSE,
            _team_total,
            {"totals_mismatches": 1},
            "1 team-games whose points disagree with the box scores",
        ),
        (
            OFFENSE,
            _drifted_hash,
            {"drifted_rows": 1, "parity_mismatches": 1},
            "1 rows whose stored hash differs from the hash of their own content",
        ),
        (OFFENSE, _unknown_team, {"unknown_ids": 1}, "1 rows with a team_id unknown to the raw tables"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_each_defect_is_found_and_nothing_else(
    table, inject, expected_defects, reason, sample_data, copies, bq
):
    rows = inject(copy.deepcopy(_rows(sample_data, table, *WINDOW)), table)
    cov = measure_table(table, *WINDOW, bq, table_id=copies(table, rows), parity_sample=10_000)
    assert cov.status == "INCOMPLETE"
    found = _defects(cov)
    assert found.keys() == expected_defects.keys(), found
    for name, count in expected_defects.items():
        assert found[name] > 0 if count is ... else found[name] == count, (name, found)
    assert any(reason in r for r in cov.reasons()), cov.reasons()


def test_a_missing_date_in_mid_season_is_one_gap_with_its_repair(sample_data, copies, bq):
    season = (D(2022, 1, 3), D(2022, 1, 16))
    gap = D(2022, 1, 10)
    rows = [r for r in _rows(sample_data, OFFENSE, *season) if r["game_date"] != gap]
    cov = measure_table(OFFENSE, *season, bq, table_id=copies(OFFENSE, rows))
    assert cov.dates_in(MISSING) == [gap] and cov.dates_in(PARTIAL) == []
    assert cov.present_rows == cov.expected_rows - 2 * sum(
        1 for g in sample_data.source.schedule if g["game_date"] == gap and not g["is_postponed"]
    )
    (repair,) = plan_repairs(cov, {gap: True})
    assert (repair.from_date, repair.to_date, repair.reprocess_behavior) == (gap, gap, "completed")
    (repair,) = plan_repairs(cov, {})
    assert repair.reprocess_behavior == "failed"


def test_days_without_games_and_postponed_originals_are_not_gaps(sample_data, copies, bq):
    # Dec 19-21 2021 hold postponed originals; Feb 18-23 2022 is the All-Star break.
    window = (D(2021, 12, 17), D(2022, 2, 26))
    rows = _rows(sample_data, OFFENSE, *window)
    cov = measure_table(OFFENSE, *window, bq, table_id=copies(OFFENSE, rows))
    assert cov.complete, cov.reasons()
    played = {
        (g["game_date"], g["game_id"])
        for g in sample_data.source.schedule
        if window[0] <= g["game_date"] <= window[1]
    }
    postponed = {(g["game_date"], g["game_id"]) for g in sample_data.source.schedule if g["is_postponed"]}
    assert played & postponed, "the window must hold postponed originals"
    expected = {day: 0 for day, _ in played - postponed}
    for day, _ in played - postponed:
        expected[day] += 2
    assert {d.game_date: d.expected for d in cov.dates} == expected
    assert not any(D(2022, 2, 18) <= day <= D(2022, 2, 23) for day in expected)


def test_rows_on_a_day_without_games_are_found(sample_data, copies, bq):
    rows = _rows(sample_data, OFFENSE, *WINDOW)
    stray = _rehash(OFFENSE, dict(rows[0], game_date=D(2021, 10, 18)))
    cov = measure_table(OFFENSE, D(2021, 10, 17), WINDOW[1], bq, table_id=copies(OFFENSE, [*rows, stray]))
    assert cov.dates_in(UNEXPECTED) == [D(2021, 10, 18)]
    assert "1 rows on 1 dates without games" in cov.reasons()


def test_the_seeds_trap_reports_the_share_of_one_date(loaded_warehouse, sample_data, bq):
    """Session 42: three tables hold only the test date 2021-11-15 of the first month."""
    names = ["team_offense_game_summary", "team_defense_game_summary", "upcoming_player_game_context"]
    tables, ranges = plan(names, "2021-10-19", "2021-11-19", now=AS_OF)
    report = verify(tables, ranges, bq)
    calendar = _game_dates(sample_data, D(2021, 10, 19), D(2021, 11, 19))
    games = [g for g in sample_data.source.schedule if g["game_date"] in calendar and not g["is_postponed"]]
    team_share = sum(g["game_date"] == D(2021, 11, 15) for g in games) / len(games)
    for t in report.tables:
        assert t.status == "INCOMPLETE"
        if t.table != "upcoming_player_game_context":
            assert t.coverage_pct == pytest.approx(100 * team_share)
        assert t.coverage_pct < 5, t.coverage_pct
        assert date_ranges(t.dates_in(MISSING), calendar) == [
            (D(2021, 10, 19), D(2021, 11, 14)),
            (D(2021, 11, 16), D(2021, 11, 19)),
        ]
        gaps = set(t.dates_in(MISSING)) | set(t.dates_in(PARTIAL))
        repaired = {d for r in report.repairs[t.table] for d in calendar if r.from_date <= d <= r.to_date}
        assert repaired == gaps
    text = report.to_text()
    assert "0 of 3 tables COMPLETE for 2021-10-19..2021-11-19, a window of 32 of " in text
    assert f"({report.tables[0].coverage_pct:.1f}% present)" in text
    assert "missing dates (31): 2021-10-19..2021-11-14, 2021-11-16..2021-11-19" in text


def test_history_is_appended_once_per_verification_and_the_view_shows_the_latest(loaded_warehouse, bq):
    tables, ranges = plan(["team_offense_game_summary"], "2021-10-19", "2021-11-19", now=AS_OF)
    # Verified after every verification the warehouse already holds (earlier runs, other clocks).
    newest = next(
        iter(run_query(f"select max(verified_at) as t from `{COVERAGE_HISTORY.table_id}`", client=bq))
    ).t
    report = verify(
        tables, ranges, bq, parity_sample=0, now=max(AS_OF, newest or AS_OF) + datetime.timedelta(seconds=1)
    )
    vid = f"test__{uuid.uuid4().hex}"
    record(report, vid, "manual", bq)
    record(report, vid, "manual", bq)  # a retried task: nothing doubles
    counts = {
        target.table_id: next(
            iter(
                run_query(
                    f"select count(*) as n from `{target.table_id}` where verification_id = @v",
                    {"v": vid},
                    client=bq,
                )
            )
        ).n
        for target in (COVERAGE_HISTORY, COVERAGE_HISTORY_DATES)
    }
    assert counts == {
        COVERAGE_HISTORY.table_id: 1,
        COVERAGE_HISTORY_DATES.table_id: len(report.tables[0].dates),
    }
    latest = next(
        iter(
            run_query(
                f"select * from `{COVERAGE_LATEST_VIEW}` where table_name = 'team_offense_game_summary'",
                client=bq,
            )
        )
    )
    assert latest.verification_id == vid and latest.status == "INCOMPLETE"
    assert json.loads(latest.missing_ranges) == [["2021-10-19", "2021-11-14"], ["2021-11-16", "2021-11-19"]]
    assert latest.coverage_pct == pytest.approx(report.tables[0].coverage_pct, abs=0.01)
    states = {
        row.state: row.n
        for row in run_query(
            f"select state, count(*) as n from `{COVERAGE_HISTORY_DATES.table_id}` where verification_id = @v group by state",
            {"v": vid},
            client=bq,
        )
    }
    assert states == {"missing": 31, "partial": 1}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nba_backfill.coverage", "--as-of", str(AS_OF_DATE), *args],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_terminal_report_exits_1_on_gaps_and_prints_json(loaded_warehouse):
    result = _cli(
        "--tables",
        "upcoming_player_game_context",
        "--from-date",
        "2021-10-19",
        "--to-date",
        "2021-11-19",
        "--json",
    )
    assert result.returncode == 1, result.stderr[-2000:]
    body = json.loads(result.stdout)
    (table,) = body["tables"]
    assert table["status"] == "INCOMPLETE" and table["coverage_pct"] < 5
    assert table["missing_ranges"] == [["2021-10-19", "2021-11-14"], ["2021-11-16", "2021-11-19"]]
    assert len(table["dates"]) == table["expected_dates"] == 32


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tables", "player_summary"], "unknown table 'player_summary'"),
        (["--from-date", "2021-02-30"], "is not a real calendar date"),
        (
            ["--from-date", "2021-11-19", "--to-date", "2021-10-19"],
            "from_date 2021-11-19 is after to_date 2021-10-19",
        ),
        (["--to-date", "2099-01-01"], "is in the future"),
        (["--parity-sample", "-1"], "--parity-sample must be 0 or more"),
        (["--as-of", "2024-13-01"], "--as-of '2024-13-01' is not a date in the form YYYY-MM-DD"),
    ],
)
def test_terminal_report_refuses_bad_requests_with_exit_2(args, message):
    result = _cli(*args)
    assert result.returncode == 2
    assert message in result.stderr and result.stdout == ""


# -- identity: ways a table can look complete by counting while it is not ---------------------


def _other_game_id(sample_data, day: datetime.date) -> str:
    """A real game id that is not scheduled on ``day`` (it belongs to another date)."""
    return next(g["game_id"] for g in sample_data.source.schedule if g["game_date"] == D(2021, 10, 26))


def _problem(cov, problem: str) -> list[tuple]:
    return [(k.game_date, k.game_id, k.entity) for k in cov.problem_keys.get(problem, [])]


def test_a_row_swapped_for_a_game_not_scheduled_that_day_is_missing_and_unexpected_by_key(
    sample_data, copies, bq
):
    rows = copy.deepcopy(_rows(sample_data, OFFENSE, *WINDOW))
    victim = rows[3]
    expected_key = (victim["game_date"], victim["game_id"], victim["team_abbr"])
    victim["game_id"] = _other_game_id(sample_data, victim["game_date"])
    _rehash(OFFENSE, victim)  # a well-formed, correct hash: only identity can tell
    cov = measure_table(OFFENSE, *WINDOW, bq, table_id=copies(OFFENSE, rows))

    day = next(d for d in cov.dates if d.game_date == victim["game_date"])
    assert day.actual == day.expected, "the counts match, as in the old verifier"
    assert day.state == PARTIAL and cov.status == "INCOMPLETE"
    assert _problem(cov, "missing") == [expected_key]
    assert _problem(cov, "unexpected") == [(victim["game_date"], victim["game_id"], victim["team_abbr"])]
    assert (cov.missing_keys, cov.unexpected_keys, cov.drifted_rows) == (1, 1, 0)
    assert "1 rows whose key the schedule does not expect on their date" in cov.reasons()
    named = cov.problem_keys["missing"][0]
    assert named.name and named.describe().startswith(f"missing    {expected_key[0]} {expected_key[1]}")


def test_a_player_who_did_not_play_in_place_of_one_who_did_is_caught(sample_data, copies, bq):
    day = WINDOW[0]
    rows = copy.deepcopy(_rows(sample_data, PLAYERS, day, day))
    dnp = next(
        b
        for b in sample_data.source.player_boxscores
        if b["game_date"] == day and not (b["minutes"] or 0) > 0 and b["player_id"] is not None
    )
    replaced = next(r for r in rows if r["game_id"] == dnp["game_id"] and r["team_abbr"] == dnp["team_abbr"])
    gone = (replaced["game_date"], replaced["game_id"], str(replaced["player_id"]))
    replaced.update(
        player_id=dnp["player_id"], player_name=dnp["player_name"], player_lookup=dnp["player_lookup"]
    )
    _rehash(PLAYERS, replaced)
    cov = measure_table(PLAYERS, day, day, bq, table_id=copies(PLAYERS, rows))

    assert cov.actual_rows == cov.expected_rows and cov.status == "INCOMPLETE"
    assert _problem(cov, "missing") == [gone]
    assert _problem(cov, "unexpected") == [(day, dnp["game_id"], str(dnp["player_id"]))]
    assert cov.problem_keys["unexpected"][0].name == dnp["player_name"]


def test_a_row_filed_under_the_wrong_date_is_missing_on_one_date_and_unexpected_on_another(
    sample_data, copies, bq
):
    rows = copy.deepcopy(_rows(sample_data, OFFENSE, *WINDOW))
    days = _game_dates(sample_data, *WINDOW)
    moved = next(r for r in rows if r["game_date"] == days[1])
    moved["game_date"] = days[2]
    _rehash(OFFENSE, moved)
    cov = measure_table(OFFENSE, *WINDOW, bq, table_id=copies(OFFENSE, rows))

    states = {d.game_date: d.state for d in cov.dates}
    assert states[days[1]] == PARTIAL and states[days[2]] == UNEXPECTED
    assert [k[0] for k in _problem(cov, "missing")] == [days[1]]
    assert [k[0] for k in _problem(cov, "unexpected")] == [days[2]]
    assert cov.actual_rows == cov.expected_rows


def test_every_stored_hash_is_recomputed_not_a_sample(sample_data, copies, bq):
    """A row changed after hashing and a wrong but well-formed hash, wherever they sort."""
    rows = copy.deepcopy(_rows(sample_data, OFFENSE, *WINDOW))
    by_hash = sorted(rows, key=lambda r: r["data_hash"])
    edited, forged = by_hash[-1], by_hash[-2]  # the highest hashes: a low sample never sees them
    edited["points"] += 1  # after hashing
    forged["data_hash"] = "fedcba9876543210"  # 16 lowercase hex, not this row's, sorting high
    cov = measure_table(OFFENSE, *WINDOW, bq, table_id=copies(OFFENSE, rows), parity_sample=5)

    assert cov.parity_mismatches == 0, "the Python sample saw neither"
    assert cov.drifted_rows == 2 and cov.status == "INCOMPLETE"
    drifted = {(k.game_id, k.entity): k for k in cov.problem_keys["drifted"]}
    assert set(drifted) == {
        (edited["game_id"], edited["team_abbr"]),
        (forged["game_id"], forged["team_abbr"]),
    }
    assert drifted[(forged["game_id"], forged["team_abbr"])].stored_hash == "fedcba9876543210"
    assert drifted[(edited["game_id"], edited["team_abbr"])].recomputed_hash == row_hash(
        edited, OFFENSE.hash_columns
    )
    assert {d.state for d in cov.dates if d.drifted} == {"drifted"}


def test_an_uppercase_hash_is_malformed_even_though_it_is_hex(sample_data, copies, bq):
    # Only a hash with letters can tell [0-9a-f] from [0-9a-fA-F]: BigQuery's TO_HEX is lowercase.
    rows = copy.deepcopy(_rows(sample_data, OFFENSE, *WINDOW))
    row = next(r for r in rows if any(c in "abcdef" for c in r["data_hash"]))
    row["data_hash"] = row["data_hash"].upper()
    cov = measure_table(OFFENSE, *WINDOW, bq, table_id=copies(OFFENSE, rows))

    assert (cov.malformed_hashes, cov.drifted_rows) == (1, 0)
    assert _problem(cov, "malformed") == [(row["game_date"], row["game_id"], row["team_abbr"])]
    assert "1 malformed hashes (not 16 lowercase hex)" in cov.reasons()


def test_a_window_verdict_says_it_is_a_window_and_history_keeps_the_other_dates(loaded_warehouse, bq):
    """Verifying a narrower range updates those dates only; the headline still speaks for the history."""
    from nba_backfill.catalog.monitoring_tables import COVERAGE_DATES_LATEST_VIEW

    name = "team_offense_game_summary"

    def verified(first: str, last: str):
        tables, ranges = plan([name], first, last, now=AS_OF)
        newest = next(
            iter(run_query(f"select max(verified_at) as t from `{COVERAGE_HISTORY.table_id}`", client=bq))
        ).t
        at = max(AS_OF, newest or AS_OF) + datetime.timedelta(seconds=1)
        report = verify(tables, ranges, bq, parity_sample=0, now=at, as_of=AS_OF)
        vid = f"test__window_{uuid.uuid4().hex}"
        record(report, vid, "manual", bq)
        return report, vid

    def latest(day: str) -> tuple[str, str]:
        row = next(
            iter(
                run_query(
                    f"select verification_id, state from `{COVERAGE_DATES_LATEST_VIEW}` "
                    "where table_name = @t and game_date = @d",
                    {"t": name, "d": datetime.date.fromisoformat(day)},
                    client=bq,
                )
            )
        )
        return row.verification_id, row.state

    _, first = verified("2021-10-19", "2021-10-20")  # the seeds' state: nothing there
    report, second = verified("2021-11-15", "2021-11-15")  # the test date: present, unhashed

    assert latest("2021-10-19") == (first, MISSING) and latest("2021-10-20") == (first, MISSING)
    assert latest("2021-11-15") == (second, PARTIAL)
    (t,) = report.tables
    assert t.history is not None and not t.history.complete
    assert t.history.states[MISSING] >= 2 and t.history.states[PARTIAL] >= 1
    assert sum(t.history.states.values()) == t.history.expected_dates
    assert t.verdict() == (
        f"INCOMPLETE for 2021-11-15..2021-11-15 — 1 of {t.history.expected_dates:,} game dates; "
        f"history: {t.history.complete_pct:.0f}% verified complete"
    )
    assert "a window of 1 of" in report.headline()
    assert "whole history: 0 of 1 tables COMPLETE" in report.headline()
    row = next(
        iter(
            run_query(
                f"select history_status, history_expected_dates, verdict from `{COVERAGE_HISTORY.table_id}` "
                "where verification_id = @v",
                {"v": second},
                client=bq,
            )
        )
    )
    assert (row.history_status, row.history_expected_dates, row.verdict) == (
        "INCOMPLETE",
        t.history.expected_dates,
        t.verdict(),
    )


def test_keys_lists_every_problem_key_streamed(loaded_warehouse, bq):
    """--keys names all of them, not the first few: here every key of two whole dates is missing."""
    table = REGISTRY["upcoming_player_game_context"]
    first, last = D(2021, 10, 19), D(2021, 10, 20)
    cov = measure_table(table, first, last, bq, parity_sample=0)
    assert cov.missing_keys > 10  # more than the report names

    result = _cli(
        "--tables", table.name, "--from-date", str(first), "--to-date", str(last), "--keys", "--json"
    )
    assert result.returncode == 1, result.stderr[-2000:]
    keys = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(keys) == cov.missing_keys + cov.unexpected_keys + cov.drifted_rows + cov.unhashed
    missing = {(k["game_date"], k["game_id"], k["entity"]) for k in keys if k["problem"] == "missing"}
    assert len(missing) == cov.missing_keys
    assert all(k["table"] == table.name and k["name"] for k in keys)

    text = _cli("--tables", table.name, "--from-date", str(first), "--to-date", str(last), "--keys")
    assert text.returncode == 1
    header = "problem keys (table, kind, game date, game, team or player):"
    report, _, listed = text.stdout.partition(header)
    assert "0 of 1 tables COMPLETE" in report
    assert len(listed.strip().splitlines()) == len(keys)
