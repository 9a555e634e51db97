"""What a partition must hold, and whether it does: the check behind a green run.

Expected rows come from the registry's rule over deduplicated raw data; postponed
originals are never expected. A partition passes only when it holds exactly the expected
rows, every one hashed under the current spec, well formed, with no NULL or duplicate keys.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from nba_backfill.hash_spec import HASH_PATTERN, VERSION
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


@dataclass(frozen=True)
class PartitionFigures:
    expected: int
    actual: int
    hashed_current: int
    well_formed: int
    null_keys: int
    duplicate_keys: int

    @property
    def complete(self) -> bool:
        return (
            self.actual == self.expected
            and self.hashed_current == self.actual
            and self.well_formed == self.actual
            and self.null_keys == 0
            and self.duplicate_keys == 0
        )

    def problems(self) -> list[str]:
        found = []
        if self.actual != self.expected:
            found.append(f"{self.actual} rows, expected {self.expected}")
        if self.hashed_current != self.actual:
            found.append(f"{self.actual - self.hashed_current} rows without a hash under spec v{VERSION}")
        if self.well_formed != self.actual:
            found.append(f"{self.actual - self.well_formed} malformed hashes")
        if self.null_keys:
            found.append(f"{self.null_keys} rows with NULL keys")
        if self.duplicate_keys:
            found.append(f"{self.duplicate_keys} duplicate keys")
        return found

    def as_dict(self) -> dict:
        return asdict(self)


def expected_rows(table: AnalyticsTable, game_date: datetime.date, client) -> int:
    return expected_rows_by_date(table, game_date, game_date, client).get(game_date, 0)


def partition_figures(table: AnalyticsTable, game_date: datetime.date, client) -> PartitionFigures:
    keys = ", ".join(table.key_columns)
    any_null_key = " or ".join(f"{k} is null" for k in table.key_columns)
    row = next(
        iter(
            run_query(
                f"""
                select
                    count(*) as actual,
                    countif(hash_spec_version = {VERSION} and data_hash is not null) as hashed_current,
                    countif(regexp_contains(data_hash, r'{HASH_PATTERN}')) as well_formed,
                    countif({any_null_key}) as null_keys,
                    count(*) - count(distinct to_json_string(struct({keys}))) as duplicate_keys
                from `{table.table_id}`
                where game_date = @game_date
                """,
                {"game_date": game_date},
                client=client,
            )
        )
    )
    return PartitionFigures(
        expected=expected_rows(table, game_date, client),
        actual=row.actual,
        hashed_current=row.hashed_current,
        well_formed=row.well_formed,
        null_keys=row.null_keys,
        duplicate_keys=row.duplicate_keys,
    )
