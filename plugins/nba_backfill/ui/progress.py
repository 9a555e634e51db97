"""Repairs and verifications in flight, read from Airflow's REST API as the page's caller.

A repair is a backfill of per-date runs (``backfill_<table>``) or one range run
(``backfill_range_<table>``); its progress is counted in game dates:

- a backfill's runs are created at once, one per partition key: done = runs that ended;
- a range run's ``plan_chunks`` returns its chunks (XCom), each written by one mapped
  instance of ``process_chunk`` or ``hash_chunk_sql``: done = game dates of the chunks that ended.

The ETA is the pace so far applied to what remains; before anything has ended, the measured
throughput the repair plan uses (``coverage.repairs.MEASURED``).

Verifications are runs of the verification DAG (``settings.VERIFY_DAG_ID``); the page starts
one for the repaired range when a repair ends after the table's newest verification.
"""

from __future__ import annotations

import asyncio
import bisect
import datetime
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from nba_backfill.coverage.repairs import MEASURED, PER_DATE, RANGE

RECENT = datetime.timedelta(hours=24)
"""Ended repairs and verifications are listed this long: the page decides what to re-verify."""
WRITE_TASKS = ("process_chunk", "hash_chunk_sql")
ENDED = ("success", "failed")


@dataclass(frozen=True)
class Progress:
    table: str | None
    kind: str
    """``backfill`` (per-date runs), ``range`` (one range run) or ``verification``."""
    dag_id: str
    id: str
    """The backfill's id or the run's id."""
    from_date: str | None
    to_date: str | None
    state: str
    """queued, running, verifying (a range run checking what it wrote), paused, success, failed."""
    started_at: str | None
    ended_at: str | None
    done_dates: int = 0
    total_dates: int | None = None
    failed_dates: int = 0
    eta_seconds: int | None = None
    tables: tuple[str, ...] = ()
    """A verification's tables."""

    @property
    def active(self) -> bool:
        return self.state not in ENDED

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tables": list(self.tables), "active": self.active}


def _time(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _day(value: str | None) -> str | None:
    return value[:10] if value else None


def dates_between(game_dates: Sequence[str], first: str, last: str) -> int:
    """Game dates (sorted ISO strings) in first..last (none when first is after last)."""
    return max(0, bisect.bisect_right(game_dates, last) - bisect.bisect_left(game_dates, first))


def eta_seconds(
    started: datetime.datetime | None, done: int, total: int | None, now: datetime.datetime, fallback: float
) -> int | None:
    """The pace so far over what remains; ``fallback`` (measured throughput) before anything ended."""
    if total is None:
        return None
    remaining = max(total - done, 0)
    if remaining == 0:
        return 0
    if done and started:
        return round((now - started).total_seconds() / done * remaining)
    return round(fallback)


def backfill_progress(backfill: dict, runs: Sequence[dict], table: str, now: datetime.datetime) -> Progress:
    """A backfill from ``GET /backfills`` and the runs of its DAG (``run_type=backfill``)."""
    first, last = _day(backfill["from_date"]), _day(backfill["to_date"])
    created = _time(backfill["created_at"])
    # Its runs: backfill runs of its partitions queued since it was created (a partition
    # backfilled twice keeps one run, re-queued by the newer backfill).
    mine = [
        r
        for r in runs
        if first <= (r.get("partition_key") or _day(r.get("logical_date")) or "") <= last
        and (_time(r.get("queued_at")) or now) >= created - datetime.timedelta(seconds=1)
    ]
    done = sum(r["state"] in ENDED for r in mine)
    failed = sum(r["state"] == "failed" for r in mine)
    total = len(mine)
    if backfill.get("completed_at"):
        state = "failed" if failed else "success"
    elif backfill.get("is_paused"):
        state = "paused"
    else:
        state = "running" if any(r["state"] == "running" for r in mine) or done else "queued"
    fallback = MEASURED.seconds(PER_DATE, "processor", total - done)
    return Progress(
        table=table,
        kind=PER_DATE,
        dag_id=backfill["dag_id"],
        id=str(backfill["id"]),
        from_date=first,
        to_date=last,
        state=state,
        started_at=backfill["created_at"],
        ended_at=backfill.get("completed_at"),
        done_dates=done,
        total_dates=total,
        failed_dates=failed,
        eta_seconds=None
        if backfill.get("completed_at")
        else eta_seconds(created, done, total, now, fallback),
    )


def range_progress(
    run: dict,
    task_instances: Sequence[dict],
    chunks: Sequence[dict] | None,
    game_dates: Sequence[str],
    table: str,
    now: datetime.datetime,
) -> Progress:
    """A range run, its task instances and its planned chunks (None until ``plan_chunks`` ends)."""
    conf = run.get("conf") or {}
    first, last = conf.get("from_date"), conf.get("to_date")
    writers = {ti["map_index"]: ti["state"] for ti in task_instances if ti["task_id"] in WRITE_TASKS}
    if chunks:
        sizes = [dates_between(game_dates, c["from_date"], c["to_date"]) for c in chunks]
        total = sum(sizes)
        done = sum(n for i, n in enumerate(sizes) if writers.get(i) in ENDED)
        failed = sum(n for i, n in enumerate(sizes) if writers.get(i) in ("failed", "upstream_failed"))
    else:
        total = dates_between(game_dates, first, last) if first and last else None
        done = failed = 0
    state = run["state"]
    verifying = any(ti["task_id"] == "verify_range" and ti["state"] == "running" for ti in task_instances)
    if state == "running" and verifying:
        state = "verifying"
    mode = conf.get("mode", "processor")
    fallback = MEASURED.seconds(
        RANGE, mode if mode in ("sql", "processor") else "processor", (total or 0) - done
    )
    return Progress(
        table=table,
        kind=RANGE,
        dag_id=run["dag_id"],
        id=run["dag_run_id"],
        from_date=first,
        to_date=last,
        state=state,
        started_at=run.get("start_date") or run.get("queued_at"),
        ended_at=run.get("end_date") if state in ENDED else None,
        done_dates=done,
        total_dates=total,
        failed_dates=failed,
        eta_seconds=None
        if state in ENDED
        else eta_seconds(_time(run.get("start_date")), done, total, now, fallback),
    )


def verification_progress(run: dict, game_dates: Sequence[str], all_tables: Sequence[str]) -> Progress:
    conf = run.get("conf") or {}
    first, last = conf.get("from_date"), conf.get("to_date")
    return Progress(
        table=None,
        kind="verification",
        dag_id=run["dag_id"],
        id=run["dag_run_id"],
        from_date=first,
        to_date=last,
        state=run["state"],
        started_at=run.get("start_date") or run.get("queued_at"),
        ended_at=run.get("end_date") if run["state"] in ENDED else None,
        total_dates=dates_between(game_dates, first, last) if first and last else None,
        tables=tuple(conf.get("tables") or all_tables),  # a nightly run verifies every table
    )


class AirflowReader:
    """GETs on Airflow's REST API as the caller; a refusal or error is raised with its status."""

    def __init__(self, client, headers: dict) -> None:
        self._client = client
        self._headers = headers

    async def get(self, path: str, **params) -> dict:
        response = await self._client.get(f"/api/v2{path}", params=params, headers=self._headers)
        if response.status_code >= 400:
            raise AirflowRefused(response.status_code, f"GET {path}: {response.text[:300]}")
        return response.json()


class AirflowRefused(RuntimeError):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


def _recent(item_end: str | None, now: datetime.datetime) -> bool:
    ended = _time(item_end)
    return ended is None or now - ended <= RECENT


async def _table_backfills(api: AirflowReader, table, now) -> list[Progress]:
    listed = (await api.get("/backfills", dag_id=table.dag_id, order_by="-id", limit=5))["backfills"]
    wanted = [b for b in listed if _recent(b.get("completed_at"), now)]
    if not wanted:
        return []

    async def one(backfill: dict) -> Progress:
        runs = await api.get(
            f"/dags/{table.dag_id}/dagRuns",
            run_type="backfill",
            updated_at_gte=backfill["created_at"],
            order_by="-run_after",
            limit=1000,
        )
        return backfill_progress(backfill, runs["dag_runs"], table.name, now)

    return list(await asyncio.gather(*(one(b) for b in wanted)))


async def _table_range_runs(api: AirflowReader, table, game_dates, now) -> list[Progress]:
    runs = (await api.get(f"/dags/{table.range_dag_id}/dagRuns", order_by="-run_after", limit=5))["dag_runs"]
    wanted = [r for r in runs if r["state"] not in ENDED or _recent(r.get("end_date"), now)]

    async def one(run: dict) -> Progress:
        path = f"/dags/{table.range_dag_id}/dagRuns/{run['dag_run_id']}/taskInstances"
        tis = (await api.get(path, limit=1000))["task_instances"]
        planned = any(ti["task_id"] == "plan_chunks" and ti["state"] == "success" for ti in tis)
        chunks = None
        if planned:
            xcom = await api.get(f"{path}/plan_chunks/xcomEntries/return_value", deserialize="true")
            chunks = xcom.get("value")
        return range_progress(run, tis, chunks, game_dates, table.name, now)

    return list(await asyncio.gather(*(one(r) for r in wanted)))


async def in_flight(
    api: AirflowReader,
    tables: Sequence,
    verify_dag_id: str,
    game_dates: Sequence[str],
    now: datetime.datetime,
) -> dict[str, list[dict]]:
    """Repairs (per table) and verifications that are running or ended within ``RECENT``."""
    parts = await asyncio.gather(
        *(_table_backfills(api, t, now) for t in tables),
        *(_table_range_runs(api, t, game_dates, now) for t in tables),
    )
    repairs = sorted((p for part in parts for p in part), key=lambda p: p.started_at or "", reverse=True)
    try:
        runs = (await api.get(f"/dags/{verify_dag_id}/dagRuns", order_by="-run_after", limit=10))["dag_runs"]
    except AirflowRefused as exc:
        if exc.status_code != 404:  # no verification DAG deployed: nothing to list
            raise
        runs = []
    verifications = [
        verification_progress(r, game_dates, [t.name for t in tables])
        for r in runs
        if r["state"] not in ENDED or _recent(r.get("end_date"), now)
    ]
    return {
        "repairs": [p.as_dict() for p in repairs],
        "verifications": [v.as_dict() for v in verifications],
    }
