"""Test DAG: one BigQueryInsertJobOperator that hashes one partition of a given table."""

from __future__ import annotations

import pendulum
from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator
from airflow.sdk import DAG, Param

from nba_backfill.warehouse import insert_job_operator_kwargs, query_job_configuration

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
    BigQueryInsertJobOperator(
        task_id="hash_partition",
        configuration=query_job_configuration(
            "update `{{ params.table }}` "
            "set data_hash = substr(to_hex(md5(concat(game_id, '|', team_abbr))), 1, 16) "
            "where game_date = date '{{ params.game_date }}' and data_hash is null"
        ),
        force_rerun=True,
        **insert_job_operator_kwargs(),
    )
