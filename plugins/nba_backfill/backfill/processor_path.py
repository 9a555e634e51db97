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
from collections import Counter
from dataclasses import asdict, dataclass

from nba_backfill.catalog import datasets
from nba_backfill.catalog.registry import AnalyticsTable
from nba_backfill.warehouse.client import drop_table, load_rows, run_dml, run_query
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


def stored_hashes(
    table: AnalyticsTable, first: datetime.date, last: datetime.date, client
) -> dict[tuple, tuple[str | None, int | None]]:
    """Key -> (data_hash, hash_spec_version) of every row the table holds on ``first..last``."""
    return {
        tuple(row[k] for k in table.key_columns): (row["data_hash"], row["hash_spec_version"])
        for row in run_query(stored_hashes_statement(table, first, last), client=client)
    }


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
    existing = stored_hashes(table, first, last, client)
    incoming = {
        tuple(r[k] for k in table.key_columns): (r["data_hash"], r["hash_spec_version"]) for r in rows
    }
    inserted = sum(1 for k in incoming if k not in existing)
    updated = sum(1 for k, v in incoming.items() if k in existing and existing[k] != v)
    deleted = sum(1 for k in existing if k not in incoming)
    counts = WriteCounts(len(rows), inserted, updated, deleted, len(rows) - inserted - updated)

    staging = staging_table_id(table, first, last, run_id)
    load_rows(staging, rows, table.schema, client=client, replace=True)
    try:
        merged = run_dml(merge_statement(table, staging, first, last), client=client)
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
    if stored_hashes(table, first, last, client) != incoming:
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
