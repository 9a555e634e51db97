"""The embedded local stack: BigQuery emulator, PostgreSQL metadata DB, Airflow 3, alert receiver.

No Docker and no cloud account: everything runs as local processes whose state lives in
the git-ignored ``.local/`` folder. ``python -m local_stack --help`` lists the commands;
the Makefile wraps them.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from local_stack import services
from local_stack.config import REPO_ROOT, StackConfig

__all__ = ["REPO_ROOT", "StackConfig", "start", "start_core", "stop", "write_env_file"]


def start_core(cfg: StackConfig) -> dict[str, str]:
    """Warehouse, alert receiver and metadata DB up, DB migrated; returns the environment for Airflow."""
    services.ensure_emulator(cfg)
    services.ensure_fault_proxy(cfg)
    services.ensure_alert_receiver(cfg)
    db_url = services.ensure_metadata_db(cfg)
    env = {**os.environ, **cfg.airflow_env(db_url)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    services.migrate_metadata_db(cfg, env)
    write_env_file(cfg, cfg.airflow_env(db_url))
    return env


def start(cfg: StackConfig) -> dict[str, str]:
    """The whole stack: ``start_core`` plus api-server, scheduler, dag-processor and triggerer."""
    env = start_core(cfg)
    services.ensure_airflow(cfg, env)
    return env


def stop(cfg: StackConfig) -> list[str]:
    """Stop every process the stack started; data stays in ``.local/``."""
    stopped = services.stop_airflow(cfg)
    if services.stop_fault_proxy(cfg):
        stopped.append("fault-proxy")
    if services.stop_emulator(cfg):
        stopped.append("bq-emulator")
    if services.stop_alert_receiver(cfg):
        stopped.append("alert-receiver")
    if services.stop_embedded_postgres(cfg):
        stopped.append("postgres")
    return stopped


def write_env_file(cfg: StackConfig, airflow_env: dict[str, str]) -> Path:
    """``.local/env.sh``: `source` it to use the `airflow` CLI against the running stack."""
    lines = ["# Written by `make up`. Usage: source .local/env.sh"]
    lines += [f"export {key}={shlex.quote(value)}" for key, value in sorted(airflow_env.items())]
    lines.append(f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"')
    path = cfg.state_dir / "env.sh"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)  # holds the JWT secret
    return path
