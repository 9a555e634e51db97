"""How long the staleness check takes: the nightly window and the whole history, per table.

Run on the local stack after ``make demo`` (the world as of the demo's day):

    make bench-stale

For each table, ``check_staleness`` (recompute from raw, one load job, one set-based join)
over the 14 days up to the newest partition it should hold (3 times: median and slowest),
then over its whole history (once); and the path the nightly verification takes,
``check_tables`` over all five at once (upstream first, each context judged by its summaries
as recomputed, the context rows that read corrected games named). Writes
``bench/results/staleness_check.json``. Goals (issue 21): the 14-day window of every table in
30 s, the whole history in 3 min.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

import local_stack
from local_stack.config import StackConfig

RESULTS = Path(__file__).parent / "results" / "staleness_check.json"
WINDOW_DAYS = 14
REPEATS = {"window": 3, "history": 1}


def _seconds(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 2), "slowest": round(max(values), 2)}


def main() -> int:
    cfg = StackConfig.from_env()
    cfg.use_warehouse()  # before anything reads the package's settings
    from nba_backfill import clock
    from nba_backfill.catalog.partitions import latest_game_date
    from nba_backfill.catalog.registry import TABLES
    from nba_backfill.coverage.staleness import check_staleness, check_tables
    from nba_backfill.warehouse.client import warehouse_client

    local_stack.start(cfg)
    client = warehouse_client()
    now = clock.now()
    tables = {}
    for table in TABLES:
        last = latest_game_date(table, now)
        spans = {
            "window": (last - datetime.timedelta(days=WINDOW_DAYS - 1), last),
            "history": (table.history_start, last),
        }
        figures = {}
        for span, (first, end) in spans.items():
            times, rows, outdated = [], 0, 0
            for _ in range(REPEATS[span]):
                started = time.perf_counter()
                check = check_staleness(table, first, end, client)
                times.append(time.perf_counter() - started)
                rows = sum(d.current + d.outdated for d in check.dates)
                outdated = sum(d.outdated for d in check.dates)
            figures[span] = {
                "range": f"{first}..{end}",
                "rows": rows,
                "outdated_rows": outdated,
                "seconds": _seconds(times),
            }
        tables[table.name] = figures
        print(table.name, json.dumps(figures))
    total = {
        span: round(sum(t[span]["seconds"]["median"] for t in tables.values()), 2)
        for span in ("window", "history")
    }
    chained = {}
    for span in ("window", "history"):
        windows = {
            t.name: (
                latest_game_date(t, now) - datetime.timedelta(days=WINDOW_DAYS - 1)
                if span == "window"
                else t.history_start,
                latest_game_date(t, now),
            )
            for t in TABLES
        }
        times = []
        for _ in range(REPEATS[span]):
            started = time.perf_counter()
            results = check_tables(list(TABLES), windows, client)
            times.append(time.perf_counter() - started)
        chained[span] = {
            "seconds": _seconds(times),
            "outdated_rows": {
                name: sum(d.outdated for d in r.dates) if hasattr(r, "dates") else f"refused: {r}"
                for name, r in results.items()
            },
            "bytes_processed": {name: getattr(r, "bytes_processed", None) for name, r in results.items()},
        }
        print("check_tables", span, json.dumps(chained[span]))
    result = {
        "measured_at": now.isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "tables": tables,
        "all_tables_median_seconds": total,
        "nightly_path_check_tables": chained,
        "goal_seconds": {"window": 30, "history": 180},
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
