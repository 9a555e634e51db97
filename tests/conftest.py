"""One local stack per test session, shared by every test.

The tests run on their own stack (state in ``.local/test-stack``, other ports), so they
never touch the data of the stack that ``make demo`` runs. Integration tests (marker
``integration``) get the BigQuery emulator and the PostgreSQL metadata DB, started once
here; those that need the scheduler and api-server ask for the ``airflow_stack`` fixture.
``pytest -m "not integration"`` starts nothing.

Set NBA_KEEP_STACK=1 to leave a stack this session started running afterwards.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
import uuid

import pytest

import local_stack
from local_stack import services
from local_stack.config import REPO_ROOT, StackConfig

TEST_STACK_DEFAULTS = {
    "NBA_STATE_DIR": str(REPO_ROOT / ".local" / "test-stack"),
    "NBA_BQ_EMULATOR_PORT": "9150",
    "NBA_BQ_EMULATOR_GRPC_PORT": "9160",
    "NBA_AIRFLOW_PORT": "8180",
    "NBA_ALERT_RECEIVER_PORT": "9170",
    # Every BigQuery call of the test stack passes local_stack/fault_proxy.py (forwarding
    # unchanged unless a reliability test installs faults).
    "NBA_FAULT_PROXY_PORT": "9155",
    # A failed attempt fails the task at once, so a test sees what an in-process retry
    # absorbed and what it did not (production retries 3 times with backoff).
    "NBA_TASK_RETRIES": "0",
    # The Coverage page verifies through verify_coverage's unscheduled twin: unpausing the
    # real DAG would also start its newest nightly run, whose alert would land mid-suite.
    "NBA_VERIFY_DAG_ID": "it_verify_coverage",
    # Below the executor's 4 slots, so test_backfill_create can see the cap hold.
    "NBA_BACKFILL_MAX_ACTIVE_RUNS": "2",
}

# dag.test() runs only DAGs that a bundle serves: the test stack serves tests/dag_fixtures too.
DAG_BUNDLES = [
    {"name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle", "kwargs": {}},
    {
        "name": "test-dags",
        "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
        "kwargs": {"path": str(REPO_ROOT / "tests" / "dag_fixtures")},
    },
]

_started_here: list[str] = []


def _wants_integration(config: pytest.Config) -> bool:
    return "not integration" not in (config.getoption("markexpr") or "")


def pytest_configure(config: pytest.Config) -> None:
    # Airflow reads its configuration when first imported, so the environment is set here,
    # before any test module imports Airflow.
    for key, value in TEST_STACK_DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = json.dumps(DAG_BUNDLES)
    cfg = StackConfig.from_env()
    if _wants_integration(config):
        was_running = {
            "bq-emulator": services.emulator_ready(cfg),
            "fault-proxy": services.fault_proxy_ready(cfg),
            "alert-receiver": services.alert_receiver_ready(cfg),
            "postgres": services.embedded_postgres_pid(cfg) is not None,
        }
        env = local_stack.start_core(cfg)
        _started_here.extend(name for name, running in was_running.items() if not running)
        os.environ.update({key: env[key] for key in env if key.startswith(("AIRFLOW", "BIGQUERY", "NBA_"))})
    else:
        # Unit tests only parse DAGs; they get a throwaway Airflow home and no database.
        os.environ.update(
            {
                "AIRFLOW_HOME": tempfile.mkdtemp(prefix="airflow-home-"),
                "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                **cfg.warehouse_env(),
                **cfg.alerts_env(),
            }
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test that needs the Airflow services runs DAGs.
    for item in items:
        if "airflow_stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.airflow_runs)


def pytest_unconfigure(config: pytest.Config) -> None:
    if os.environ.get("NBA_KEEP_STACK") or not _wants_integration(config):
        return
    cfg = StackConfig.from_env()
    if "airflow.settings" in sys.modules:  # close pooled DB connections before the DB goes
        sys.modules["airflow.settings"].dispose_orm()
    if "airflow" in _started_here:
        services.stop_airflow(cfg)
    if "fault-proxy" in _started_here:
        services.stop_fault_proxy(cfg)
    if "bq-emulator" in _started_here:
        services.stop_emulator(cfg)
    if "alert-receiver" in _started_here:
        services.stop_alert_receiver(cfg)
    if "postgres" in _started_here:
        services.stop_embedded_postgres(cfg)


@pytest.fixture(scope="session")
def stack_config() -> StackConfig:
    return StackConfig.from_env()


@pytest.fixture(scope="session")
def airflow_stack(stack_config: StackConfig):
    """The api-server, scheduler, dag-processor and triggerer, running; yields an API client."""
    from local_stack.airflow_api import AirflowApi

    if not services.airflow_healthy(stack_config, services.AIRFLOW_COMPONENTS):
        _started_here.append("airflow")
    local_stack.start(stack_config)
    return AirflowApi.for_stack(stack_config)


@pytest.fixture(scope="session")
def bq():
    """A BigQuery client on the test stack's warehouse, through the DAGs' own connection."""
    from nba_backfill.warehouse.client import warehouse_client

    return warehouse_client()


@pytest.fixture
def scratch_dataset(bq):
    """A dataset of its own for one test, dropped afterwards."""
    name = f"scratch_{uuid.uuid4().hex[:10]}"
    bq.create_dataset(name)
    yield name
    bq.delete_dataset(name, delete_contents=True, not_found_ok=True)


@pytest.fixture(scope="session")
def sample_data():
    """The generated sample data (in memory), default seed, as of the tests' day; read-only."""
    from local_stack.sample_data import generate
    from tests.as_of import AS_OF_DATE

    return generate(as_of=AS_OF_DATE)


@pytest.fixture(scope="session")
def loaded_warehouse(sample_data, bq):
    """The test warehouse holding the sample data in the test_runs_only state."""
    from local_stack.sample_data import load

    return load(sample_data, "test_runs_only", client=bq)


@pytest.fixture
def restore_partitions(bq):
    """Snapshot partitions a test is about to rewrite, and put them back afterwards.

    Call it with (table_id, game_date); the loaded sample data stays as other tests expect.
    """
    from local_stack.adhoc import run_query
    from nba_backfill.warehouse.client import load_rows

    saved = []

    def snapshot(table_id: str, game_date):
        table = bq.get_table(table_id)
        rows = [
            dict(r.items())
            for r in run_query(
                f"select * from `{table_id}` where game_date = @d", {"d": game_date}, client=bq
            )
        ]
        saved.append((table_id, game_date, [(f.name, f.field_type, f.mode) for f in table.schema], rows))

    yield snapshot
    for table_id, game_date, schema, rows in saved:
        run_query(f"delete from `{table_id}` where game_date = @d", {"d": game_date}, client=bq)
        load_rows(table_id, rows, schema, client=bq)


@pytest.fixture
def hashed_history(bq):
    """Hash a summary table's history before a date with the SQL path; unhash it afterwards.

    The seeds' state leaves the summaries unhashed, and the upcoming contexts refuse to read
    an upstream history that is not COMPLETE by identity: a test that computes contexts
    hashes what they read first. Call it with (table name, first date not hashed).
    """
    from local_stack.adhoc import run_dml
    from nba_backfill.backfill.sql_path import hash_statement
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.warehouse.client import run_dml as run_statement

    hashed = []

    def hash_before(name: str, day):
        table = REGISTRY[name]
        last = day - datetime.timedelta(days=1)
        run_statement(hash_statement(table, table.history_start, last), client=bq)
        hashed.append((table, last))

    yield hash_before
    for table, last in hashed:  # back to the legacy state: no hash, no spec version
        run_dml(
            f"update `{table.table_id}` set data_hash = null, hash_spec_version = null "
            "where game_date between @a and @b",
            {"a": table.history_start, "b": last},
            client=bq,
        )


class AlertInbox:
    """The local alert receiver, as the tests read it (real HTTP, real Apprise deliveries)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def clear(self) -> None:
        import requests

        requests.delete(f"{self.url}/alerts", timeout=10).raise_for_status()

    def all(self) -> list[dict]:
        import requests

        response = requests.get(f"{self.url}/alerts", timeout=10)
        response.raise_for_status()
        return response.json()


@pytest.fixture
def alert_inbox(stack_config) -> AlertInbox:
    """The test stack's alert receiver, emptied for this test."""
    inbox = AlertInbox(stack_config.alert_receiver_url)
    inbox.clear()
    return inbox


class FaultProxy:
    """The test stack's fault proxy (local_stack/fault_proxy.py), as the tests drive it."""

    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.url = cfg.fault_proxy_url

    def reset(self) -> None:
        import requests

        requests.post(f"{self.url}/_proxy/reset", timeout=10).raise_for_status()

    def inject(self, *rules: dict) -> None:
        import requests

        requests.post(f"{self.url}/_proxy/rules", json=list(rules), timeout=10).raise_for_status()

    def stats(self) -> dict:
        import requests

        response = requests.get(f"{self.url}/_proxy/stats", timeout=10)
        response.raise_for_status()
        return response.json()

    def kill(self) -> None:
        """The warehouse dies: the proxy process is killed and its port closes."""
        import signal

        pid = services.running_pid(self.cfg, "fault-proxy")
        assert pid, "the fault proxy is not running"
        os.killpg(pid, signal.SIGKILL)
        services.stop_fault_proxy(self.cfg)

    def start(self) -> None:
        services.ensure_fault_proxy(self.cfg)


@pytest.fixture
def fault_proxy(stack_config) -> FaultProxy:
    """The fault proxy with no rules and fresh statistics; whatever a test injected is gone after it."""
    proxy = FaultProxy(stack_config)
    proxy.start()
    proxy.reset()
    yield proxy
    proxy.start()
    proxy.reset()
