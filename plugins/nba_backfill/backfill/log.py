"""``nba_monitoring.backfill_log``: one row per partition a run wrote, and whether it verified.

Per-date runs log their partition, range runs every game date of their range. Rows are
appended with a load job: BigQuery's streaming inserts accept only partition dates near
today, and history starts in 2016. Test and manual runs are marked as such (``run_type``).
"""

from __future__ import annotations

import datetime
from typing import Any

from nba_backfill import clock
from nba_backfill.catalog.hash_spec import VERSION
from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG
from nba_backfill.runs import run_type_of
from nba_backfill.warehouse.client import load_rows

WRITE_COUNTS = ("computed", "inserted", "updated", "deleted", "unchanged")


def log_row(
    table_name: str,
    game_date: datetime.date,
    context: dict[str, Any],
    *,
    mode: str,
    expected_rows: int,
    actual_rows: int,
    hashed: int | None,
    complete: bool,
    detail: str | None = None,
    counts: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The row of one partition written by the run of ``context``."""
    values = {
        "table_name": table_name,
        "game_date": game_date.isoformat(),
        "run_id": context["run_id"],
        "run_type": run_type_of(context),
        "mode": mode,
        **{k: (counts or {}).get(k) for k in WRITE_COUNTS},
        "hashed": hashed,
        "expected_rows": expected_rows,
        "actual_rows": actual_rows,
        "complete": complete,
        "detail": detail,
        "hash_spec_version": VERSION,
        "started_at": (context["dag_run"].start_date or clock.now()).isoformat(),
        "finished_at": clock.now().isoformat(),
    }
    return {c.name: values[c.name] for c in BACKFILL_LOG.columns}


def append(rows: list[dict[str, Any]], client) -> int:
    """Append rows to backfill_log (one load job); the rows appended."""
    return load_rows(BACKFILL_LOG.table_id, rows, BACKFILL_LOG.schema, client=client)
