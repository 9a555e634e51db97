"""What every DAG and task of this package shares: retry policy and owner, how a task refuses,
what kind of run it is in, and the moment it acts as of.

Airflow is imported inside the functions: DAG files import this module at parse time.
"""

from __future__ import annotations

import datetime
from typing import Any

from nba_backfill import clock, settings

DEFAULT_TASK_ARGS = {
    "owner": "nba-data",
    # BigQuery's transient errors are retried inside each call (see warehouse.client); these
    # retries cover what outlives that: an outage, a killed worker.
    "retries": settings.TASK_RETRIES,
    "retry_delay": datetime.timedelta(seconds=settings.TASK_RETRY_DELAY_SECONDS),
    "retry_exponential_backoff": True,
    "max_retry_delay": datetime.timedelta(minutes=10),
}


def refuse(message: str) -> Exception:
    """A task failure that retries cannot help (bad params, bad data): ``raise refuse(...)``."""
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(message)


def run_type_of(context: dict[str, Any]) -> str:
    """scheduled | backfill | manual: what kind of run wrote the rows."""
    dag_run = context["dag_run"]
    kind = str(getattr(dag_run.run_type, "value", dag_run.run_type))
    return kind if kind in {"scheduled", "backfill"} else "manual"


def as_of(context: dict[str, Any]) -> datetime.datetime:
    """The moment a run's date rules read: a scheduled run's tick (``run_after``), else ``clock.now()``.

    A scheduled run that starts late, or is cleared and rerun days later, still decides
    "future" and "newest partition" as of its own tick. Backfill runs carry their partition's
    tick as ``run_after`` (one day early for summary tables), so they, like manual runs,
    read the clock.
    """
    dag_run = context.get("dag_run")
    run_after = getattr(dag_run, "run_after", None)
    if run_after and dag_run is not None and run_type_of(context) == "scheduled":
        return clock.aware(run_after)
    return clock.now()
