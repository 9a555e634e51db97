"""The warehouse's tables and views as data, for the template ``include/sql/provision/create_warehouse.sql``."""

from __future__ import annotations

from typing import Any

from nba_backfill.catalog import datasets
from nba_backfill.catalog.monitoring_tables import MONITORING_TABLES, MONITORING_VIEWS
from nba_backfill.catalog.raw_tables import RAW_TABLES
from nba_backfill.catalog.registry import REGISTRY

PROVISION_TEMPLATE = "provision/create_warehouse.sql"


def provision_names() -> dict[str, Any]:
    """The template's names: every dataset, table (columns, modes, partitioning, clustering) and view."""
    tables = []
    for table in (*RAW_TABLES, *REGISTRY.values(), *MONITORING_TABLES):
        columns = getattr(table, "all_columns", table.columns)
        tables.append(
            {
                "table_id": table.table_id,
                "columns": [
                    {"name": c.name, "type": c.type, "required": table.is_required(c)} for c in columns
                ],
                "partition_column": table.partition_column,
                "cluster_columns": list(table.cluster_columns),
            }
        )
    # Our own records evolve with the package: a new nullable column reaches a warehouse
    # provisioned by an older version (CREATE TABLE IF NOT EXISTS leaves it as it was).
    additions = [
        {"table_id": t.table_id, "column": {"name": c.name, "type": c.type}}
        for t in MONITORING_TABLES
        for c in t.columns
        if not t.is_required(c)
    ]
    views = [
        {"view_id": view, "history_id": table.table_id, "partition_by": list(partition_by)}
        for view, table, partition_by in MONITORING_VIEWS
    ]
    return {"datasets": list(datasets.ALL), "tables": tables, "additions": additions, "views": views}
