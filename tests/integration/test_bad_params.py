"""Bad params of a manual run, through the running scheduler: refused before the run exists when
the trigger can tell (the params' JSON schema), else by the task in one log line, no traceback.
An empty ``game_date`` is not bad: it means the partition the schedule owns at the run's start.
"""

from __future__ import annotations

import datetime

import pytest

from local_stack.airflow_api import AirflowApiError
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage.measure import measure_table

pytestmark = pytest.mark.integration

D = datetime.date
OFFENSE = REGISTRY["team_offense_game_summary"]
RANGE_DAG = f"backfill_range_{OFFENSE.name}"
# A manual run started at 10:00 US/Eastern on 2024-12-05 (the test world's today): the
# schedule's last tick, midnight, owns 2024-12-04 for a summary table.
RUN_AFTER = "2024-12-05T15:00:00+00:00"
OWNED = D(2024, 12, 4)


def _trigger(api, dag_id: str, conf: dict, **body) -> dict:
    api.wait_for_dag(dag_id)
    api.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    try:
        run = api.request(
            "POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf, **body}
        )
        return api.wait_for_run(dag_id, run["dag_run_id"], timeout=300)
    finally:
        api.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})


def _events(api, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> list[dict]:
    """The task log as Airflow serves it: one structured event per line."""
    body = api.request(
        "GET",
        f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
        params={"full_content": True},
        headers={"Accept": "application/json"},
    )
    return [e for e in body["content"] if isinstance(e, dict)]


def assert_refused_in_one_line(api, dag_id: str, run: dict, task_id: str, sentence: str) -> None:
    """The task failed on its first try; its log says ``sentence`` once and shows no traceback."""
    (ti,) = [
        t
        for t in api.request("GET", f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances")[
            "task_instances"
        ]
        if t["task_id"] == task_id
    ]
    assert (ti["state"], ti["try_number"]) == ("failed", 1)
    events = _events(api, dag_id, run["dag_run_id"], task_id)
    refusals = [e for e in events if str(e.get("event", "")).startswith("Refused: ")]
    assert [e["event"] for e in refusals] == [f"Refused: {sentence}"], refusals
    assert refusals[0]["level"] == "error"
    # No event carries a traceback (Airflow attaches it as error_detail) or prints one.
    assert [e for e in events if "error_detail" in e or "Traceback" in str(e.get("event"))] == []
    exited = [e for e in events if e.get("event") == "Task exited"]
    assert [e.get("exit_code") for e in exited] == [2]
    # Failed for good: the retry policy says so, whatever the task's retries (0 on the test stack).
    decided = [
        (e.get("action"), e.get("reason")) for e in events if e.get("event") == "Retry policy decision"
    ]
    assert decided == [("fail", "bad params")]


def test_an_empty_game_date_processes_the_partition_the_schedule_owns(
    airflow_stack, loaded_warehouse, restore_partitions, bq
):
    restore_partitions(OFFENSE.table_id, OWNED)
    run = _trigger(
        airflow_stack, OFFENSE.dag_id, {"mode": "processor", "game_date": None}, run_after=RUN_AFTER
    )
    states = airflow_stack.task_states(OFFENSE.dag_id, run["dag_run_id"])
    assert run["state"] == "success", states
    assert states == {
        "check_partition": "success",
        "process_partition": "success",
        "hash_partition_sql": "skipped",
        "verify_and_log": "success",
    }
    events = _events(airflow_stack, OFFENSE.dag_id, run["dag_run_id"], "check_partition")
    said = [str(e.get("event")) for e in events]
    assert any(
        line.startswith(
            f"{OFFENSE.name}: no game_date given; processing {OWNED}, the partition the schedule owns"
        )
        for line in said
    ), said
    assert measure_table(OFFENSE, OWNED, OWNED, bq, parity_sample=0).complete


def test_a_malformed_game_date_is_refused_before_a_run_exists(airflow_stack, loaded_warehouse):
    dag_id = OFFENSE.dag_id
    airflow_stack.wait_for_dag(dag_id)
    before = airflow_stack.request("GET", f"/dags/{dag_id}/dagRuns")["total_entries"]
    with pytest.raises(AirflowApiError) as refused:
        airflow_stack.request(
            "POST",
            f"/dags/{dag_id}/dagRuns",
            json={"logical_date": None, "conf": {"game_date": "2021-02-30"}},
        )
    assert " 400 " in str(refused.value) and "'2021-02-30' is not a 'date'" in str(refused.value)
    assert airflow_stack.request("GET", f"/dags/{dag_id}/dagRuns")["total_entries"] == before


@pytest.mark.parametrize(
    ("game_date", "sentence"),
    [
        (
            "2015-10-01",
            f"game_date 2015-10-01 is before {OFFENSE.name}'s history start {OFFENSE.history_start}",
        ),
        (
            "2999-01-01",
            f"game_date 2999-01-01 is in the future for {OFFENSE.name}: its newest partition today is",
        ),
    ],
)
def test_a_game_date_out_of_range_fails_in_one_line_without_a_traceback(
    airflow_stack, loaded_warehouse, game_date, sentence
):
    run = _trigger(airflow_stack, OFFENSE.dag_id, {"mode": "processor", "game_date": game_date})
    assert run["state"] == "failed"
    if sentence.endswith("is"):  # the newest partition follows the real clock of the running stack
        events = _events(airflow_stack, OFFENSE.dag_id, run["dag_run_id"], "check_partition")
        (line,) = [e["event"] for e in events if str(e.get("event", "")).startswith("Refused: ")]
        sentence = line.removeprefix("Refused: ")
        assert sentence.startswith(f"game_date 2999-01-01 is in the future for {OFFENSE.name}")
    assert_refused_in_one_line(airflow_stack, OFFENSE.dag_id, run, "check_partition", sentence)
    states = airflow_stack.task_states(OFFENSE.dag_id, run["dag_run_id"])
    assert states["process_partition"] == states["verify_and_log"] == "upstream_failed"


def test_a_range_run_refuses_its_bad_params_in_one_line(airflow_stack, loaded_warehouse):
    run = _trigger(
        airflow_stack, RANGE_DAG, {"from_date": "2021-11-03", "to_date": "2021-10-21", "mode": "sql"}
    )
    assert run["state"] == "failed"
    assert_refused_in_one_line(
        airflow_stack, RANGE_DAG, run, "plan_chunks", "from_date 2021-11-03 is after to_date 2021-10-21"
    )


def test_verify_coverage_refuses_its_bad_params_in_one_line_and_alerts_nobody(
    airflow_stack, loaded_warehouse, alert_inbox
):
    conf = {"tables": [OFFENSE.name], "from_date": "2021-11-03", "to_date": "2021-10-21"}
    run = _trigger(airflow_stack, "verify_coverage", conf)
    assert run["state"] == "failed"
    why = "from_date 2021-11-03 is after to_date 2021-10-21"
    assert_refused_in_one_line(
        airflow_stack, "verify_coverage", run, "measure_coverage", f"bad verify_coverage params: {why}"
    )
    assert_refused_in_one_line(
        airflow_stack,
        "verify_coverage",
        run,
        "alert_on_gaps",
        f"bad verify_coverage params: {why}; nothing verified, no alert sent",
    )
    assert alert_inbox.all() == []
