"""Full-history coverage verification time: every table, history start to today.

Run on the local stack after `make demo` (the legacy sample data: 1,696 game dates):

    source .local/env.sh && PYTHONPATH=plugins:. python bench/verify_full_history.py

Measures ``plan`` + ``verify`` (all set-based queries, the parity sample, the repair
lookups) in-process, best of three, and writes ``bench/results/verify_full_history.json``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from nba_backfill.coverage import plan, verify
from nba_backfill.warehouse.client import warehouse_client

RESULTS = Path(__file__).parent / "results" / "verify_full_history.json"


def measure(client=None) -> dict:
    """Best of three full-history verifications, in-process."""
    client = client or warehouse_client()
    tables, ranges = plan()
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        report = verify(tables, ranges, client)
        timings.append(time.perf_counter() - started)
    result = {
        "full_history_verification_seconds": round(min(timings), 2),
        "runs_seconds": [round(t, 2) for t in timings],
        "tables": len(report.tables),
        "expected_dates": max(len(t.expected_dates) for t in report.tables),
        "rows_read": sum(t.actual_rows for t in report.tables),
        "expected_rows": sum(t.expected_rows for t in report.tables),
        "warehouse": os.environ.get("BIGQUERY_EMULATOR_HOST", "bigquery"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "complete_tables": sum(t.complete for t in report.tables),
    }
    return result


def main() -> None:
    result = measure()
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
