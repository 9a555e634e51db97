"""The warehouse's tables and views as data, for the template ``include/sql/provision/create_warehouse.sql``."""

from __future__ import annotations

from typing import Any

from nba_backfill.catalog import datasets
from nba_backfill.catalog.monitoring_tables import COVERAGE_HISTORY, COVERAGE_LATEST_VIEW, MONITORING_TABLES
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
    views = [{"view_id": COVERAGE_LATEST_VIEW, "history_id": COVERAGE_HISTORY.table_id}]
    return {"datasets": list(datasets.ALL), "tables": tables, "views": views}
