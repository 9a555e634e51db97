"""Where each table's whole history stands: the latest state of every expected game date.

A verification covers a range; the history is every game date from the table's history start
to the newest partition it can hold. Each date takes the state of the newest verification
that covered it (``coverage_dates_latest``), a date no verification covered is
``never_verified``, and a verification being reported overrides what was recorded for the
dates it measured. A table's history is COMPLETE only when every expected date is complete.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from nba_backfill.catalog.monitoring_tables import COVERAGE_DATES_LATEST_VIEW
from nba_backfill.catalog.partitions import latest_game_date
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage.expected import game_days
from nba_backfill.coverage.figures import NEVER_VERIFIED, UNEXPECTED, HistorySummary, TableCoverage
from nba_backfill.warehouse.client import run_query
from nba_backfill.warehouse.sql import Statement


def latest_states_statement(from_date: datetime.date, to_date: datetime.date) -> Statement:
    return Statement(
        "coverage/latest_date_states.sql",
        {"view_id": COVERAGE_DATES_LATEST_VIEW},
        {"from_date": from_date, "to_date": to_date},
    )


def summaries(
    measured: Sequence[TableCoverage], as_of: datetime.datetime, client
) -> dict[str, HistorySummary]:
    """The history of every measured table as of ``as_of``, these measurements included."""
    if not measured:
        return {}
    tables = [REGISTRY[t.table] for t in measured]
    first = min(t.history_start for t in tables)
    last = max(latest_game_date(t, as_of) for t in tables)
    days = [d.game_date for d in game_days(first, last, client)]
    recorded: dict[str, dict[datetime.date, str]] = {}
    for row in run_query(latest_states_statement(first, last), client=client):
        recorded.setdefault(row.table_name, {})[row.game_date] = row.state
    out = {}
    for coverage, table in zip(measured, tables, strict=True):
        start, end = table.history_start, latest_game_date(table, as_of)
        states = dict(recorded.get(table.name, {}))
        states = {
            day: state for day, state in states.items() if not coverage.from_date <= day <= coverage.to_date
        }
        states.update({d.game_date: d.state for d in coverage.dates})
        expected = [day for day in days if start <= day <= end]
        counts: dict[str, int] = {}
        for day in expected:
            state = states.get(day, NEVER_VERIFIED)
            counts[state] = counts.get(state, 0) + 1
        expected_set = set(expected)
        off_dates = sum(
            1
            for day, state in states.items()
            if day not in expected_set and start <= day <= end and state == UNEXPECTED
        )
        out[table.name] = HistorySummary(start, end, len(expected), counts, off_dates)
    return out
