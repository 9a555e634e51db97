"""``python -m local_stack {up,down,status,demo,reset}``: run the local stack.

The Makefile wraps these; see the README's quick start. Exit codes follow
``nba_backfill.console``: ``status`` answers 0 (every service healthy) or 1; a bad setting
is one line and 2; a service that does not come up, 3.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

from local_stack.config import REPO_ROOT, StackConfig
from nba_backfill.console import run_command, say

PROG = "python -m local_stack"
STATE = ("airflow", "alerts", "bq-emulator", "env.sh", "logs", "postgres", "run")
"""What ``reset`` deletes from the state folder: the stack's data, not the compiled analyzer's
cache (``wasmtime-cache``) nor the test stacks' own folders."""


def print_ui(cfg: StackConfig) -> None:
    from local_stack.airflow_api import password_for

    say("")
    say(f"Airflow UI:  {cfg.airflow_url}   login: admin / {password_for(cfg, 'admin')}")
    say(
        f"             (may run DAGs: operator / {password_for(cfg, 'operator')}; read-only: viewer / "
        f"{password_for(cfg, 'viewer')}; passwords in {cfg.passwords_file})"
    )
    say(f"Coverage:    {cfg.airflow_url}/coverage/   (also under Coverage in the UI's navigation)")
    if cfg.warehouse == "emulator":
        say(f"BigQuery:    local emulator at {cfg.emulator_url}, project {cfg.gcp_project}")
    else:
        say(f"BigQuery:    project {cfg.gcp_project} (real BigQuery)")
    say(f"Alerts:      {cfg.alert_receiver_url}/alerts   (also in {cfg.alerts_file})")
    say(f"Airflow CLI: source {cfg.state_dir / 'env.sh'}   then e.g.  airflow dags list")
    say("Stop:        make down")


def cmd_up(cfg: StackConfig) -> int:
    import local_stack
    from local_stack import services

    started = time.monotonic()
    local_stack.start(cfg)
    services.log(f"stack up in {time.monotonic() - started:.1f}s")
    print_ui(cfg)
    return 0


def cmd_down(cfg: StackConfig) -> int:
    import local_stack
    from local_stack import services

    stopped = local_stack.stop(cfg)
    services.log("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    return 0


def cmd_status(cfg: StackConfig) -> int:
    from local_stack import services

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
        say(f"{name:14} {'pid ' + str(pid) if pid else 'not running':14} {'healthy' if healthy else '-'}")
    return 0 if all(healthy for _, _, healthy in rows) else 1


def cmd_reset(cfg: StackConfig) -> int:
    """Stop the stack and delete its data: the next ``up`` or ``demo`` starts from nothing."""
    cmd_down(cfg)
    gone = []
    for name in STATE:
        path = cfg.state_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        gone.append(name)
    say(f"[stack] reset: deleted {', '.join(gone) if gone else 'nothing (no state)'} in {cfg.state_dir}")
    return 0


def cmd_demo(cfg: StackConfig) -> int:
    """Stack up, warehouse provisioned, sample data loaded, first month backfilled and verified;
    on a warehouse that already holds it, only the report."""
    from local_stack import demo

    status = demo.run(cfg)
    print_ui(cfg)
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "down", "status", "demo", "reset"])
    parser.add_argument(
        "--reset", action="store_true", help="demo: delete the stack's data first (make demo RESET=1)"
    )
    return parser


COMMANDS = {"up": cmd_up, "down": cmd_down, "status": cmd_status, "demo": cmd_demo, "reset": cmd_reset}


def _run(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](StackConfig.from_env())


def _reset(_: argparse.Namespace) -> int:
    return cmd_reset(StackConfig.from_env())


def main(argv: list[str] | None = None) -> int:
    # The CLI log goes beside Airflow's logs; AIRFLOW_HOME comes from the stack's settings.
    try:
        os.environ.setdefault("AIRFLOW_HOME", str(StackConfig.from_env().airflow_home))
    except ValueError:
        os.environ.setdefault("AIRFLOW_HOME", str(REPO_ROOT / ".local" / "airflow"))
    if "--reset" in (sys.argv[1:] if argv is None else argv):
        # A command of its own: the reset deletes the log the demo then writes to.
        status = run_command(PROG, _parser, _reset, argv)
        if status:
            return status
    return run_command(PROG, _parser, _run, argv)


if __name__ == "__main__":
    sys.exit(main())
