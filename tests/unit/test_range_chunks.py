"""Cutting a range into chunks of game dates."""

from __future__ import annotations

import datetime

import pytest

from nba_backfill.backfill.range_tasks import (
    MAX_PARTITIONS_PER_JOB,
    auto_chunk_ranges,
    chunk_ranges,
    range_chunk_problem,
)

D = datetime.date
GAMES = [
    (D(2022, 4, 8), "2021-22"),
    (D(2022, 4, 10), "2021-22"),
    (D(2022, 10, 18), "2022-23"),
    (D(2022, 10, 31), "2022-23"),
    (D(2022, 11, 1), "2022-23"),
]


def test_season_chunks_follow_the_schedules_season_and_skip_the_off_season():
    assert chunk_ranges(GAMES, "season") == [
        (D(2022, 4, 8), D(2022, 4, 10)),
        (D(2022, 10, 18), D(2022, 11, 1)),
    ]


def test_month_week_and_day_chunks():
    assert chunk_ranges(GAMES, "month") == [
        (D(2022, 4, 8), D(2022, 4, 10)),
        (D(2022, 10, 18), D(2022, 10, 31)),
        (D(2022, 11, 1), D(2022, 11, 1)),
    ]
    assert chunk_ranges(GAMES, "week") == [
        (D(2022, 4, 8), D(2022, 4, 10)),
        (D(2022, 10, 18), D(2022, 10, 18)),
        (D(2022, 10, 31), D(2022, 11, 1)),
    ]
    assert len(chunk_ranges(GAMES, "day")) == len(GAMES)
    days = sorted(day for day, _ in GAMES)
    assert chunk_ranges(GAMES, "range") == [(days[0], days[-1])]  # one statement for the whole range
    assert chunk_ranges([], "season") == []


def test_an_unknown_chunk_is_refused():
    with pytest.raises(ValueError, match="chunk 'fortnight' is not one of season, month, week, day"):
        chunk_ranges(GAMES, "fortnight")


def _every_day(first: datetime.date, days: int, games: int = 10) -> list[tuple[datetime.date, int]]:
    return [(first + datetime.timedelta(days=n), games) for n in range(days)]


def test_auto_chunks_on_the_sql_path_are_as_few_as_bigquerys_partition_cap_allows():
    history = _every_day(D(2016, 10, 1), 3000)
    assert auto_chunk_ranges(history, None, 1_000) == [(history[0][0], history[-1][0])]  # one statement
    longer = _every_day(D(2016, 10, 1), MAX_PARTITIONS_PER_JOB + 1)
    chunks = auto_chunk_ranges(longer, None, 1_000)
    assert chunks == [(longer[0][0], longer[-2][0]), (longer[-1][0], longer[-1][0])]
    assert all((b - a).days + 1 <= MAX_PARTITIONS_PER_JOB for a, b in chunks)
    assert auto_chunk_ranges([], None, 1_000) == []


def test_auto_chunks_on_the_processor_path_hold_about_the_rows_asked_for():
    days = _every_day(D(2021, 10, 19), 10, games=5)  # 5 games x 30 rows = 150 rows a day
    chunks = auto_chunk_ranges(days, 30, 450)
    assert chunks == [(days[i][0], days[i + 2][0]) for i in (0, 3, 6)] + [(days[9][0], days[9][0])]
    # every date lands in exactly one chunk, in order
    covered = [d for d, _ in days if any(a <= d <= b for a, b in chunks)]
    assert covered == [d for d, _ in days]
    # a date with more rows than a chunk holds is still one chunk of its own
    assert auto_chunk_ranges(days[:2], 30, 100) == [(days[0][0], days[0][0]), (days[1][0], days[1][0])]


def test_only_ranges_outside_the_first_month_need_the_gate():
    from nba_backfill.backfill.validation_gate import GateResult, needs_gate

    assert not needs_gate(D(2021, 10, 19), D(2021, 11, 19))
    assert not needs_gate(D(2021, 11, 1), D(2021, 11, 1))
    assert needs_gate(D(2021, 10, 18), D(2021, 11, 1))
    assert needs_gate(D(2016, 10, 25), D(2024, 12, 4))
    refusal = GateResult("player_game_summary", ["the first month is INCOMPLETE"]).refusal()
    assert refusal.startswith(
        "player_game_summary: the first-month validation has not passed, so a range outside "
        "2021-10-19..2021-11-19 is refused: the first month is INCOMPLETE."
    )
    assert "airflow dags trigger backfill_range_player_game_summary" in refusal


def test_a_range_chunk_stays_within_bigquerys_partitions_per_job():
    start = datetime.date(2016, 10, 1)
    assert range_chunk_problem("range", start, start + datetime.timedelta(days=3999)) is None
    assert range_chunk_problem("range", start, start + datetime.timedelta(days=4000)) == (
        "chunk 'range' makes 2016-10-01..2027-09-14 one statement over 4001 daily partitions; "
        "BigQuery modifies at most 4000 per job: use chunk 'season'"
    )
    assert range_chunk_problem("season", start, start + datetime.timedelta(days=5000)) is None
