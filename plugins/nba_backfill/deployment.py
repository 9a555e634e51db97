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


CATCHUP = _flag("NBA_BACKFILL_CATCHUP", False)
"""Let the scheduler create every missed partition since history start (off by default:
use ``airflow backfill create`` for bounded ranges)."""

DML_CONCURRENCY = int(os.environ.get("NBA_DML_CONCURRENCY", "2"))
"""Mutating statements per table in flight at once. BigQuery runs 2 per table and queues 20."""

MAX_ACTIVE_RUNS = int(os.environ.get("NBA_BACKFILL_MAX_ACTIVE_RUNS", "4"))

DEFERRABLE = _flag("NBA_DEFERRABLE", False)
"""BigQuery jobs wait in the triggerer instead of a worker slot (``deferrable=True``). On in
the production compose file; off on the local stack, whose LocalExecutor has slots to spare.
Works against the emulator too (tested in the Celery topology): see docs/production.md."""
