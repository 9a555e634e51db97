"""Progress of repairs in game dates, from the shapes Airflow's REST API answers with.

The dictionaries are trimmed copies of real ``GET /api/v2/backfills``, ``dagRuns`` and
``taskInstances`` answers of Airflow 3.3 on the local stack; the integration tests read the
real ones through the page (tests/integration/test_coverage_page.py).
"""

from __future__ import annotations

import datetime

import pytest

from nba_backfill.coverage.repairs import MEASURED
from nba_backfill.ui.progress import backfill_progress, dates_between, eta_seconds, range_progress

UTC = datetime.UTC
NOW = datetime.datetime(2026, 12, 4, 17, 30, tzinfo=UTC)
BACKFILL = {
    "id": 7,
    "dag_id": "backfill_team_offense_game_summary",
    "from_date": "2021-10-20T00:00:00Z",
    "to_date": "2021-10-22T00:00:00Z",
    "is_paused": False,
    "created_at": "2026-12-04T17:28:00Z",
    "completed_at": None,
}
GAME_DATES = [
    "2021-10-19",
    "2021-10-20",
    "2021-10-21",
    "2021-10-22",
    "2021-10-24",
    "2021-10-25",
    "2021-10-26",
]


def _run(key: str, state: str, queued: str = "2026-12-04T17:28:00.2Z") -> dict:
    return {"partition_key": key, "logical_date": None, "state": state, "queued_at": queued}


def test_a_backfill_counts_its_own_runs_and_paces_the_rest():
    runs = [
        _run("2021-10-20", "success"),
        _run("2021-10-21", "failed"),
        _run("2021-10-22", "running"),
        _run("2021-10-23", "success"),  # outside its range
        _run("2021-10-22", "success", queued="2026-12-04T09:00:00Z"),  # an older backfill's run
    ]
    progress = backfill_progress(BACKFILL, runs, "team_offense_game_summary", NOW)
    assert (progress.done_dates, progress.total_dates, progress.failed_dates) == (2, 3, 1)
    assert progress.state == "running" and progress.active
    assert (progress.from_date, progress.to_date) == ("2021-10-20", "2021-10-22")
    assert progress.eta_seconds == 60  # 120 s for 2 runs: one more takes 60 s


def test_a_completed_backfill_with_a_failed_run_ended_failed():
    done = {**BACKFILL, "completed_at": "2026-12-04T17:29:00Z"}
    runs = [_run("2021-10-20", "success"), _run("2021-10-21", "failed"), _run("2021-10-22", "success")]
    progress = backfill_progress(done, runs, "team_offense_game_summary", NOW)
    assert progress.state == "failed" and not progress.active
    assert progress.eta_seconds is None and progress.ended_at == "2026-12-04T17:29:00Z"
    assert backfill_progress(done, runs[:1], "t", NOW).state == "success"


def test_before_any_run_ends_the_eta_is_the_measured_throughput():
    runs = [_run("2021-10-20", "queued"), _run("2021-10-21", "queued"), _run("2021-10-22", "queued")]
    progress = backfill_progress(BACKFILL, runs, "team_offense_game_summary", NOW)
    assert progress.state == "queued"
    assert progress.eta_seconds == round(MEASURED.per_date_seconds * 3)
    paused = backfill_progress({**BACKFILL, "is_paused": True}, runs, "t", NOW)
    assert paused.state == "paused"


def _ti(task_id: str, state: str | None, map_index: int = -1) -> dict:
    return {"task_id": task_id, "state": state, "map_index": map_index}


RANGE_RUN = {
    "dag_id": "backfill_range_team_offense_game_summary",
    "dag_run_id": "manual__1",
    "state": "running",
    "conf": {"from_date": "2021-10-19", "to_date": "2021-10-26", "mode": "processor", "chunk": "week"},
    "start_date": "2026-12-04T17:29:00Z",
    "end_date": None,
}
CHUNKS = [
    {"from_date": "2021-10-19", "to_date": "2021-10-24"},  # 5 game dates
    {"from_date": "2021-10-25", "to_date": "2021-10-26"},  # 2 game dates
]


def test_a_range_run_counts_the_game_dates_of_its_finished_chunks():
    tis = [
        _ti("plan_chunks", "success"),
        _ti("process_chunk", "success", 0),
        _ti("process_chunk", "running", 1),
    ]
    progress = range_progress(RANGE_RUN, tis, CHUNKS, GAME_DATES, "team_offense_game_summary", NOW)
    assert (progress.done_dates, progress.total_dates) == (5, 7)
    assert progress.state == "running"
    assert progress.eta_seconds == 24  # 60 s for 5 game dates: 2 more take 24 s


def test_a_range_run_before_its_plan_counts_its_range_and_then_says_it_verifies():
    planning = range_progress(RANGE_RUN, [_ti("plan_chunks", "running")], None, GAME_DATES, "t", NOW)
    assert (planning.done_dates, planning.total_dates) == (0, 7)
    assert planning.eta_seconds == round(MEASURED.seconds("range", "processor", 7))
    tis = [
        _ti("hash_chunk_sql", "success", 0),
        _ti("hash_chunk_sql", "failed", 1),
        _ti("verify_range", "running"),
    ]
    verifying = range_progress(RANGE_RUN, tis, CHUNKS, GAME_DATES, "t", NOW)
    assert verifying.state == "verifying" and verifying.failed_dates == 2
    ended = range_progress(
        {**RANGE_RUN, "state": "success", "end_date": "2026-12-04T17:31:00Z"},
        tis,
        CHUNKS,
        GAME_DATES,
        "t",
        NOW,
    )
    assert not ended.active and ended.eta_seconds is None and ended.ended_at == "2026-12-04T17:31:00Z"


@pytest.mark.parametrize(
    ("first", "last", "count"),
    [
        ("2021-10-19", "2021-10-26", 7),
        ("2021-10-23", "2021-10-23", 0),
        ("2021-10-22", "2021-10-24", 2),
        ("2021-10-26", "2021-10-19", 0),  # a refused range run's reversed params
    ],
)
def test_game_dates_between(first, last, count):
    assert dates_between(GAME_DATES, first, last) == count


def test_eta_is_unknown_without_a_total_and_zero_when_nothing_remains():
    start = NOW - datetime.timedelta(seconds=100)
    assert eta_seconds(start, 3, None, NOW, 50) is None
    assert eta_seconds(start, 3, 3, NOW, 50) == 0
    assert eta_seconds(None, 0, 3, NOW, 50) == 50
