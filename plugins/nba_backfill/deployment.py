"""Per-deployment switches for the backfill DAGs, read from the environment at parse time.

Only plain environment variables: no Airflow Variables, hooks or network when DAGs parse.
"""

from __future__ import annotations

import os


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "true" if default else "false").strip().lower()
    if raw not in {"true", "false", "1", "0", "yes", "no"}:
        raise ValueError(f"{name}={raw!r} must be true or false")
    return raw in {"true", "1", "yes"}


def _whole_number(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, str(default)).strip()
    if not raw.isdigit() or int(raw) < minimum:
        raise ValueError(f"{name}={raw!r} must be a whole number >= {minimum}")
    return int(raw)


CATCHUP = _flag("NBA_BACKFILL_CATCHUP", False)
"""Let the scheduler create every missed partition since history start (off by default:
use ``airflow backfill create`` for bounded ranges)."""

DML_CONCURRENCY = _whole_number("NBA_DML_CONCURRENCY", 2, minimum=1)
"""Mutating statements per table in flight at once. BigQuery runs 2 per table and queues 20."""

MAX_ACTIVE_RUNS = _whole_number("NBA_BACKFILL_MAX_ACTIVE_RUNS", 4, minimum=1)

TASK_RETRIES = _whole_number("NBA_TASK_RETRIES", 3)
"""Task retries after a failed attempt (an outage, a killed worker); BigQuery's transient
errors and concurrency refusals are retried inside the attempt. The test stack sets 0."""

TASK_RETRY_DELAY_SECONDS = _whole_number("NBA_TASK_RETRY_DELAY_SECONDS", 30, minimum=1)

DEFERRABLE = _flag("NBA_DEFERRABLE", False)
"""BigQuery jobs wait in the triggerer instead of a worker slot (``deferrable=True``). On in
the production compose file; off on the local stack, whose LocalExecutor has slots to spare.
Works against the emulator too (tested in the Celery topology): see docs/production.md."""
