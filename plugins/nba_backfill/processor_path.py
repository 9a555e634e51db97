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
from collections import Counter
from dataclasses import asdict, dataclass

from nba_backfill import datasets, processors
from nba_backfill.frames import frame
from nba_backfill.raw_tables import PLAYER_BOXSCORES, PLAYER_PROPS, SCHEDULE, TEAM_BOXSCORES
from nba_backfill.registry import REGISTRY, AnalyticsTable
from nba_backfill.sql_templates import render
from nba_backfill.warehouse import HTTP_TIMEOUT_SECONDS, load_rows, request_retry, run_dml, run_query

MERGE_TEMPLATE = "backfill/merge_partitions.sql"


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


def read_source(
    table: AnalyticsTable, first: datetime.date, client, last: datetime.date | None = None
) -> processors.SourceData:
    """Raw rows of ``first..last`` (default: one date) and the upstream history before ``last``.

    The processors never look ahead (tested), so one history up to the range's last date
    serves every date in it.
    """
    last = last or first
    in_range = {"first": first, "last": last}
    between = "game_date between @first and @last"

    def raw(source_table) -> object:
        sql = f"select * from `{source_table.table_id}` where {between}"
        return _frame(sql, in_range, source_table.columns, client)

    source = processors.SourceData(
        schedule=raw(SCHEDULE),
        player_boxscores=raw(PLAYER_BOXSCORES),
        team_boxscores=raw(TEAM_BOXSCORES),
        player_props=raw(PLAYER_PROPS),
    )
    for upstream in table.upstream:
        entity = "player_id" if "player" in upstream else "team_abbr"
        roster = PLAYER_BOXSCORES if entity == "player_id" else TEAM_BOXSCORES
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
        client.delete_table(staging, not_found_ok=True, retry=request_retry(), timeout=HTTP_TIMEOUT_SECONDS)
    changed = inserted + updated + deleted
    if merged != changed:
        raise PartitionWriteError(
            f"{table.name} {_span(first, last)}: MERGE changed {merged} rows, expected {changed} "
            "(a concurrent writer?); rerun the partition"
        )
    return counts
