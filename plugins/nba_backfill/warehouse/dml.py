"""``DmlInsertJobOperator``: the provider's ``BigQueryInsertJobOperator`` for mutating statements.

The provider fails the task when BigQuery refuses a statement for concurrency ("Could not
serialize access to table … due to concurrent update", "Too many DML statements
outstanding"), and a task retry costs a new task process and its retry delay. This
operator submits the statement again, as a new job, with the same backoff as every other
statement of the package (``warehouse.retry_concurrency_refusals``). Deferrable mode waits
in the triggerer and is left to Airflow's task retries.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator

from nba_backfill.warehouse.client import retry_concurrency_refusals


class DmlInsertJobOperator(BigQueryInsertJobOperator):
    def __init__(self, **kwargs: Any) -> None:
        # A refused job is DONE; only a new job id can run the statement again.
        super().__init__(force_rerun=True, **kwargs)

    def poll_until_complete(self, external_id: Any, context: Any) -> None:
        submitted = [external_id]

        def attempt() -> None:
            if not submitted:
                submitted.append(self.submit_job(context))
            job_id = submitted.pop()
            BigQueryInsertJobOperator.poll_until_complete(self, job_id, context)

        retry_concurrency_refusals(attempt, f"{self.task_id} (BigQuery job {external_id})")
