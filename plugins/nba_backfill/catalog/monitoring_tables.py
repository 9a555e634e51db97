"""This package's own records in ``nba_monitoring``."""

from __future__ import annotations

from nba_backfill.catalog import datasets
from nba_backfill.catalog.columns import columns_from_spec
from nba_backfill.catalog.raw_tables import RawTable

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

COVERAGE_HISTORY = RawTable(
    name="coverage_history",
    dataset=datasets.MONITORING,
    columns=columns_from_spec(
        "verification_id STRING, verified_at TIMESTAMP, verified_on DATE, run_type STRING, "
        "table_name STRING, status STRING, from_date DATE, to_date DATE, expected_dates INT64, "
        "expected_rows INT64, present_rows INT64, actual_rows INT64, hashed_rows INT64, "
        "coverage_pct FLOAT64, hashed_pct FLOAT64, missing_dates INT64, partial_dates INT64, "
        "unexpected_dates INT64, unhashed INT64, stale_hashes INT64, malformed_hashes INT64, "
        "null_key_rows INT64, duplicate_keys INT64, duplicate_hashes INT64, unknown_ids INT64, "
        "totals_mismatches INT64, parity_checked INT64, parity_mismatches INT64, min_date DATE, "
        "max_date DATE, missing_ranges STRING, partial_ranges STRING, reasons STRING, repair_commands STRING, "
        # Identity (every key matched, every hash recomputed) and the whole history's standing.
        "missing_keys INT64, unexpected_keys INT64, drifted_rows INT64, drifted_dates INT64, "
        "problem_keys STRING, verdict STRING, history_status STRING, history_from_date DATE, "
        "history_to_date DATE, history_expected_dates INT64, history_complete_dates INT64, "
        "history_never_verified_dates INT64, history_states STRING, "
        "bytes_estimated INT64, bytes_processed INT64, "
        # The staleness check over the range's newest days (raw data corrected after processing).
        # stale_hashes is retired (always NULL): it meant hashes of an older spec, now
        # old_spec_hashes; a column cannot leave a table loads append to.
        "old_spec_hashes INT64, stale_rows INT64, stale_upstream_rows INT64, stale_dates INT64, "
        "stale_ranges STRING, stale_from_date DATE, stale_to_date DATE, stale_error STRING, "
        "stale_bytes_processed INT64, staleness STRING"
    ),
    required=("verification_id", "verified_at", "verified_on", "table_name", "status"),
    partition_column="verified_on",
    cluster_columns=("table_name",),
)
"""One row per table per verification: the figures behind the verdict over the verified
range (``status``), and the whole history's standing as of that verification
(``history_status``: COMPLETE only if every expected date of the history is complete)."""

COVERAGE_HISTORY_DATES = RawTable(
    name="coverage_history_dates",
    dataset=datasets.MONITORING,
    columns=columns_from_spec(
        "verification_id STRING, verified_at TIMESTAMP, verified_on DATE, table_name STRING, "
        "game_date DATE, state STRING, expected_rows INT64, actual_rows INT64, hashed_rows INT64, "
        "present_rows INT64, missing_keys INT64, unexpected_keys INT64, drifted_rows INT64, "
        "stale_rows INT64, stale_upstream_rows INT64"
    ),
    required=("verification_id", "verified_at", "verified_on", "table_name", "game_date", "state"),
    partition_column="verified_on",
    cluster_columns=("table_name", "game_date"),
)
"""Per verification, one row per date it covered (expected dates, and dates holding rows
without games): state complete | partial | missing | unexpected | drifted | stale. A later
verification of a narrower range supersedes only the dates it covered."""

COVERAGE_LATEST_VIEW = f"{datasets.MONITORING}.coverage_latest"
"""The newest ``coverage_history`` row of each table: the monitoring dashboard's source."""

COVERAGE_DATES_LATEST_VIEW = f"{datasets.MONITORING}.coverage_dates_latest"
"""The newest state of every (table, game date) any verification covered: the whole history."""

MONITORING_TABLES = (BACKFILL_LOG, COVERAGE_HISTORY, COVERAGE_HISTORY_DATES)

MONITORING_VIEWS = (
    (COVERAGE_LATEST_VIEW, COVERAGE_HISTORY, ("table_name",)),
    (COVERAGE_DATES_LATEST_VIEW, COVERAGE_HISTORY_DATES, ("table_name", "game_date")),
)
"""(view, table, partition columns): the newest row of ``table`` per partition, by ``verified_at``."""
