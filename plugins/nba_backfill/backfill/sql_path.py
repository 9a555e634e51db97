"""The SQL hash path: one set-based UPDATE that fills ``data_hash`` over a range of partitions.

Per-date runs bind ``from_date = to_date = game_date``; range runs bind a chunk. It can only
hash rows that exist; creating rows is the processor path's job.
"""

from __future__ import annotations

from typing import Any

from nba_backfill.catalog import hash_spec
from nba_backfill.catalog.registry import AnalyticsTable
from nba_backfill.warehouse.sql import Statement

TEMPLATE = "backfill/hash_partitions.sql"


def hash_names(table: AnalyticsTable, table_id: str | None = None) -> dict[str, Any]:
    """The template's names; ``table_id`` overrides the target (tests hash copies)."""
    return {
        "table_id": table_id or table.table_id,
        "hash_expression": hash_spec.hash_sql(table.hash_columns),
        "spec_version": hash_spec.VERSION,
    }


def hash_statement(
    table: AnalyticsTable, from_date: Any, to_date: Any, table_id: str | None = None
) -> Statement:
    """The UPDATE over ``from_date..to_date`` (dates, or templates Airflow renders to dates)."""
    values = {"from_date": from_date, "to_date": to_date}
    return Statement(TEMPLATE, hash_names(table, table_id), values)
