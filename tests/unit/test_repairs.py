"""The repair plan: which runs close a table's gaps, how long they take, and their commands."""

from __future__ import annotations

import datetime
import json
import shlex

import pytest

from local_stack.config import REPO_ROOT
from nba_backfill.coverage.figures import DateFigures, TableCoverage
from nba_backfill.coverage.repairs import MEASURED, PER_DATE, RANGE, Repair, format_duration, plan_repairs

D = datetime.date
TABLE = "team_offense_game_summary"


def _coverage(shape: dict[datetime.date, str]) -> TableCoverage:
    """A table whose dates are complete, missing, unhashed (keys there, no hash) or swapped
    (one key missing, one unexpected in its place)."""
    figures = {
        "complete": lambda day: DateFigures(day, 2, 2, 2, 0, hashed=2),
        "missing": lambda day: DateFigures(day, 2, 0, 0, 2),
        "unhashed": lambda day: DateFigures(day, 2, 2, 2, 0, unhashed=2),
        "drifted": lambda day: DateFigures(day, 2, 2, 2, 0, hashed=1, drifted=1),
        "swapped": lambda day: DateFigures(day, 2, 2, 1, 1, hashed=1, unexpected=1),
    }
    days = sorted(shape)
    cov = TableCoverage(TABLE, days[0], days[-1])
    cov.dates = [figures[shape[day]](day) for day in days]
    return cov


def _days(first: datetime.date, n: int) -> list[datetime.date]:
    return [first + datetime.timedelta(days=i) for i in range(n)]


def test_the_throughput_is_the_committed_benchmarks():
    bench = json.loads((REPO_ROOT / "bench" / "results" / "backfill_benchmark.json").read_text())
    month = bench["range_mode"]
    history = bench["whole_history"]
    assert MEASURED.per_date_seconds == pytest.approx(
        60 / bench["per_date"]["partitions_per_minute"], abs=0.05
    )
    assert MEASURED.range_fixed_seconds == {
        "sql": month["first_month_sql"]["seconds"],
        "processor": month["first_month_processor"]["seconds"],
    }
    for mode, total, fixed in (
        ("sql", history["history_sql_backfill_seconds"], month["first_month_sql"]["seconds"]),
        (
            "processor",
            history["history_processor_backfill_seconds"],
            month["first_month_processor"]["seconds"],
        ),
    ):
        expected = (total - fixed) / history["game_dates"]
        assert MEASURED.range_seconds_per_date[mode] == pytest.approx(expected, abs=0.001)


def test_a_few_dates_are_per_date_runs_and_more_are_one_range_run_as_the_estimates_say():
    kinds = {}
    for gaps in (1, 2, 3, 4):
        days = _days(D(2021, 10, 19), 5)
        cov = _coverage({day: "missing" if i < gaps else "complete" for i, day in enumerate(days)})
        repairs = plan_repairs(cov, {})
        (kinds[gaps],) = {r.kind for r in repairs}
        assert sum(r.dates for r in repairs) == gaps
        # The choice follows the measured estimates: the cheaper of the two.
        cheaper = min((PER_DATE, RANGE), key=lambda kind, n=gaps: MEASURED.seconds(kind, "processor", n))
        assert kinds[gaps] == cheaper, gaps
    assert kinds[1] == PER_DATE and kinds[4] == RANGE


def test_a_long_gap_is_one_range_run_over_the_span_in_minutes_not_hours():
    days = _days(D(2016, 10, 25), 1700)
    shape = {day: "missing" for day in days}
    shape[days[900]] = "complete"  # a complete date inside the span is rerun, harmlessly
    (repair,) = plan_repairs(_coverage(shape), {})
    assert (repair.kind, repair.mode, repair.from_date, repair.to_date) == (
        RANGE,
        "processor",
        days[0],
        days[-1],
    )
    assert (repair.dates, repair.game_dates) == (1699, 1700)
    assert repair.estimated_seconds < 10 * 60
    assert MEASURED.seconds(PER_DATE, "processor", 1699) > 4 * 3600  # what per-date runs would take
    assert repair.describe() == (
        f"one range run, processor path, over 1,700 game dates, about {format_duration(repair.estimated_seconds)}"
    )


def test_the_sql_path_repairs_hashes_and_the_processor_path_repairs_keys():
    days = _days(D(2021, 10, 19), 4)
    hashes_only = _coverage(dict(zip(days, ["unhashed", "drifted", "complete", "unhashed"], strict=True)))
    (repair,) = plan_repairs(hashes_only, {})
    assert (repair.kind, repair.mode) == (RANGE, "sql")
    assert repair.conf == {
        "from_date": "2021-10-19",
        "to_date": "2021-10-22",
        "mode": "sql",
        "chunk": "auto",
    }
    for wrong_keys in ("missing", "swapped"):
        cov = _coverage(dict(zip(days, ["unhashed", wrong_keys, "complete", "unhashed"], strict=True)))
        (repair,) = plan_repairs(cov, {})
        assert (repair.kind, repair.mode) == (RANGE, "processor"), wrong_keys
        assert repair.conf["chunk"] == "auto"  # chunks of bounded rows on the processor path


def test_commands_unpause_first_and_parse_back():
    per_date = Repair(TABLE, D(2021, 10, 20), D(2021, 10, 21), "completed", 2, game_dates=2)
    ranged = Repair(TABLE, D(2016, 10, 25), D(2021, 7, 17), "", 1200, kind=RANGE, mode="sql", game_dates=1300)
    assert per_date.command == (
        f"airflow dags unpause backfill_{TABLE} && airflow backfill create --dag-id backfill_{TABLE} "
        "--from-date 2021-10-20 --to-date 2021-10-21 --reprocess-behavior completed"
    )
    first, second = ranged.command.split(" && ")
    assert first == f"airflow dags unpause backfill_range_{TABLE}"
    argv = shlex.split(second)
    assert argv[:4] == ["airflow", "dags", "trigger", f"backfill_range_{TABLE}"]
    assert argv[4] == "--conf" and json.loads(argv[5]) == ranged.conf
    for repair in (per_date, ranged):
        parsed = Repair.parse(repair.command)
        assert (parsed.table, parsed.kind, parsed.mode, parsed.from_date, parsed.to_date) == (
            repair.table,
            repair.kind,
            repair.mode,
            repair.from_date,
            repair.to_date,
        )
    # Commands recorded before repairs unpaused their DAG still parse.
    old = (
        f"airflow backfill create --dag-id backfill_{TABLE} --from-date 2021-10-20 --to-date 2021-10-21 "
        "--reprocess-behavior failed"
    )
    assert Repair.parse(old).reprocess_behavior == "failed"
    with pytest.raises(ValueError, match="not a repair command"):
        Repair.parse("rm -rf / && airflow backfill create --dag-id backfill_x")
