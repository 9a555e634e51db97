"""One setting, NBA_WAREHOUSE, picks the warehouse; nothing else in the code knows which."""

from __future__ import annotations

import json

import pytest

from local_stack.config import REPO_ROOT, StackConfig


def test_emulator_is_the_default_and_reached_through_the_standard_connection():
    cfg = StackConfig.from_env({})
    env = cfg.warehouse_env()
    conn = json.loads(env["AIRFLOW_CONN_GOOGLE_CLOUD_DEFAULT"])
    assert env["BIGQUERY_EMULATOR_HOST"] == "http://127.0.0.1:9050"
    assert conn["conn_type"] == "google_cloud_platform"
    assert conn["extra"] == {"project": "nba-props-platform", "location": "US", "is_anonymous": True}


def test_bigquery_uses_application_default_credentials_and_no_emulator():
    cfg = StackConfig.from_env({"NBA_WAREHOUSE": "bigquery", "NBA_GCP_PROJECT": "my-project"})
    env = cfg.warehouse_env()
    conn = json.loads(env["AIRFLOW_CONN_GOOGLE_CLOUD_DEFAULT"])
    assert "BIGQUERY_EMULATOR_HOST" not in env
    assert conn["extra"] == {"project": "my-project", "location": "US"}


def test_a_fault_proxy_port_puts_the_proxy_between_every_client_and_the_emulator():
    cfg = StackConfig.from_env({"NBA_FAULT_PROXY_PORT": "9155"})
    assert cfg.warehouse_env()["BIGQUERY_EMULATOR_HOST"] == "http://127.0.0.1:9155"
    assert cfg.emulator_url == "http://127.0.0.1:9050", "the proxy forwards to the emulator"
    assert StackConfig.from_env({}).fault_proxy_url is None, "the user's stack has no proxy"


def test_unknown_warehouse_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"NBA_WAREHOUSE='snowflake' is not one of emulator, bigquery"):
        StackConfig.from_env({"NBA_WAREHOUSE": "snowflake"})


def test_bad_port_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="NBA_AIRFLOW_PORT='80a' is not a TCP port number"):
        StackConfig.from_env({"NBA_AIRFLOW_PORT": "80a"})


def test_airflow_runs_on_postgres_with_a_local_executor_sized_for_the_machine(tmp_path):
    cfg = StackConfig.from_env({"NBA_STATE_DIR": str(tmp_path)})
    env = cfg.airflow_env("postgresql+psycopg2://postgres@/airflow?host=/tmp")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "4"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    assert len(env["AIRFLOW__API_AUTH__JWT_SECRET"]) >= 32
    # The secret is stable for the checkout: every component must share it.
    assert cfg.airflow_env("x")["AIRFLOW__API_AUTH__JWT_SECRET"] == env["AIRFLOW__API_AUTH__JWT_SECRET"]


def test_only_the_stack_config_knows_about_the_emulator():
    leaks = [
        str(path.relative_to(REPO_ROOT))
        for folder in ("dags", "plugins", "include")
        for path in (REPO_ROOT / folder).rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".sql"}
        and any(word in path.read_text() for word in ("BIGQUERY_EMULATOR_HOST", "NBA_WAREHOUSE"))
    ]
    assert leaks == [], f"the warehouse choice leaked into: {leaks}"
