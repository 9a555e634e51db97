"""Schemas of the raw source tables in ``nba_raw`` (what the scrapers land).

How the schedule records a postponed game
    A postponed game keeps its ``game_id`` and appears twice in ``nbac_schedule``:
    the original date with ``is_postponed = TRUE`` and ``game_status = 1`` (it is never
    played there), and the make-up date with ``is_postponed = FALSE`` and
    ``original_game_date`` set. Every consumer ignores rows with ``is_postponed``.
"""

from __future__ import annotations

from dataclasses import dataclass

from nba_backfill.catalog import datasets
from nba_backfill.catalog.columns import Column, columns_from_spec


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[Column, ...]
    required: tuple[str, ...]
    cluster_columns: tuple[str, ...] = ()
    partition_column: str | None = "game_date"
    dataset: str = datasets.RAW

    @property
    def table_id(self) -> str:
        return f"{self.dataset}.{self.name}"

    @property
    def schema(self) -> list[tuple[str, str, str]]:
        """``(column, type, mode)`` for a load job: REQUIRED columns stay REQUIRED."""
        return [(c.name, c.type, "REQUIRED" if self.is_required(c) else "NULLABLE") for c in self.columns]

    def is_required(self, column: Column) -> bool:
        return column.name in self.required


_BOX = (
    "minutes FLOAT64, pts INT64, fgm INT64, fga INT64, fg3m INT64, fg3a INT64, ftm INT64, fta INT64, "
    "oreb INT64, dreb INT64, reb INT64, ast INT64, stl INT64, blk INT64, tov INT64, pf INT64, plus_minus INT64"
)

TEAMS = RawTable(
    name="nbac_teams",
    columns=columns_from_spec(
        "team_id INT64, team_abbr STRING, city STRING, nickname STRING, conference STRING"
    ),
    required=("team_id", "team_abbr"),
    partition_column=None,
)
PLAYERS = RawTable(
    name="nbac_players",
    columns=columns_from_spec("player_id INT64, player_name STRING, player_lookup STRING"),
    required=("player_id", "player_name", "player_lookup"),
    partition_column=None,
)
SCHEDULE = RawTable(
    name="nbac_schedule",
    columns=columns_from_spec(
        "game_id STRING, game_date DATE, season STRING, game_type STRING, game_status INT64, "
        "home_team_id INT64, home_team_abbr STRING, away_team_id INT64, away_team_abbr STRING, "
        "is_postponed BOOL, original_game_date DATE"
    ),
    required=("game_id", "game_date", "season", "game_type", "game_status", "is_postponed"),
    cluster_columns=("game_id",),
)
PLAYER_BOXSCORES = RawTable(
    name="nbac_player_boxscores",
    columns=columns_from_spec(
        "game_id STRING, game_date DATE, season STRING, team_id INT64, team_abbr STRING, "
        f"player_id INT64, player_name STRING, player_lookup STRING, starter BOOL, {_BOX}, dnp_reason STRING"
    ),
    required=("game_id", "game_date", "team_abbr"),
    cluster_columns=("game_id", "player_id"),
)
TEAM_BOXSCORES = RawTable(
    name="nbac_team_boxscores",
    columns=columns_from_spec(
        "game_id STRING, game_date DATE, season STRING, team_id INT64, team_abbr STRING, "
        f"opponent_team_abbr STRING, is_home BOOL, {_BOX}"
    ),
    required=("game_id", "game_date", "team_abbr"),
    cluster_columns=("game_id", "team_abbr"),
)
PLAYER_PROPS = RawTable(
    name="odds_player_points_props",
    columns=columns_from_spec(
        "game_id STRING, game_date DATE, player_id INT64, player_lookup STRING, bookmaker STRING, "
        "points_line FLOAT64, over_price INT64, under_price INT64"
    ),
    required=("game_id", "game_date", "player_lookup"),
    cluster_columns=("player_lookup",),
)

ROSTERS = RawTable(
    name="nbac_rosters",
    columns=columns_from_spec(
        "season STRING, team_id INT64, team_abbr STRING, player_id INT64, player_name STRING, "
        "player_lookup STRING, roster_status STRING, valid_from DATE, valid_to DATE"
    ),
    required=("season", "team_abbr", "player_id", "player_name", "player_lookup", "valid_from"),
    cluster_columns=("team_abbr", "player_id"),
    partition_column=None,
)
"""Who is on a team's roster, and from when to when: one row per stint (``valid_from`` to
``valid_to``, both inclusive; ``valid_to`` NULL while it lasts). A trade, a signing or a
release ends one stint and starts another; ``roster_status`` is ``standard`` or
``two_way``. The players expected for a scheduled game are both teams' rosters as of its
date, known before tip-off."""

RAW_TABLES = (TEAMS, PLAYERS, SCHEDULE, PLAYER_BOXSCORES, TEAM_BOXSCORES, PLAYER_PROPS, ROSTERS)

RAW_SOURCES = {
    "schedule": SCHEDULE,
    "player_boxscores": PLAYER_BOXSCORES,
    "team_boxscores": TEAM_BOXSCORES,
    "player_props": PLAYER_PROPS,
    "rosters": ROSTERS,
}
"""The raw tables a processor can read, by the name the registry's ``raw_inputs`` and the
processors' ``SourceData`` use. All but the rosters are partitioned by ``game_date``; a
range read takes the roster stints that overlap it."""
