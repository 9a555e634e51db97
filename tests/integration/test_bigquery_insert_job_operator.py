"""The real BigQueryInsertJobOperator, run by Airflow, changes rows in the local warehouse."""

from __future__ import annotations

import hashlib

import pytest

from local_stack.adhoc import run_query
from tests.dag_fixtures.it_hash_partition import dag as hash_partition_dag

pytestmark = [pytest.mark.integration, pytest.mark.airflow_runs]

ROWS = [
    ("2021-10-19", "0022100001", "BKN"),
    ("2021-10-19", "0022100002", "LAL"),
    ("2021-10-20", "0022100003", "DEN"),  # another partition: must stay untouched
]


def test_insert_job_operator_hashes_exactly_its_partition(scratch_dataset, bq):
    table = f"{scratch_dataset}.team_games"
    run_query(
        f"create table `{table}` (game_date date, game_id string, team_abbr string, data_hash string) "
        "partition by game_date cluster by game_id",
        client=bq,
    )
    values = ", ".join(f"(date '{d}', '{g}', '{t}', null)" for d, g, t in ROWS)
    run_query(f"insert into `{table}` (game_date, game_id, team_abbr, data_hash) values {values}", client=bq)

    run = hash_partition_dag.test(run_conf={"table": table, "game_date": "2021-10-19"})

    assert run.state == "success"
    got = {
        row.game_id: row.data_hash
        for row in run_query(f"select game_id, data_hash from `{table}` order by game_id", client=bq)
    }
    assert got == {
        "0022100001": hashlib.md5(b"0022100001|BKN").hexdigest()[:16],
        "0022100002": hashlib.md5(b"0022100002|LAL").hexdigest()[:16],
        "0022100003": None,
    }
