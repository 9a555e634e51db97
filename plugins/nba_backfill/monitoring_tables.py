"""This package's own records in ``nba_monitoring``."""

from __future__ import annotations

from nba_backfill import datasets
from nba_backfill.raw_tables import RawTable
from nba_backfill.registry import columns_from_spec

BACKFILL_LOG = RawTable(
    name="backfill_log",
    dataset=datasets.MONITORING,
    columns=columns_from_spec(
        "table_name STRING, game_date DATE, run_id STRING, run_type STRING, mode STRING, "
        "computed INT64, inserted INT64, updated INT64, deleted INT64, unchanged INT64, hashed INT64, "
        "expected_rows INT64, actual_rows INT64, complete BOOL, detail STRING, hash_spec_version INT64, "
        "started_at TIMESTAMP, finished_at TIMESTAMP"
    ),
    required=("table_name", "game_date", "run_id", "run_type", "mode", "complete"),
    cluster_columns=("table_name",),
)
"""One row per write of a partition: which run, which path, what changed, and whether the
partition verified complete. Test and manual runs are marked as such here."""

MONITORING_TABLES = (BACKFILL_LOG,)
