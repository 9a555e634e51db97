"""``plan`` validates a coverage request (tables, date range); ``verify`` measures it and
returns a ``CoverageReport``. The DAG, the sensors, the page and the CLI all go through here.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from nba_backfill import clock
from nba_backfill.catalog.registry import TABLES, AnalyticsTable, RegistryError, get_table
from nba_backfill.console import BadRequest
from nba_backfill.coverage.figures import DEFAULT_KEY_EXAMPLES, DEFAULT_PARITY_SAMPLE
from nba_backfill.coverage.measure import measure
from nba_backfill.coverage.report import CoverageReport, build_report

__all__ = ["CoverageRequestError", "plan", "verify"]


class CoverageRequestError(BadRequest):
    """A coverage request that cannot be measured; the message says what to change."""


Ranges = dict[str, tuple[datetime.date, datetime.date]]


def _date(value: object, name: str, now: datetime.datetime) -> datetime.date | None:
    from nba_backfill.catalog.partitions import InvalidGameDate, parse_game_date, run_offset

    if value in (None, ""):
        return None
    # The table with the newest partition decides what is a valid day; per-table limits follow.
    loosest = max(TABLES, key=lambda t: (run_offset(t), -t.history_start.toordinal()))
    try:
        return parse_game_date(value, loosest, now)
    except InvalidGameDate as exc:
        raise CoverageRequestError(f"{name}: {exc}") from None


def plan(
    table_names: Sequence[str] | None = None,
    from_date: object = None,
    to_date: object = None,
    now: datetime.datetime | None = None,
) -> tuple[list[AnalyticsTable], Ranges]:
    """The tables (upstream first) and the range of each: ``from_date`` (default: the table's
    history start) to ``to_date`` (default and limit: the newest partition it can hold at
    ``now``, default ``clock.now()``)."""
    from nba_backfill.catalog.partitions import latest_game_date

    now = now or clock.now()
    names = list(table_names or [t.name for t in TABLES])
    try:
        wanted = {get_table(name).name for name in names}
    except RegistryError as exc:
        raise CoverageRequestError(str(exc)) from None
    tables = [t for t in TABLES if t.name in wanted]
    first, last = _date(from_date, "from_date", now), _date(to_date, "to_date", now)
    if first and last and first > last:
        raise CoverageRequestError(f"from_date {first} is after to_date {last}")
    ranges: Ranges = {}
    for table in tables:
        start = max(first or table.history_start, table.history_start)
        end = min(last or latest_game_date(table, now), latest_game_date(table, now))
        if start > end:
            raise CoverageRequestError(
                f"{table.name}: nothing to verify between {start} and {end} (its newest partition today is "
                f"{latest_game_date(table, now)})"
            )
        ranges[table.name] = (start, end)
    return tables, ranges


def verify(
    tables: Sequence[AnalyticsTable],
    ranges: Ranges,
    client,
    *,
    parity_sample: int = DEFAULT_PARITY_SAMPLE,
    key_limit: int = DEFAULT_KEY_EXAMPLES,
    now: datetime.datetime | None = None,
    as_of: datetime.datetime | None = None,
    estimate: bool = False,
    stale_days: int = 0,
) -> CoverageReport:
    """Measure every table over its range by identity; the report carries each table's whole
    history (as of ``as_of``, default ``now``) and the repairs of each gap.

    ``now`` is when the verification ran (default ``clock.now()``). Each table records the
    bytes its statements scanned (job statistics); ``estimate`` dry-runs them first too, so a
    recorded verification (``verify_coverage``) says what they would scan before they ran.
    On BigQuery a dry run is free; the local emulator executes it, doubling the time there.

    ``stale_days`` > 0 also checks each table's newest ``stale_days`` days for rows that raw
    data corrected after processing has made stale (``staleness``): such a date is STALE,
    and so are the context dates that read a corrected game as history.
    """
    measured = measure(
        tables, ranges, client, parity_sample=parity_sample, key_limit=key_limit, estimate=estimate
    )
    if stale_days > 0:
        from nba_backfill.coverage.staleness import check_coverages

        check_coverages(list(tables), measured, stale_days, client)
    verified_at = now or clock.now()
    return build_report(measured, client, verified_at, as_of or verified_at)
