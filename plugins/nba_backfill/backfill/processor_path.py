"""The processor path's write: upsert recomputed partitions and change only what changed.

``processors.source.recompute`` derives a range's rows from raw data; ``write_partitions``
loads them into a staging table and applies one MERGE for the whole range: new keys are
inserted, rows whose hash changed are updated, keys gone from the source are deleted,
unchanged rows are not touched. Bad rows (outside the range, NULL or duplicate keys) stop
the write before anything changes.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import asdict, dataclass

import polars as pl

from nba_backfill.catalog import datasets
from nba_backfill.catalog.registry import AnalyticsTable
from nba_backfill.processors import Rows
from nba_backfill.timing import Stopwatch
from nba_backfill.warehouse.client import drop_table, run_dml
from nba_backfill.warehouse.frames import frame, write_frame
from nba_backfill.warehouse.sql import Statement

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


def stored_hashes_statement(table: AnalyticsTable, first: datetime.date, last: datetime.date) -> Statement:
    """The read of every stored key and hash on ``first..last`` (the MERGE's target side)."""
    return Statement(
        "backfill/stored_hashes.sql",
        {"table_id": table.table_id, "key_columns": list(table.key_columns)},
        {"from_date": first, "to_date": last},
    )


def merge_statement(
    table: AnalyticsTable, staging_id: str, first: datetime.date, last: datetime.date
) -> Statement:
    """The one MERGE that upserts ``first..last`` from the staging table."""
    names = {
        "table_id": table.table_id,
        "staging_id": staging_id,
        "key_columns": list(table.key_columns),
        "columns": [c.name for c in table.all_columns],
    }
    return Statement(MERGE_TEMPLATE, names, {"from_date": first, "to_date": last})


def stored_hashes(table: AnalyticsTable, first: datetime.date, last: datetime.date, client) -> pl.DataFrame:
    """Key columns, ``data_hash`` and ``hash_spec_version`` of every row stored on ``first..last``."""
    from nba_backfill.warehouse.frames import read_frame

    return read_frame(stored_hashes_statement(table, first, last), _key_and_hash_columns(table), client)


def _key_and_hash_columns(table: AnalyticsTable) -> list:
    by_name = {c.name: c for c in table.all_columns}
    return [by_name[name] for name in (*table.key_columns, "data_hash", "hash_spec_version")]


def _span(first: datetime.date, last: datetime.date) -> str:
    return str(first) if first == last else f"{first}..{last}"


def check_rows(
    table: AnalyticsTable, rows: Rows, first: datetime.date, last: datetime.date | None = None
) -> None:
    """Refuse rows that would corrupt the partitions; the message says which and how many."""
    last = last or first
    game_date = _span(first, last)
    data = rows if isinstance(rows, pl.DataFrame) else frame(rows, table.all_columns)
    keys = list(table.key_columns)
    wrong_date = data.filter(~pl.col("game_date").is_between(first, last).fill_null(False)).height
    if wrong_date:
        raise PartitionWriteError(f"{table.name}: {wrong_date} rows are not on {game_date}")
    null_keys = data.filter(pl.any_horizontal([pl.col(k).is_null() for k in keys])).height
    if null_keys:
        raise PartitionWriteError(
            f"{table.name} {game_date}: {null_keys} rows with a NULL key column ({', '.join(keys)})"
        )
    duplicates = data.group_by(keys, maintain_order=True).len().filter(pl.col("len") > 1)
    if duplicates.height:
        example = tuple(duplicates.row(0)[: len(keys)])
        raise PartitionWriteError(
            f"{table.name} {game_date}: {duplicates.height} duplicate keys, e.g. {example}"
        )


def staging_table_id(table: AnalyticsTable, first: datetime.date, last: datetime.date, run_id: str) -> str:
    suffix = hashlib.md5(run_id.encode()).hexdigest()[:8]
    return f"{datasets.MONITORING}.staging_{table.name}_{first:%Y%m%d}_{last:%Y%m%d}_{suffix}"


def write_partition(
    table: AnalyticsTable, rows: Rows, game_date: datetime.date, run_id: str, client
) -> WriteCounts:
    """``write_partitions`` for one date."""
    return write_partitions(table, rows, game_date, game_date, run_id, client)


def write_partitions(
    table: AnalyticsTable,
    rows: Rows,
    first: datetime.date,
    last: datetime.date,
    run_id: str,
    client,
    *,
    stopwatch: Stopwatch | None = None,
) -> WriteCounts:
    """Upsert finalized rows (hash and metadata included) into ``first..last`` with one MERGE.

    The rows travel as one Parquet load into a staging table; the counts come from comparing
    keys and hashes with what is stored (frames, no per-row Python). After the MERGE the
    partitions must hold exactly the rows computed, or the write fails. ``stopwatch`` gets
    the phases ``read`` (the stored hashes), ``load``, ``merge`` and ``verify``.
    """
    stopwatch = stopwatch or Stopwatch()
    data = rows if isinstance(rows, pl.DataFrame) else frame(rows, table.all_columns)
    check_rows(table, data, first, last)
    keys = list(table.key_columns)
    with stopwatch.phase("read"):
        existing = stored_hashes(table, first, last, client)
    incoming = data.select(*keys, "data_hash", "hash_spec_version")
    counts = _plan(incoming, existing, keys)
    with stopwatch.phase("load"):
        staging = staging_table_id(table, first, last, run_id)
        write_frame(staging, data, table.schema, client=client, replace=True)
    try:
        with stopwatch.phase("merge"):
            merged = run_dml(merge_statement(table, staging, first, last), client=client)
    finally:
        drop_table(staging, client=client)
    with stopwatch.phase("verify"):
        planned = counts.inserted + counts.updated + counts.deleted
        _verify_written(table, incoming, first, last, merged, planned, client)
    return counts


def _plan(incoming: pl.DataFrame, existing: pl.DataFrame, keys: list[str]) -> WriteCounts:
    """What the MERGE will do: keys new, hashes changed, keys gone, rows left alone.

    "Changed" is the MERGE's own condition: a stored hash or spec version that is NULL or differs.
    """
    matched = incoming.join(existing, on=keys, how="inner", suffix="_stored")
    unchanged = matched.filter(
        (pl.col("data_hash") == pl.col("data_hash_stored")).fill_null(False)
        & (pl.col("hash_spec_version") == pl.col("hash_spec_version_stored")).fill_null(False)
    ).height
    inserted = incoming.height - matched.height
    deleted = existing.join(incoming.select(keys), on=keys, how="anti").height
    return WriteCounts(incoming.height, inserted, matched.height - unchanged, deleted, unchanged)


def _verify_written(table, incoming, first, last, merged, planned, client) -> None:
    """The partitions hold exactly the computed keys and hashes, or the write fails.

    A MERGE that changed other than planned means another run wrote these partitions
    meanwhile. A scheduled run and a backfill of the same date compute the same rows, so
    the partition is right if it now holds exactly ours; anything else stops the run before
    it can verify green.
    """
    keys = list(table.key_columns)
    stored = stored_hashes(table, first, last, client)
    differs = stored.height != incoming.height or (
        incoming.join(
            stored, on=[*keys, "data_hash", "hash_spec_version"], how="anti", nulls_equal=True
        ).height
        > 0
    )
    if differs:
        raise PartitionWriteError(
            f"{table.name} {_span(first, last)}: MERGE changed {merged} rows, expected {planned}, and "
            "the partition differs from the computed rows: another run is writing it; rerun the partition"
        )
    if merged != planned:
        log.warning(
            "%s %s: MERGE changed %d rows, planned %d: another run wrote the same rows meanwhile; "
            "the partition holds exactly the computed rows",
            table.name,
            _span(first, last),
            merged,
            planned,
        )
