"""The processor path: recompute partitions from raw data and upsert what changed.

``read_source`` reads the raw rows of a range of game dates (one date for a per-date run,
a chunk for a range run) and the upstream history its processor needs, ``compute`` runs the
registered processor over all of them at once, and ``write_partitions`` loads the rows into
a staging table and applies one MERGE for the whole range: new keys are inserted, rows
whose hash changed are updated, keys gone from the source are deleted, unchanged rows are
not touched. Bad rows (outside the range, NULL or duplicate keys) stop the write before
anything changes.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections import Counter
from dataclasses import asdict, dataclass

from nba_backfill import datasets, processors
from nba_backfill.frames import frame
from nba_backfill.raw_tables import PLAYER_BOXSCORES, TEAM_BOXSCORES, RawTable
from nba_backfill.registry import REGISTRY, AnalyticsTable
from nba_backfill.sql_templates import render
from nba_backfill.warehouse import drop_table, load_rows, run_dml, run_query

MERGE_TEMPLATE = "backfill/merge_partitions.sql"
log = logging.getLogger(__name__)


class PartitionWriteError(ValueError):
    """Rows that must not be written; nothing was changed."""


@dataclass(frozen=True)
class WriteCounts:
    computed: int
    inserted: int
    updated: int
    deleted: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _rows(sql: str, params: dict, client) -> list[dict]:
    return [dict(row.items()) for row in run_query(sql, params, client=client)]


def _frame(sql: str, params: dict, columns, client):
    """A query's rows as a typed polars frame (Arrow from the client, no per-row dicts)."""
    import polars as pl

    arrow = run_query(sql, params, client=client).to_arrow(create_bqstorage_client=False)
    return frame(pl.from_arrow(arrow), columns)


def _roster(upstream: str) -> tuple[str, RawTable]:
    """The entity column an upstream table's history is read by, and the raw table listing who plays."""
    return ("player_id", PLAYER_BOXSCORES) if "player" in upstream else ("team_abbr", TEAM_BOXSCORES)


def read_source(
    table: AnalyticsTable, first: datetime.date, client, last: datetime.date | None = None
) -> processors.SourceData:
    """Raw rows of ``first..last`` (default: one date) and the upstream history before ``last``.

    Only the raw tables the table's processor reads are read (``processors.RAW_INPUTS``),
    after their warehouse schema is checked, and their rows are screened before the history
    is read: ``raw_checks`` refuses raw data that would give wrong rows (``RawDataError``,
    nothing written) and quarantines what must not block the partition. The processors
    never look ahead (tested), so one history up to the range's last date serves every date
    in it.
    """
    from nba_backfill import raw_checks  # it builds on PartitionWriteError, defined here

    last = last or first
    in_range = {"first": first, "last": last}
    between = "game_date between @first and @last"
    inputs = processors.RAW_INPUTS[table.name]
    rosters = {upstream: _roster(upstream) for upstream in table.upstream}
    read = [processors.RAW_SOURCES[name] for name in inputs] + [roster for _, roster in rosters.values()]
    raw_checks.check_schemas(table, read, client)

    def raw(source_table) -> object:
        sql = f"select * from `{source_table.table_id}` where {between}"
        return _frame(sql, in_range, source_table.columns, client)

    source = raw_checks.screen(
        table,
        processors.SourceData(
            **{name: raw(t) if name in inputs else None for name, t in processors.RAW_SOURCES.items()}
        ),
    )
    for upstream, (entity, roster) in rosters.items():
        source.upstream[upstream] = _frame(
            f"""
            select * from `{REGISTRY[upstream].table_id}`
            where game_date < @last
              and {entity} in (select {entity} from `{roster.table_id}` where {between})
            """,
            in_range,
            REGISTRY[upstream].columns,
            client,
        )
    return source


def _span(first: datetime.date, last: datetime.date) -> str:
    return str(first) if first == last else f"{first}..{last}"


def check_rows(
    table: AnalyticsTable, rows: list[dict], first: datetime.date, last: datetime.date | None = None
) -> None:
    """Refuse rows that would corrupt the partitions; the message says which and how many."""
    last = last or first
    game_date = _span(first, last)
    wrong_date = [r for r in rows if not first <= r["game_date"] <= last]
    if wrong_date:
        raise PartitionWriteError(f"{table.name}: {len(wrong_date)} rows are not on {game_date}")
    null_keys = [r for r in rows if any(r[k] is None for k in table.key_columns)]
    if null_keys:
        raise PartitionWriteError(
            f"{table.name} {game_date}: {len(null_keys)} rows with a NULL key column ({', '.join(table.key_columns)})"
        )
    duplicates = [
        k for k, n in Counter(tuple(r[k] for k in table.key_columns) for r in rows).items() if n > 1
    ]
    if duplicates:
        raise PartitionWriteError(
            f"{table.name} {game_date}: {len(duplicates)} duplicate keys, e.g. {duplicates[0]}"
        )


def staging_table_id(table: AnalyticsTable, first: datetime.date, last: datetime.date, run_id: str) -> str:
    suffix = hashlib.md5(run_id.encode()).hexdigest()[:8]
    return f"{datasets.MONITORING}.staging_{table.name}_{first:%Y%m%d}_{last:%Y%m%d}_{suffix}"


def write_partition(
    table: AnalyticsTable, rows: list[dict], game_date: datetime.date, run_id: str, client
) -> WriteCounts:
    """``write_partitions`` for one date."""
    return write_partitions(table, rows, game_date, game_date, run_id, client)


def write_partitions(
    table: AnalyticsTable, rows: list[dict], first: datetime.date, last: datetime.date, run_id: str, client
) -> WriteCounts:
    """Upsert finalized rows (hash and metadata included) into ``first..last`` with one MERGE."""
    check_rows(table, rows, first, last)
    key = list(table.key_columns)
    in_range = {"from_date": first, "to_date": last}
    existing = {
        tuple(r[k] for k in key): (r["data_hash"], r["hash_spec_version"])
        for r in _rows(
            f"select {', '.join(key)}, data_hash, hash_spec_version from `{table.table_id}` "
            "where game_date between @from_date and @to_date",
            in_range,
            client,
        )
    }
    incoming = {tuple(r[k] for k in key): (r["data_hash"], r["hash_spec_version"]) for r in rows}
    inserted = sum(1 for k in incoming if k not in existing)
    updated = sum(1 for k, v in incoming.items() if k in existing and existing[k] != v)
    deleted = sum(1 for k in existing if k not in incoming)
    counts = WriteCounts(len(rows), inserted, updated, deleted, len(rows) - inserted - updated)

    staging = staging_table_id(table, first, last, run_id)
    columns = [c.name for c in table.all_columns]
    load_rows(staging, rows, [(c.name, c.type) for c in table.all_columns], client=client, replace=True)
    try:
        params = {"table_id": table.table_id, "staging_id": staging, "key_columns": key, "columns": columns}
        merged = run_dml(render(MERGE_TEMPLATE, params), in_range, client=client)
    finally:
        drop_table(staging, client=client)
    changed = inserted + updated + deleted
    if merged != changed:
        _check_concurrent_write(table, incoming, first, last, merged, changed, client)
    return counts


def _check_concurrent_write(table, incoming, first, last, merged, planned, client) -> None:
    """The MERGE changed other than planned: another run wrote these partitions meanwhile.

    A scheduled run and a backfill of the same date compute the same rows, so the partition
    is right if it now holds exactly ours; anything else stops the run before it can
    verify green.
    """
    key = list(table.key_columns)
    stored = {
        tuple(r[k] for k in key): (r["data_hash"], r["hash_spec_version"])
        for r in _rows(
            f"select {', '.join(key)}, data_hash, hash_spec_version from `{table.table_id}` "
            "where game_date between @from_date and @to_date",
            {"from_date": first, "to_date": last},
            client,
        )
    }
    if stored != incoming:
        raise PartitionWriteError(
            f"{table.name} {_span(first, last)}: MERGE changed {merged} rows, expected {planned}, and "
            "the partition differs from the computed rows: another run is writing it; rerun the partition"
        )
    log.warning(
        "%s %s: MERGE changed %d rows, planned %d: another run wrote the same rows meanwhile; "
        "the partition holds exactly the computed rows",
        table.name,
        _span(first, last),
        merged,
        planned,
    )
