"""
### provision_warehouse

Creates the BigQuery datasets of the platform (`nba_raw`, `nba_analytics`,
`nba_monitoring`), their tables and the `coverage_latest` view, in the project of the `google_cloud_default`
connection. The DDL is rendered from the table registry. Every table statement is
`IF NOT EXISTS`, so a rerun changes nothing.

Run it once per environment, before any backfill. It has no schedule.
"""

from __future__ import annotations

import pendulum
from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator
from airflow.sdk import dag

from nba_backfill.catalog.ddl import PROVISION_TEMPLATE, provision_names
from nba_backfill.runs import default_args
from nba_backfill.warehouse.client import insert_job_operator_kwargs, query_job_configuration
from nba_backfill.warehouse.sql import SQL_DIR, Statement


@dag(
    dag_id="provision_warehouse",
    schedule=None,
    start_date=pendulum.datetime(2016, 10, 1, tz="America/New_York"),
    catchup=False,
    max_active_runs=1,
    template_searchpath=[str(SQL_DIR)],
    default_args=default_args(),
    tags=["nba", "setup"],
    doc_md=__doc__,
)
def provision_warehouse():
    statement = Statement(PROVISION_TEMPLATE, provision_names())
    BigQueryInsertJobOperator(
        task_id="create_datasets_and_tables",
        configuration=query_job_configuration(statement, as_template=True),
        params=dict(statement.names),
        # The configuration is identical on every run; each run must still execute.
        force_rerun=True,
        **insert_job_operator_kwargs(),
    )


provision_warehouse()
