"""What each task of a ``backfill_<table>`` run does. The DAG wiring is in ``partition_dag.py``.

A run owns one ``game_date``: its partition key (scheduled runs and backfills) or, for a
manual run, the ``game_date`` param (empty: the partition the schedule owns at the run's
start). Bad params fail ``check_partition`` before anything is written, with one line in the
log (``refuse_params``); bad data with ``AirflowFailException``, so retries do not repeat a
hopeless attempt.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from nba_backfill import clock
from nba_backfill.backfill import MODES
from nba_backfill.catalog.registry import get_table
from nba_backfill.runs import as_of, refuse, refuse_params, run_type_of
from nba_backfill.timing import Stopwatch

log = logging.getLogger(__name__)

SQL_TASK = "hash_partition_sql"
PROCESSOR_TASK = "process_partition"
CHECK_TASK = "check_partition"


def resolve_game_date(table_name: str, context: dict[str, Any]) -> datetime.date:
    """The run's game date: its partition key, else the ``game_date`` param, else (a manual run
    triggered without either) the partition the schedule owns at the run's ``run_after``."""
    from nba_backfill.catalog.partitions import InvalidGameDate, owned_partition, parse_game_date

    table = get_table(table_name)
    dag_run = context["dag_run"]
    partition_key = getattr(dag_run, "partition_key", None)
    param = context["params"].get("game_date")
    if partition_key and param and str(param).strip() != partition_key:
        raise refuse_params(
            f"{table_name}: this run's partition is {partition_key} but its game_date param says {param}; "
            "give one of them"
        )
    value = partition_key or param
    if value is None or not str(value).strip():
        day = owned_partition(table, dag_run.run_after)
        log.info(
            "%s: no game_date given; processing %s, the partition the schedule owns at this run's start %s",
            table_name,
            day,
            dag_run.run_after,
        )
        value = day
    try:
        return parse_game_date(value, table, as_of(context))
    except InvalidGameDate as exc:
        raise refuse_params(str(exc)) from None


def _game_date(context: dict[str, Any]) -> datetime.date:
    return datetime.date.fromisoformat(context["ti"].xcom_pull(task_ids=CHECK_TASK, key="game_date"))


def partition_rows_statement(table, game_date: datetime.date):
    """How many rows the table holds on ``game_date`` (the SQL path can only hash existing rows)."""
    from nba_backfill.warehouse.sql import Statement

    return Statement("backfill/partition_rows.sql", {"table_id": table.table_id}, {"game_date": game_date})


def check_partition(table_name: str, **context) -> list[str]:
    """Validate the run, find its games, check upstream; pick the write path or skip."""
    from nba_backfill.backfill.readiness import NotReady, check_upstream, unfinished
    from nba_backfill.coverage.expected import game_days
    from nba_backfill.warehouse.client import run_query, warehouse_client

    table = get_table(table_name)
    mode = context["params"].get("mode")
    if mode not in MODES:
        raise refuse_params(f"mode {mode!r} is not one of {', '.join(MODES)}")
    game_date = resolve_game_date(table_name, context)
    ti = context["ti"]
    ti.xcom_push(key="game_date", value=game_date.isoformat())
    ti.xcom_push(key="run_type", value=run_type_of(context))
    ti.xcom_push(key="mode", value=mode)

    client = warehouse_client()
    days = game_days(game_date, game_date, client)
    if not days:
        log.info("%s %s: no games (postponed originals ignored); nothing to do", table_name, game_date)
        return []
    scheduled = run_type_of(context) == "scheduled"
    for day in unfinished(table, days):
        waiting = f"{day.games - day.final_games} of {day.games} games on {game_date} are not final yet"
        # A scheduled run waits (retries with backoff) for the games to finish; a manual or
        # backfill run names a date that cannot be written yet and fails now.
        raise RuntimeError(waiting) if scheduled else refuse(f"{waiting}; rerun once they are")
    try:
        check_upstream(table, game_date, client, wait=scheduled)
    except NotReady as exc:
        raise (RuntimeError(str(exc)) if exc.wait else refuse(str(exc))) from None
    rows = run_query(partition_rows_statement(table, game_date), client=client) if mode == "sql" else None
    if rows is not None and next(iter(rows)).n == 0:
        raise refuse(
            f"{table_name} has no rows on {game_date}: the SQL hash path only hashes existing rows. "
            "Rerun with mode=processor, which computes them from the raw tables."
        )
    log.info("%s %s: %s games, mode %s", table_name, game_date, days[0].games, mode)
    return [SQL_TASK if mode == "sql" else PROCESSOR_TASK]


def process_partition(table_name: str, **context) -> dict[str, Any]:
    """Processor path: recompute the partition from raw rows, hash it, upsert what changed."""
    from nba_backfill.backfill.processor_path import write_partitions
    from nba_backfill.processors import RunInfo
    from nba_backfill.processors.raw_checks import RawDataError
    from nba_backfill.processors.source import recompute
    from nba_backfill.warehouse.client import warehouse_client

    table = get_table(table_name)
    game_date = _game_date(context)
    run_type = context["ti"].xcom_pull(task_ids=CHECK_TASK, key="run_type")
    run = RunInfo(context["run_id"], run_type, clock.now())
    client = warehouse_client()
    stopwatch = Stopwatch()
    try:
        computed = recompute(table, game_date, game_date, run, client, stopwatch=stopwatch)
    except RawDataError as exc:
        raise refuse(str(exc)) from exc
    counts: dict[str, Any] = write_partitions(
        table, computed.frame, game_date, game_date, context["run_id"], client, stopwatch=stopwatch
    ).as_dict()
    log.info("%s %s: %s", table_name, game_date, counts)
    log.info("%s %s: %s rows, %s", table_name, game_date, counts["computed"], stopwatch.describe())
    counts["timings"] = stopwatch.as_dict()
    if computed.quarantined:  # recorded in backfill_log.detail by verify_and_log
        counts["quarantined"] = "; ".join(computed.quarantined)
    return counts


def verify_and_log(table_name: str, **context) -> dict[str, Any]:
    """Verify the partition and append the write to backfill_log; fail with the numbers if incomplete.

    The partition is measured by the coverage verifier itself (``measure_table`` over one
    day), so a green run and a COMPLETE report can never disagree.
    """
    from nba_backfill.backfill import log as backfill_log
    from nba_backfill.coverage.measure import measure_table
    from nba_backfill.warehouse.client import (
        HTTP_TIMEOUT_SECONDS,
        outage_named,
        request_retry,
        warehouse_client,
    )

    table = get_table(table_name)
    ti = context["ti"]
    game_date = _game_date(context)
    mode = ti.xcom_pull(task_ids=CHECK_TASK, key="mode")
    client = warehouse_client()
    counts: dict[str, Any] = {}
    if mode == "processor":
        counts = ti.xcom_pull(task_ids=PROCESSOR_TASK) or {}
        hashed = counts.get("inserted", 0) + counts.get("updated", 0)
    else:
        job_id = ti.xcom_pull(task_ids=SQL_TASK)
        with outage_named(client):
            job = (
                client.get_job(job_id, retry=request_retry(), timeout=HTTP_TIMEOUT_SECONDS)
                if job_id
                else None
            )
        hashed = int(job.num_dml_affected_rows or 0) if job else None
    coverage = measure_table(table, game_date, game_date, client)
    problems = coverage.reasons()
    row = backfill_log.log_row(
        table_name,
        game_date,
        context,
        mode=mode,
        expected_rows=coverage.expected_rows,
        actual_rows=coverage.actual_rows,
        hashed=hashed,
        complete=not problems,
        detail="; ".join(problems) or counts.get("quarantined"),
        counts=counts,
    )
    backfill_log.append([row], client)
    if problems:
        raise refuse(f"{table_name} {game_date} is INCOMPLETE after the write: " + "; ".join(problems))
    figures = {
        "expected": coverage.expected_rows,
        "actual": coverage.actual_rows,
        "hashed": coverage.hashed_rows,
        "parity_checked": coverage.parity_checked,
    }
    log.info("%s %s COMPLETE: %s", table_name, game_date, figures)
    return figures
