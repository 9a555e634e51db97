"""The processor path's I/O, old and new side by side on the same rows, and one chunk's phases.

Run on the local stack after ``make demo`` (it writes nothing to the analytics tables):

    make bench-io

For one season of ``player_game_summary`` and ``upcoming_player_game_context``: the reads of
``read_source`` as JSON pages over REST (the fallback) and as Arrow through the Storage Read
API, and the staging load as NDJSON rows and as one Parquet frame, alternating, best of 3,
with their ratio (a ratio survives a busy machine better than a single time). Then one
recompute + plan of the chunk, timed per phase (read / compute / hash) with the peak RSS.
Writes ``bench/results/arrow_io.json``.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from pathlib import Path

import local_stack
from local_stack.config import StackConfig

RESULTS = Path(__file__).parent / "results" / "arrow_io.json"
SEASON = (datetime.date(2021, 10, 19), datetime.date(2022, 6, 16))
TABLES = ("player_game_summary", "upcoming_player_game_context")
REPEATS = 3


def rest_reads(work):
    """``work()`` with reads as JSON pages over REST (the fallback without a Storage Read endpoint)."""
    from nba_backfill import settings
    from nba_backfill.warehouse import client as warehouse

    saved, settings.STORAGE_READ_ENDPOINT = settings.STORAGE_READ_ENDPOINT, None
    warehouse.storage_read_client.cache_clear()
    try:
        return work()
    finally:
        settings.STORAGE_READ_ENDPOINT = saved
        warehouse.storage_read_client.cache_clear()


def _side_by_side(ways: dict) -> dict:
    best = dict.fromkeys(ways, float("inf"))
    for _ in range(REPEATS):
        for way, work in ways.items():
            started = time.perf_counter()
            work()
            best[way] = min(best[way], time.perf_counter() - started)
    old, new = best.values()
    return {**{f"{way}_seconds": round(s, 3) for way, s in best.items()}, "ratio": round(old / new, 1)}


def main() -> int:
    cfg = StackConfig.from_env()
    cfg.use_warehouse()  # before anything reads the package's settings
    from nba_backfill import processors
    from nba_backfill.backfill.processor_path import staging_table_id
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.processors.source import read_source, recompute
    from nba_backfill.timing import Stopwatch
    from nba_backfill.warehouse.client import drop_table, load_rows, warehouse_client
    from nba_backfill.warehouse.frames import write_frame

    local_stack.start(cfg)
    client = warehouse_client()
    first, last = SEASON
    run = processors.RunInfo("bench-io", "manual", datetime.datetime.now(datetime.UTC))
    tables = {}
    for name in TABLES:
        table = REGISTRY[name]
        stopwatch = Stopwatch()
        rows = recompute(table, first, last, run, client, stopwatch=stopwatch).frame
        staging = staging_table_id(table, first, last, "bench-io")

        def read(table=table):
            return read_source(table, first, client, last)

        read_io = _side_by_side({"rest_json_pages": lambda: rest_reads(read), "storage_read_arrow": read})
        load_io = _side_by_side(
            {
                "ndjson_rows": lambda table=table, rows=rows, staging=staging: load_rows(
                    staging, rows.to_dicts(), table.schema, client=client, replace=True
                ),
                "parquet_frame": lambda table=table, rows=rows, staging=staging: write_frame(
                    staging, rows, table.schema, client=client, replace=True
                ),
            }
        )
        drop_table(staging, client=client)
        tables[name] = {
            "rows": rows.height,
            "read": read_io,
            "load": load_io,
            "recompute": stopwatch.as_dict(),
        }
        print(name, json.dumps(tables[name]))
    result = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "season": f"{first}..{last}",
        "tables": tables,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
