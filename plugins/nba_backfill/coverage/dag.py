"""Build the ``verify_coverage`` DAG: the nightly proof that every table is complete.

``wait_for_newest_partitions``
    reschedule-mode sensor: waits until each table's newest expected partition has been
    written by its backfill DAG run. If they are still missing at the timeout, the run goes
    on and its alert says LATE. Manual runs that name a range do not wait.
``measure_coverage``
    every table over its range (default: history start to the newest partition it should
    hold), a few set-based queries per table, and the range's newest ``stale_days`` days
    recomputed from today's raw data (rows a correction made stale); appended to
    ``nba_monitoring.coverage_history``.
``alert_on_gaps``
    one alert per run through the ``nba_alerts`` Apprise connection when anything is late,
    incomplete or could not be verified, with figures, gap ranges and the repair commands;
    then the run fails, so it is red in the UI.
"""

from __future__ import annotations

import datetime

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, CronTriggerTimetable, Param

from nba_backfill.catalog.partitions import TIMEZONE
from nba_backfill.catalog.registry import HISTORY_START, TABLES
from nba_backfill.coverage import tasks
from nba_backfill.coverage.figures import DEFAULT_PARITY_SAMPLE, DEFAULT_STALE_DAYS
from nba_backfill.coverage.sensors import NewestPartitionsSensor
from nba_backfill.runs import default_args

NIGHTLY_CRON = "0 6 * * *"
"""06:00 US/Eastern: after the midnight partition runs have had six hours."""


def build_verify_coverage_dag(
    dag_id: str = "verify_coverage",
    *,
    schedule: object = "nightly",
    wait_timeout: datetime.timedelta = datetime.timedelta(hours=4),
    poke_interval: datetime.timedelta = datetime.timedelta(minutes=10),
) -> DAG:
    if schedule == "nightly":
        schedule = CronTriggerTimetable(NIGHTLY_CRON, timezone=TIMEZONE)
    with DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
        catchup=False,  # a verification of today covers every earlier day too
        # A manual verification must not queue behind a nightly run that is still waiting.
        max_active_runs=3,
        default_args=default_args(retries=1, retry_delay=datetime.timedelta(minutes=1)),
        params={
            "tables": Param(
                [t.name for t in TABLES],
                type="array",
                items={"type": "string", "enum": [t.name for t in TABLES]},
                description="Tables to verify (default: all).",
            ),
            "from_date": Param(
                None,
                type=["null", "string"],
                format="date",
                description=f"First game date (default: history start, {HISTORY_START}).",
            ),
            "to_date": Param(
                None,
                type=["null", "string"],
                format="date",
                description="Last game date (default: the newest partition each table should hold).",
            ),
            "stale_days": Param(
                DEFAULT_STALE_DAYS,
                type="integer",
                minimum=0,
                description=(
                    "Newest days of the range recomputed from today's raw data to find rows that "
                    "corrections made stale (0: none; a number at least the range's length: all of it)."
                ),
            ),
            "parity_sample": Param(
                DEFAULT_PARITY_SAMPLE,
                type="integer",
                minimum=0,
                description="Stored hashes per table recomputed in Python.",
            ),
        },
        tags=["nba", "coverage"],
        doc_md=__doc__,
    ) as dag:
        wait = NewestPartitionsSensor(
            task_id=tasks.WAIT_TASK,
            tables="{{ params.tables }}",
            poke_interval=poke_interval.total_seconds(),
            timeout=wait_timeout.total_seconds(),  # a timeout fails at once; retries are for errors
        )
        measure = PythonOperator(
            task_id=tasks.MEASURE_TASK,
            python_callable=tasks.measure_coverage,
            trigger_rule="all_done",
        )
        alert = PythonOperator(
            task_id=tasks.ALERT_TASK,
            python_callable=tasks.alert_on_gaps,
            trigger_rule="all_done",
            # Retries only on a failed delivery: after sending, it fails with AirflowFailException.
        )
        wait >> measure >> alert
    return dag
