"""``python -m local_stack {up,down,status,demo}``: run the local stack.

The Makefile wraps these; see the README's quick start.
"""

from __future__ import annotations

import argparse
import sys
import time

import local_stack
from local_stack import services
from local_stack.airflow_api import password_for
from local_stack.config import StackConfig


def print_ui(cfg: StackConfig) -> None:
    print()
    print(f"Airflow UI:  {cfg.airflow_url}   login: admin / {password_for(cfg, 'admin')}")
    print(
        f"             (may run DAGs: operator / {password_for(cfg, 'operator')}; read-only: viewer / "
        f"{password_for(cfg, 'viewer')}; passwords in {cfg.passwords_file})"
    )
    print(f"Coverage:    {cfg.airflow_url}/coverage/   (also under Coverage in the UI's navigation)")
    if cfg.warehouse == "emulator":
        print(f"BigQuery:    local emulator at {cfg.emulator_url}, project {cfg.gcp_project}")
    else:
        print(f"BigQuery:    project {cfg.gcp_project} (real BigQuery)")
    print(f"Alerts:      {cfg.alert_receiver_url}/alerts   (also in {cfg.alerts_file})")
    print(f"Airflow CLI: source {cfg.state_dir / 'env.sh'}   then e.g.  airflow dags list")
    print("Stop:        make down")


def cmd_up(cfg: StackConfig) -> int:
    started = time.monotonic()
    local_stack.start(cfg)
    services.log(f"stack up in {time.monotonic() - started:.1f}s")
    print_ui(cfg)
    return 0


def cmd_down(cfg: StackConfig) -> int:
    stopped = local_stack.stop(cfg)
    services.log("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    return 0


def cmd_status(cfg: StackConfig) -> int:
    rows = [("bq-emulator", services.running_pid(cfg, "bq-emulator"), services.emulator_ready(cfg))]
    rows.append(
        ("alert-receiver", services.running_pid(cfg, "alert-receiver"), services.alert_receiver_ready(cfg))
    )
    rows.append(
        ("postgres", services.embedded_postgres_pid(cfg), services.embedded_postgres_pid(cfg) is not None)
    )
    health = services.airflow_health(cfg) or {}
    for component in services.AIRFLOW_COMPONENTS:
        key = component.replace("-", "_")
        healthy = (
            bool(health) if component == "api-server" else (health.get(key) or {}).get("status") == "healthy"
        )
        rows.append((component, services.running_pid(cfg, component), healthy))
    for name, pid, healthy in rows:
        print(f"{name:14} {'pid ' + str(pid) if pid else 'not running':14} {'healthy' if healthy else '-'}")
    return 0 if all(healthy for _, _, healthy in rows) else 1


def cmd_demo(cfg: StackConfig) -> int:
    """Stack up, warehouse provisioned, sample data loaded, first week backfilled and verified."""
    from local_stack import demo

    status = demo.run(cfg)
    print_ui(cfg)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "demo"])
    args = parser.parse_args(argv)
    cfg = StackConfig.from_env()
    commands = {"up": cmd_up, "down": cmd_down, "status": cmd_status, "demo": cmd_demo}
    try:
        return commands[args.command](cfg)
    except services.StackError as exc:
        print(f"[stack] ERROR: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
