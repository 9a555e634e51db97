"""Faults injected into the running stack, end to end through the scheduler.

The warehouse dies mid-backfill, a task process is killed mid-write, the scheduler restarts,
two runs write one partition at once, and 25+ partitions contend for the DML cap. Every
BigQuery call of the test stack passes the fault proxy (local_stack/fault_proxy.py); the
stack runs LocalExecutor with parallelism 4, above the per-table DML cap of 2, and task
retries 0, so whatever an in-process retry did not absorb shows as a failed task.

Each scenario asserts what a user would check: run and task states, the failure message,
and the partitions themselves (expected rows, hashed, no duplicate keys).
"""

from __future__ import annotations

import datetime
import os
import signal
import time

import pytest

import local_stack
from local_stack import services
from local_stack.adhoc import run_dml, run_query
from local_stack.airflow_api import AirflowApi
from nba_backfill import processors
from nba_backfill.catalog import datasets
from nba_backfill.catalog.registry import REGISTRY, AnalyticsTable
from nba_backfill.coverage.measure import measure_table
from nba_backfill.processors.source import read_source

pytestmark = pytest.mark.integration

DML_CAP = 2
FAIL_WITHIN_SECONDS = 60


# -- helpers --------------------------------------------------------------------------------


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]


def _dag_ready(api: AirflowApi, dag_id: str) -> None:
    api.wait_for_dag(dag_id)
    api.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})


def _backfill(api: AirflowApi, dag_id: str, first, last, reprocess: str = "completed", runs: int = 4) -> int:
    body = api.request(
        "POST",
        "/backfills",
        json={
            "dag_id": dag_id,
            "from_date": f"{first}T00:00:00Z",
            "to_date": f"{last}T00:00:00Z",
            "reprocess_behavior": reprocess,
            "max_active_runs": runs,
            "dag_run_conf": {"mode": "processor"},
        },
    )
    return body["id"]


def _task_instances(api: AirflowApi, dag_id: str, run_id: str) -> list[dict]:
    return api.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]


def _task_log(api: AirflowApi, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
    body = api.request(
        "GET",
        f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
        params={"full_content": True},
        headers={"Accept": "application/json"},
    )
    return str(body.get("content"))


def _wait_until(what: str, check, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f}s"
        time.sleep(every)


def _stored(bq, table: AnalyticsTable, first, last) -> list[tuple]:
    keys = ", ".join(table.key_columns)
    return [
        tuple(row.values())
        for row in run_query(
            f"select {keys}, data_hash from `{table.table_id}` "
            f"where game_date between @first and @last order by {keys}",
            {"first": first, "last": last},
            client=bq,
        )
    ]


def _computed(bq, table: AnalyticsTable, day) -> list[tuple]:
    """The partition as the processor computes it here, in this process: keys and hash."""
    run = processors.RunInfo(
        run_id="expected", run_type="manual", processed_at=datetime.datetime.now(datetime.UTC)
    )
    rows = processors.finalize(
        table, processors.compute_frame(table, read_source(table, day, bq), [day]), run
    )
    return sorted(tuple(row[k] for k in (*table.key_columns, "data_hash")) for row in rows)


def _emptied(bq, restore_partitions, table: AnalyticsTable, day) -> None:
    """Delete a partition (put back after the test), so the run under test must write all of it."""
    restore_partitions(table.table_id, day)
    run_dml(f"delete from `{table.table_id}` where game_date = @d", {"d": day}, client=bq)


def _assert_complete_without_duplicates(bq, table: AnalyticsTable, first, last) -> None:
    stored = _stored(bq, table, first, last)
    keys = [row[:-1] for row in stored]
    assert len(keys) == len(set(keys)), f"{table.name}: duplicate keys"
    figures = measure_table(table, first, last, bq)
    assert figures.complete, figures.reasons()
    assert figures.actual_rows == figures.expected_rows == len(stored) > 0


# -- 1. the warehouse dies mid-backfill -----------------------------------------------------


def test_the_warehouse_dies_mid_backfill_then_a_failed_only_backfill_completes_it(
    airflow_stack, loaded_warehouse, restore_partitions, bq, fault_proxy
):
    table = REGISTRY["team_defense_game_summary"]
    dag_id = f"backfill_{table.name}"
    first, last = datetime.date(2021, 10, 20), datetime.date(2021, 10, 22)
    for day in _days(first, last):
        restore_partitions(table.table_id, day)
    before = {day: len(_stored(bq, table, day, day)) for day in _days(first, last)}
    _dag_ready(airflow_stack, dag_id)
    # Writes hang in the proxy, so the warehouse dies while they are in flight.
    fault_proxy.reset()
    fault_proxy.inject({"action": "delay", "seconds": 30, "table": table.table_id, "times": None})

    started_after = airflow_stack.newest_backfill_id(dag_id)
    _backfill(airflow_stack, dag_id, first, last, runs=3)
    _wait_until(
        "a MERGE in flight",
        lambda: fault_proxy.stats()["mutating_in_flight"].get(table.table_id),
        timeout=240,
    )
    fault_proxy.kill()
    died_at = datetime.datetime.now(datetime.UTC)
    runs = airflow_stack.wait_for_backfills(dag_id, started_after, timeout=300)

    failed = [r for r in runs if r["state"] == "failed"]
    assert failed, "runs in flight when the warehouse died must fail"
    message = f"BigQuery at {fault_proxy.url} did not answer within 20s (is the warehouse up?)"
    for run in failed:
        for ti in _task_instances(airflow_stack, dag_id, run["dag_run_id"]):
            if ti["state"] != "failed":
                continue
            began = max(datetime.datetime.fromisoformat(ti["start_date"]), died_at)
            took = (datetime.datetime.fromisoformat(ti["end_date"]) - began).total_seconds()
            assert took < FAIL_WITHIN_SECONDS, f"{ti['task_id']} took {took:.0f}s to fail"
            log = _task_log(airflow_stack, dag_id, run["dag_run_id"], ti["task_id"], ti["try_number"])
            assert message in log, f"{ti['task_id']} log does not name the endpoint"

    fault_proxy.start()  # the warehouse is back
    for day in _days(first, last):
        rows = len(_stored(bq, table, day, day))
        assert rows in (before[day], measure_table(table, day, day, bq).expected_rows), (
            f"{day}: {rows} rows, half-written"
        )

    started_after = airflow_stack.newest_backfill_id(dag_id)
    _backfill(airflow_stack, dag_id, first, last, reprocess="failed", runs=3)
    runs = airflow_stack.wait_for_backfills(dag_id, started_after, timeout=420)

    assert runs and {r["state"] for r in runs} == {"success"}
    assert {r["partition_key"] for r in runs} >= {r["partition_key"] for r in failed}
    _assert_complete_without_duplicates(bq, table, first, last)


# -- 2. a task process is killed mid-write --------------------------------------------------


def test_a_task_killed_mid_write_then_rerun_leaves_exactly_the_computed_rows(
    airflow_stack, loaded_warehouse, restore_partitions, bq, fault_proxy
):
    table = REGISTRY["player_game_summary"]
    dag_id = f"backfill_{table.name}"
    day = datetime.date(2021, 10, 21)
    _emptied(bq, restore_partitions, table, day)
    expected = _computed(bq, table, day)
    _dag_ready(airflow_stack, dag_id)
    # The MERGE waits in the proxy, then reaches the warehouse after its task is dead, as a
    # BigQuery job outlives the client that started it.
    fault_proxy.reset()
    fault_proxy.inject({"action": "delay", "seconds": 10, "table": table.table_id})

    run = airflow_stack.trigger(dag_id, conf={"game_date": str(day), "mode": "processor"})
    run_id = run["dag_run_id"]
    _wait_until(
        "the MERGE in flight", lambda: fault_proxy.stats()["mutating_in_flight"].get(table.table_id), 180
    )
    (writer,) = [
        t for t in _task_instances(airflow_stack, dag_id, run_id) if t["task_id"] == "process_partition"
    ]
    assert writer["pid"], writer
    os.kill(writer["pid"], signal.SIGKILL)

    assert airflow_stack.wait_for_run(dag_id, run_id, timeout=180)["state"] == "failed"
    _wait_until(
        "the held MERGE", lambda: not fault_proxy.stats()["mutating_in_flight"].get(table.table_id), 60
    )
    assert len(_stored(bq, table, day, day)) in (0, len(expected)), "a partition is never half-written"

    airflow_stack.request(
        "POST",
        f"/dags/{dag_id}/clearTaskInstances",
        json={"dag_run_id": run_id, "only_failed": True, "reset_dag_runs": True, "dry_run": False},
    )
    assert airflow_stack.wait_for_run(dag_id, run_id, timeout=300)["state"] == "success"

    assert _stored(bq, table, day, day) == expected
    _assert_complete_without_duplicates(bq, table, day, day)
    leftovers = [
        t.table_id
        for t in bq.list_tables(datasets.MONITORING)
        if t.table_id.startswith(f"staging_{table.name}_{day:%Y%m%d}")
    ]
    assert leftovers == [], "the rerun drops the killed attempt's staging table"


# -- 3. the scheduler restarts mid-backfill -------------------------------------------------


def test_the_scheduler_restarts_mid_backfill_and_the_backfill_completes(
    airflow_stack, loaded_warehouse, restore_partitions, bq, stack_config
):
    table = REGISTRY["team_offense_game_summary"]
    dag_id = f"backfill_{table.name}"
    first, last = datetime.date(2021, 10, 26), datetime.date(2021, 10, 31)
    for day in _days(first, last):
        restore_partitions(table.table_id, day)
    _dag_ready(airflow_stack, dag_id)

    started_after = airflow_stack.newest_backfill_id(dag_id)
    _backfill(airflow_stack, dag_id, first, last, runs=2)
    _wait_until(
        "a first run done",
        lambda: any(
            r["state"] == "success" and first <= datetime.date.fromisoformat(r["partition_key"]) <= last
            for r in airflow_stack.request(
                "GET",
                f"/dags/{dag_id}/dagRuns",
                params={"run_type": "backfill", "limit": 20, "order_by": "-id"},
            )["dag_runs"]
        ),
        timeout=300,
        every=2,
    )
    services.restart_scheduler(stack_config, local_stack.start_core(stack_config))
    runs = airflow_stack.wait_for_backfills(dag_id, started_after, timeout=600)

    assert sorted(r["partition_key"] for r in runs) == [str(d) for d in _days(first, last)]
    assert {r["state"] for r in runs} == {"success"}
    _assert_complete_without_duplicates(bq, table, first, last)


# -- 4. a scheduled run and a backfill write the same partition ---------------------------------


def test_two_runs_writing_one_partition_at_once_leave_no_duplicates(
    airflow_stack, loaded_warehouse, restore_partitions, bq, fault_proxy
):
    table = REGISTRY["team_offense_game_summary"]
    dag_id = f"backfill_{table.name}"
    day = datetime.date(2021, 11, 2)
    _emptied(bq, restore_partitions, table, day)
    _dag_ready(airflow_stack, dag_id)
    # Both MERGEs are held long enough to overlap; the first is refused as BigQuery refuses
    # a second writer of one partition.
    fault_proxy.reset()
    fault_proxy.inject(
        {"action": "delay", "seconds": 6, "table": table.table_id, "times": 2},
        {"action": "serialize", "table": table.table_id, "times": 1},
    )

    started_after = airflow_stack.newest_backfill_id(dag_id)
    # A manual run with the partition's game date stands in for the nightly scheduled run: the
    # same DAG and tasks; only the run type differs (a scheduled run today would own today).
    manual = airflow_stack.trigger(dag_id, conf={"game_date": str(day), "mode": "processor"})
    _backfill(airflow_stack, dag_id, day, day)
    (backfilled,) = airflow_stack.wait_for_backfills(dag_id, started_after, timeout=300)

    assert backfilled["state"] == "success"
    assert airflow_stack.wait_for_run(dag_id, manual["dag_run_id"], timeout=300)["state"] == "success"
    stats = fault_proxy.stats()
    assert stats["injected"] == {"serialize": 1}, "the refused MERGE was retried inside its task"
    assert stats["mutating_done"][table.table_id] == 2
    assert stats["max_mutating_in_flight"][table.table_id] == 2, "the two writes overlapped"
    assert _stored(bq, table, day, day) == _computed(bq, table, day)
    _assert_complete_without_duplicates(bq, table, day, day)


# -- 5. 25+ partitions in flight against the DML cap ------------------------------------------------


def test_many_partitions_in_flight_never_exceed_the_dml_cap_and_refusals_are_retried(
    airflow_stack, loaded_warehouse, restore_partitions, bq, fault_proxy, stack_config
):
    table = REGISTRY["player_game_summary"]
    dag_id = f"backfill_range_{table.name}"
    first, last = datetime.date(2021, 10, 19), datetime.date(2021, 11, 13)  # 26 game dates
    for day in _days(first, last):
        restore_partitions(table.table_id, day)
    run_dml(
        f"update `{table.table_id}` set data_hash = null where game_date between @a and @b",
        {"a": first, "b": last},
        client=bq,
    )
    assert stack_config.parallelism > DML_CAP, "the executor could run more writers than the cap"
    _dag_ready(airflow_stack, dag_id)
    fault_proxy.reset()
    fault_proxy.inject(
        {"action": "delay", "seconds": 1.5, "table": table.table_id, "times": None},
        {"action": "serialize", "table": table.table_id, "skip": 3, "times": 2},
        {"action": "too_many_dml", "table": table.table_id, "skip": 10, "times": 1},
    )

    run = airflow_stack.trigger(
        dag_id, conf={"from_date": str(first), "to_date": str(last), "mode": "sql", "chunk": "day"}
    )
    finished = airflow_stack.wait_for_run(dag_id, run["dag_run_id"], timeout=900)

    writers = [
        t
        for t in _task_instances(airflow_stack, dag_id, run["dag_run_id"])
        if t["task_id"] == "hash_chunk_sql"
    ]
    assert len(writers) >= 25, "25 or more partitions in flight"
    assert finished["state"] == "success"
    assert {t["state"] for t in writers} == {"success"}
    assert {t["try_number"] for t in writers} == {1}, "no task retry was needed"
    stats = fault_proxy.stats()
    assert stats["injected"] == {"serialize": 2, "too_many_dml": 1}
    assert stats["max_mutating_in_flight"][table.table_id] == DML_CAP
    statements = [
        (job["labels"].get("dag"), job["labels"].get("partition"), job["query"][:60])
        for job in stats["jobs"]
        if job["kind"] == "mutating" and job["table"] == table.table_id
    ]
    assert stats["mutating_done"][table.table_id] == len(writers), statements
    for job in stats["jobs"]:  # plan, cost estimate, hash chunks, verification: every job
        assert job["kind"] == "load" or job["maximum_bytes_billed"], job["query"][:200]
        literal_dates = [d for d in _days(first, last) if str(d) in job["query"]]
        assert not literal_dates, f"dates reached SQL as text: {job['query'][:200]}"
    _assert_complete_without_duplicates(bq, table, first, last)
