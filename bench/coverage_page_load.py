"""How fast the Coverage page loads for the whole history: its data request and its render.

Run on the local stack after ``make demo`` (the world as of the demo's day, every table's
whole history):

    make bench-page

Records one whole-history verification as ``verify_coverage`` would (so the page has every
date of every table to draw), then, as ``admin``:

- the data request, ``GET /coverage/api/coverage``, 10 times: median and slowest;
- the progress request, ``GET /coverage/api/progress`` (what the page polls every few
  seconds while repairs run: Airflow's REST API asked as the caller), 10 times;
- the page in Debian's Chromium (Playwright): from navigation until the page marks itself
  loaded (data fetched, cards, calendars and gaps drawn), 15 times: median and slowest.

Writes ``bench/results/coverage_page_load.json``. The goal is 1 s for each median.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import time
import uuid
from pathlib import Path

import requests

import local_stack
from local_stack.airflow_api import password_for
from local_stack.config import StackConfig

RESULTS = Path(__file__).parent / "results" / "coverage_page_load.json"
CHROMIUM = "/usr/bin/chromium"


def _record_whole_history() -> dict:
    from nba_backfill.coverage import history, plan, verify
    from nba_backfill.warehouse.client import warehouse_client

    client = warehouse_client()
    tables, ranges = plan()
    report = verify(tables, ranges, client, parity_sample=0)
    history.record(report, f"bench__coverage_page_{uuid.uuid4().hex[:8]}", "manual", client)
    return {
        "tables": len(report.tables),
        "game_dates": max(len(t.expected_dates) for t in report.tables),
        "range": f"{min(t.from_date for t in report.tables)}..{max(t.to_date for t in report.tables)}",
    }


def _timed_gets(url: str, token: str, times: int = 10) -> tuple[list[float], requests.Response]:
    """Seconds of each of ``times`` GETs of ``url``, and the last answer."""
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        seconds.append(time.perf_counter() - started)
        response.raise_for_status()
    return seconds, response


def _seconds(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "slowest": round(max(values), 3)}


def main() -> int:
    cfg = StackConfig.from_env()
    cfg.use_warehouse()  # before anything reads the package's settings
    local_stack.start(cfg)
    recorded = _record_whole_history()
    token = requests.post(
        f"{cfg.airflow_url}/auth/token",
        json={"username": "admin", "password": password_for(cfg, "admin")},
        timeout=30,
    ).json()["access_token"]

    data_seconds, response = _timed_gets(f"{cfg.airflow_url}/coverage/api/coverage", token)
    size = len(response.content)
    dates = sum(len(t["dates"]) for t in response.json()["tables"])
    progress_seconds, response = _timed_gets(f"{cfg.airflow_url}/coverage/api/progress", token)
    in_flight = len(response.json()["repairs"]) + len(response.json()["verifications"])

    from playwright.sync_api import sync_playwright

    page_seconds = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(15):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_cookies([{"name": "_token", "value": token, "url": cfg.airflow_url}])
            page = context.new_page()
            started = time.perf_counter()
            page.goto(f"{cfg.airflow_url}/coverage/")
            page.wait_for_selector("body[data-loaded=true]", timeout=60_000)
            page_seconds.append(time.perf_counter() - started)
            tiles = page.locator(".day[data-date]").count()
            context.close()
        browser.close()

    result = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "verification": recorded,
        "data_request_seconds": _seconds(data_seconds),
        "data_bytes": size,
        "dated_states": dates,
        "progress_request_seconds": _seconds(progress_seconds),
        "progress_items": in_flight,
        "page_load_seconds": _seconds(page_seconds),
        "calendar_tiles": tiles,
        "goal_seconds": 1.0,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
