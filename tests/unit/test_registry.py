"""The table registry: complete, consistent, and loud about bad entries."""

from __future__ import annotations

import dataclasses

import pytest

from nba_backfill.catalog.registry import (
    METADATA_COLUMN_NAMES,
    REGISTRY,
    TABLES,
    AnalyticsTable,
    Column,
    RegistryError,
    TotalsCheck,
    get_table,
    validate_registry,
)

MISSION_TABLES = {
    "player_game_summary",
    "upcoming_player_game_context",
    "team_offense_game_summary",
    "team_defense_game_summary",
    "upcoming_team_game_context",
}
# Columns the seeds' monitoring SQL reads.
SEED_QUERY_COLUMNS = {
    "player_game_summary": {"game_date", "data_hash"},
    "upcoming_player_game_context": {"game_date", "data_hash", "player_id"},
    "team_offense_game_summary": {"game_date", "data_hash", "team_id"},
    "team_defense_game_summary": {"game_date", "data_hash", "team_id"},
    "upcoming_team_game_context": {"game_date", "data_hash", "team_id"},
}


def test_the_five_tables_are_registered():
    assert set(REGISTRY) == MISSION_TABLES


@pytest.mark.parametrize("name", sorted(MISSION_TABLES))
def test_each_table_has_what_the_seeds_queries_and_the_mission_need(name):
    table = REGISTRY[name]
    columns = {c.name for c in table.all_columns}
    assert SEED_QUERY_COLUMNS[name] <= columns
    assert {"game_id", "game_date"} <= set(table.key_columns) | columns
    assert columns >= METADATA_COLUMN_NAMES
    if "team" in name:
        assert {"team_abbr", "team_id"} <= columns
    else:
        assert {"player_id", "player_lookup"} <= columns


@pytest.mark.parametrize("name", sorted(MISSION_TABLES))
def test_hash_covers_keys_first_then_every_data_column_and_no_metadata(name):
    table = REGISTRY[name]
    hashed = [c.name for c in table.hash_columns]
    assert hashed[: len(table.key_columns)] == list(table.key_columns)
    assert set(hashed) == {c.name for c in table.columns}
    assert not set(hashed) & METADATA_COLUMN_NAMES


def _variant(**changes) -> AnalyticsTable:
    return dataclasses.replace(REGISTRY["team_offense_game_summary"], **changes)


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"key_columns": ("game_date", "nope")}, "key_columns", "'nope' is not a column"),
        ({"cluster_columns": ()}, "cluster_columns", "1 to 4 columns"),
        ({"partition_column": "team_abbr"}, "partition_column", "must be a DATE column"),
        ({"processor": "os.system"}, "processor", "not a dotted path into nba_backfill"),
        ({"name": "bad name"}, "name", "plain identifier"),
        ({"history_start": "2016-10-01"}, "history_start", "must be a date"),
        ({"columns": ()}, "columns", "no columns"),
        ({"raw_inputs": ("team_boxscores",)}, "raw_inputs", "every processor reads the schedule"),
        ({"raw_inputs": ("schedule", "box_scores")}, "raw_inputs", "'box_scores' is not a raw source"),
        # A column the hash could not canonicalise, and a check on a column the entry lacks.
        (
            {"columns": (*REGISTRY["team_offense_game_summary"].columns, Column("bonus", "NUMERIC"))},
            "columns",
            "'bonus' has type 'NUMERIC', not one of",
        ),
        (
            {"totals_check": TotalsCheck.OPPONENT_POINTS},
            "totals_check",
            "needs an INT64 column 'points_allowed'",
        ),
    ],
)
def test_a_bad_entry_fails_at_load_naming_the_field(changes, field, problem):
    with pytest.raises(RegistryError, match=rf"field '{field}'.*{problem}"):
        _variant(**changes)


def test_a_hashed_metadata_column_is_refused():
    table = REGISTRY["team_offense_game_summary"]
    bad_columns = (*table.columns, dataclasses.replace(table.columns[0], name="data_hash"))
    with pytest.raises(RegistryError, match=r"field 'columns'.*'data_hash' is processing metadata"):
        _variant(columns=bad_columns)


def test_cross_entry_checks():
    with pytest.raises(RegistryError, match="field 'upstream': 'ghost' is not a registered table"):
        validate_registry((*TABLES[:-1], dataclasses.replace(TABLES[-1], upstream=("ghost",))))
    with pytest.raises(RegistryError, match="listed twice"):
        validate_registry((*TABLES, TABLES[0]))


def test_unknown_table_lists_the_known_ones():
    with pytest.raises(
        RegistryError, match="unknown table 'player_summary'; known tables: player_game_summary"
    ):
        get_table("player_summary")
