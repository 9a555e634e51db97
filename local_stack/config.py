"""Where the local stack keeps its state, and the environment every Airflow process gets.

This module is the only place that knows whether the warehouse is the local BigQuery
emulator or real BigQuery. It turns the single setting ``NBA_WAREHOUSE`` into the
``google_cloud_default`` connection (plus ``BIGQUERY_EMULATOR_HOST`` for the emulator).
DAGs and the ``nba_backfill`` package only ever name that connection.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from nba_backfill.console import BadRequest

REPO_ROOT = Path(__file__).resolve().parents[1]

WAREHOUSES = ("emulator", "bigquery")
AIRFLOW_USERS = {"admin": "admin", "operator": "user", "viewer": "viewer"}
"""The local stack's users and their simple-auth-manager roles."""


class ConfigError(BadRequest):
    """A stack setting (``NBA_WAREHOUSE``, a port, ...) the stack cannot use."""


@dataclass(frozen=True)
class StackConfig:
    """Every knob of the local stack, read once from the environment."""

    warehouse: str
    gcp_project: str
    bq_location: str
    state_dir: Path
    emulator_host: str
    emulator_port: int
    emulator_grpc_port: int
    airflow_port: int
    alert_port: int
    fault_proxy_port: int | None  # None: clients talk to the emulator directly
    parallelism: int
    metadata_db_url: str | None  # None: use the embedded PostgreSQL server

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] = os.environ) -> StackConfig:
        warehouse = environ.get("NBA_WAREHOUSE", "emulator").strip().lower()
        if warehouse not in WAREHOUSES:
            raise ConfigError(
                f"NBA_WAREHOUSE={warehouse!r} is not one of {', '.join(WAREHOUSES)}: "
                "'emulator' runs the local BigQuery emulator, 'bigquery' uses real BigQuery "
                "through Application Default Credentials."
            )
        return cls(
            warehouse=warehouse,
            gcp_project=environ.get("NBA_GCP_PROJECT", "nba-props-platform"),
            bq_location=environ.get("NBA_BQ_LOCATION", "US"),
            state_dir=Path(environ.get("NBA_STATE_DIR", REPO_ROOT / ".local")).resolve(),
            emulator_host="127.0.0.1",
            emulator_port=_port(environ, "NBA_BQ_EMULATOR_PORT", 9050),
            emulator_grpc_port=_port(environ, "NBA_BQ_EMULATOR_GRPC_PORT", 9060),
            airflow_port=_port(environ, "NBA_AIRFLOW_PORT", 8080),
            alert_port=_port(environ, "NBA_ALERT_RECEIVER_PORT", 9070),
            # The test stack puts local_stack/fault_proxy.py between clients and emulator.
            fault_proxy_port=_port(environ, "NBA_FAULT_PROXY_PORT", None),
            # LocalExecutor forks one worker per slot. Four fit two cores: BigQuery jobs
            # mostly wait, but each task process costs seconds of CPU to start.
            parallelism=_whole_number(environ, "NBA_AIRFLOW_PARALLELISM", 4),
            metadata_db_url=environ.get("NBA_METADATA_DB_URL") or None,
        )

    # -- paths --------------------------------------------------------------

    @property
    def airflow_home(self) -> Path:
        return self.state_dir / "airflow"

    @property
    def postgres_dir(self) -> Path:
        return self.state_dir / "postgres"

    @property
    def emulator_data_dir(self) -> Path:
        return self.state_dir / "bq-emulator"

    @property
    def run_dir(self) -> Path:
        """Pid files of the processes the stack started."""
        return self.state_dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def alerts_file(self) -> Path:
        """Every alert the local receiver got, one JSON object per line."""
        return self.state_dir / "alerts" / "alerts.jsonl"

    @property
    def passwords_file(self) -> Path:
        return self.airflow_home / "passwords.json"

    # -- endpoints ------------------------------------------------------------

    @property
    def emulator_url(self) -> str:
        return f"http://{self.emulator_host}:{self.emulator_port}"

    @property
    def fault_proxy_url(self) -> str | None:
        return f"http://{self.emulator_host}:{self.fault_proxy_port}" if self.fault_proxy_port else None

    @property
    def warehouse_url(self) -> str:
        """Where BigQuery clients send requests: the fault proxy when there is one."""
        return self.fault_proxy_url or self.emulator_url

    @property
    def airflow_url(self) -> str:
        return f"http://localhost:{self.airflow_port}"

    @property
    def alert_receiver_url(self) -> str:
        return f"http://127.0.0.1:{self.alert_port}"

    # -- environment ------------------------------------------------------------

    def warehouse_env(self) -> dict[str, str]:
        """The connection (and emulator endpoint) behind ``google_cloud_default``."""
        extra: dict[str, object] = {"project": self.gcp_project, "location": self.bq_location}
        env = {}
        if self.warehouse == "emulator":
            # The google-cloud-bigquery client reads this variable itself; the provider has
            # no endpoint setting of its own.
            env["BIGQUERY_EMULATOR_HOST"] = self.warehouse_url
            # Arrow reads go straight to the emulator's gRPC port (the fault proxy speaks HTTP).
            env["NBA_STORAGE_READ_ENDPOINT"] = f"{self.emulator_host}:{self.emulator_grpc_port}"
            extra["is_anonymous"] = True
        conn = {"conn_type": "google_cloud_platform", "extra": extra}
        env["AIRFLOW_CONN_GOOGLE_CLOUD_DEFAULT"] = json.dumps(conn)
        return env

    def alerts_env(self) -> dict[str, str]:
        """The ``nba_alerts`` Apprise connection: the local receiver (a JSON webhook).

        A deployment sets the same connection to its own Apprise URL instead (``slack://``,
        ``mailto://``, ``pagerduty://``, ...); nothing else changes.
        """
        host_port = self.alert_receiver_url.removeprefix("http://")
        config = {"path": f"json://{host_port}/alerts", "tag": "nba-alerts"}
        return {"AIRFLOW_CONN_NBA_ALERTS": json.dumps({"conn_type": "apprise", "extra": {"config": config}})}

    def airflow_api_env(self) -> dict[str, str]:
        """The ``nba_airflow_api`` connection: how the nightly verification asks Airflow whether a
        late per-date DAG is paused or failed. It logs in as the read-only ``viewer``."""
        conn = {
            "conn_type": "http",
            "host": self.airflow_url,
            "login": "viewer",
            "password": self._passwords()["viewer"],
        }
        return {"AIRFLOW_CONN_NBA_AIRFLOW_API": json.dumps(conn)}

    def _passwords(self) -> dict[str, str]:
        """The simple auth manager's passwords, generated here on first use (it keeps a file's
        passwords and only adds users it lacks), so the connection can name one before start."""
        path = self.passwords_file
        passwords = json.loads(path.read_text()) if path.exists() else {}
        missing = [user for user in AIRFLOW_USERS if user not in passwords]
        if missing:
            passwords.update({user: secrets.token_urlsafe(12) for user in missing})
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(passwords))
            path.chmod(0o600)
        return passwords

    def airflow_env(self, metadata_db_url: str) -> dict[str, str]:
        """Settings shared by the scheduler, api-server, dag-processor, triggerer, CLI and tests."""
        return {
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.airflow_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(
                f"{u}:{r}" for u, r in AIRFLOW_USERS.items()
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.passwords_file),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_db_url,
            "AIRFLOW__API__BASE_URL": self.airflow_url,
            "AIRFLOW__API__PORT": str(self.airflow_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": self._jwt_secret(),
            # New DAG files show up within half a minute instead of five.
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "NBA_WAREHOUSE": self.warehouse,
            **self.warehouse_env(),
            **self.alerts_env(),
            **self.airflow_api_env(),
        }

    def use_warehouse(self) -> None:
        """Point this process's BigQuery clients at the stack's warehouse, as Airflow's are."""
        os.environ.update(self.warehouse_env())
        os.environ.setdefault("AIRFLOW_HOME", str(self.airflow_home))

    def _jwt_secret(self) -> str:
        """One random secret per checkout, shared by every component, never committed."""
        path = self.airflow_home / "jwt_secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()


def _port(environ: os._Environ[str] | dict[str, str], name: str, default: int | None) -> int:
    raw = environ.get(name, "" if default is None else str(default))
    if not raw and default is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name}={raw!r} is not a TCP port number")
    return int(raw)


def _whole_number(environ: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = environ.get(name, str(default)).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name}={raw!r} must be a whole number >= 1")
    return int(raw)
