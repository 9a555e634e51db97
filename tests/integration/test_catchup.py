"""With catchup on, the scheduler creates exactly one run per missed partition, no more."""

from __future__ import annotations

import time

import pendulum
import pytest

from nba_backfill.catalog.partitions import TIMEZONE

pytestmark = pytest.mark.integration


def test_catchup_creates_exactly_the_missed_partitions(airflow_stack):
    from tests.dag_fixtures.it_catchup import START

    airflow_stack.wait_for_dag("it_catchup")
    today = pendulum.today(TIMEZONE)
    # Runs start at each midnight from START to today's; each owns the day before it.
    expected = [str(START.add(days=i - 1).date()) for i in range((today - START).days + 1)]
    deadline = time.monotonic() + 120
    while True:
        runs = airflow_stack.request("GET", "/dags/it_catchup/dagRuns", params={"limit": 50})["dag_runs"]
        keys = sorted(r.get("partition_key") for r in runs)
        if len(keys) >= len(expected) or time.monotonic() > deadline:
            break
        time.sleep(2)
    time.sleep(5)  # nothing more may appear
    runs = airflow_stack.request("GET", "/dags/it_catchup/dagRuns", params={"limit": 50})["dag_runs"]
    assert sorted(r.get("partition_key") for r in runs) == expected
    assert {r["run_type"] for r in runs} == {"scheduled"}
