"""Build the ``backfill_range_<table>`` DAG: a range of partitions in one run, chunk by chunk.

Use it for history (a season, the whole of it); use ``backfill_<table>`` (one run, one
partition) for the nightly partition and for repairing single dates. Triggered by hand
(UI "Trigger" form or ``airflow dags trigger --conf``); it has no schedule.

``plan_chunks``
    validates ``from_date``/``to_date``/``mode``/``chunk``, refuses ranges with games not yet
    final and upcoming contexts whose upstream history is incomplete, applies the handoff documents'
    validation gate to any range outside the first month (``validation_gate.py``), and cuts
    the range into chunks of game dates (``auto`` by default: one SQL statement per 4,000
    partitions, BigQuery's cap per job, or about ``NBA_PROCESSOR_CHUNK_ROWS`` rows per
    processor task; ``season``, ``month``, ``week``, ``day`` or the whole ``range`` on request).
``choose_path``
    follows the ``mode`` param.
``hash_chunk_sql`` (mode ``sql``), one mapped instance per chunk
    ``DmlInsertJobOperator`` (the provider's ``BigQueryInsertJobOperator``): one UPDATE over the chunk's partitions.
``process_chunk`` (mode ``processor``), one mapped instance per chunk
    recomputes every game date of the chunk from raw data and upserts what changed.
``verify_range``
    measures the whole range per date (the coverage verifier), appends one
    ``backfill_log`` row per game date, and fails with the gap ranges unless COMPLETE.

The chunks are mapped task instances, so the Grid view shows each chunk's progress. At most
``NBA_DML_CONCURRENCY`` chunks of one table write at once.
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
from airflow.sdk import DAG, Param

from nba_backfill.backfill import MODES, range_tasks
from nba_backfill.catalog.registry import AnalyticsTable
from nba_backfill.runs import default_args
from nba_backfill.warehouse.client import insert_job_operator_kwargs
from nba_backfill.warehouse.dml import DmlInsertJobOperator
from nba_backfill.warehouse.pools import dml_pool


def build_range_dag(table: AnalyticsTable) -> DAG:
    with DAG(
        dag_id=table.range_dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,  # two ranges of one table would contend for the same partitions
        default_args=default_args(),
        params={
            "from_date": Param(
                str(table.history_start), type="string", format="date", description="First game date."
            ),
            "to_date": Param(
                None,
                type=["null", "string"],
                format="date",
                description="Last game date (default: from_date).",
            ),
            "mode": Param(
                "sql", enum=list(MODES), description="sql hashes existing rows; processor recomputes them"
            ),
            "chunk": Param(
                "auto",
                enum=list(range_tasks.CHUNKS),
                description="Game dates per task instance: auto = as few as BigQuery's 4,000 partitions "
                "per job (SQL) or about NBA_PROCESSOR_CHUNK_ROWS rows (processor) allow.",
            ),
            "skip_validation_gate": Param(
                False,
                type="boolean",
                description="Start a range outside the first month although its validation has not passed.",
            ),
        },
        tags=["nba", "backfill", "range"],
        doc_md=f"### {table.range_dag_id}\n\n{table.description}\n{__doc__}",
    ) as dag:
        plan_chunks = PythonOperator(
            task_id=range_tasks.PLAN_TASK,
            python_callable=range_tasks.plan_chunks,
            op_kwargs={"table_name": table.name},
        )
        choose_path = BranchPythonOperator(task_id="choose_path", python_callable=range_tasks.choose_path)
        chunks = plan_chunks.output
        hash_chunk_sql = DmlInsertJobOperator.partial(
            task_id=range_tasks.SQL_TASK,
            pool=dml_pool(table),
            **insert_job_operator_kwargs(),
        ).expand(configuration=chunks.map(range_tasks.sql_chunk_configuration))
        process_chunk = PythonOperator.partial(
            task_id=range_tasks.PROCESSOR_TASK,
            python_callable=range_tasks.process_chunk,
            pool=dml_pool(table),
        ).expand(op_kwargs=chunks)
        verify_range = PythonOperator(
            task_id="verify_range",
            python_callable=range_tasks.verify_range,
            op_kwargs={"table_name": table.name},
            trigger_rule="none_failed_min_one_success",
        )
        plan_chunks >> choose_path >> [hash_chunk_sql, process_chunk] >> verify_range
    return dag
