"""The production topology, natively: PostgreSQL metadata DB, CeleryExecutor on Redis, a
Celery worker and a triggerer, against the test stack's BigQuery emulator.

Same processes as docker-compose.yaml (api-server, scheduler, dag-processor, triggerer,
``airflow celery worker``), without containers: PostgreSQL and Redis are the machine's own
on 127.0.0.1 (``.ci/run`` installs them from Debian's packages where they are absent). The
metadata DB is a fresh database of that server, dropped afterwards.
"""

from __future__ import annotations

import datetime
import os
import shutil
import socket
import time

import pytest

from local_stack import services
from local_stack.adhoc import run_query
from local_stack.airflow_api import AirflowApi
from local_stack.config import REPO_ROOT, StackConfig
from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG

pytestmark = [pytest.mark.integration, pytest.mark.airflow_runs]

DATABASE = "nba_celery_topology"
POSTGRES = "postgres@127.0.0.1:5432"
BROKER = "redis://127.0.0.1:6379/5"
TABLE = "player_game_summary"
WEEK = [datetime.date(2021, 10, 19) + datetime.timedelta(days=i) for i in range(7)]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _recreate_database() -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"drop database if exists {DATABASE} with (force)")
        cursor.execute(f"create database {DATABASE}")
    connection.close()


def _celery_task_count() -> dict[str, int]:
    """Celery's own result records in the metadata DB: proof the work went through Celery."""
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=DATABASE)
    with connection.cursor() as cursor:
        cursor.execute("select status, count(*) from celery_taskmeta group by status")
        counts = dict(cursor.fetchall())
    connection.close()
    return counts


@pytest.fixture(scope="module")
def celery_stack(stack_config: StackConfig, loaded_warehouse):
    if not (_listening(5432) and _listening(6379)):
        reason = "needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (.ci/run installs them)"
        if os.environ.get("NBA_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    _recreate_database()
    cfg = StackConfig.from_env(
        {
            **os.environ,
            "NBA_STATE_DIR": str(REPO_ROOT / ".local" / "celery-topology"),
            "NBA_AIRFLOW_PORT": "8280",
        }
    )
    shutil.rmtree(cfg.state_dir, ignore_errors=True)  # a fresh database gets a fresh Airflow home
    cfg.state_dir.mkdir(parents=True)
    db_url = f"postgresql+psycopg2://{POSTGRES}/{DATABASE}"
    env = {
        **os.environ,
        **cfg.airflow_env(db_url),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": BROKER,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{POSTGRES}/{DATABASE}",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
        "NBA_DEFERRABLE": "true",
        # Log servers beside the test stack's own (8793/8794).
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": "8893",
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": "8894",
        "PATH": f"{services.AIRFLOW_BIN.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    services.migrate_metadata_db(cfg, env)
    try:
        services.ensure_airflow(cfg, env, ("api-server", "scheduler", "dag-processor"))
        services.spawn(cfg, "triggerer", [str(services.AIRFLOW_BIN), "triggerer"], env)
        services.spawn(cfg, "celery-worker", [str(services.AIRFLOW_BIN), "celery", "worker"], env)
        services.ensure_airflow(cfg, env)  # waits until all four report healthy
        yield cfg, AirflowApi.for_stack(cfg)
    finally:
        services.stop_process(cfg, "celery-worker")
        services.stop_airflow(cfg)


def _wait_for_state(api: AirflowApi, dag_id: str, run_id: str, timeout: float = 600) -> dict:
    return api.wait_for_run(dag_id, run_id, timeout=timeout)


def test_a_week_backfill_completes_through_the_celery_worker(celery_stack, restore_partitions, bq):
    _, api = celery_stack
    for day in WEEK:
        restore_partitions(f"nba_analytics.{TABLE}", day)
    dag_id = f"backfill_{TABLE}"
    api.wait_for_dag(dag_id, timeout=240)
    api.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    before = api.newest_backfill_id(dag_id)
    api.request(
        "POST",
        "/backfills",
        json={
            "dag_id": dag_id,
            "from_date": f"{WEEK[0]}T00:00:00Z",
            "to_date": f"{WEEK[-1]}T00:00:00Z",
            "reprocess_behavior": "completed",
            "dag_run_conf": {"mode": "sql"},
            "max_active_runs": 4,
        },
    )
    runs = api.wait_for_backfills(dag_id, before, timeout=900)
    api.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})
    assert sorted(r["partition_key"] for r in runs) == [str(d) for d in WEEK]
    assert {r["state"] for r in runs} == {"success"}

    figures = {
        row.game_date: (row.n, row.hashed)
        for row in run_query(
            f"select game_date, count(*) as n, countif(data_hash is not null) as hashed "
            f"from `nba_analytics.{TABLE}` where game_date between @a and @b group by game_date",
            {"a": WEEK[0], "b": WEEK[-1]},
            client=bq,
        )
    }
    assert set(figures) == set(WEEK)
    assert all(n == hashed > 0 for n, hashed in figures.values()), figures
    run_ids = {r["dag_run_id"] for r in runs}
    logged = {
        row.game_date
        for row in run_query(
            f"select game_date, run_id from `{BACKFILL_LOG.table_id}` where table_name = @t and complete "
            "and game_date between @a and @b",
            {"t": TABLE, "a": WEEK[0], "b": WEEK[-1]},
            client=bq,
        )
        if row.run_id in run_ids
    }
    assert logged == set(WEEK)
    # Three task instances per run went through Celery, recorded in its result backend.
    assert _celery_task_count().get("SUCCESS", 0) >= 3 * len(WEEK)


def test_a_deferrable_bigquery_job_waits_in_the_triggerer(celery_stack):
    cfg, api = celery_stack
    dag_id = "it_deferred_bigquery_job"
    api.wait_for_dag(dag_id, timeout=240)
    api.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    run = api.trigger(dag_id)
    finished = _wait_for_state(api, dag_id, run["dag_run_id"], timeout=300)
    api.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})
    assert finished["state"] == "success"
    log = api.request(
        "GET",
        f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances/count_schedule_rows/logs/1",
        params={"full_content": "true"},
    )
    text = str(log)
    assert "BigQueryInsertJobTrigger" in text or "Trigger" in text, text[-2000:]
    deadline = time.monotonic() + 30
    triggerer_log = (cfg.log_dir / "triggerer.log").read_text()
    while "BigQueryInsertJobTrigger" not in triggerer_log and time.monotonic() < deadline:
        time.sleep(1)
        triggerer_log = (cfg.log_dir / "triggerer.log").read_text()
    assert "BigQueryInsertJobTrigger" in triggerer_log
