"""backfill_range_<table>: a range of partitions in chunks, through the running scheduler."""

from __future__ import annotations

import datetime

import pytest

from local_stack.adhoc import run_query
from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage.measure import measure_table

pytestmark = pytest.mark.integration

D = datetime.date
PLAYERS = REGISTRY["player_game_summary"]
FIRST, LAST = D(2021, 10, 21), D(2021, 11, 3)
DAG_ID = "backfill_range_player_game_summary"


def _run(api, conf: dict) -> tuple[dict, dict[str, str]]:
    api.wait_for_dag(DAG_ID)
    run = api.trigger(DAG_ID, conf=conf)
    run = api.wait_for_run(DAG_ID, run["dag_run_id"], timeout=300)
    return run, api.task_states(DAG_ID, run["dag_run_id"])


def test_a_sql_range_run_hashes_every_chunk_and_logs_every_game_date(
    airflow_stack, loaded_warehouse, restore_partitions, bq
):
    before = measure_table(PLAYERS, FIRST, LAST, bq, parity_sample=0)
    assert before.present_rows == before.expected_rows > 0 and before.hashed_rows == 0  # legacy, unhashed
    for day in before.expected_dates:
        restore_partitions(PLAYERS.table_id, day)

    run, states = _run(
        airflow_stack, {"from_date": str(FIRST), "to_date": str(LAST), "mode": "sql", "chunk": "week"}
    )

    assert run["state"] == "success", states
    assert states["process_chunk"] == "skipped"
    chunks = airflow_stack.request(
        "GET", f"/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/hash_chunk_sql/listMapped"
    )
    weeks = {day.isocalendar()[:2] for day in before.expected_dates}
    assert sorted(ti["state"] for ti in chunks["task_instances"]) == ["success"] * len(weeks)
    after = measure_table(PLAYERS, FIRST, LAST, bq)
    assert after.complete, after.reasons()
    assert after.hashed_rows == before.expected_rows
    logged = {
        row.game_date: row.complete
        for row in run_query(
            f"select game_date, complete from `{BACKFILL_LOG.table_id}` where run_id = @run",
            {"run": run["dag_run_id"]},
            client=bq,
        )
    }
    assert logged == dict.fromkeys(before.expected_dates, True)
    # The dry-run estimate went ahead of the writes (0 bytes on the emulator: the plumbing).
    estimate = airflow_stack.request(
        "GET",
        f"/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/plan_chunks/xcomEntries/cost_estimate",
        params={"deserialize": "true"},
    )["value"]
    assert estimate == {
        "table": PLAYERS.name,
        "from_date": str(FIRST),
        "to_date": str(LAST),
        "mode": "sql",
        "statements": 1,
        "bytes_processed": 0,
        "usd": 0.0,
    }


def test_a_range_estimated_above_the_billing_cap_is_refused(monkeypatch):
    """BigQuery's byte estimates cannot exist on the emulator (always 0): the estimate is
    replaced here, the refusal is real."""
    from nba_backfill.backfill import cost, range_tasks
    from nba_backfill.warehouse.client import MAXIMUM_BYTES_BILLED

    huge = cost.CostEstimate(PLAYERS.name, str(FIRST), str(LAST), "sql", 1, MAXIMUM_BYTES_BILLED + 1)
    monkeypatch.setattr(cost, "estimate", lambda *args: huge)

    class Ti:
        pushed: dict = {}

        def xcom_push(self, key, value):
            self.pushed[key] = value

    with pytest.raises(Exception, match="above the per-job cap"):
        range_tasks._cost_estimate(PLAYERS, FIRST, LAST, "sql", None, Ti())


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        (
            {"from_date": "2021-11-03", "to_date": "2021-10-21"},
            "from_date 2021-11-03 is after to_date 2021-10-21",
        ),
        ({"from_date": "2099-01-01"}, "is in the future"),
    ],
)
def test_bad_range_params_fail_before_any_write(airflow_stack, loaded_warehouse, bq, conf, message):
    before = measure_table(PLAYERS, FIRST, LAST, bq, parity_sample=0).hashed_rows
    run, states = _run(airflow_stack, {"mode": "sql", **conf})
    assert run["state"] == "failed"
    assert states["plan_chunks"] == "failed" and states["hash_chunk_sql"] == "upstream_failed"
    assert measure_table(PLAYERS, FIRST, LAST, bq, parity_sample=0).hashed_rows == before
    log = airflow_stack.request(
        "GET",
        f"/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/plan_chunks/logs/1",
        params={"full_content": True},
    )
    assert message in str(log)


@pytest.fixture
def restore_range(bq):
    """Snapshot a table's rows over a range; put them back afterwards (two jobs, not one per date)."""
    from local_stack.adhoc import run_dml
    from nba_backfill.warehouse.client import load_rows

    saved = []

    def snapshot(table, first, last):
        rows = [
            dict(r.items())
            for r in run_query(
                f"select * from `{table.table_id}` where game_date between @a and @b",
                {"a": first, "b": last},
                client=bq,
            )
        ]
        saved.append((table, first, last, rows))

    yield snapshot
    for table, first, last, rows in saved:
        run_dml(
            f"delete from `{table.table_id}` where game_date between @a and @b",
            {"a": first, "b": last},
            client=bq,
        )
        load_rows(table.table_id, rows, table.schema, client=bq)


AFTER = (D(2021, 11, 20), D(2021, 11, 22))  # just outside the first-month window


def _plan_log(api, run) -> str:
    return str(
        api.request(
            "GET",
            f"/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/plan_chunks/logs/1",
            params={"full_content": True},
        )
    )


def test_the_validation_gate_refuses_history_until_the_first_month_is_proven(
    airflow_stack, loaded_warehouse, restore_range, bq
):
    from nba_backfill.backfill.validation_gate import FIRST_MONTH

    restore_range(PLAYERS, FIRST_MONTH[0], AFTER[1])
    conf = {"from_date": str(AFTER[0]), "to_date": str(AFTER[1]), "mode": "sql"}

    # Session 42: the first month of player_game_summary is there but unhashed.
    run, states = _run(airflow_stack, conf)
    assert run["state"] == "failed" and states["plan_chunks"] == "failed"
    log = _plan_log(airflow_stack, run)
    assert "the first-month validation has not passed" in log
    assert "the first month is INCOMPLETE" in log and "skip_validation_gate" in log
    assert measure_table(PLAYERS, *AFTER, bq, parity_sample=0).hashed_rows == 0  # nothing written

    # Prove the first month (a range inside the window needs no gate); then history may start.
    run, _ = _run(
        airflow_stack, {"from_date": str(FIRST_MONTH[0]), "to_date": str(FIRST_MONTH[1]), "mode": "sql"}
    )
    assert run["state"] == "success"
    run, _ = _run(airflow_stack, conf)
    assert run["state"] == "success"
    assert "first-month validation passed" in _plan_log(airflow_stack, run)
    assert measure_table(PLAYERS, *AFTER, bq).complete


def test_the_gate_can_be_overridden_explicitly(airflow_stack, loaded_warehouse, restore_range, bq):
    restore_range(PLAYERS, *AFTER)
    run, _ = _run(
        airflow_stack,
        {"from_date": str(AFTER[0]), "to_date": str(AFTER[1]), "mode": "sql", "skip_validation_gate": True},
    )
    assert run["state"] == "success"
    assert "validation gate SKIPPED" in _plan_log(airflow_stack, run)


def test_a_processor_range_run_computes_a_chunk_at_once_and_merges_once(
    airflow_stack, loaded_warehouse, restore_range, hashed_history, bq
):
    # Session 42: player_game_summary (its upstream) holds every row, unhashed; hashed here it is
    # COMPLETE by identity. The context itself holds only 2021-11-15.
    dag_id = "backfill_range_upcoming_player_game_context"
    table = REGISTRY["upcoming_player_game_context"]
    first, last = D(2021, 10, 19), D(2021, 11, 14)
    restore_range(table, first, last)
    hashed_history("player_game_summary", last + datetime.timedelta(days=1))
    airflow_stack.wait_for_dag(dag_id)
    run = airflow_stack.trigger(
        dag_id, conf={"from_date": str(first), "to_date": str(last), "mode": "processor"}
    )
    run = airflow_stack.wait_for_run(dag_id, run["dag_run_id"], timeout=300)
    assert run["state"] == "success"
    (chunk,) = airflow_stack.request(
        "GET", f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances/process_chunk/listMapped"
    )["task_instances"]
    assert chunk["state"] == "success"
    after = measure_table(table, first, last, bq)
    assert after.complete, after.reasons()
    counts = airflow_stack.request(
        "GET",
        f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances/process_chunk/xcomEntries/return_value",
        params={"map_index": 0, "deserialize": True},
    )["value"]
    assert counts["game_dates"] == len(after.expected_dates)
    assert counts["computed"] == counts["inserted"] == after.expected_rows  # none were there
    assert counts["updated"] == counts["deleted"] == 0
