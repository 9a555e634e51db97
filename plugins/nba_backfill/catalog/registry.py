"""The table registry: the single source of truth about every analytics table.

DAGs, DDL, the SQL hash path, processors and the coverage verifier all derive from these
entries. The registry is checked when it loads; a bad entry fails with a message that
names the table and the field.

Partition-date rule (``PartitionRule``)
    PLAYED     the partition ``game_date`` holds games already played on that date
               (summary tables; a final game is expected).
    SCHEDULED  the partition ``game_date`` describes games scheduled on that date, before
               they are played (upcoming-context tables).
    Either way, a postponed original game is never expected on its original date.

Expected-rows rule (``ExpectedRows``), computed from deduplicated raw data
    PLAYERS_WHO_PLAYED        one per player with minutes > 0 in the game's box score
    TEAMS_PER_GAME            two per game (one per side)
    ROSTERED_PLAYERS_PER_GAME one per player on either team's roster as of the game date
                              (``nba_raw.nbac_rosters``), known before tip-off; the same rule
                              for history and for tonight, no same-day box score read
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from functools import cached_property

from nba_backfill.catalog import datasets
from nba_backfill.catalog.columns import COLUMN_TYPES, Column, columns_from_spec
from nba_backfill.catalog.hash_spec import HashColumn
from nba_backfill.catalog.raw_tables import RAW_SOURCES

HISTORY_START = datetime.date(2016, 10, 1)


class PartitionRule(enum.Enum):
    PLAYED = "played"
    SCHEDULED = "scheduled"


class ExpectedRows(enum.Enum):
    PLAYERS_WHO_PLAYED = "players_who_played"
    TEAMS_PER_GAME = "teams_per_game"
    ROSTERED_PLAYERS_PER_GAME = "rostered_players_per_game"

    @property
    def rows_per_game(self) -> int:
        """About how many rows one game gives (two teams; about 15 players each): sizes chunks."""
        return 2 if self is ExpectedRows.TEAMS_PER_GAME else 30


class TotalsCheck(enum.Enum):
    """How a table's points must agree with the deduplicated raw box scores of the same game."""

    TEAM_POINTS = "team_points"
    """``points`` equals the sum of the team's players' points."""
    OPPONENT_POINTS = "opponent_points"
    """``points_allowed`` equals the sum of the opponent's players' points."""
    PLAYER_POINTS = "player_points"
    """The players' ``points``, summed per team and game, equal the team box score's points."""

    @property
    def column(self) -> str:
        return "points_allowed" if self is TotalsCheck.OPPONENT_POINTS else "points"


class RegistryError(ValueError):
    """A registry entry is invalid; the message names the table and the field."""


# Processing metadata: every analytics table has these, and the hash never covers them.
METADATA_COLUMNS = (
    Column("data_hash", "STRING"),
    Column("hash_spec_version", "INT64"),
    Column("processed_at", "TIMESTAMP"),
    Column("run_id", "STRING"),
    Column("run_type", "STRING"),
)
METADATA_COLUMN_NAMES = frozenset(c.name for c in METADATA_COLUMNS)


@dataclass(frozen=True)
class AnalyticsTable:
    """One analytics table and everything needed to build, fill and verify it."""

    name: str
    key_columns: tuple[str, ...]
    columns: tuple[Column, ...]
    """Data columns in hash order; the hash covers exactly these."""
    processor: str
    """Dotted path of the function that computes the table's rows from raw data."""
    raw_inputs: tuple[str, ...]
    """The raw tables its processor reads (``raw_tables.RAW_SOURCES`` names); only these are
    read and checked, so a broken raw table stops only the tables that depend on it."""
    expected_rows: ExpectedRows
    partition_rule: PartitionRule
    cluster_columns: tuple[str, ...]
    upstream: tuple[str, ...] = ()
    """Analytics tables whose earlier partitions this one reads."""
    dataset: str = datasets.ANALYTICS
    partition_column: str = "game_date"
    history_start: datetime.date = HISTORY_START
    totals_check: TotalsCheck | None = None
    """Consistency of the table's points with the raw box scores, checked by the verifier."""
    description: str = ""

    def __post_init__(self) -> None:
        def fail(field_name: str, problem: str) -> None:
            raise RegistryError(f"registry: table {self.name!r}, field {field_name!r}: {problem}")

        if not self.name.isidentifier():
            fail("name", "must be a plain identifier")
        names = [c.name for c in self.columns]
        if not names:
            fail("columns", "no columns")
        if len(set(names)) != len(names):
            fail("columns", f"duplicate column names {sorted({n for n in names if names.count(n) > 1})}")
        for column in self.columns:
            if not column.name.isidentifier():
                fail("columns", f"{column.name!r} is not a plain identifier")
            if column.type not in COLUMN_TYPES:
                fail("columns", f"{column.name!r} has type {column.type!r}, not one of {COLUMN_TYPES}")
            if column.name in METADATA_COLUMN_NAMES:
                fail("columns", f"{column.name!r} is processing metadata, added to every table, never hashed")
        if not self.key_columns:
            fail("key_columns", "a table needs a key")
        for key in self.key_columns:
            if key not in names:
                fail("key_columns", f"{key!r} is not a column")
        by_name = {c.name: c for c in self.columns}
        if by_name.get(self.partition_column, Column("", "")).type != "DATE":
            fail("partition_column", f"{self.partition_column!r} must be a DATE column")
        if self.partition_column not in self.key_columns:
            fail("key_columns", f"must include the partition column {self.partition_column!r}")
        if not 1 <= len(self.cluster_columns) <= 4:
            fail("cluster_columns", "BigQuery clusters on 1 to 4 columns")
        for column in self.cluster_columns:
            if column not in names:
                fail("cluster_columns", f"{column!r} is not a column")
        if not isinstance(self.expected_rows, ExpectedRows):
            fail("expected_rows", f"{self.expected_rows!r} is not an ExpectedRows rule")
        if not isinstance(self.partition_rule, PartitionRule):
            fail("partition_rule", f"{self.partition_rule!r} is not a PartitionRule")
        module, _, function = self.processor.rpartition(".")
        if not module.startswith("nba_backfill.") or not function.isidentifier():
            fail("processor", f"{self.processor!r} is not a dotted path into nba_backfill")
        if not self.raw_inputs or "schedule" not in self.raw_inputs:
            fail("raw_inputs", "every processor reads the schedule (which games exist)")
        for name in self.raw_inputs:
            if name not in RAW_SOURCES:
                fail("raw_inputs", f"{name!r} is not a raw source; known: {', '.join(RAW_SOURCES)}")
        if not isinstance(self.history_start, datetime.date) or self.history_start < HISTORY_START:
            fail("history_start", f"{self.history_start!r} must be a date on or after {HISTORY_START}")
        if self.name in self.upstream:
            fail("upstream", "a table cannot depend on itself")
        if self.totals_check is not None:
            if not isinstance(self.totals_check, TotalsCheck):
                fail("totals_check", f"{self.totals_check!r} is not a TotalsCheck")
            if by_name.get(self.totals_check.column, Column("", "")).type != "INT64":
                fail("totals_check", f"needs an INT64 column {self.totals_check.column!r}")
        if self.dataset not in datasets.ALL:
            fail("dataset", f"{self.dataset!r} is not one of {datasets.ALL}")

    @property
    def table_id(self) -> str:
        """``dataset.table``; the project comes from the connection."""
        return f"{self.dataset}.{self.name}"

    @cached_property
    def hash_columns(self) -> tuple[HashColumn, ...]:
        """Key columns first, then every other data column, as the hash reads them."""
        ordered = [c for k in self.key_columns for c in self.columns if c.name == k]
        ordered += [c for c in self.columns if c.name not in self.key_columns]
        return tuple(HashColumn(c.name, c.type) for c in ordered)

    @property
    def entity_column(self) -> str:
        """Who a row is about: ``team_abbr`` for team tables, ``player_id`` for player tables."""
        return "team_abbr" if self.expected_rows is ExpectedRows.TEAMS_PER_GAME else "player_id"

    @property
    def dag_id(self) -> str:
        """The per-date DAG: one run, one ``game_date`` partition."""
        return f"backfill_{self.name}"

    @property
    def range_dag_id(self) -> str:
        """The range DAG: many partitions per run, in chunks."""
        return f"backfill_range_{self.name}"

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Data columns, then processing metadata: the table's schema."""
        return (*self.columns, *METADATA_COLUMNS)

    def is_required(self, column: Column) -> bool:
        return column.required or column.name in self.key_columns

    @property
    def schema(self) -> list[tuple[str, str, str]]:
        """``(column, type, mode)`` of every column, for a load job: REQUIRED columns stay REQUIRED."""
        return [(c.name, c.type, "REQUIRED" if self.is_required(c) else "NULLABLE") for c in self.all_columns]


_GAME = "game_id STRING, game_date DATE, season STRING"
_TEAM = "team_id INT64, team_abbr STRING, opponent_team_abbr STRING, is_home BOOL"
_PLAYER = "player_id INT64, player_lookup STRING, player_name STRING"
_SHOOTING = "fgm INT64, fga INT64, fg3m INT64, fg3a INT64, ftm INT64, fta INT64"

TABLES: tuple[AnalyticsTable, ...] = (
    AnalyticsTable(
        name="player_game_summary",
        description="One row per player who played in a game: box score and shooting efficiency.",
        key_columns=("game_date", "game_id", "player_id"),
        columns=columns_from_spec(
            f"{_GAME}, {_PLAYER}, {_TEAM}, starter BOOL, minutes FLOAT64, points INT64, {_SHOOTING}, "
            "oreb INT64, dreb INT64, reb INT64, ast INT64, stl INT64, blk INT64, tov INT64, pf INT64, "
            "plus_minus INT64, fg_pct FLOAT64, ts_pct FLOAT64"
        ),
        processor="nba_backfill.processors.player_game_summary.compute",
        raw_inputs=("schedule", "player_boxscores"),
        expected_rows=ExpectedRows.PLAYERS_WHO_PLAYED,
        totals_check=TotalsCheck.PLAYER_POINTS,
        partition_rule=PartitionRule.PLAYED,
        cluster_columns=("player_id", "game_id"),
    ),
    AnalyticsTable(
        name="team_offense_game_summary",
        description="One row per team per game: its own offense, possessions, pace and rating.",
        key_columns=("game_date", "game_id", "team_abbr"),
        columns=columns_from_spec(
            f"{_GAME}, {_TEAM}, win BOOL, points INT64, {_SHOOTING}, fg_pct FLOAT64, fg3_pct FLOAT64, "
            "ft_pct FLOAT64, oreb INT64, dreb INT64, reb INT64, ast INT64, tov INT64, "
            "possessions FLOAT64, pace FLOAT64, offensive_rating FLOAT64"
        ),
        processor="nba_backfill.processors.team_game_summaries.compute_offense",
        raw_inputs=("schedule", "team_boxscores"),
        expected_rows=ExpectedRows.TEAMS_PER_GAME,
        totals_check=TotalsCheck.TEAM_POINTS,
        partition_rule=PartitionRule.PLAYED,
        cluster_columns=("team_abbr", "game_id"),
    ),
    AnalyticsTable(
        name="team_defense_game_summary",
        description="One row per team per game: what its opponent did against it.",
        key_columns=("game_date", "game_id", "team_abbr"),
        columns=columns_from_spec(
            f"{_GAME}, {_TEAM}, points_allowed INT64, opp_fgm INT64, opp_fga INT64, opp_fg3m INT64, "
            "opp_fg3a INT64, opp_ftm INT64, opp_fta INT64, opp_oreb INT64, opp_dreb INT64, opp_reb INT64, "
            "opp_ast INT64, opp_tov INT64, steals INT64, blocks INT64, opp_possessions FLOAT64, "
            "defensive_rating FLOAT64"
        ),
        processor="nba_backfill.processors.team_game_summaries.compute_defense",
        raw_inputs=("schedule", "team_boxscores"),
        expected_rows=ExpectedRows.TEAMS_PER_GAME,
        totals_check=TotalsCheck.OPPONENT_POINTS,
        partition_rule=PartitionRule.PLAYED,
        cluster_columns=("team_abbr", "game_id"),
    ),
    AnalyticsTable(
        name="upcoming_player_game_context",
        description="One row per rostered player per scheduled game: rest, recent form, prop line.",
        key_columns=("game_date", "game_id", "player_id"),
        columns=columns_from_spec(
            f"{_GAME}, {_PLAYER}, {_TEAM}, days_rest INT64, is_back_to_back BOOL, games_played_season INT64, "
            "avg_points_last_5 FLOAT64, avg_points_last_10 FLOAT64, avg_minutes_last_10 FLOAT64, "
            "points_line FLOAT64"
        ),
        processor="nba_backfill.processors.upcoming_contexts.compute_player",
        raw_inputs=("schedule", "rosters", "player_props"),
        expected_rows=ExpectedRows.ROSTERED_PLAYERS_PER_GAME,
        partition_rule=PartitionRule.SCHEDULED,
        cluster_columns=("player_id", "game_id"),
        upstream=("player_game_summary",),
    ),
    AnalyticsTable(
        name="upcoming_team_game_context",
        description="One row per team per scheduled game: rest, record, recent scoring.",
        key_columns=("game_date", "game_id", "team_abbr"),
        columns=columns_from_spec(
            f"{_GAME}, {_TEAM}, days_rest INT64, is_back_to_back BOOL, games_played_season INT64, "
            "wins_season INT64, losses_season INT64, avg_points_last_10 FLOAT64, "
            "avg_points_allowed_last_10 FLOAT64"
        ),
        processor="nba_backfill.processors.upcoming_contexts.compute_team",
        raw_inputs=("schedule",),
        expected_rows=ExpectedRows.TEAMS_PER_GAME,
        partition_rule=PartitionRule.SCHEDULED,
        cluster_columns=("team_abbr", "game_id"),
        upstream=("team_offense_game_summary", "team_defense_game_summary"),
    ),
)


def validate_registry(tables: tuple[AnalyticsTable, ...]) -> dict[str, AnalyticsTable]:
    """Cross-entry checks: unique names, upstreams that exist, no dependency cycles."""
    by_name: dict[str, AnalyticsTable] = {}
    for table in tables:
        if table.name in by_name:
            raise RegistryError(f"registry: table {table.name!r}, field 'name': listed twice")
        by_name[table.name] = table
    for table in tables:
        for upstream in table.upstream:
            if upstream not in by_name:
                raise RegistryError(
                    f"registry: table {table.name!r}, field 'upstream': {upstream!r} is not a registered table"
                )

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise RegistryError(
                f"registry: table {name!r}, field 'upstream': cycle {' -> '.join((*path, name))}"
            )
        for upstream in by_name[name].upstream:
            visit(upstream, (*path, name))

    for name in by_name:
        visit(name, ())
    return dict(sorted(by_name.items()))


REGISTRY: dict[str, AnalyticsTable] = validate_registry(TABLES)


def get_table(name: str) -> AnalyticsTable:
    """The registry entry for ``name``; an unknown name lists the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise RegistryError(f"unknown table {name!r}; known tables: {', '.join(REGISTRY)}") from None
