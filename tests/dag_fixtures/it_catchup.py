"""Test DAG: a backfill table's timetable with catchup on over the last three days."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

from nba_backfill.catalog.partitions import TIMEZONE, timetable_for
from nba_backfill.catalog.registry import REGISTRY

# Three midnights ago, Eastern: a short window the scheduler must fill, and nothing more.
START = pendulum.today(TIMEZONE).subtract(days=3)

with DAG(
    dag_id="it_catchup",
    schedule=timetable_for(REGISTRY["team_offense_game_summary"]),
    start_date=START,
    catchup=True,
    is_paused_upon_creation=False,
    tags=["test"],
    default_args={"retries": 0},
) as dag:

    @task
    def noop() -> None:
        """Nothing to do: the test is about which runs the scheduler creates."""

    noop()
