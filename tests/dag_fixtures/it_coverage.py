"""Test DAGs for coverage: verify_coverage unscheduled, and with a wait that times out in seconds; a
CoverageSensor whose tables and range come from the run's params."""

from __future__ import annotations

import datetime

import pendulum
from airflow.sdk import DAG, Param

from nba_backfill.coverage.dag import build_verify_coverage_dag
from nba_backfill.coverage.sensors import CoverageSensor

# verify_coverage's twin without a schedule: once a test unpauses the real DAG to trigger it,
# the scheduler would also start the run of its latest nightly tick, whose verdict and alert
# would land in the middle of the tests.
it_verify_coverage = build_verify_coverage_dag("it_verify_coverage", schedule=None)

it_verify_coverage_late = build_verify_coverage_dag(
    "it_verify_coverage_late",
    schedule=None,
    wait_timeout=datetime.timedelta(seconds=15),
    poke_interval=datetime.timedelta(seconds=5),
)

with DAG(
    dag_id="it_coverage_sensor",
    schedule=None,
    start_date=pendulum.datetime(2021, 10, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    default_args={"retries": 0},
    params={
        "tables": Param(["player_game_summary"], type="array"),
        "from_date": Param("2021-10-19", type="string", format="date"),
        "to_date": Param("2021-10-19", type="string", format="date"),
    },
) as it_coverage_sensor:
    CoverageSensor(
        task_id="wait_until_complete",
        tables="{{ params.tables }}",
        from_date="{{ params.from_date }}",
        to_date="{{ params.to_date }}",
        poke_interval=3,
        timeout=10,
    )
