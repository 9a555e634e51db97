"""What every DAG and task of this package shares: retry policy and owner, how a task refuses,
what kind of run it is in, and the moment it acts as of.

Airflow is imported inside the functions: DAG files import this module at parse time.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from nba_backfill import clock, settings

log = logging.getLogger(__name__)

DEFAULT_TASK_ARGS = {
    "owner": "nba-data",
    # BigQuery's transient errors are retried inside each call (see warehouse.client); these
    # retries cover what outlives that: an outage, a killed worker.
    "retries": settings.TASK_RETRIES,
    "retry_delay": datetime.timedelta(seconds=settings.TASK_RETRY_DELAY_SECONDS),
    "retry_exponential_backoff": True,
    "max_retry_delay": datetime.timedelta(minutes=10),
}


def default_args(**overrides: Any) -> dict[str, Any]:
    """``DEFAULT_TASK_ARGS`` plus the retry policy that fails ``ParamsRefused`` at once."""
    from airflow.sdk.definitions.retry_policy import ExceptionRetryPolicy, RetryAction, RetryRule

    policy = ExceptionRetryPolicy(
        rules=[RetryRule(exception=ParamsRefused, action=RetryAction.FAIL, reason="bad params")]
    )
    return {**DEFAULT_TASK_ARGS, "retry_policy": policy, **overrides}


def refuse(message: str) -> Exception:
    """A task failure that retries cannot help (bad data): ``raise refuse(...)``."""
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(message)


class ParamsRefused(SystemExit):
    """A run's params are wrong: the task fails with one sentence in its log, no traceback.

    Airflow's task runner logs every failing exception with ``log.exception`` (a traceback
    of its own frames), except ``SystemExit``, which it logs as one line, "Task exited"
    (``airflow/sdk/execution_time/task_runner.py``, ``except SystemExit``). It would retry
    that like any failure; the retry policy of ``default_args()`` fails it at once.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = 2  # a usage error, as argparse exits; str(self) stays the message


def refuse_params(message: str) -> ParamsRefused:
    """``raise refuse_params(...)``: log the refusal as one line and fail the task without a traceback."""
    log.error("Refused: %s", message)
    return ParamsRefused(message)


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
