"""The local stack: Airflow 3 on PostgreSQL, scheduling real runs against the emulator."""

from __future__ import annotations

import time

import psycopg2
import pytest
import requests

import local_stack
from local_stack import services
from nba_backfill.catalog.registry import REGISTRY

pytestmark = pytest.mark.integration


def test_rerunning_up_on_a_running_stack_is_fast_and_keeps_the_processes(airflow_stack, stack_config):
    before = {name: services.running_pid(stack_config, name) for name in services.AIRFLOW_COMPONENTS}
    started = time.monotonic()
    local_stack.start(stack_config)
    elapsed = time.monotonic() - started

    after = {name: services.running_pid(stack_config, name) for name in services.AIRFLOW_COMPONENTS}
    assert after == before
    assert all(after.values())
    assert elapsed < 10


def test_every_component_reports_healthy(airflow_stack, stack_config):
    health = services.airflow_health(stack_config)
    assert {
        key: health[key]["status"] for key in ("metadatabase", "scheduler", "dag_processor", "triggerer")
    } == {
        "metadatabase": "healthy",
        "scheduler": "healthy",
        "dag_processor": "healthy",
        "triggerer": "healthy",
    }


def test_the_api_refuses_anonymous_requests(airflow_stack, stack_config):
    response = requests.get(f"{stack_config.airflow_url}/api/v2/dags", timeout=10)
    assert response.status_code == 401


def test_scheduler_runs_provision_warehouse_and_records_it_in_postgres(airflow_stack, bq):
    bq.delete_dataset("nba_monitoring", delete_contents=True, not_found_ok=True)

    airflow_stack.wait_for_dag("provision_warehouse")
    run = airflow_stack.trigger("provision_warehouse")
    run = airflow_stack.wait_for_run("provision_warehouse", run["dag_run_id"], timeout=180)

    assert run["state"] == "success"
    assert airflow_stack.task_states("provision_warehouse", run["dag_run_id"]) == {
        "create_datasets_and_tables": "success"
    }
    assert {"nba_raw", "nba_analytics", "nba_monitoring"} <= {d.dataset_id for d in bq.list_datasets()}
    assert set(REGISTRY) <= {t.table_id for t in bq.list_tables("nba_analytics")}

    # The run is in the PostgreSQL metadata DB itself, not only behind the API.
    import os

    url = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2", "postgresql")
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select state from dag_run where dag_id = %s and run_id = %s",
            ("provision_warehouse", run["dag_run_id"]),
        )
        assert cur.fetchone() == ("success",)
