"""Retry policy and ownership shared by every task of every DAG in this package."""

from __future__ import annotations

from datetime import timedelta

from nba_backfill import deployment

DEFAULT_TASK_ARGS = {
    "owner": "nba-data",
    # BigQuery's transient errors are retried inside each call (see warehouse.py); these
    # retries cover what outlives that: an outage, a killed worker.
    "retries": deployment.TASK_RETRIES,
    "retry_delay": timedelta(seconds=deployment.TASK_RETRY_DELAY_SECONDS),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}
