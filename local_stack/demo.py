"""The demo: from the old pipeline's state to a verified first week, through Airflow.

1. Start the stack; provision the warehouse through the scheduler (``provision_warehouse``).
2. Load the sample data in the ``legacy`` state: summary tables full but unhashed, upcoming
   contexts partial (see ``local_stack.sample_data``).
3. ``airflow backfill create`` for the first week of the seeds' first-month window on the
   running scheduler: the summary tables in ``sql`` mode (their rows exist, they only lack
   hashes), then the upcoming contexts in ``processor`` mode (they need rows computed, and
   read the summaries).
4. Print per-table figures for the week, read back from BigQuery.
"""

from __future__ import annotations

import datetime
import json
import time

import local_stack
from local_stack import services
from local_stack.airflow_api import AirflowApi
from local_stack.config import StackConfig

WINDOW = (datetime.date(2021, 10, 19), datetime.date(2021, 10, 25))
STAGES = (
    ("sql", ("player_game_summary", "team_offense_game_summary", "team_defense_game_summary")),
    ("processor", ("upcoming_player_game_context", "upcoming_team_game_context")),
)


def run(cfg: StackConfig) -> int:
    started = time.monotonic()
    env = local_stack.start(cfg)
    api = AirflowApi.for_stack(cfg)
    if not _provision(api):
        services.log(f"provisioning failed; task logs: {cfg.airflow_home / 'logs'}")
        return 1
    _load_sample_data(cfg)
    for mode, tables in STAGES:
        _backfill(api, env, tables, mode)
    print(f"\nFirst week {WINDOW[0]}..{WINDOW[1]}, read back from BigQuery:")
    complete = _print_window(cfg)
    services.log(f"demo finished in {time.monotonic() - started:.1f}s")
    return 0 if complete else 1


def _provision(api: AirflowApi) -> bool:
    dag_id = "provision_warehouse"
    api.wait_for_dag(dag_id)
    run = api.trigger(dag_id)
    services.log(f"triggered {dag_id}; waiting for the scheduler to run it")
    run = api.wait_for_run(dag_id, run["dag_run_id"])
    services.log(f"{dag_id}: {run['state']}")
    return run["state"] == "success"


def _load_sample_data(cfg: StackConfig) -> None:
    from local_stack import sample_data

    cfg.use_warehouse()
    started = time.monotonic()
    sample_data.load(sample_data.generate(), "legacy")
    services.log(f"sample data loaded in {time.monotonic() - started:.1f}s (scenario legacy)")
    print("\nRows per table and season, read back from BigQuery:")
    print(sample_data.format_counts(sample_data.counts_by_season()))


def _backfill(api: AirflowApi, env: dict[str, str], tables: tuple[str, ...], mode: str) -> None:
    started = time.monotonic()
    keys = {str(WINDOW[0] + datetime.timedelta(days=i)) for i in range((WINDOW[1] - WINDOW[0]).days + 1)}
    for table in tables:
        dag_id = f"backfill_{table}"
        api.wait_for_dag(dag_id)
        api.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        command = [
            "backfill", "create", "--dag-id", dag_id,
            "--from-date", str(WINDOW[0]), "--to-date", str(WINDOW[1]),
            "--reprocess-behavior", "completed", "--max-active-runs", "4",
            "--dag-run-conf", json.dumps({"mode": mode}),
        ]  # fmt: skip
        services.log("airflow " + " ".join(command))
        result = services.run_airflow_cli(command, env, check=False)
        if result.returncode != 0:
            raise services.StackError(f"backfill of {dag_id} was refused:\n{result.stderr[-2000:]}")
    for table in tables:
        dag_id = f"backfill_{table}"
        while True:
            runs = api.request(
                "GET", f"/dags/{dag_id}/dagRuns", params={"run_type": "backfill", "limit": 200}
            )
            mine = [r for r in runs["dag_runs"] if r.get("partition_key") in keys]
            if len(mine) >= len(keys) and all(r["state"] in {"success", "failed"} for r in mine):
                break
            time.sleep(3)
        states = sorted({r["state"] for r in mine})
        services.log(f"{dag_id}: {len(mine)} runs, {', '.join(states)}")
    services.log(f"{mode} backfills done in {time.monotonic() - started:.0f}s")


def _print_window(cfg: StackConfig) -> bool:
    from nba_backfill.registry import REGISTRY
    from nba_backfill.verification import partition_figures
    from nba_backfill.warehouse import warehouse_client

    client = warehouse_client()
    days = [WINDOW[0] + datetime.timedelta(days=i) for i in range((WINDOW[1] - WINDOW[0]).days + 1)]
    print(
        f"{'table':32} {'dates':>7} {'complete':>9} {'rows':>7} {'expected':>9} {'hashed':>7} {'coverage':>9}"
    )
    all_complete = True
    for name, table in REGISTRY.items():
        figures = [partition_figures(table, day, client) for day in days]
        game_days = [f for f in figures if f.expected > 0]
        complete = sum(f.complete for f in game_days)
        rows, expected = sum(f.actual for f in figures), sum(f.expected for f in figures)
        hashed = sum(f.hashed_current for f in figures)
        share = min(rows, hashed) / expected if expected else 0.0
        print(
            f"{name:32} {len(game_days):>7} {complete:>9} {rows:>7} {expected:>9} {hashed:>7} {share:>9.1%}"
        )
        all_complete &= complete == len(game_days)
    print("(dates: game dates in the week; coverage: hashed rows under the current spec / expected rows)")
    return all_complete
