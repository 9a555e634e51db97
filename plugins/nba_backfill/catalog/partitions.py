"""The partition-date rule: which ``game_date`` a DAG run owns. Defined here, only here.

Every backfill DAG uses Airflow's ``CronPartitionTimetable`` in US/Eastern
(``America/New_York``) with ``key_format="%Y-%m-%d"``: a run's partition key *is* its
``game_date``, the Eastern calendar date of the games, and one run owns one partition.

- Summary tables (``PartitionRule.PLAYED``): ``run_offset=-1``. The run that starts at
  midnight Eastern owns the previous day's games.
- Upcoming-context tables (``PartitionRule.SCHEDULED``): ``run_offset=0``. The run that
  starts at midnight Eastern owns that day's games, before they are played.

Ticks sit at local midnight because Airflow's backfill includes a partition only when its
tick lies inside ``[--from-date, --to-date]`` read as local midnights: with ticks at 04:00 the
``--to-date`` day itself was dropped. So ``airflow backfill create --from-date A --to-date B``
owns exactly the game dates A..B, DST changes included. Runs that must wait for their data
(games final, upstream partitions written) wait inside the run, not in the cron.

Manual runs have no partition unless triggered with one; they name the date with the
``game_date`` param, and without it own what the schedule would at their ``run_after``
(``owned_partition``).
"""

from __future__ import annotations

import datetime
import re

from nba_backfill import clock
from nba_backfill.catalog.registry import AnalyticsTable, PartitionRule

TIMEZONE = "America/New_York"
PARTITION_KEY_FORMAT = "%Y-%m-%d"
CRON = "0 0 * * *"
_DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidGameDate(ValueError):
    """A game date that is malformed or outside what the table can hold."""


def run_offset(table: AnalyticsTable) -> int:
    return -1 if table.partition_rule is PartitionRule.PLAYED else 0


def timetable_for(table: AnalyticsTable):
    """The table's timetable (imported lazily: DAG files build it, nothing else needs Airflow)."""
    from airflow.sdk import CronPartitionTimetable

    return CronPartitionTimetable(
        CRON, timezone=TIMEZONE, run_offset=run_offset(table), key_format=PARTITION_KEY_FORMAT
    )


def today_eastern(now: datetime.datetime | None = None) -> datetime.date:
    from zoneinfo import ZoneInfo

    """The US/Eastern calendar date at ``now`` (default: ``clock.now()``)."""
    return (now or clock.now()).astimezone(ZoneInfo(TIMEZONE)).date()


def moment_on(day: datetime.date) -> datetime.datetime:
    """Noon US/Eastern of ``day``: "as of ``day``" for every rule that reads the date."""
    from zoneinfo import ZoneInfo

    return datetime.datetime.combine(day, datetime.time(12), ZoneInfo(TIMEZONE)).astimezone(datetime.UTC)


def latest_game_date(table: AnalyticsTable, now: datetime.datetime | None = None) -> datetime.date:
    """The newest partition the table can hold today: yesterday for summaries, today for upcoming."""
    return today_eastern(now) + datetime.timedelta(days=run_offset(table))


def owned_partition(table: AnalyticsTable, run_after: datetime.datetime) -> datetime.date:
    """The partition the schedule owns at ``run_after``: that of its last tick, local midnight."""
    # The last tick is midnight Eastern of run_after's date, plus the table's offset: the
    # newest partition the table can hold at that moment.
    return latest_game_date(table, clock.aware(run_after))


def parse_game_date(
    value: object, table: AnalyticsTable, now: datetime.datetime | None = None
) -> datetime.date:
    """A validated game date for ``table``, or ``InvalidGameDate`` saying what is wrong."""
    if isinstance(value, datetime.datetime):
        raise InvalidGameDate(f"game_date {value!r} must be a date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, datetime.date):
        day = value
    else:
        text = str(value).strip()
        if not _DATE_PATTERN.fullmatch(text):
            raise InvalidGameDate(f"game_date {value!r} is not a date in the form YYYY-MM-DD")
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError as exc:
            raise InvalidGameDate(f"game_date {value!r} is not a real calendar date: {exc}") from None
    if day < table.history_start:
        raise InvalidGameDate(f"game_date {day} is before {table.name}'s history start {table.history_start}")
    latest = latest_game_date(table, now)
    if day > latest:
        raise InvalidGameDate(
            f"game_date {day} is in the future for {table.name}: its newest partition today is {latest}"
        )
    return day
