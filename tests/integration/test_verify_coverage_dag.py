"""verify_coverage end to end on the running stack: the scheduler runs it, Apprise delivers
its alert to the local receiver, and the repair command in the alert closes the gap."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import pytest

from local_stack.adhoc import run_dml, run_query
from local_stack.services import AIRFLOW_BIN
from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG, COVERAGE_HISTORY
from nba_backfill.catalog.partitions import latest_game_date
from nba_backfill.catalog.registry import get_table
from nba_backfill.coverage.expected import newest_game_date
from tests.as_of import AS_OF_DATE

pytestmark = pytest.mark.integration

D = datetime.date
DAG_ID = "it_verify_coverage"  # the same builder as verify_coverage, without its nightly schedule
TRAP_TABLES = ["team_offense_game_summary", "team_defense_game_summary", "upcoming_player_game_context"]


def _verify(api, conf: dict, dag_id: str = DAG_ID) -> tuple[dict, dict[str, str]]:
    api.wait_for_dag(dag_id)
    run = api.trigger(dag_id, conf=conf)
    run = api.wait_for_run(dag_id, run["dag_run_id"], timeout=240)
    return run, api.task_states(dag_id, run["dag_run_id"])


def _repair_commands(message: str) -> list[str]:
    return [line.strip() for line in message.splitlines() if line.strip().startswith("airflow dags unpause ")]


def _airflow(command: str) -> None:
    """Run a command line as a user pastes it into a shell (``&&`` included)."""
    assert command.startswith("airflow ")
    path = f"{AIRFLOW_BIN.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        ["/bin/bash", "-c", command],
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_seeds_trap_fails_the_run_and_alerts_with_ranges_and_repairs(
    airflow_stack, loaded_warehouse, alert_inbox, bq
):
    conf = {"tables": TRAP_TABLES, "from_date": "2021-10-19", "to_date": "2021-11-19"}
    run, states = _verify(airflow_stack, conf)
    assert run["state"] == "failed"
    assert states == {
        "wait_for_newest_partitions": "success",
        "measure_coverage": "success",
        "alert_on_gaps": "failed",
    }

    (alert,) = alert_inbox.all()
    assert alert["type"] == "failure"
    assert alert["title"] == "NBA backfill coverage: 3 of 3 tables INCOMPLETE"
    body = alert["message"]
    assert "0 of 3 tables COMPLETE for 2021-10-19..2021-11-19, a window of 32 of " in body
    assert "missing dates (31): 2021-10-19..2021-11-14, 2021-11-16..2021-11-19" in body
    for table in TRAP_TABLES:
        # 32 dates: one range run is cheaper than 32 per-date runs; rows are missing, so the
        # processor path writes them.
        assert (
            f"airflow dags unpause backfill_range_{table} && airflow dags trigger backfill_range_{table} "
            f"""--conf '{{"from_date": "2021-10-19", "to_date": "2021-11-19", "mode": "processor", """
        ) in body
    assert run["dag_run_id"].replace(":", "%3A").replace("+", "%2B") in body

    recorded = {
        row.table_name: (row.status, row.coverage_pct)
        for row in run_query(
            f"select table_name, status, coverage_pct from `{COVERAGE_HISTORY.table_id}` where verification_id = @v",
            {"v": run["dag_run_id"]},
            client=bq,
        )
    }
    assert set(recorded) == set(TRAP_TABLES)
    assert all(status == "INCOMPLETE" and pct < 5 for status, pct in recorded.values()), recorded


def test_a_late_nightly_run_times_out_into_a_late_alert(airflow_stack, loaded_warehouse, alert_inbox, bq):
    # The test twin of verify_coverage waits 15 s instead of 4 h. Nothing in the test
    # warehouse writes a summary partition after the test world's history, so the wait for
    # the newest partition the run can see times out.
    run_dml(
        f"delete from `{BACKFILL_LOG.table_id}` where table_name = 'player_game_summary' and game_date >= @d",
        {"d": AS_OF_DATE - datetime.timedelta(days=1)},
        client=bq,
    )  # a write an earlier session left in a reused warehouse would end the wait
    # Paused, the per-date DAG will never write it: the sensor asks Airflow and stops waiting.
    airflow_stack.request("PATCH", "/dags/backfill_player_game_summary", json={"is_paused": True})
    run, states = _verify(
        airflow_stack,
        {"tables": ["player_game_summary"], "parity_sample": 0},
        dag_id="it_verify_coverage_late",
    )
    assert run["state"] == "failed"
    assert states["wait_for_newest_partitions"] == "failed"
    assert states["measure_coverage"] == "success"  # coverage is still measured and recorded
    # A manual run acts as of its own moment (the stack's clock): its newest partition is the
    # last game date up to the day before, by the package's rule, from the run's record.
    table = get_table("player_game_summary")
    ran_at = datetime.datetime.fromisoformat(run["run_after"])
    newest = newest_game_date(table.history_start, latest_game_date(table, ran_at), bq)
    assert newest is not None and newest >= AS_OF_DATE - datetime.timedelta(days=1)
    (alert,) = alert_inbox.all()
    assert alert["title"].startswith(f"NBA backfill coverage: LATE backfill_player_game_summary ({newest})")
    # It stopped on its first look, not at its timeout.
    sensor_log = str(
        airflow_stack.request(
            "GET",
            f"/dags/it_verify_coverage_late/dagRuns/{run['dag_run_id']}/taskInstances/wait_for_newest_partitions/logs/1",
            params={"full_content": True},
            headers={"Accept": "application/json"},
        ).get("content")
    )
    assert "is paused, so its run for" in sensor_log and "AirflowSensorTimeout" not in sensor_log
    assert (
        f"backfill_player_game_summary: {newest} (backfill_player_game_summary is paused, so its run for "
        f"{newest} will never start; unpause it: airflow dags unpause backfill_player_game_summary)"
    ) in alert["message"]


def test_an_injected_gap_alerts_and_the_alerts_command_closes_it(
    airflow_stack, loaded_warehouse, alert_inbox, restore_partitions, bq
):
    table = "player_game_summary"
    days = [D(2021, 10, 19), D(2021, 10, 20)]
    for day in days:
        restore_partitions(f"nba_analytics.{table}", day)
    conf = {"tables": [table], "from_date": str(days[0]), "to_date": str(days[-1])}

    # 1. Backfill the three dates: verified complete, no alert.
    airflow_stack.request("PATCH", f"/dags/backfill_{table}", json={"is_paused": False})
    before = airflow_stack.newest_backfill_id(f"backfill_{table}")
    _airflow(
        f"airflow backfill create --dag-id backfill_{table} --from-date {days[0]} --to-date {days[-1]} "
        "--reprocess-behavior completed"
    )
    runs = airflow_stack.wait_for_backfills(f"backfill_{table}", before)
    assert sorted(r["partition_key"] for r in runs) == [str(d) for d in days]
    run, _ = _verify(airflow_stack, conf)
    assert run["state"] == "success" and alert_inbox.all() == []

    # 2. The data of a successfully processed date disappears.
    assert run_dml(f"delete from `nba_analytics.{table}` where game_date = @d", {"d": days[1]}, client=bq) > 0
    run, states = _verify(airflow_stack, conf)
    assert run["state"] == "failed" and states["alert_on_gaps"] == "failed"
    (alert,) = alert_inbox.all()
    assert "missing dates (1): 2021-10-20" in alert["message"]
    (command,) = _repair_commands(alert["message"])
    # Its run succeeded, so only `completed` makes Airflow process it again.
    # One date: a per-date run is cheaper than a range run.
    assert command == (
        f"airflow dags unpause backfill_{table} && "
        f"airflow backfill create --dag-id backfill_{table} --from-date 2021-10-20 --to-date 2021-10-20 "
        "--reprocess-behavior completed"
    )

    # 3. The command from the alert, pasted as is, closes the gap, even with the DAG paused
    # (the runs of a paused DAG would sit queued forever).
    airflow_stack.request("PATCH", f"/dags/backfill_{table}", json={"is_paused": True})
    before = airflow_stack.newest_backfill_id(f"backfill_{table}")
    _airflow(command)
    runs = airflow_stack.wait_for_backfills(f"backfill_{table}", before)
    assert [(r["partition_key"], r["state"]) for r in runs] == [("2021-10-20", "success")]
    alert_inbox.clear()
    run, _ = _verify(airflow_stack, conf)
    assert run["state"] == "success" and alert_inbox.all() == []
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "nba_backfill.coverage",
            "--as-of",
            str(AS_OF_DATE),
            "--tables",
            table,
            "--from-date",
            str(days[0]),
            "--to-date",
            str(days[-1]),
        ],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stdout + report.stderr[-2000:]
    assert "1 of 1 tables COMPLETE for 2021-10-19..2021-10-20, a window of 2 of " in report.stdout

    # 4. Downstream DAGs can wait on it: complete passes, a date still unhashed times out.
    sensor = "it_coverage_sensor"
    run, _ = _verify(
        airflow_stack, {"tables": [table], "from_date": str(days[0]), "to_date": str(days[-1])}, sensor
    )
    assert run["state"] == "success"
    run, _ = _verify(
        airflow_stack, {"tables": [table], "from_date": "2021-10-21", "to_date": "2021-10-21"}, sensor
    )
    assert run["state"] == "failed"


def test_a_raw_correction_turns_the_date_stale_and_the_alerts_command_rewrites_exactly_its_rows(
    airflow_stack, loaded_warehouse, alert_inbox, restore_partitions, bq
):
    """The nightly staleness check: a box score corrected after processing is found by the run,
    its alert carries the reprocess command, and that command rewrites exactly the stale rows."""
    from local_stack.sample_data.corrections import apply_corrections, plan_corrections
    from nba_backfill.backfill.processor_path import write_partitions
    from nba_backfill.catalog.monitoring_tables import COVERAGE_HISTORY_DATES
    from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES
    from nba_backfill.processors import RunInfo
    from nba_backfill.processors.source import recompute

    table = get_table("player_game_summary")
    days = [D(2021, 11, 15), D(2021, 11, 16)]
    for day in days:
        restore_partitions(PLAYER_BOXSCORES.table_id, day)
        restore_partitions(table.table_id, day)
    run_info = RunInfo("test_stale_nightly", "test", datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC))
    write_partitions(table, recompute(table, *days, run_info, bq).rows, *days, "test_stale_nightly", bq)
    conf = {"tables": [table.name], "from_date": str(days[0]), "to_date": str(days[-1]), "stale_days": 14}
    run, _ = _verify(airflow_stack, conf)
    assert run["state"] == "success" and alert_inbox.all() == []

    (shot,) = [c for c in plan_corrections(4, *days, bq, seed=5) if c.kind == "shot_credited"]
    apply_corrections([shot], bq)
    run, states = _verify(airflow_stack, conf)
    assert run["state"] == "failed" and states["alert_on_gaps"] == "failed"
    (alert,) = alert_inbox.all()
    message = alert["message"]
    assert f"stale dates (1): {shot.game_date}" in message
    assert f"2 rows stale over {days[0]}..{days[-1]}" in message
    assert f"{shot.game_date} {shot.game_id} {shot.player_ids[0]}" in message
    recorded = run_query(
        f"select game_date, state, stale_rows from `{COVERAGE_HISTORY_DATES.table_id}` "
        "where verification_id = @v order by game_date",
        {"v": run["dag_run_id"]},
        client=bq,
    )
    assert [(r.game_date, r.state, r.stale_rows) for r in recorded] == [
        (d, "stale", 2) if d == shot.game_date else (d, "complete", 0) for d in days
    ]
    (command,) = _repair_commands(message)
    assert command == (
        f"airflow dags unpause {table.dag_id} && airflow backfill create --dag-id {table.dag_id} "
        f"--from-date {shot.game_date} --to-date {shot.game_date} --reprocess-behavior completed"
    )

    before = airflow_stack.newest_backfill_id(table.dag_id)
    _airflow(command)
    runs = airflow_stack.wait_for_backfills(table.dag_id, before)
    assert [(r["partition_key"], r["state"]) for r in runs] == [(str(shot.game_date), "success")]
    (write,) = run_query(
        f"select updated, inserted, deleted from `{BACKFILL_LOG.table_id}` "
        "where table_name = @t and run_id = @r",
        {"t": table.name, "r": runs[0]["dag_run_id"]},
        client=bq,
    )
    assert (write.updated, write.inserted, write.deleted) == (2, 0, 0)  # exactly the stale rows
    alert_inbox.clear()
    run, _ = _verify(airflow_stack, conf)
    assert run["state"] == "success" and alert_inbox.all() == []
