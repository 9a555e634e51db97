"""What a partition must hold: expected rows per game date, from the game schedule.

Expected rows come from the registry's rule over deduplicated raw data; postponed
originals are never expected. Whether a partition holds them (hashed, well formed, no NULL
or duplicate keys) is the coverage verifier's business (``coverage.measure``), which every
run's verification task calls too.
"""

from __future__ import annotations

import datetime

from nba_backfill.raw_tables import PLAYER_BOXSCORES, SCHEDULE
from nba_backfill.registry import AnalyticsTable, ExpectedRows
from nba_backfill.warehouse import run_query

# Games that are expected: scheduled, not postponed, in the date range.
_GAMES = (
    f"select game_id, game_date from `{SCHEDULE.table_id}` "
    "where game_date between @from_date and @to_date and not is_postponed"
)
_ROSTER = (
    f"select distinct b.game_date, b.game_id, b.player_id from `{PLAYER_BOXSCORES.table_id}` as b "
    f"join ({_GAMES}) as g on b.game_id = g.game_id and b.game_date = g.game_date "
    "where b.player_id is not null"
)
# Expected rows per game date, from deduplicated raw data, for each registry rule.
EXPECTED_ROWS_BY_DATE_SQL = {
    ExpectedRows.TEAMS_PER_GAME: f"select game_date, 2 * count(distinct game_id) as n from ({_GAMES}) group by game_date",
    ExpectedRows.ROSTERED_PLAYERS_PER_GAME: f"select game_date, count(*) as n from ({_ROSTER}) group by game_date",
    ExpectedRows.PLAYERS_WHO_PLAYED: (
        f"select game_date, count(*) as n from (select distinct b.game_date, b.game_id, b.player_id "
        f"from `{PLAYER_BOXSCORES.table_id}` as b join ({_GAMES}) as g "
        "on b.game_id = g.game_id and b.game_date = g.game_date "
        "where b.player_id is not null and b.minutes > 0) group by game_date"
    ),
}


def expected_rows_by_date(
    table: AnalyticsTable, from_date: datetime.date, to_date: datetime.date, client
) -> dict[datetime.date, int]:
    """Expected rows of every game date in the range (dates without games are absent)."""
    sql = EXPECTED_ROWS_BY_DATE_SQL[table.expected_rows]
    rows = run_query(sql, {"from_date": from_date, "to_date": to_date}, client=client)
    return {row.game_date: row.n for row in rows}


def incomplete_dates(
    table: AnalyticsTable, from_date: datetime.date, to_date: datetime.date, client
) -> list[datetime.date]:
    """Game dates in the range where the table holds fewer rows than expected (set-based)."""
    expected = expected_rows_by_date(table, from_date, to_date, client)
    actual = {
        row.game_date: row.n
        for row in run_query(
            f"select game_date, count(*) as n from `{table.table_id}` "
            "where game_date between @from_date and @to_date group by game_date",
            {"from_date": from_date, "to_date": to_date},
            client=client,
        )
    }
    return sorted(day for day, n in expected.items() if actual.get(day, 0) < n)
