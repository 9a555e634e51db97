"""What the tasks of a ``backfill_range_<table>`` run do. The DAG wiring is in ``range_dag.py``.

A range run covers ``from_date..to_date`` in chunks of game dates: one set-based statement
per chunk on the SQL path, one task per chunk on the processor path. Every Airflow task
instance costs seconds of CPU here, so the default chunk (``auto``) makes as few as the
limits allow: on the SQL path one statement per 4,000 partitions (BigQuery's cap per job),
on the processor path about ``NBA_PROCESSOR_CHUNK_ROWS`` rows per task (bounded memory). Verification stays per date and exact: the
coverage measurement of the range, one ``backfill_log`` row per game date.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from nba_backfill import clock, settings
from nba_backfill.backfill import MODES
from nba_backfill.catalog.registry import get_table
from nba_backfill.runs import as_of, refuse, refuse_params, run_type_of
from nba_backfill.timing import Stopwatch

log = logging.getLogger(__name__)

CHUNKS = ("auto", "season", "month", "week", "day", "range")
MAX_PARTITIONS_PER_JOB = 4000
"""BigQuery's limit on the partitions one job may modify: a ``range`` chunk must span fewer days."""
PLAN_TASK = "plan_chunks"
SQL_TASK = "hash_chunk_sql"
PROCESSOR_TASK = "process_chunk"


def chunk_of(day: datetime.date, season: str, chunk: str) -> tuple:
    """The chunk a game date belongs to: its season, month, ISO week, itself, or the whole range."""
    if chunk == "range":
        return ()
    if chunk == "season":
        return (season,)
    if chunk == "month":
        return (day.year, day.month)
    if chunk == "week":
        return tuple(day.isocalendar()[:2])
    return (day,)


def range_chunk_problem(chunk: str, first: datetime.date, last: datetime.date) -> str | None:
    """Why one statement cannot cover ``first..last`` (chunk ``range``), or None."""
    days = (last - first).days + 1
    if chunk != "range" or days <= MAX_PARTITIONS_PER_JOB:
        return None
    return (
        f"chunk 'range' makes {first}..{last} one statement over {days} daily partitions; "
        f"BigQuery modifies at most {MAX_PARTITIONS_PER_JOB} per job: use chunk 'season'"
    )


def chunk_ranges(
    game_dates: list[tuple[datetime.date, str]], chunk: str
) -> list[tuple[datetime.date, datetime.date]]:
    """``(first, last)`` game date of each chunk, oldest first; days without games add nothing."""
    if chunk not in CHUNKS or chunk == "auto":
        raise ValueError(f"chunk {chunk!r} is not one of {', '.join(CHUNKS[1:])}")
    groups: dict[tuple, list[datetime.date]] = {}
    for day, season in sorted(game_dates):
        groups.setdefault(chunk_of(day, season, chunk), []).append(day)
    return sorted((min(days), max(days)) for days in groups.values())


def auto_chunk_ranges(
    game_dates: list[tuple[datetime.date, int]], rows_per_game: int | None, chunk_rows: int
) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive game dates ``(day, games)`` cut into as few chunks as the limits allow.

    Each chunk spans at most ``MAX_PARTITIONS_PER_JOB`` calendar days; with ``rows_per_game``
    (the processor path) it also stops before it would pass about ``chunk_rows`` rows, but
    always holds at least one date.
    """
    chunks: list[tuple[datetime.date, datetime.date]] = []
    first = last = None
    rows = 0
    for day, games in sorted(game_dates):
        more = games * (rows_per_game or 0)
        too_long = first is not None and (day - first).days + 1 > MAX_PARTITIONS_PER_JOB
        too_big = first is not None and rows_per_game is not None and rows and rows + more > chunk_rows
        if too_long or too_big:
            chunks.append((first, last))
            first, rows = None, 0
        first = first or day
        last, rows = day, rows + more
    if first is not None:
        chunks.append((first, last))
    return chunks


def plan_chunks(table_name: str, **context) -> dict[str, Any]:
    """Validate the params, find the game dates, check readiness, and cut the range into chunks."""
    from nba_backfill.backfill.readiness import NotReady, check_upstream, unfinished
    from nba_backfill.catalog.partitions import InvalidGameDate, parse_game_date
    from nba_backfill.coverage.expected import game_days
    from nba_backfill.warehouse.client import warehouse_client

    table = get_table(table_name)
    params, ti = context["params"], context["ti"]
    mode, chunk = params.get("mode"), params.get("chunk")
    if mode not in MODES:
        raise refuse_params(f"mode {mode!r} is not one of {', '.join(MODES)}")
    if chunk not in CHUNKS:
        raise refuse_params(f"chunk {chunk!r} is not one of {', '.join(CHUNKS)}")
    try:
        first = parse_game_date(params.get("from_date"), table, as_of(context))
        last = parse_game_date(params.get("to_date") or params.get("from_date"), table, as_of(context))
    except InvalidGameDate as exc:
        raise refuse_params(str(exc)) from None
    if first > last:
        raise refuse_params(f"from_date {first} is after to_date {last}")
    too_wide = range_chunk_problem(chunk, first, last)
    if too_wide:
        raise refuse_params(too_wide)

    client = warehouse_client()
    games = game_days(first, last, client)
    not_final = unfinished(table, games)
    if not_final:
        raise refuse(
            f"{len(not_final)} game dates in {first}..{last} have games that are not final "
            f"(first {not_final[0].game_date}); end the range before {not_final[0].game_date}"
        )
    if mode == "processor":
        try:
            check_upstream(table, last + datetime.timedelta(days=1), client, wait=False)
        except NotReady as exc:
            raise refuse(str(exc)) from None
    _validation_gate(table, first, last, bool(params.get("skip_validation_gate")), client)
    _cost_estimate(table, first, last, mode, client, ti)
    if chunk == "auto":
        per_game = table.expected_rows.rows_per_game if mode == "processor" else None
        chunk_rows = settings.PROCESSOR_CHUNK_ROWS
        chunks = auto_chunk_ranges([(day.game_date, day.games) for day in games], per_game, chunk_rows)
    else:
        chunks = chunk_ranges([(day.game_date, day.season) for day in games], chunk)
    log.info(
        "%s %s..%s: %s game dates in %s %s chunks, mode %s",
        table_name,
        first,
        last,
        len(games),
        len(chunks),
        chunk,
        mode,
    )
    ti.xcom_push(key="range", value=[first.isoformat(), last.isoformat()])
    ti.xcom_push(key="mode", value=mode)
    # Each chunk is the op_kwargs of one process_chunk instance, or maps to one SQL job.
    return [
        {"table_name": table.name, "from_date": a.isoformat(), "to_date": b.isoformat()} for a, b in chunks
    ]


def _validation_gate(table, first: datetime.date, last: datetime.date, skip: bool, client) -> None:
    from nba_backfill.backfill import validation_gate

    if not validation_gate.needs_gate(first, last):
        return
    if skip:
        log.warning("%s: validation gate SKIPPED by the skip_validation_gate param", table.name)
        return
    result = validation_gate.check(table, client)
    if not result.passed:
        raise refuse(result.refusal())
    log.info("%s: first-month validation passed", table.name)


def _cost_estimate(table, first: datetime.date, last: datetime.date, mode: str, client, ti) -> None:
    """Dry-run the range's statements: log the estimate, refuse it above the billing cap."""
    from nba_backfill.backfill.cost import estimate
    from nba_backfill.warehouse.client import MAXIMUM_BYTES_BILLED

    cost = estimate(table, first, last, mode, client)
    ti.xcom_push(key="cost_estimate", value=cost.as_dict())
    log.info("dry run: %s", cost.describe())
    if cost.bytes_processed > MAXIMUM_BYTES_BILLED:
        raise refuse(
            f"{cost.describe()}, above the per-job cap of {MAXIMUM_BYTES_BILLED:,} bytes: "
            "use a smaller chunk and range, or raise the cap deliberately"
        )


def choose_path(**context) -> str:
    """The write path of the run's mode (the chunks were validated by plan_chunks)."""
    return SQL_TASK if context["params"]["mode"] == "sql" else PROCESSOR_TASK


def sql_chunk_configuration(chunk: dict[str, str]) -> dict[str, Any]:
    """The BigQuery job of one chunk: one UPDATE over its partitions, dates as parameters."""
    from nba_backfill.backfill.sql_path import hash_statement
    from nba_backfill.warehouse.client import query_job_configuration

    table = get_table(chunk["table_name"])
    return query_job_configuration(
        hash_statement(table, chunk["from_date"], chunk["to_date"]),
        labels={
            "dag": table.range_dag_id,
            "table": table.name,
            "chunk": f"{chunk['from_date']}_{chunk['to_date']}",
        },
    )


def process_chunk(table_name: str, from_date: str, to_date: str, **context) -> dict[str, int]:
    """Processor path over one chunk: every game date recomputed at once, one MERGE."""
    from nba_backfill.backfill.processor_path import write_partitions
    from nba_backfill.processors import RunInfo
    from nba_backfill.processors.raw_checks import RawDataError
    from nba_backfill.processors.source import recompute
    from nba_backfill.warehouse.client import warehouse_client

    table = get_table(table_name)
    client = warehouse_client()
    first, last = datetime.date.fromisoformat(from_date), datetime.date.fromisoformat(to_date)
    run = RunInfo(context["run_id"], run_type_of(context), clock.now())
    stopwatch = Stopwatch()
    try:
        computed = recompute(table, first, last, run, client, stopwatch=stopwatch)
    except RawDataError as exc:
        raise refuse(str(exc)) from exc
    counts = write_partitions(
        table, computed.frame, first, last, context["run_id"], client, stopwatch=stopwatch
    ).as_dict()
    log.info("%s %s..%s: %s game dates, %s", table_name, first, last, len(computed.game_dates), counts)
    log.info("%s %s..%s: %s rows, %s", table_name, first, last, counts["computed"], stopwatch.describe())
    return {"game_dates": len(computed.game_dates), **counts, "timings": stopwatch.as_dict()}


def verify_range(table_name: str, **context) -> dict[str, Any]:
    """Measure the range, log every game date to backfill_log, fail with the gaps if incomplete."""
    from nba_backfill.backfill import log as backfill_log
    from nba_backfill.coverage.figures import COMPLETE
    from nba_backfill.coverage.measure import measure_table
    from nba_backfill.coverage.report import date_ranges, format_ranges
    from nba_backfill.warehouse.client import warehouse_client

    table = get_table(table_name)
    ti = context["ti"]
    first, last = (datetime.date.fromisoformat(d) for d in ti.xcom_pull(task_ids=PLAN_TASK, key="range"))
    mode = ti.xcom_pull(task_ids=PLAN_TASK, key="mode")
    client = warehouse_client()
    coverage = measure_table(table, first, last, client)
    rows = [
        backfill_log.log_row(
            table_name,
            d.game_date,
            context,
            mode=mode,
            expected_rows=d.expected,
            actual_rows=d.actual,
            hashed=d.hashed,
            complete=d.state == COMPLETE,
            detail=None
            if d.state == COMPLETE
            else f"{d.state}: {d.actual} rows, {d.hashed} hashed, expected {d.expected}",
        )
        for d in coverage.dates
        if d.expected
    ]
    backfill_log.append(rows, client)
    summary = {
        "status": coverage.status,
        "game_dates": len(rows),
        "expected_rows": coverage.expected_rows,
        "present_rows": coverage.present_rows,
        "hashed_rows": coverage.hashed_rows,
    }
    if not coverage.complete:
        calendar = [d.game_date for d in coverage.dates]
        gaps = [d.game_date for d in coverage.dates if d.expected and d.state != COMPLETE]
        hint = (
            " (the SQL path only hashes rows that exist: rerun with mode=processor)" if mode == "sql" else ""
        )
        raise refuse(
            f"{table_name} {first}..{last} is INCOMPLETE after the range run: "
            + "; ".join(coverage.reasons())
            + (f"; dates: {format_ranges(date_ranges(gaps, calendar))}" if gaps else "")
            + hint
        )
    log.info("%s %s..%s COMPLETE: %s", table_name, first, last, summary)
    return summary
