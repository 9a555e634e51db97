"""What the schedule says must exist: game dates with their games, and expected rows per date.

Expected rows come from the registry's rule over deduplicated raw data; postponed originals
are never expected. Whether a table holds them (hashed, well formed, no NULL or duplicate
keys) is ``measure``'s business, which every run's verification task calls too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES, SCHEDULE
from nba_backfill.catalog.registry import AnalyticsTable, ExpectedRows
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


def game_days(from_date: datetime.date, to_date: datetime.date, client) -> list[GameDay]:
    """Every date of ``from_date..to_date`` with games (postponed originals excluded), oldest first."""
    statement = Statement(
        "schedule/game_dates.sql",
        {"schedule_id": SCHEDULE.table_id},
        {"from_date": from_date, "to_date": to_date},
    )
    return [
        GameDay(row.game_date, row.season, row.games, row.final_games)
        for row in run_query(statement, client=client)
    ]


def newest_game_date(from_date: datetime.date, to_date: datetime.date, client) -> datetime.date | None:
    """The newest game date of the range (postponed originals excluded), or None."""
    statement = Statement(
        "schedule/newest_game_date.sql",
        {"schedule_id": SCHEDULE.table_id},
        {"from_date": from_date, "to_date": to_date},
    )
    return next(iter(run_query(statement, client=client))).newest


def expected_rows_by_date(
    table: AnalyticsTable, from_date: datetime.date, to_date: datetime.date, client
) -> dict[datetime.date, int]:
    """Expected rows of every game date in the range (dates without games are absent)."""
    teams = table.expected_rows is ExpectedRows.TEAMS_PER_GAME
    statement = Statement(
        "coverage/expected_team_rows.sql" if teams else "coverage/expected_player_rows.sql",
        {
            "schedule_id": SCHEDULE.table_id,
            "player_boxscores_id": PLAYER_BOXSCORES.table_id,
            "played_only": table.expected_rows is ExpectedRows.PLAYERS_WHO_PLAYED,
        },
        {"from_date": from_date, "to_date": to_date},
    )
    return {row.game_date: row.n for row in run_query(statement, client=client)}


def incomplete_dates(
    table: AnalyticsTable, from_date: datetime.date, to_date: datetime.date, client
) -> list[datetime.date]:
    """Game dates in the range where the table holds fewer rows than expected (set-based)."""
    expected = expected_rows_by_date(table, from_date, to_date, client)
    statement = Statement(
        "coverage/rows_per_date.sql",
        {"table_id": table.table_id},
        {"from_date": from_date, "to_date": to_date},
    )
    actual = {row.game_date: row.n for row in run_query(statement, client=client)}
    return sorted(day for day, n in expected.items() if actual.get(day, 0) < n)
