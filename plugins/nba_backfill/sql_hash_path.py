"""The SQL hash path: one set-based UPDATE that fills ``data_hash`` over a range of partitions.

Per-date runs bind ``from_date = to_date = game_date``; range runs bind a chunk.

It can only hash rows that exist; creating rows is the processor path's job.
"""

from __future__ import annotations

from typing import Any

from nba_backfill import hash_spec
from nba_backfill.registry import AnalyticsTable

TEMPLATE = "backfill/hash_partitions.sql"


def hash_partition_params(table: AnalyticsTable, table_id: str | None = None) -> dict[str, Any]:
    """Template parameters; ``table_id`` overrides the target (tests hash copies)."""
    return {
        "table_id": table_id or table.table_id,
        "hash_expression": hash_spec.hash_sql(table.hash_columns),
        "spec_version": hash_spec.VERSION,
    }
