"""Cutting a range into chunks of game dates."""

from __future__ import annotations

import datetime

import pytest

from nba_backfill.range_runs import chunk_ranges

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
    assert chunk_ranges([], "season") == []


def test_an_unknown_chunk_is_refused():
    with pytest.raises(ValueError, match="chunk 'fortnight' is not one of season, month, week, day"):
        chunk_ranges(GAMES, "fortnight")
