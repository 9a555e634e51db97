"""BigQuery's faults, injected by the fault proxy, against the package's own BigQuery calls.

The proxy (local_stack/fault_proxy.py) sits between every client and the emulator and
answers chosen requests as BigQuery would under load. These tests call the package's
functions and the DAGs' operator directly; the scenarios through the scheduler are in
test_reliability.py.
"""

from __future__ import annotations

import datetime

import pytest

from local_stack.adhoc import dry_run_bytes, run_dml, run_query
from nba_backfill.warehouse import client as warehouse
from nba_backfill.warehouse.client import load_rows
from tests.dag_fixtures.it_hash_partition import dag as hash_partition_dag

pytestmark = pytest.mark.integration

DAY = datetime.date(2021, 10, 19)


@pytest.fixture
def scores(bq, scratch_dataset) -> str:
    """A small partitioned table: four unhashed rows on DAY."""
    table = f"{scratch_dataset}.scores"
    run_query(
        f"create table `{table}` (game_id string, team_abbr string, game_date date, points int64, "
        "data_hash string) partition by game_date",
        client=bq,
    )
    rows = [
        {"game_id": f"g{i}", "team_abbr": "BOS", "game_date": str(DAY), "points": 100 + i} for i in range(4)
    ]
    load_rows(
        table,
        rows,
        [("game_id", "STRING"), ("team_abbr", "STRING"), ("game_date", "DATE"), ("points", "INT64")],
        client=bq,
    )
    return table


def _count(bq, table: str, where: str = "true") -> int:
    return next(iter(run_query(f"select count(*) as n from `{table}` where {where}", client=bq))).n


@pytest.mark.parametrize("refusal", ["serialize", "too_many_dml"])
def test_a_dml_refused_for_concurrency_runs_again_and_applies_once(bq, scores, fault_proxy, refusal, caplog):
    fault_proxy.inject({"action": refusal, "match": "mutating", "table": scores, "times": 2})

    changed = run_dml(
        f"update `{scores}` set points = points + 1 where game_date = @d", {"d": DAY}, client=bq
    )

    assert changed == 4
    assert [r.points for r in run_query(f"select points from `{scores}` order by game_id", client=bq)] == [
        101,
        102,
        103,
        104,
    ], "applied exactly once although refused twice"
    stats = fault_proxy.stats()
    assert stats["injected"] == {refusal: 2}
    assert stats["mutating_done"] == {scores: 1}
    refusal_text = (
        "Could not serialize access" if refusal == "serialize" else "Too many DML statements outstanding"
    )
    retries = [r.getMessage() for r in caplog.records if "BigQuery refused attempt" in r.getMessage()]
    assert len(retries) == 2 and all(refusal_text in message for message in retries)
    assert "another statement holds the table" in retries[0]


@pytest.mark.parametrize("fault", ["rate_limit", "server_error", "drop"])
def test_transient_api_faults_are_retried_inside_the_call(bq, scores, fault_proxy, fault):
    fault_proxy.inject({"action": fault, "match": "mutating", "table": scores, "times": 2})

    changed = run_dml(f"update `{scores}` set data_hash = 'x' where game_date = @d", {"d": DAY}, client=bq)

    assert changed == 4
    assert fault_proxy.stats()["injected"] == {fault: 2}
    assert _count(bq, scores, "data_hash = 'x'") == 4


def test_an_insert_whose_answer_was_lost_is_not_applied_twice(bq, scores, fault_proxy):
    # The emulator ran the INSERT; the client never heard, retried jobs.insert with the same
    # job id, got "already exists" and read that job's result instead of running it again.
    fault_proxy.inject({"action": "drop_response", "match": "mutating", "table": scores})

    run_dml(
        f"insert into `{scores}` (game_id, team_abbr, game_date, points) values ('g9', 'NYK', @d, 99)",
        {"d": DAY},
        client=bq,
    )

    assert fault_proxy.stats()["injected"] == {"drop_response": 1}
    assert _count(bq, scores, "game_id = 'g9'") == 1


def test_a_refusal_that_outlasts_the_deadline_fails_with_bigquerys_message(
    bq, scores, fault_proxy, monkeypatch
):
    monkeypatch.setattr(warehouse, "CONCURRENCY_RETRY_DEADLINE_SECONDS", 2.0)
    fault_proxy.inject({"action": "serialize", "match": "mutating", "table": scores, "times": None})

    with pytest.raises(
        Exception, match=r"Could not serialize access to table .*scores due to concurrent update"
    ):
        run_dml(f"update `{scores}` set points = 0 where game_date = @d", {"d": DAY}, client=bq)

    assert _count(bq, scores, "points = 0") == 0, "a refused statement changed nothing"


@pytest.mark.airflow_runs
def test_the_dags_operator_runs_a_refused_update_again(bq, scores, fault_proxy):
    fault_proxy.inject({"action": "too_many_dml", "match": "mutating", "table": scores, "times": 1})

    run = hash_partition_dag.test(run_conf={"table": scores, "game_date": str(DAY)})

    assert run.state == "success"
    assert fault_proxy.stats()["injected"] == {"too_many_dml": 1}
    assert _count(bq, scores, "data_hash is not null") == 4


@pytest.mark.airflow_runs
def test_every_job_the_package_runs_carries_a_billing_cap_and_binds_its_dates(bq, scores, fault_proxy):
    run_query(f"select count(*) from `{scores}` where game_date = @d", {"d": DAY}, client=bq)
    run_dml(f"update `{scores}` set points = points where game_date = @d", {"d": DAY}, client=bq)
    hash_partition_dag.test(run_conf={"table": scores, "game_date": str(DAY)})

    dry_run_bytes(f"update `{scores}` set points = 0 where game_date = @d", {"d": DAY}, client=bq)

    jobs = [job for job in fault_proxy.stats()["jobs"] if job["kind"] in ("query", "mutating", "dry_run")]
    assert {job["kind"] for job in jobs} == {"query", "mutating", "dry_run"}
    for job in jobs:
        assert job["maximum_bytes_billed"] == str(warehouse.MAXIMUM_BYTES_BILLED), job["query"]
        assert str(DAY) not in job["query"], "a date reached SQL as text"
        assert {"type": "DATE", "value": str(DAY)} in [
            {"type": p["type"], "value": p["value"]} for p in job["query_parameters"]
        ]
