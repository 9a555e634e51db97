"""What the schedule says exists: the game dates of a range, with their games and seasons.

Postponed originals are never expected. The keys each table must hold on those dates (the
registry's expected-rows rule) are matched against the table in one statement by
``measure``, which every run's verification task calls too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from nba_backfill.catalog.raw_tables import SCHEDULE
from nba_backfill.warehouse.client import run_query
from nba_backfill.warehouse.sql import Statement


@dataclass(frozen=True)
class GameDay:
    game_date: datetime.date
    season: str
    games: int
    final_games: int

    @property
    def all_final(self) -> bool:
        return self.final_games == self.games


def game_days_statement(from_date: datetime.date, to_date: datetime.date) -> Statement:
    return Statement(
        "schedule/game_dates.sql",
        {"schedule_id": SCHEDULE.table_id},
        {"from_date": from_date, "to_date": to_date},
    )


def newest_game_date_statement(from_date: datetime.date, to_date: datetime.date) -> Statement:
    return Statement(
        "schedule/newest_game_date.sql",
        {"schedule_id": SCHEDULE.table_id},
        {"from_date": from_date, "to_date": to_date},
    )


def game_days(from_date: datetime.date, to_date: datetime.date, client) -> list[GameDay]:
    """Every date of ``from_date..to_date`` with games (postponed originals excluded), oldest first."""
    statement = game_days_statement(from_date, to_date)
    return [
        GameDay(row.game_date, row.season, row.games, row.final_games)
        for row in run_query(statement, client=client)
    ]


def newest_game_date(from_date: datetime.date, to_date: datetime.date, client) -> datetime.date | None:
    """The newest game date of the range (postponed originals excluded), or None."""
    statement = newest_game_date_statement(from_date, to_date)
    return next(iter(run_query(statement, client=client))).newest
