"""The demo: from the old pipeline's state to a validated first month, through Airflow.

1. Start the stack; provision the warehouse through the scheduler (``provision_warehouse``).
2. Load the sample data in the ``legacy`` state: summary tables full but unhashed, upcoming
   contexts partial (see ``local_stack.sample_data``).
3. One range run (``backfill_range_<table>``) per table over the handoff documents' first-month window
   (2021-10-19..2021-11-19) on the running scheduler: the summary tables in ``sql`` mode (their
   rows exist, they only lack hashes); with their first month proven, the history before it
   (the upcoming contexts read it, and it must be COMPLETE by identity, hashes included);
   then the upcoming contexts in ``processor`` mode (they need rows computed).
4. Verify: trigger ``verify_coverage`` for the month (recorded in
   ``nba_monitoring.coverage_history``; an alert would reach the local receiver), then print
   the terminal report, ``nba-coverage``, for the same month, and the
   validation gate's verdict per table: with the first month COMPLETE and the SQL and
   processor hashes equal on 2021-11-15, whole-history range runs may start.
5. Tonight: range runs hash the summaries' history up to the day before yesterday; then the
   per-date DAGs are unpaused so their own scheduled runs process tonight's partitions
   (summaries: yesterday's final games; upcoming contexts: today's scheduled games, from
   rosters and posted lines); then the nightly ``verify_coverage`` over the whole history,
   which alerts because the contexts' history outside the first month is still legacy, on
   purpose; and the report for tonight's partitions.

A rerun keeps the warehouse: when it already holds the sample world, the demo says so in one
line, skips steps 1 to 5's writes and prints the first month's report as it stands (the
scheduler keeps the nightly cycle going). ``make demo RESET=1`` or ``make reset`` start over.
"""

from __future__ import annotations

import datetime
import json
import time

import local_stack
from local_stack import services
from local_stack.airflow_api import TERMINAL_RUN_STATES, AirflowApi
from local_stack.config import StackConfig
from nba_backfill.backfill.validation_gate import FIRST_MONTH
from nba_backfill.catalog.registry import HISTORY_START
from nba_backfill.console import say

WINDOW = FIRST_MONTH
SUMMARIES = ("player_game_summary", "team_offense_game_summary", "team_defense_game_summary")
CONTEXTS = ("upcoming_player_game_context", "upcoming_team_game_context")
BEFORE_WINDOW = (HISTORY_START, WINDOW[0] - datetime.timedelta(days=1))
"""The history the upcoming contexts read before the window: hashed once the window is proven."""
STAGES = (
    ("sql", SUMMARIES, WINDOW),
    ("sql", SUMMARIES, BEFORE_WINDOW),
    ("processor", CONTEXTS, WINDOW),
)


def tonight(today: datetime.date) -> tuple[tuple, dict[str, datetime.date]]:
    """The summaries' history left to hash before tonight, and each table's partition tonight."""
    from nba_backfill.catalog.partitions import latest_game_date, moment_on
    from nba_backfill.catalog.registry import REGISTRY

    newest = {name: latest_game_date(REGISTRY[name], moment_on(today)) for name in SUMMARIES + CONTEXTS}
    history = (WINDOW[1] + datetime.timedelta(days=1), today - datetime.timedelta(days=2))
    return history, newest


def run(cfg: StackConfig) -> int:
    started = time.monotonic()
    local_stack.start(cfg)
    world = _world_in_warehouse(cfg)
    if world:
        services.log(
            f"kept the warehouse: it already holds the sample world ({world}); skipped loading and "
            "backfilling (make demo RESET=1 starts over)"
        )
        say(f"\n$ nba-coverage --from-date {WINDOW[0]} --to-date {WINDOW[1]}")
        status = _print_report(cfg, WINDOW)
        services.log(f"demo finished in {time.monotonic() - started:.1f}s")
        return status
    api = AirflowApi.for_stack(cfg)
    if not _provision(api):
        services.log(f"provisioning failed; task logs: {cfg.airflow_home / 'logs'}")
        return 1
    _load_sample_data(cfg)
    written = all([_backfill(api, tables, mode, window) for mode, tables, window in STAGES])
    verified = _verify_coverage(api)
    say(f"\n$ nba-coverage --from-date {WINDOW[0]} --to-date {WINDOW[1]}")
    complete = _print_report(cfg, WINDOW) == 0
    validated = _print_gate(cfg)
    nightly = _tonight(cfg, api)
    services.log(f"demo finished in {time.monotonic() - started:.1f}s")
    return 0 if written and complete and verified and validated and nightly else 1


def _world_in_warehouse(cfg: StackConfig) -> str | None:
    """What the warehouse holds of the sample world ("N scheduled games, first..last"), or None."""
    from google.api_core.exceptions import NotFound

    from local_stack.adhoc import run_query
    from nba_backfill.catalog.raw_tables import SCHEDULE

    cfg.use_warehouse()
    sql = f"select count(*) as games, min(game_date) as first, max(game_date) as last from `{SCHEDULE.table_id}`"
    try:
        (row,) = list(run_query(sql))
    except NotFound:  # never provisioned
        return None
    if not row.games:
        return None
    return f"{row.games:,} scheduled games, {row.first}..{row.last}"


def _provision(api: AirflowApi) -> bool:
    return _run_dag(api, "provision_warehouse") == "success"


def _run_dag(api: AirflowApi, dag_id: str, conf: dict | None = None) -> str:
    """Trigger ``dag_id`` and wait for the scheduler to finish it; returns the run's state."""
    api.wait_for_dag(dag_id)
    run = api.trigger(dag_id, conf=conf)
    services.log(f"triggered {dag_id}{' ' + json.dumps(conf) if conf else ''}; waiting for the scheduler")
    state = api.wait_for_run(dag_id, run["dag_run_id"])["state"]
    services.log(f"{dag_id}: {state}")
    return state


def _load_sample_data(cfg: StackConfig) -> None:
    from local_stack import sample_data

    cfg.use_warehouse()
    started = time.monotonic()
    sample_data.load(sample_data.generate(), "legacy")
    services.log(f"sample data loaded in {time.monotonic() - started:.1f}s (scenario legacy)")
    say("\nRows per table and season, read back from BigQuery:")
    say(sample_data.format_counts(sample_data.counts_by_season()))


def _backfill(api: AirflowApi, tables: tuple[str, ...], mode: str | dict[str, str], window: tuple) -> bool:
    """One range run per table over ``window`` (``backfill_range_<table>``), all at once.

    ``mode``: one write path for every table, or one per table.
    """
    started = time.monotonic()
    runs = {}
    for table in tables:
        # One chunk per run: the whole window in one statement (the SQL path) or one task.
        path = mode if isinstance(mode, str) else mode[table]
        conf = {"from_date": str(window[0]), "to_date": str(window[1]), "mode": path, "chunk": "range"}
        dag_id = f"backfill_range_{table}"
        api.wait_for_dag(dag_id)
        runs[dag_id] = api.trigger(dag_id, conf=conf)["dag_run_id"]
        services.log(f"triggered {dag_id} {json.dumps(conf)}")
    ok = True
    for dag_id, run_id in runs.items():
        state = api.wait_for_run(dag_id, run_id, timeout=900)["state"]
        services.log(f"{dag_id}: {state}")
        ok &= state == "success"
    services.log(f"range runs over {window[0]}..{window[1]} done in {time.monotonic() - started:.0f}s")
    return ok


def _verify_coverage(api: AirflowApi) -> bool:
    """verify_coverage for the window: its figures land in nba_monitoring.coverage_history."""
    return (
        _run_dag(api, "verify_coverage", {"from_date": str(WINDOW[0]), "to_date": str(WINDOW[1])})
        == "success"
    )


def _tonight(cfg: StackConfig, api: AirflowApi) -> bool:
    """The nightly cycle on today's partitions, through the per-date DAGs' scheduled runs."""
    from nba_backfill.catalog.partitions import today_eastern

    history, newest = tonight(today_eastern())
    say(f"\nTonight ({today_eastern()}): the summaries' history to {history[1]}, then the scheduled runs")
    # The legacy team_defense_game_summary lacks two dates: the processor path computes them.
    ok = _backfill(
        api, SUMMARIES, {**dict.fromkeys(SUMMARIES, "sql"), "team_defense_game_summary": "processor"}, history
    )
    # Summaries first: the contexts read their history through yesterday.
    for group in (SUMMARIES, CONTEXTS):
        runs = {f"backfill_{name}": api.unpause_for_scheduled_run(f"backfill_{name}") for name in group}
        for dag_id, run in runs.items():
            if run["state"] in TERMINAL_RUN_STATES:
                # An earlier demo ran tonight's partition, before the sample data was reloaded.
                api.rerun(dag_id, run["dag_run_id"])
                say(f"  {dag_id:<42} tonight's run already ran in an earlier demo: cleared, running again")
        for dag_id, run in runs.items():
            state = api.wait_for_run(dag_id, run["dag_run_id"], timeout=900)["state"]
            say(f"  {dag_id:<42} scheduled run, partition {run.get('partition_key')}: {state}")
            ok &= state == "success"
    # The nightly verification: the whole history, as at 06:00; gaps make it red, and alert.
    # The contexts' history outside the first month is still legacy, so it alerts: as it should.
    state = _run_dag(api, "verify_coverage")
    say(f"  verify_coverage (whole history): {state}")
    if state != "success" and cfg.alerts_file.exists():
        alert = json.loads(cfg.alerts_file.read_text().splitlines()[-1])
        say(f"  alert delivered: {alert['title']}  (full text in {cfg.alerts_file})")
    for group in (SUMMARIES, CONTEXTS):
        day = newest[group[0]]
        say(f"\n$ nba-coverage --tables {','.join(group)} --from-date {day} --to-date {day}")
        ok &= _print_report(cfg, (day, day), group) == 0
    return ok


def _print_report(cfg: StackConfig, window: tuple, tables: tuple[str, ...] = ()) -> int:
    from nba_backfill.coverage.__main__ import main as coverage_report

    cfg.use_warehouse()
    names = ["--tables", ",".join(tables)] if tables else []
    return coverage_report([*names, "--from-date", str(window[0]), "--to-date", str(window[1])])


def _print_gate(cfg: StackConfig) -> bool:
    """The validation gate's verdict per table: may whole-history range runs start?"""
    from nba_backfill.backfill import validation_gate
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.warehouse.client import warehouse_client

    cfg.use_warehouse()
    client = warehouse_client()
    say(
        f"\nValidation gate (first month COMPLETE, SQL = processor hashes on {validation_gate.PARITY_SAMPLE_DATE}):"
    )
    results = [validation_gate.check(table, client) for table in REGISTRY.values()]
    for result in results:
        say(f"  {result.table:<30} {'passed' if result.passed else 'REFUSED: ' + '; '.join(result.problems)}")
    return all(r.passed for r in results)
