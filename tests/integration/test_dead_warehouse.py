"""A dead warehouse fails fast, with an error that names the endpoint.

"Dead" here is an endpoint where nothing listens: the deployment's warehouse setting
points at a free local port. No mock: the real client and operator hit a closed socket.
"""

from __future__ import annotations

import socket
import time

import pytest

from local_stack.adhoc import run_query
from nba_backfill.warehouse.client import RETRY_DEADLINE_SECONDS, WarehouseUnavailable, warehouse_client
from tests.dag_fixtures.it_hash_partition import dag as hash_partition_dag

pytestmark = [pytest.mark.integration, pytest.mark.airflow_runs]

# Retry deadline plus one HTTP timeout plus start-up slack; far from the library's 600 s.
FAIL_WITHIN_SECONDS = 60


@pytest.fixture
def dead_endpoint(monkeypatch) -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Closed again: nothing listens on this port now.
    endpoint = f"127.0.0.1:{port}"
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", f"http://{endpoint}")
    return endpoint


def test_query_on_dead_warehouse_fails_in_seconds_naming_the_endpoint(dead_endpoint):
    started = time.monotonic()
    with pytest.raises(WarehouseUnavailable) as raised:
        run_query("select 1", client=warehouse_client())
    elapsed = time.monotonic() - started

    assert elapsed < FAIL_WITHIN_SECONDS
    message = str(raised.value)
    assert dead_endpoint in message
    assert "did not answer within 20s" in message
    # It retried under our deadline, not the library's ten minutes.
    assert f"Timeout of {RETRY_DEADLINE_SECONDS}s exceeded" in message


def test_operator_on_dead_warehouse_fails_the_task_in_seconds(dead_endpoint, capfd):
    started = time.monotonic()
    run = hash_partition_dag.test(run_conf={"table": "scratch.none", "game_date": "2021-10-19"})
    elapsed = time.monotonic() - started

    assert run.state == "failed"
    assert elapsed < FAIL_WITHIN_SECONDS
    out, err = capfd.readouterr()
    assert f"BigQuery at http://{dead_endpoint} did not answer" in out + err, (
        "the task log must name the endpoint"
    )


def test_nba_coverage_on_dead_warehouse_exits_3_with_one_line(dead_endpoint, tmp_path):
    """A warehouse that does not answer is not a verdict: exit 3, not 1 ("gaps")."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.as_of import AS_OF_DATE

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nba-coverage"), "--tables", "player_game_summary",
         "--from-date", "2021-10-19", "--to-date", "2021-10-19", "--as-of", str(AS_OF_DATE)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert done.returncode == 3, (done.returncode, done.stderr)
    assert done.stdout == ""
    assert done.stderr.startswith(f"nba-coverage: BigQuery at http://{dead_endpoint} did not answer")
    assert done.stderr.count("\n") == 1
