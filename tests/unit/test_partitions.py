"""The partition-date rule: backfill bounds map to exactly the game dates asked for."""

from __future__ import annotations

import datetime

import pendulum
import pytest

from nba_backfill.catalog.partitions import InvalidGameDate, owned_partition, parse_game_date, timetable_for
from nba_backfill.catalog.registry import REGISTRY

D = datetime.date
SUMMARY = REGISTRY["team_offense_game_summary"]
UPCOMING = REGISTRY["upcoming_team_game_context"]


def scheduler_timetable(table):
    """The timetable as the scheduler and backfill see it (the DAG file declares the SDK one)."""
    from airflow.serialization.encoders import coerce_to_core_timetable

    return coerce_to_core_timetable(timetable_for(table))


def backfill_keys(table, from_date: str, to_date: str) -> list[str]:
    """The partition keys Airflow's backfill creates for --from-date/--to-date (UTC midnights)."""
    infos = scheduler_timetable(table).iter_partition_dagrun_infos(
        earliest=pendulum.parse(from_date), latest=pendulum.parse(to_date)
    )
    return [info.partition_key for info in infos]


@pytest.mark.parametrize("table", [SUMMARY, UPCOMING], ids=lambda t: t.name)
def test_backfill_owns_exactly_the_requested_game_dates_across_the_dst_change(table):
    keys = backfill_keys(table, "2021-10-19", "2021-11-19")
    expected = [str(D(2021, 10, 19) + datetime.timedelta(days=i)) for i in range(32)]
    assert keys == expected
    assert "2021-11-07" in keys  # the DST change inside the seeds' first month


def test_summary_runs_own_yesterday_and_upcoming_runs_own_today():
    tick = pendulum.datetime(2021, 11, 8, 0, 0, tz="America/New_York")
    summary = scheduler_timetable(SUMMARY)._get_partition_info(run_date=tick)[1]
    upcoming = scheduler_timetable(UPCOMING)._get_partition_info(run_date=tick)[1]
    assert (summary, upcoming) == ("2021-11-07", "2021-11-08")


@pytest.mark.parametrize("table", [SUMMARY, UPCOMING], ids=lambda t: t.name)
@pytest.mark.parametrize(
    "run_after",
    [
        pendulum.datetime(2021, 11, 8, 0, 30, tz="America/New_York"),
        # 04:30 UTC on the 8th is still the 7th in Eastern time: the 7th's tick owns it.
        pendulum.datetime(2021, 11, 7, 23, 30, tz="America/New_York"),
        pendulum.datetime(2021, 11, 7, 0, 0, tz="America/New_York"),  # on the tick, DST change day
    ],
    ids=str,
)
def test_a_manual_run_without_a_date_owns_the_partition_of_the_schedules_last_tick(table, run_after):
    """The same partition the scheduler's own timetable gives the last tick at or before run_after."""
    tick = run_after.in_timezone("America/New_York").start_of("day")
    key = scheduler_timetable(table)._get_partition_info(run_date=tick)[1]
    assert str(owned_partition(table, run_after.in_timezone("UTC"))) == key


NOW = datetime.datetime(2024, 12, 5, 15, 0, tzinfo=datetime.UTC)  # 10:00 Eastern


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2021-13-01", "not a real calendar date"),
        ("21-11-01", "not a date in the form YYYY-MM-DD"),
        ("2021-11-01; drop table x", "not a date in the form YYYY-MM-DD"),
        ("2016-09-30", "before team_offense_game_summary's history start 2016-10-01"),
        (
            "2024-12-05",
            "in the future for team_offense_game_summary: its newest partition today is 2024-12-04",
        ),
        (datetime.datetime(2021, 11, 1), "must be a date"),
    ],
)
def test_bad_game_dates_are_refused_with_a_clear_message(value, message):
    with pytest.raises(InvalidGameDate, match=message.replace("(", r"\(")):
        parse_game_date(value, SUMMARY, now=NOW)


def test_good_game_dates_parse():
    assert parse_game_date("2021-11-07", SUMMARY, now=NOW) == D(2021, 11, 7)
    assert parse_game_date(D(2024, 12, 5), UPCOMING, now=NOW) == D(2024, 12, 5)
