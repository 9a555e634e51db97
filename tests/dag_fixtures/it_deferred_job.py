"""Test DAG for deferrable BigQuery jobs: a BigQueryInsertJobOperator that always defers.

The emulator finishes a query before ``jobs.insert`` returns, so the provider's operator
would never hand the wait to the triggerer. This subclass defers even on a finished job, so
the provider's own ``BigQueryInsertJobTrigger`` polls the emulator from the triggerer
(through gcloud-aio) and the task resumes on a worker in ``execute_complete``.
"""

from __future__ import annotations

import pendulum
from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator
from airflow.providers.google.cloud.triggers.bigquery import BigQueryInsertJobTrigger
from airflow.sdk import DAG

from local_stack.adhoc import AdhocSql
from nba_backfill.warehouse.client import GCP_CONN_ID, query_job_configuration


class AlwaysDeferredInsertJob(BigQueryInsertJobOperator):
    def execute(self, context):
        self.job_id = self.submit_job(context)
        self.defer(
            trigger=BigQueryInsertJobTrigger(
                conn_id=self.gcp_conn_id,
                job_id=self.job_id,
                project_id=self.project_id or self.hook.project_id,
                location=self.location or self.hook.location,
                poll_interval=1.0,
            ),
            method_name="execute_complete",
        )


with DAG(
    dag_id="it_deferred_bigquery_job",
    schedule=None,
    start_date=pendulum.datetime(2021, 10, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    default_args={"retries": 0},
) as it_deferred_bigquery_job:
    AlwaysDeferredInsertJob(
        task_id="count_schedule_rows",
        gcp_conn_id=GCP_CONN_ID,
        deferrable=True,
        configuration=query_job_configuration(AdhocSql("select count(*) as n from `nba_raw.nbac_schedule`")),
    )
