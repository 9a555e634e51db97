"""Build the ``backfill_<table>`` DAG of one registry entry.

Three task instances per run, because each costs seconds of CPU here:

``check_partition``
    validates ``mode`` and the game date, skips days without games (postponed originals
    ignored), waits for games to be final (scheduled runs retry; manual and backfill runs
    fail at once), checks upstream partitions, and picks the write path. Bad input fails here, before any write.
``hash_partition_sql`` (mode ``sql``) or ``process_partition`` (mode ``processor``)
    the SQL hash path, a ``BigQueryInsertJobOperator`` (``DmlInsertJobOperator``) UPDATE of
    the partition's unhashed or stale rows; or the processor path, which recomputes the
    partition from raw data and MERGEs what changed. Both take a slot of the table's pool
    ``nba_dml_<table>``: at most ``NBA_DML_CONCURRENCY`` (2) write a table at once.
``verify_and_log``
    the partition must hold exactly its expected rows, all hashed under the current spec,
    well formed, without NULL or duplicate keys; the write is appended to
    ``nba_monitoring.backfill_log``. A green run means a complete partition.
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
from airflow.sdk import DAG, Param

from nba_backfill import settings
from nba_backfill.backfill import MODES, partition_tasks
from nba_backfill.backfill.sql_path import hash_statement
from nba_backfill.catalog.partitions import TIMEZONE, timetable_for
from nba_backfill.catalog.registry import AnalyticsTable, PartitionRule
from nba_backfill.runs import default_args
from nba_backfill.warehouse.client import insert_job_operator_kwargs, query_job_configuration
from nba_backfill.warehouse.dml import DmlInsertJobOperator
from nba_backfill.warehouse.pools import dml_pool
from nba_backfill.warehouse.sql import SQL_DIR

_GAME_DATE = "{{ ti.xcom_pull(task_ids='" + partition_tasks.CHECK_TASK + "', key='game_date') }}"
_RUN_TYPE = "{{ ti.xcom_pull(task_ids='" + partition_tasks.CHECK_TASK + "', key='run_type') }}"


def build_backfill_dag(table: AnalyticsTable) -> DAG:
    when = (
        "the run starting at midnight US/Eastern owns the previous day's games"
        if table.partition_rule is PartitionRule.PLAYED
        else "the run starting at midnight US/Eastern owns that day's games, before tip-off"
    )
    doc = f"""
### {table.dag_id}

{table.description}

One run owns one `game_date` partition of `{table.table_id}`: its partition key, or the
`game_date` param of a manual run (empty: the partition the schedule owns when the run starts). Timetable: `CronPartitionTimetable` in
{TIMEZONE}; {when}. `airflow backfill create --dag-id {table.dag_id} --from-date A
--to-date B` processes exactly the game dates A..B.

Param `mode`: `processor` recomputes rows from the raw tables and upserts what changed;
`sql` only hashes rows already present (fast, cannot create rows).
{__doc__}
"""
    with DAG(
        dag_id=table.dag_id,
        schedule=timetable_for(table),
        start_date=pendulum.datetime(
            table.history_start.year, table.history_start.month, table.history_start.day, tz=TIMEZONE
        ),
        catchup=settings.CATCHUP,
        max_active_runs=settings.MAX_ACTIVE_RUNS,
        # Airflow 3 bounds a backfill's runs by the backfill's own --max-active-runs (default
        # 10), not the DAG's: the cap per task holds however runs are created.
        default_args=default_args(max_active_tis_per_dag=settings.MAX_ACTIVE_RUNS),
        template_searchpath=[str(SQL_DIR)],
        params={
            "mode": Param("processor", enum=list(MODES), description="processor or sql"),
            "game_date": Param(
                None,
                type=["null", "string"],
                format="date",
                description=(
                    "Manual runs only: the game date (YYYY-MM-DD) to process. Empty: the partition "
                    "the schedule owns when the run starts (yesterday's games for summaries, today's "
                    "for upcoming contexts)."
                ),
            ),
        },
        tags=["nba", "backfill", table.partition_rule.value],
        doc_md=doc,
    ) as dag:
        check = BranchPythonOperator(
            task_id=partition_tasks.CHECK_TASK,
            python_callable=partition_tasks.check_partition,
            op_kwargs={"table_name": table.name},
        )
        statement = hash_statement(table, _GAME_DATE, _GAME_DATE)
        hash_sql = DmlInsertJobOperator(
            task_id=partition_tasks.SQL_TASK,
            configuration=query_job_configuration(
                statement,
                labels={
                    "dag": table.dag_id,
                    "table": table.name,
                    "partition": _GAME_DATE,
                    "run_type": _RUN_TYPE,
                },
                as_template=True,
            ),
            params=dict(statement.names),
            pool=dml_pool(table),
            **insert_job_operator_kwargs(),
        )
        process = PythonOperator(
            task_id=partition_tasks.PROCESSOR_TASK,
            python_callable=partition_tasks.process_partition,
            op_kwargs={"table_name": table.name},
            pool=dml_pool(table),
        )
        verify_and_log = PythonOperator(
            task_id="verify_and_log",
            python_callable=partition_tasks.verify_and_log,
            op_kwargs={"table_name": table.name},
            trigger_rule="none_failed_min_one_success",
        )
        check >> [hash_sql, process] >> verify_and_log
    return dag
