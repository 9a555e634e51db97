"""`airflow backfill create` over a week, end to end through the running scheduler.

The backfill asks for more active runs than the per-date DAG's cap (the test stack sets
``NBA_BACKFILL_MAX_ACTIVE_RUNS=2``, below its executor's 4 slots): the cap must still hold.
"""

from __future__ import annotations

import datetime
import itertools
import os
import subprocess
import time

import pytest

from local_stack.adhoc import run_query
from local_stack.services import AIRFLOW_BIN
from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage.measure import measure_table
from nba_backfill.settings import MAX_ACTIVE_RUNS

pytestmark = pytest.mark.integration

TABLE = REGISTRY["team_offense_game_summary"]
FIRST, LAST = datetime.date(2021, 10, 19), datetime.date(2021, 10, 25)
DAYS = [FIRST + datetime.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def test_backfill_create_processes_exactly_the_requested_game_dates(
    airflow_stack, loaded_warehouse, restore_partitions, bq
):
    dag_id = f"backfill_{TABLE.name}"
    for day in DAYS:
        restore_partitions(TABLE.table_id, day)
    airflow_stack.wait_for_dag(dag_id)
    airflow_stack.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    earlier = {r["dag_run_id"] for r in _runs(airflow_stack, dag_id)}

    created = subprocess.run(
        [
            str(AIRFLOW_BIN),
            "backfill",
            "create",
            "--dag-id",
            dag_id,
            "--from-date",
            str(FIRST),
            "--to-date",
            str(LAST),
            "--reprocess-behavior",
            "completed",
            "--max-active-runs",
            "10",
        ],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert created.returncode == 0, created.stderr[-3000:]

    deadline = time.monotonic() + 420
    while True:
        # Runs of this backfill only: the test stack keeps earlier sessions' runs.
        mine = [r for r in _runs(airflow_stack, dag_id) if r["dag_run_id"] not in earlier]
        if len(mine) == len(DAYS) and all(r["state"] in {"success", "failed"} for r in mine):
            break
        assert time.monotonic() < deadline, (
            f"backfill not finished: {[(r.get('partition_key'), r['state']) for r in mine]}"
        )
        time.sleep(3)

    assert sorted(r["partition_key"] for r in mine) == [str(d) for d in DAYS]
    assert {r["state"] for r in mine} == {"success"}
    for day in DAYS:
        figures = measure_table(TABLE, day, day, bq)
        assert figures.complete and figures.actual_rows > 0, (day, figures)
    logged = {
        row.game_date
        for row in run_query(
            f"select game_date from `{BACKFILL_LOG.table_id}` where table_name = @t and run_type = 'backfill' "
            "and game_date between @a and @b and complete",
            {"t": TABLE.name, "a": FIRST, "b": LAST},
            client=bq,
        )
    }
    assert logged == set(DAYS)

    # However the backfill was created, no task wrote more partitions at once than the cap.
    instances = [
        ti
        for run in mine
        for ti in airflow_stack.request("GET", f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances")[
            "task_instances"
        ]
        if ti["start_date"] and ti["end_date"]
    ]
    assert MAX_ACTIVE_RUNS == 2
    by_task = itertools.groupby(sorted(instances, key=lambda ti: ti["task_id"]), key=lambda ti: ti["task_id"])
    overlaps = {task: _most_at_once(list(tis)) for task, tis in by_task}
    assert overlaps and max(overlaps.values()) <= MAX_ACTIVE_RUNS, overlaps


def _most_at_once(instances: list[dict]) -> int:
    """The most instances running at one moment (starts before ends at equal times)."""
    events = sorted(
        [(datetime.datetime.fromisoformat(ti["start_date"]), 1) for ti in instances]
        + [(datetime.datetime.fromisoformat(ti["end_date"]), -1) for ti in instances],
        key=lambda e: (e[0], e[1]),
    )
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def _runs(api, dag_id: str) -> list[dict]:
    return api.request(
        "GET", f"/dags/{dag_id}/dagRuns", params={"run_type": "backfill", "limit": 200, "order_by": "-id"}
    )["dag_runs"]
