"""Settings: production defaults, refusals of bad values, and the per-table DML pools."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from local_stack.config import REPO_ROOT
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.warehouse.pools import dml_pool, pool_definitions
from tests.dags.test_dag_integrity import load_dag_bag


def _settings_in_a_clean_process(**env: str) -> subprocess.CompletedProcess:
    """Import nba_backfill.settings with only ``env`` set (this session sets test values)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NBA_")}
    script = (
        "import json; from nba_backfill import settings as d; "
        "print(json.dumps([d.TASK_RETRIES, d.TASK_RETRY_DELAY_SECONDS, d.DML_CONCURRENCY, d.MAX_ACTIVE_RUNS, "
        "d.VERIFY_DAG_ID]))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, **env, "PYTHONPATH": str(REPO_ROOT / "plugins")},
        capture_output=True,
        text=True,
    )


def test_production_defaults():
    done = _settings_in_a_clean_process()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [3, 30, 2, 4, "verify_coverage"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("NBA_TASK_RETRIES", "three"), ("NBA_DML_CONCURRENCY", "0"), ("NBA_BACKFILL_MAX_ACTIVE_RUNS", "-1")],
)
def test_a_bad_value_is_refused_naming_the_variable(name, value):
    done = _settings_in_a_clean_process(**{name: value})
    assert done.returncode != 0
    assert f"{name}={value!r} must be a whole number" in done.stderr


def test_a_verification_dag_id_that_airflow_would_refuse_is_refused():
    done = _settings_in_a_clean_process(NBA_VERIFY_DAG_ID="verify coverage")
    assert done.returncode != 0
    assert "NBA_VERIFY_DAG_ID='verify coverage' is not a DAG id" in done.stderr


def test_every_table_has_a_dml_pool_that_counts_deferred_jobs():
    pools = pool_definitions()
    assert set(pools) == {f"nba_dml_{name}" for name in REGISTRY}
    for pool in pools.values():
        assert pool["slots"] == 2
        assert pool["include_deferred"] is True


def test_every_task_that_writes_a_table_takes_a_slot_of_its_pool():
    writers = {"hash_partition_sql", "process_partition", "hash_chunk_sql", "process_chunk"}
    seen = 0
    for dag in load_dag_bag().dags.values():
        table = next((t for name, t in REGISTRY.items() if dag.dag_id.endswith(name)), None)
        for task in dag.tasks:
            if task.task_id in writers:
                assert table is not None, dag.dag_id
                assert task.pool == dml_pool(table), f"{dag.dag_id}.{task.task_id}"
                seen += 1
            else:
                assert task.pool == "default_pool", f"{dag.dag_id}.{task.task_id} does not write"
    assert seen == 4 * len(REGISTRY)
