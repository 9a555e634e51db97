"""What each task of a ``backfill_<table>`` run does. The DAG wiring is in ``backfill_dag.py``.

A run owns one ``game_date``: its partition key (scheduled runs and backfills) or, for a
manual run, the ``game_date`` param. Bad input fails ``check_partition`` before anything
is written, with ``AirflowFailException`` so retries do not repeat a hopeless attempt.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from nba_backfill import clock
from nba_backfill.registry import get_table
from nba_backfill.runs import as_of, run_type_of
from nba_backfill.runs import refuse as _fail

log = logging.getLogger(__name__)

MODES = ("processor", "sql")
SQL_TASK = "hash_partition_sql"
PROCESSOR_TASK = "process_partition"
CHECK_TASK = "check_partition"


def resolve_game_date(table_name: str, context: dict[str, Any]) -> datetime.date:
    from nba_backfill.partitions import InvalidGameDate, parse_game_date

    table = get_table(table_name)
    partition_key = getattr(context["dag_run"], "partition_key", None)
    value = partition_key or context["params"].get("game_date")
    if not value:
        raise _fail(
            f"{table_name}: this run has no partition and no game_date param; "
            "trigger it with game_date=YYYY-MM-DD or use `airflow backfill create`"
        )
    try:
        return parse_game_date(value, table, as_of(context))
    except InvalidGameDate as exc:
        raise _fail(str(exc)) from None


def check_partition(table_name: str, **context) -> list[str]:
    """Validate the run, find its games, check upstream; pick the write path or skip."""
    from nba_backfill.raw_tables import SCHEDULE
    from nba_backfill.registry import PartitionRule
    from nba_backfill.warehouse import run_query, warehouse_client

    table = get_table(table_name)
    mode = context["params"].get("mode")
    if mode not in MODES:
        raise _fail(f"mode {mode!r} is not one of {', '.join(MODES)}")
    game_date = resolve_game_date(table_name, context)
    ti = context["ti"]
    ti.xcom_push(key="game_date", value=game_date.isoformat())
    ti.xcom_push(key="run_type", value=run_type_of(context))
    ti.xcom_push(key="mode", value=mode)

    client = warehouse_client()
    games = next(
        iter(
            run_query(
                f"select count(*) as games, countif(game_status = 3) as final "
                f"from `{SCHEDULE.table_id}` where game_date = @game_date and not is_postponed",
                {"game_date": game_date},
                client=client,
            )
        )
    )
    if games.games == 0:
        log.info("%s %s: no games (postponed originals ignored); nothing to do", table_name, game_date)
        return []
    if table.partition_rule is PartitionRule.PLAYED and games.final < games.games:
        # Not a failure of the data: retries (with backoff) wait for the games to finish.
        raise RuntimeError(
            f"{games.games - games.final} of {games.games} games on {game_date} are not final yet"
        )
    check_upstream(table, game_date, client, wait=run_type_of(context) == "scheduled")
    if mode == "sql":
        rows = next(
            iter(
                run_query(
                    f"select count(*) as n from `{table.table_id}` where game_date = @game_date",
                    {"game_date": game_date},
                    client=client,
                )
            )
        ).n
        if rows == 0:
            raise _fail(
                f"{table_name} has no rows on {game_date}: the SQL hash path only hashes existing rows. "
                "Rerun with mode=processor, which computes them from the raw tables."
            )
    log.info("%s %s: %s games, mode %s", table_name, game_date, games.games, mode)
    return [SQL_TASK if mode == "sql" else PROCESSOR_TASK]


def check_upstream(table, game_date: datetime.date, client, *, wait: bool) -> None:
    """Every upstream table must be complete on every game date before this one.

    The contexts read history across seasons, so a partial history would give wrong
    averages that still look complete. A scheduled run waits for upstream (its retries back
    off); a backfill or manual run fails at once, naming the repair.
    """
    from nba_backfill.registry import REGISTRY
    from nba_backfill.verification import incomplete_dates

    if not table.upstream:
        return
    before = game_date - datetime.timedelta(days=1)
    for name in table.upstream:
        missing = incomplete_dates(REGISTRY[name], table.history_start, before, client)
        if missing:
            message = (
                f"upstream {name} is incomplete on {len(missing)} game dates before {game_date} "
                f"(first {missing[0]}, last {missing[-1]}); {table.name} reads that history. Backfill it first: "
                f"airflow backfill create --dag-id backfill_{name} --from-date {missing[0]} "
                f"--to-date {missing[-1]} --reprocess-behavior completed"
            )
            raise RuntimeError(message) if wait else _fail(message)


def process_partition(table_name: str, **context) -> dict[str, Any]:
    """Processor path: recompute the partition from raw rows, hash it, upsert what changed."""
    from nba_backfill import processors
    from nba_backfill.processor_path import read_source, write_partition
    from nba_backfill.raw_checks import RawDataError
    from nba_backfill.warehouse import warehouse_client

    table = get_table(table_name)
    ti = context["ti"]
    game_date = datetime.date.fromisoformat(ti.xcom_pull(task_ids=CHECK_TASK, key="game_date"))
    run = processors.RunInfo(
        run_id=context["run_id"],
        run_type=ti.xcom_pull(task_ids=CHECK_TASK, key="run_type"),
        processed_at=clock.now(),
    )
    client = warehouse_client()
    try:
        source = read_source(table, game_date, client)
    except RawDataError as exc:
        raise _fail(str(exc)) from exc
    rows = processors.finalize(table, processors.compute_frame(table, source, [game_date]), run)
    counts: dict[str, Any] = write_partition(table, rows, game_date, context["run_id"], client).as_dict()
    log.info("%s %s: %s", table_name, game_date, counts)
    if source.quarantined:  # recorded in backfill_log.detail by verify_and_log
        counts["quarantined"] = "; ".join(source.quarantined)
    return counts


def verify_and_log(table_name: str, **context) -> dict[str, Any]:
    """Verify the partition and append the write to backfill_log; fail with the numbers if incomplete.

    The partition is measured by the coverage verifier itself (``measure_table`` over one
    day), so a green run and a COMPLETE report can never disagree.
    """
    from nba_backfill.coverage.measure import measure_table
    from nba_backfill.hash_spec import VERSION
    from nba_backfill.monitoring_tables import BACKFILL_LOG
    from nba_backfill.warehouse import HTTP_TIMEOUT_SECONDS, outage_named, request_retry, warehouse_client

    table = get_table(table_name)
    ti = context["ti"]
    game_date = datetime.date.fromisoformat(ti.xcom_pull(task_ids=CHECK_TASK, key="game_date"))
    mode = ti.xcom_pull(task_ids=CHECK_TASK, key="mode")
    client = warehouse_client()
    counts: dict[str, int] = {}
    hashed = None
    if mode == "processor":
        counts = ti.xcom_pull(task_ids=PROCESSOR_TASK) or {}
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
    started = context["dag_run"].start_date or clock.now()
    entry = {
        "table_name": table_name,
        "game_date": game_date.isoformat(),
        "run_id": context["run_id"],
        "run_type": ti.xcom_pull(task_ids=CHECK_TASK, key="run_type"),
        "mode": mode,
        **{k: counts.get(k) for k in ("computed", "inserted", "updated", "deleted", "unchanged")},
        "hashed": hashed if hashed is not None else counts.get("inserted", 0) + counts.get("updated", 0),
        "expected_rows": coverage.expected_rows,
        "actual_rows": coverage.actual_rows,
        "complete": not problems,
        "detail": "; ".join(problems) or counts.get("quarantined"),
        "hash_spec_version": VERSION,
        "started_at": started.isoformat(),
        "finished_at": clock.now().isoformat(),
    }
    with outage_named(client):
        errors = client.insert_rows_json(
            BACKFILL_LOG.table_id, [entry], retry=request_retry(), timeout=HTTP_TIMEOUT_SECONDS
        )
    if errors:
        raise RuntimeError(f"could not append to {BACKFILL_LOG.table_id}: {errors}")
    if problems:
        raise _fail(f"{table_name} {game_date} is INCOMPLETE after the write: " + "; ".join(problems))
    figures = {
        "expected": coverage.expected_rows,
        "actual": coverage.actual_rows,
        "hashed": coverage.hashed_rows,
        "parity_checked": coverage.parity_checked,
    }
    log.info("%s %s COMPLETE: %s", table_name, game_date, figures)
    return figures
