"""Test DAG: one ``DmlInsertJobOperator`` (a ``BigQueryInsertJobOperator``) that hashes one partition."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from local_stack.adhoc import AdhocSql
from nba_backfill.warehouse.client import insert_job_operator_kwargs, query_job_configuration
from nba_backfill.warehouse.dml import DmlInsertJobOperator

with DAG(
    dag_id="it_hash_partition",
    schedule=None,
    start_date=pendulum.datetime(2021, 10, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    default_args={"retries": 0},
    params={
        "table": Param("", type="string"),
        "game_date": Param("2021-10-19", type="string", format="date"),
    },
) as dag:
    DmlInsertJobOperator(
        task_id="hash_partition",
        configuration=query_job_configuration(
            AdhocSql(
                "update `{{ params.table }}` "
                "set data_hash = substr(to_hex(md5(concat(game_id, '|', team_abbr))), 1, 16) "
                "where game_date = @game_date and data_hash is null",
                {"game_date": "{{ params.game_date }}"},
            )
        ),
        **insert_job_operator_kwargs(),
    )
