"""Read what a processor computes from, and recompute a table's rows from raw data.

``read_statements`` lists the statements that read a table's inputs for a range of game
dates: its raw tables (``raw_inputs`` in the registry) and, for the contexts, the upstream
history. ``read_source`` runs them, after checking the raw tables' schemas and before
screening their rows (``raw_checks``). ``recompute`` chains read, screen, compute and hash:
the one way the backfill tasks, the range runs and the validation gate derive rows. The
cost estimate dry-runs the same ``read_statements``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import polars as pl

from nba_backfill.catalog.raw_tables import RAW_SOURCES, ROSTERS, SCHEDULE
from nba_backfill.catalog.registry import REGISTRY, AnalyticsTable
from nba_backfill.processors import Rows, RunInfo, SourceData, compute_frame, finalize_frame, raw_checks
from nba_backfill.timing import Stopwatch
from nba_backfill.warehouse.sql import Statement


def raw_statement(name: str, first: datetime.date, last: datetime.date) -> Statement:
    """The rows of raw source ``name`` (a ``RAW_SOURCES`` name) for ``first..last``: its game
    dates, or for the rosters the stints that overlap them."""
    values = {"first": first, "last": last}
    template = "processors/roster_rows.sql" if RAW_SOURCES[name] is ROSTERS else "processors/raw_rows.sql"
    return Statement(template, {"table_id": RAW_SOURCES[name].table_id}, values)


def upstream_statement(upstream: AnalyticsTable, first: datetime.date, last: datetime.date) -> Statement:
    """Upstream rows before ``last`` of the players rostered, or teams scheduled, on ``first..last``
    (what is known before tip-off: tonight's games have no box scores yet)."""
    names = {
        "table_id": upstream.table_id,
        "entity": upstream.entity_column,
        "rosters_id": ROSTERS.table_id,
        "schedule_id": SCHEDULE.table_id,
    }
    return Statement("processors/upstream_history.sql", names, {"first": first, "last": last})


def read_statements(table: AnalyticsTable, first: datetime.date, last: datetime.date) -> list[Statement]:
    """Every read of ``table``'s inputs over ``first..last``: raw tables, then upstream history."""
    return [raw_statement(name, first, last) for name in table.raw_inputs] + [
        upstream_statement(REGISTRY[name], first, last) for name in table.upstream
    ]


def read_source(
    table: AnalyticsTable, first: datetime.date, client, last: datetime.date | None = None
) -> SourceData:
    """Raw rows of ``first..last`` (default: one date) and the upstream history before ``last``.

    Only the raw tables the table reads are read (``raw_inputs``), after their warehouse
    schema is checked, and their rows are screened before the history is read: ``raw_checks``
    refuses raw data that would give wrong rows (``RawDataError``, nothing written) and
    quarantines what must not block the partition. The processors never look ahead
    (tested), so one history up to the range's last date serves every date in it.
    """
    from nba_backfill.warehouse.frames import read_frame

    last = last or first
    entities = {ROSTERS if REGISTRY[u].entity_column == "player_id" else SCHEDULE for u in table.upstream}
    raw_checks.check_schemas(table, [*(RAW_SOURCES[n] for n in table.raw_inputs), *entities], client)
    raw = {
        name: read_frame(raw_statement(name, first, last), RAW_SOURCES[name].columns, client)
        for name in table.raw_inputs
    }
    source = raw_checks.screen(table, SourceData(**{name: raw.get(name) for name in RAW_SOURCES}))
    for name in table.upstream:
        upstream = REGISTRY[name]
        source.upstream[name] = read_frame(
            upstream_statement(upstream, first, last), upstream.columns, client
        )
    return source


@dataclass
class Recomputed:
    """The rows a processor derives for a range, hashed, and what screening set aside."""

    frame: pl.DataFrame
    game_dates: set[datetime.date]
    quarantined: list[str]

    @property
    def rows(self) -> list[dict]:
        """The rows as dicts (dates as ``datetime.date``): for checks and tests, not for writing."""
        return self.frame.to_dicts()


UpstreamRows = dict[str, tuple[datetime.date, datetime.date, Rows]]
"""Per upstream table, rows recomputed over ``first..last`` that stand in for its stored rows there."""


def recompute(
    table: AnalyticsTable,
    first: datetime.date,
    last: datetime.date,
    run: RunInfo,
    client,
    *,
    upstream: UpstreamRows | None = None,
    stopwatch: Stopwatch | None = None,
) -> Recomputed:
    """Read, screen, compute and hash ``table``'s rows for every game date of ``first..last``.

    ``upstream`` replaces stored history by rows recomputed from today's raw data (the
    staleness check: what a context will say once its summaries are reprocessed).
    ``stopwatch`` gets the phases ``read``, ``compute`` and ``hash``.
    """
    stopwatch = stopwatch or Stopwatch()
    with stopwatch.phase("read"):
        source = read_source(table, first, client, last)
    with stopwatch.phase("compute"):
        for name, (since, until, rows) in (upstream or {}).items():
            if name in table.upstream:
                source.upstream[name] = _history_with(
                    source.upstream_rows(name), since, until, rows, last, name
                )
        days = {d for d in source.game_dates() if first <= d <= last}
        data = compute_frame(table, source, days)
    with stopwatch.phase("hash"):
        hashed = finalize_frame(table, data, run)
    return Recomputed(hashed, days, list(source.quarantined))


def _history_with(stored, since, until, rows, last, name):
    """Stored history with ``since..until`` replaced by ``rows`` (history stays before ``last``)."""
    from nba_backfill.warehouse.frames import frame

    kept = stored.filter(~pl.col("game_date").is_between(since, until))
    fresh = frame(rows, REGISTRY[name].columns).filter(pl.col("game_date") < last)
    return pl.concat([kept, fresh], how="vertical")
