"""`airflow backfill create` over a week, end to end through the running scheduler."""

from __future__ import annotations

import datetime
import os
import subprocess
import time

import pytest

from local_stack.adhoc import run_query
from local_stack.services import AIRFLOW_BIN
from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage.measure import measure_table

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
            "4",
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


def _runs(api, dag_id: str) -> list[dict]:
    return api.request(
        "GET", f"/dags/{dag_id}/dagRuns", params={"run_type": "backfill", "limit": 200, "order_by": "-id"}
    )["dag_runs"]
