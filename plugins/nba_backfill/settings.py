"""Every ``NBA_*`` setting the package reads, read once from the environment when first imported.

Only plain environment variables: no Airflow Variables, hooks or network when DAGs parse. A
bad value raises ``SettingError`` naming the variable and what it must be. The local
stack's own settings (ports, which warehouse) live in ``local_stack/config.py``.
"""

from __future__ import annotations

import os
import re

from nba_backfill.console import BadRequest

_DATASET_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,1023}")
_DAG_ID = re.compile(r"[A-Za-z0-9_.-]{1,250}")
_HOST_PORT = re.compile(r"[A-Za-z0-9_.-]+:[0-9]{1,5}")


class SettingError(BadRequest):
    """An ``NBA_*`` variable with a value the package cannot use."""


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "true" if default else "false").strip().lower()
    if raw not in {"true", "false", "1", "0", "yes", "no"}:
        raise SettingError(f"{name}={raw!r} must be true or false")
    return raw in {"true", "1", "yes"}


def _whole_number(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, str(default)).strip()
    if not raw.isdigit() or int(raw) < minimum:
        raise SettingError(f"{name}={raw!r} must be a whole number >= {minimum}")
    return int(raw)


def _dataset(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    if not _DATASET_ID.fullmatch(value):
        raise SettingError(f"{name}={value!r} is not a BigQuery dataset id (letters, digits, underscores)")
    return value


def _dag_id(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    if not _DAG_ID.fullmatch(value):
        raise SettingError(f"{name}={value!r} is not a DAG id (letters, digits, dots, dashes, underscores)")
    return value


DATASET_RAW = _dataset("NBA_DATASET_RAW", "nba_raw")
DATASET_ANALYTICS = _dataset("NBA_DATASET_ANALYTICS", "nba_analytics")
DATASET_MONITORING = _dataset("NBA_DATASET_MONITORING", "nba_monitoring")
"""Dataset names, changeable per deployment (a staging copy beside production in one project)."""

MAXIMUM_BYTES_BILLED = _whole_number("NBA_MAXIMUM_BYTES_BILLED", 50 * 1024**3, minimum=1)
"""Every job refuses to bill more than this (default 50 GiB): a query that would is a bug."""


def _host_port(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    if value and not _HOST_PORT.fullmatch(value):
        raise SettingError(f"{name}={value!r} must be host:port (plain gRPC), e.g. 127.0.0.1:9060")
    return value or None


STORAGE_READ_ENDPOINT = _host_port("NBA_STORAGE_READ_ENDPOINT")
"""Where a warehouse at a custom endpoint (a local emulator) serves the BigQuery Storage Read
API, as plain-text gRPC ``host:port``. Unset: BigQuery's own endpoint when the connection is
BigQuery's, else reads come as JSON pages over REST (slow; the log says so)."""

CATCHUP = _flag("NBA_BACKFILL_CATCHUP", False)
"""Let the scheduler create every missed partition since history start (off by default:
use ``airflow backfill create`` for bounded ranges)."""

DML_CONCURRENCY = _whole_number("NBA_DML_CONCURRENCY", 2, minimum=1)
"""Mutating statements per table in flight at once. BigQuery runs 2 per table and queues 20."""

MAX_ACTIVE_RUNS = _whole_number("NBA_BACKFILL_MAX_ACTIVE_RUNS", 4, minimum=1)
"""Partitions of one table written at once by its per-date DAG: the DAG's ``max_active_runs``
and every task's ``max_active_tis_per_dag``, so it holds for catchup, the UI's backfill and
``airflow backfill create`` alike (whose ``--max-active-runs`` only bounds its running runs)."""

PROCESSOR_CHUNK_ROWS = _whole_number("NBA_PROCESSOR_CHUNK_ROWS", 250_000, minimum=1_000)
"""About how many rows one processor task computes and writes in a range run (chunk ``auto``):
fewer task instances than a chunk per season, and a task's memory stays bounded (bench/)."""

TASK_RETRIES = _whole_number("NBA_TASK_RETRIES", 3)
"""Task retries after a failed attempt (an outage, a killed worker); BigQuery's transient
errors and concurrency refusals are retried inside the attempt. The test stack sets 0."""

TASK_RETRY_DELAY_SECONDS = _whole_number("NBA_TASK_RETRY_DELAY_SECONDS", 30, minimum=1)

DEFERRABLE = _flag("NBA_DEFERRABLE", False)
"""BigQuery jobs wait in the triggerer instead of a worker slot (``deferrable=True``). On in
the production compose file; off on the local stack, whose LocalExecutor has slots to spare.
Works against the emulator too (tested in the Celery topology): see docs/production.md."""

VERIFY_DAG_ID = _dag_id("NBA_VERIFY_DAG_ID", "verify_coverage")
"""The DAG the Coverage page's "Verify now" and its re-verification after a repair trigger.
The test stack points it at an unscheduled twin: unpausing the real one would also start its
newest nightly run in the middle of the tests."""
