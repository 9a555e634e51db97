"""The warehouse's DDL, rendered from the registries into ``include/sql/provision``."""

from __future__ import annotations

from typing import Any

from nba_backfill import datasets
from nba_backfill.monitoring_tables import COVERAGE_HISTORY, COVERAGE_LATEST_VIEW, MONITORING_TABLES
from nba_backfill.raw_tables import RAW_TABLES
from nba_backfill.registry import REGISTRY
from nba_backfill.sql_templates import render

PROVISION_TEMPLATE = "provision/create_warehouse.sql"


def provision_params() -> dict[str, Any]:
    """Template parameters: every dataset and table, as plain data."""
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


def render_provision_sql() -> str:
    """The same script the ``provision_warehouse`` DAG runs, for code outside Airflow."""
    return render(PROVISION_TEMPLATE, provision_params())
