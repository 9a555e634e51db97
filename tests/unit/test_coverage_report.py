"""The coverage report's arithmetic: date states, ranges, repairs, requests and the alert text."""

from __future__ import annotations

import datetime

import pytest

from nba_backfill.coverage import CoverageRequestError, plan
from nba_backfill.coverage.figures import (
    COMPLETE,
    DRIFTED,
    MISSING,
    PARTIAL,
    UNEXPECTED,
    DateFigures,
    TableCoverage,
)
from nba_backfill.coverage.repairs import Repair, per_date_repairs, plan_repairs
from nba_backfill.coverage.report import CoverageReport, date_ranges
from nba_backfill.coverage.tasks import alert_message

D = datetime.date


def _day(day: datetime.date, expected: int, present: int, hashed: int, **problems: int) -> DateFigures:
    """A date with ``present`` of ``expected`` keys stored once each, ``hashed`` of them hashed correctly."""
    unhashed = problems.pop("unhashed", present - hashed - problems.get("drifted", 0))
    actual = (
        present + problems.get("unexpected", 0) + problems.get("duplicates", 0) + problems.get("null_keys", 0)
    )
    return DateFigures(
        day, expected, actual, present, expected - present, hashed=hashed, unhashed=unhashed, **problems
    )


def _coverage(states: dict[datetime.date, tuple[int, int, int]]) -> TableCoverage:
    """A table whose dates hold (expected, present, hashed) keys."""
    days = sorted(states)
    cov = TableCoverage("player_game_summary", days[0], days[-1])
    cov.dates = [_day(day, *states[day]) for day in days]
    return cov


def test_date_states():
    day = D(2021, 10, 19)
    assert _day(day, 10, 10, 10).state == COMPLETE
    assert _day(day, 10, 0, 0).state == MISSING
    assert _day(day, 10, 9, 9).state == PARTIAL  # a key missing
    assert _day(day, 10, 10, 9).state == PARTIAL  # one row unhashed
    assert _day(day, 10, 10, 10, duplicates=1).state == PARTIAL
    assert _day(day, 10, 10, 10, null_keys=1).state == PARTIAL
    assert _day(day, 10, 10, 9, unhashed=0, old_spec=1).state == PARTIAL
    assert _day(day, 10, 10, 9, unhashed=0, malformed=1).state == PARTIAL
    assert _day(day, 10, 10, 10, unexpected=1).state == UNEXPECTED  # a key the schedule does not expect
    assert _day(day, 10, 10, 9, drifted=1).state == DRIFTED  # a hash that is not its row's
    # Counts that match are not enough: one key missing, one unexpected in its place.
    swapped = _day(day, 10, 9, 9, unexpected=1)
    assert swapped.actual == swapped.expected and swapped.state == PARTIAL
    assert DateFigures(day, 0, 3).state == UNEXPECTED  # rows on a date without games
    assert DateFigures(day, 0, 0).state == COMPLETE


def test_ranges_collapse_over_the_game_calendar_not_the_wall_calendar():
    calendar = [D(2022, 2, 16), D(2022, 2, 17), D(2022, 2, 24), D(2022, 2, 25), D(2022, 2, 26)]
    # The All-Star break (Feb 18-23) has no games: 17 and 24 are neighbours.
    assert date_ranges([D(2022, 2, 17), D(2022, 2, 24)], calendar) == [(D(2022, 2, 17), D(2022, 2, 24))]
    assert date_ranges([D(2022, 2, 16), D(2022, 2, 25)], calendar) == [
        (D(2022, 2, 16), D(2022, 2, 16)),
        (D(2022, 2, 25), D(2022, 2, 25)),
    ]
    assert date_ranges([], calendar) == []


def test_the_seeds_trap_is_three_percent_not_one_hundred():
    days = [D(2021, 10, 19) + datetime.timedelta(days=i) for i in range(32)]
    trap = _coverage({day: (20, 20, 20) if day == D(2021, 11, 15) else (20, 0, 0) for day in days})
    assert trap.coverage_pct == pytest.approx(100 / 32)
    assert trap.hashed_pct == pytest.approx(100 / 32)
    assert not trap.complete
    assert trap.reasons()[0] == "620 of 640 expected keys missing (3.1% present)"
    assert date_ranges(trap.dates_in(MISSING), [d.game_date for d in trap.dates]) == [
        (D(2021, 10, 19), D(2021, 11, 14)),
        (D(2021, 11, 16), D(2021, 11, 19)),
    ]


def test_per_date_repairs_pick_completed_where_the_last_run_succeeded_and_never_span_a_complete_date():
    days = [D(2021, 10, 19) + datetime.timedelta(days=i) for i in range(7)]
    #        19       20        21        22          23        24        25
    shape = [(5, 0, 0), (5, 0, 0), (5, 5, 5), (5, 2, 2), (5, 0, 0), (5, 5, 0), (5, 5, 5)]
    cov = _coverage(dict(zip(days, shape, strict=True)))
    succeeded_before = {D(2021, 10, 22): True, D(2021, 10, 23): True, D(2021, 10, 20): False}
    repairs = per_date_repairs(cov, succeeded_before)
    assert repairs == [
        Repair("player_game_summary", D(2021, 10, 19), D(2021, 10, 20), "failed", 2, game_dates=2),
        Repair("player_game_summary", D(2021, 10, 22), D(2021, 10, 23), "completed", 2, game_dates=2),
        Repair("player_game_summary", D(2021, 10, 24), D(2021, 10, 24), "failed", 1, game_dates=1),
    ]
    assert repairs[1].command == (
        "airflow dags unpause backfill_player_game_summary && "
        "airflow backfill create --dag-id backfill_player_game_summary --from-date 2021-10-22 "
        "--to-date 2021-10-23 --reprocess-behavior completed"
    )


def test_a_report_of_complete_tables_says_so_and_sends_nothing():
    cov = _coverage({D(2021, 10, 19): (5, 5, 5)})
    report = CoverageReport([cov], datetime.datetime(2026, 11, 22, tzinfo=datetime.UTC), "nba-props-platform")
    assert report.complete and report.headline() == "1 of 1 tables COMPLETE (2021-10-19..2021-10-19)"
    summary = report.to_dict(with_dates=False) | {"summary_table": "", "details": report.details()}
    assert alert_message(summary, {}, None, "http://x/run") is None


def test_the_alert_carries_figures_ranges_and_repairs():
    days = [D(2021, 10, 19) + datetime.timedelta(days=i) for i in range(3)]
    cov = _coverage({days[0]: (5, 5, 5), days[1]: (5, 0, 0), days[2]: (5, 5, 5)})
    report = CoverageReport([cov], datetime.datetime(2026, 11, 22, tzinfo=datetime.UTC), "nba-props-platform")
    report.repairs["player_game_summary"] = plan_repairs(cov, {days[1]: True})
    summary = report.to_dict(with_dates=False) | {
        "summary_table": report.summary_table(),
        "details": report.details(),
    }
    title, body = alert_message(summary, {}, None, "http://x/run")
    assert title == "NBA backfill coverage: 1 of 1 tables INCOMPLETE"
    assert "5 of 15 expected keys missing (66.7% present)" in body
    assert "missing dates (1): 2021-10-20" in body
    assert (
        "airflow backfill create --dag-id backfill_player_game_summary --from-date 2021-10-20 "
        "--to-date 2021-10-20 --reprocess-behavior completed"
    ) in body
    assert body.endswith("Run: http://x/run")


def test_a_late_run_and_a_failed_measurement_are_said_plainly():
    title, body = alert_message(
        None, {"player_game_summary": "2024-12-04"}, "WarehouseUnavailable: down", "u"
    )
    assert title == (
        "NBA backfill coverage: LATE backfill_player_game_summary (2024-12-04); coverage could not be verified"
    )
    assert "measure_coverage failed: WarehouseUnavailable: down" in body


NOW = datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC)


def test_plan_defaults_to_history_start_and_each_tables_newest_partition():
    tables, ranges = plan(None, now=NOW)
    assert [t.name for t in tables][:3] == [
        "player_game_summary",
        "team_offense_game_summary",
        "team_defense_game_summary",
    ]  # upstream first
    assert ranges["player_game_summary"] == (D(2016, 10, 1), D(2026, 11, 21))
    assert ranges["upcoming_team_game_context"] == (D(2016, 10, 1), D(2026, 11, 22))


@pytest.mark.parametrize(
    ("tables", "first", "last", "message"),
    [
        (["nope"], None, None, "unknown table 'nope'; known tables: player_game_summary"),
        (None, "2021-13-01", None, "from_date: game_date '2021-13-01' is not a real calendar date"),
        (None, "21-10-19", None, "from_date: game_date '21-10-19' is not a date in the form YYYY-MM-DD"),
        (None, "2021-11-19", "2021-10-19", "from_date 2021-11-19 is after to_date 2021-10-19"),
        (None, None, "2026-12-01", "to_date: game_date 2026-12-01 is in the future"),
        (None, "2015-10-01", None, "from_date: game_date 2015-10-01 is before"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(tables, first, last, message):
    with pytest.raises(CoverageRequestError, match=None) as caught:
        plan(tables, first, last, now=NOW)
    assert message in str(caught.value)


def test_sensors_read_table_lists_however_a_template_renders_them():
    from nba_backfill.coverage.sensors import table_names

    assert table_names("['player_game_summary', 'team_offense_game_summary']") == [
        "player_game_summary",
        "team_offense_game_summary",
    ]
    assert table_names("player_game_summary, team_offense_game_summary") == [
        "player_game_summary",
        "team_offense_game_summary",
    ]
    assert table_names(("player_game_summary",)) == ["player_game_summary"]
    assert table_names("") == table_names(None) == []
