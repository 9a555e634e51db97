"""Bad raw input: refused with a message an operator can act on, or quarantined and logged."""

from __future__ import annotations

import datetime
import logging

import pytest
from google.cloud.bigquery import SchemaField

from nba_backfill import processors
from nba_backfill.catalog.raw_tables import (
    PLAYER_BOXSCORES,
    PLAYER_PROPS,
    RAW_SOURCES,
    ROSTERS,
    SCHEDULE,
    TEAM_BOXSCORES,
)
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.processors import raw_checks
from nba_backfill.processors.raw_checks import RawDataError
from nba_backfill.warehouse.frames import frame

DAY = datetime.date(2021, 11, 3)
NEXT_DAY = datetime.date(2021, 11, 4)
PLAYERS = REGISTRY["player_game_summary"]
OFFENSE = REGISTRY["team_offense_game_summary"]
UPCOMING_TEAM = REGISTRY["upcoming_team_game_context"]
UPCOMING_PLAYER = REGISTRY["upcoming_player_game_context"]
GAME = "0022100150"
TATUM, BROWN = 1628369, 1627759

GAME_ROW = {
    "game_id": GAME,
    "game_date": DAY,
    "season": "2021-22",
    "game_type": "2",
    "game_status": 3,
    "home_team_id": 1610612738,
    "home_team_abbr": "BOS",
    "away_team_id": 1610612748,
    "away_team_abbr": "MIA",
    "is_postponed": False,
    "original_game_date": None,
}
_STATS = {
    "minutes": 36.5,
    "pts": 27,
    "fgm": 10,
    "fga": 21,
    "fg3m": 3,
    "fg3a": 9,
    "ftm": 4,
    "fta": 5,
    "oreb": 1,
    "dreb": 8,
    "reb": 9,
    "ast": 4,
    "stl": 1,
    "blk": 0,
    "tov": 3,
    "pf": 2,
    "plus_minus": 6,
}
PLAYER_ROW = {
    "game_id": GAME,
    "game_date": DAY,
    "season": "2021-22",
    "team_id": 1610612738,
    "team_abbr": "BOS",
    "player_id": TATUM,
    "player_name": "Jayson Tatum",
    "player_lookup": "jaysontatum",
    "starter": True,
    **_STATS,
    "dnp_reason": None,
}
TEAM_ROW = {
    "game_id": GAME,
    "game_date": DAY,
    "season": "2021-22",
    "team_id": 1610612738,
    "team_abbr": "BOS",
    "opponent_team_abbr": "MIA",
    "is_home": True,
    **_STATS,
}
PROP_ROW = {
    "game_id": GAME,
    "game_date": DAY,
    "player_id": TATUM,
    "player_lookup": "jaysontatum",
    "bookmaker": "draftkings",
    "points_line": 26.5,
    "over_price": -110,
    "under_price": -110,
}


ROSTER_ROW = {
    "season": "2021-22",
    "team_id": 1610612738,
    "team_abbr": "BOS",
    "player_id": TATUM,
    "player_name": "Jayson Tatum",
    "player_lookup": "jaysontatum",
    "roster_status": "standard",
    "valid_from": datetime.date(2021, 10, 1),
    "valid_to": None,
}
BROWN_STINT = {
    **ROSTER_ROW,
    "player_id": BROWN,
    "player_name": "Jaylen Brown",
    "player_lookup": "jaylenbrown",
}


def source(
    schedule=(GAME_ROW,),
    player_boxscores=(PLAYER_ROW,),
    team_boxscores=(TEAM_ROW,),
    player_props=(),
    rosters=(ROSTER_ROW,),
):
    return processors.SourceData(
        schedule=frame(list(schedule), SCHEDULE.columns),
        player_boxscores=frame(list(player_boxscores), PLAYER_BOXSCORES.columns),
        team_boxscores=frame(list(team_boxscores), TEAM_BOXSCORES.columns),
        player_props=frame(list(player_props), PLAYER_PROPS.columns),
        rosters=frame(list(rosters), ROSTERS.columns),
    )


def refusal(table, data) -> str:
    with pytest.raises(RawDataError) as caught:
        raw_checks.screen(table, data)
    return str(caught.value)


# -- NULL keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "data", "message"),
    [
        (
            PLAYERS,
            source(player_boxscores=[PLAYER_ROW, {**PLAYER_ROW, "player_id": None}]),
            "nba_raw.nbac_player_boxscores on 2021-11-03: 1 row with NULL player_id, e.g. "
            "game_id=0022100150, player_id=NULL, team_abbr=BOS, player_name=Jayson Tatum. "
            "Nothing was written; fix the raw data, then rerun player_game_summary.",
        ),
        (
            PLAYERS,
            source(player_boxscores=[{**PLAYER_ROW, "game_id": None}, {**PLAYER_ROW, "game_id": None}]),
            "nba_raw.nbac_player_boxscores on 2021-11-03: 2 rows with NULL game_id, e.g. "
            "game_id=NULL, player_id=1628369, team_abbr=BOS, player_name=Jayson Tatum. "
            "Nothing was written; fix the raw data, then rerun player_game_summary.",
        ),
        (
            UPCOMING_PLAYER,
            source(rosters=[ROSTER_ROW, {**BROWN_STINT, "player_id": None}]),
            "nba_raw.nbac_rosters on 2021-10-01: 1 row with NULL player_id, e.g. "
            "team_abbr=BOS, player_id=NULL, player_name=Jaylen Brown, valid_from=2021-10-01. "
            "Nothing was written; fix the raw data, then rerun upcoming_player_game_context.",
        ),
        (
            UPCOMING_TEAM,
            source(schedule=[GAME_ROW, {**GAME_ROW, "game_id": None, "game_date": NEXT_DAY}]),
            "nba_raw.nbac_schedule on 2021-11-04: 1 row with NULL game_id, e.g. "
            "game_id=NULL, home_team_abbr=BOS, away_team_abbr=MIA. "
            "Nothing was written; fix the raw data, then rerun upcoming_team_game_context.",
        ),
        (
            OFFENSE,
            source(team_boxscores=[{**TEAM_ROW, "team_abbr": None}]),
            "nba_raw.nbac_team_boxscores on 2021-11-03: 1 row with NULL team_abbr, e.g. "
            "game_id=0022100150, team_abbr=NULL, opponent_team_abbr=MIA. "
            "Nothing was written; fix the raw data, then rerun team_offense_game_summary.",
        ),
    ],
    ids=["player_id", "box_game_id", "roster_player_id", "schedule_game_id", "team_abbr"],
)
def test_a_null_key_is_refused_naming_table_column_date_count_and_an_example(table, data, message):
    assert refusal(table, data) == message


def test_only_the_raw_tables_a_table_reads_are_checked():
    """A NULL player_id in the player box scores cannot stop the team tables, which never read them."""
    data = source(player_boxscores=[{**PLAYER_ROW, "player_id": None}])
    assert raw_checks.screen(OFFENSE, data) is data
    assert raw_checks.screen(UPCOMING_TEAM, data) is data


def test_a_player_on_two_rosters_at_once_is_refused_and_a_trade_is_not():
    traded = {**ROSTER_ROW, "valid_to": datetime.date(2021, 11, 2)}
    to_miami = {
        **ROSTER_ROW,
        "team_abbr": "MIA",
        "team_id": 1610612748,
        "valid_from": datetime.date(2021, 11, 3),
    }
    assert raw_checks.screen(UPCOMING_PLAYER, source(rosters=[traded, to_miami, traded])).rosters.height == 3

    overlapping = {**to_miami, "valid_from": datetime.date(2021, 11, 1)}
    assert refusal(UPCOMING_PLAYER, source(rosters=[traded, overlapping, BROWN_STINT])) == (
        "nba_raw.nbac_rosters: 1 player on two rosters at once, e.g. player_id=1628369 "
        "(Jayson Tatum) on BOS and MIA from 2021-11-01. "
        "Nothing was written; fix the raw data, then rerun upcoming_player_game_context."
    )


# -- duplicates ------------------------------------------------------------------------------


def test_conflicting_box_score_duplicates_are_refused_naming_the_key_and_the_columns():
    data = source(player_boxscores=[PLAYER_ROW, {**PLAYER_ROW, "pts": 30, "reb": 10}])
    assert refusal(PLAYERS, data) == (
        "nba_raw.nbac_player_boxscores on 2021-11-03: 2 rows share 1 key (game_id, player_id) with "
        "different values, e.g. game_id=0022100150, player_id=1628369 differs in pts, reb. "
        "Nothing was written; fix the raw data, then rerun player_game_summary."
    )


def test_conflicts_over_a_chunk_count_every_row_and_list_every_date():
    brown = {**PLAYER_ROW, "player_id": BROWN, "game_date": NEXT_DAY, "game_id": "0022100160"}
    data = source(
        player_boxscores=[PLAYER_ROW, {**PLAYER_ROW, "minutes": 35.0}, PLAYER_ROW, brown, {**brown, "ast": 9}]
    )
    assert refusal(PLAYERS, data) == (
        "nba_raw.nbac_player_boxscores on 2021-11-03, 2021-11-04: 5 rows share 2 keys (game_id, player_id) "
        "with different values, e.g. game_id=0022100150, player_id=1628369 differs in minutes. "
        "Nothing was written; fix the raw data, then rerun player_game_summary."
    )


def test_conflicting_team_box_scores_are_refused():
    data = source(team_boxscores=[TEAM_ROW, {**TEAM_ROW, "is_home": False}])
    assert refusal(REGISTRY["team_defense_game_summary"], data) == (
        "nba_raw.nbac_team_boxscores on 2021-11-03: 2 rows share 1 key (game_id, team_abbr) with "
        "different values, e.g. game_id=0022100150, team_abbr=BOS differs in is_home. "
        "Nothing was written; fix the raw data, then rerun team_defense_game_summary."
    )


def test_a_postponed_game_twice_in_the_schedule_is_no_conflict():
    original = {**GAME_ROW, "game_date": DAY, "is_postponed": True, "game_status": 1}
    make_up = {**GAME_ROW, "game_date": NEXT_DAY, "original_game_date": DAY}
    data = source(schedule=[original, make_up])
    assert raw_checks.screen(UPCOMING_TEAM, data) is data


def test_exact_duplicates_are_counted_once_and_the_quarantine_is_logged(caplog):
    clean = source(player_boxscores=[PLAYER_ROW])
    dirty = source(player_boxscores=[PLAYER_ROW, PLAYER_ROW, PLAYER_ROW])

    with caplog.at_level(logging.WARNING, logger="nba_backfill.processors.raw_checks"):
        screened = raw_checks.screen(PLAYERS, dirty)

    assert caplog.messages == [
        "player_game_summary: 2 duplicate raw rows in nba_raw.nbac_player_boxscores on 2021-11-03 "
        "counted once, e.g. game_id=0022100150, player_id=1628369"
    ]
    assert processors.compute(PLAYERS, screened, [DAY]) == processors.compute(PLAYERS, clean, [DAY])


def test_exact_team_duplicates_are_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="nba_backfill.processors.raw_checks"):
        raw_checks.screen(OFFENSE, source(team_boxscores=[TEAM_ROW, TEAM_ROW]))
    assert caplog.messages == [
        "team_offense_game_summary: 1 duplicate raw row in nba_raw.nbac_team_boxscores on 2021-11-03 "
        "counted once, e.g. game_id=0022100150, team_abbr=BOS"
    ]


def test_clean_input_logs_nothing_and_comes_back_unchanged(caplog):
    data = source(player_props=[PROP_ROW])
    with caplog.at_level(logging.WARNING, logger="nba_backfill.processors.raw_checks"):
        for table in REGISTRY.values():
            assert raw_checks.screen(table, data) is data
    assert caplog.messages == []


# -- prop lines ------------------------------------------------------------------------------


def test_absurd_prop_lines_are_quarantined_not_refused(caplog):
    """One bookmaker's bad line: the player gets another bookmaker's line, or NULL if none is left."""
    brown = {**PLAYER_ROW, "player_id": BROWN, "player_name": "Jaylen Brown", "player_lookup": "jaylenbrown"}
    bad = {**PROP_ROW, "bookmaker": "badbook"}
    props = [
        {**bad, "points_line": -5.5},
        {**bad, "points_line": float("nan")},
        {**bad, "points_line": 0.0},
        {**bad, "points_line": 150.0},
        PROP_ROW,  # Tatum's good line, after his bad ones
        {**bad, "player_id": BROWN, "player_lookup": "jaylenbrown", "points_line": 100.5},
    ]
    data = source(player_boxscores=[PLAYER_ROW, brown], player_props=props, rosters=[ROSTER_ROW, BROWN_STINT])

    with caplog.at_level(logging.WARNING, logger="nba_backfill.processors.raw_checks"):
        screened = raw_checks.screen(UPCOMING_PLAYER, data)

    assert caplog.messages == [
        "upcoming_player_game_context: quarantined 5 prop lines in nba_raw.odds_player_points_props "
        "on 2021-11-03 with points_line NaN, zero, negative or above 100 (excluded; the player's line "
        "comes from another bookmaker or is NULL), e.g. game_id=0022100150, player_id=1627759, "
        "bookmaker=badbook, points_line=100.5"
    ]
    lines = {
        row["player_id"]: row["points_line"] for row in processors.compute(UPCOMING_PLAYER, screened, [DAY])
    }
    assert lines == {TATUM: 26.5, BROWN: None}


@pytest.mark.parametrize(("line", "kept"), [(0.5, True), (100.0, True), (None, True), (100.01, False)])
def test_the_plausible_range_of_a_points_line(line, kept):
    props = frame([{**PROP_ROW, "points_line": line}], PLAYER_PROPS.columns)
    remaining, notice = raw_checks.quarantine_prop_lines(props)
    assert (remaining.height, notice is None) == ((1, True) if kept else (0, False))


# -- schema ----------------------------------------------------------------------------------


def legacy_schema(raw_table) -> list[SchemaField]:
    """The schema as BigQuery's REST API reports it: legacy type names."""
    legacy = {"INT64": "INTEGER", "FLOAT64": "FLOAT", "BOOL": "BOOLEAN"}
    return [SchemaField(c.name, legacy.get(c.type, c.type)) for c in raw_table.columns]


def test_the_warehouse_schema_as_provisioned_has_no_problems():
    for raw_table in (SCHEDULE, PLAYER_BOXSCORES, TEAM_BOXSCORES, PLAYER_PROPS):
        assert raw_checks.schema_problems(raw_table, legacy_schema(raw_table)) == []


def test_a_wrong_type_or_a_missing_column_is_named():
    fields = [
        SchemaField("pts", "STRING") if f.name == "pts" else f
        for f in legacy_schema(PLAYER_BOXSCORES)
        if f.name != "minutes"
    ]
    fields.append(SchemaField("scraped_at", "TIMESTAMP"))  # extra columns are never read
    assert raw_checks.schema_problems(PLAYER_BOXSCORES, fields) == [
        "nba_raw.nbac_player_boxscores.minutes is missing, expected FLOAT64",
        "nba_raw.nbac_player_boxscores.pts has type STRING, expected INT64",
    ]


def test_a_repeated_column_is_not_its_scalar_type():
    fields = [
        SchemaField("player_id", "INTEGER", mode="REPEATED") if f.name == "player_id" else f
        for f in legacy_schema(PLAYER_PROPS)
    ]
    assert raw_checks.schema_problems(PLAYER_PROPS, fields) == [
        "nba_raw.odds_player_points_props.player_id has type ARRAY<INT64>, expected INT64"
    ]


# -- which raw tables are read ---------------------------------------------------------------


def test_every_table_declares_its_raw_inputs():
    for table in REGISTRY.values():
        assert "schedule" in table.raw_inputs and set(table.raw_inputs) <= set(RAW_SOURCES)


def test_a_raw_table_that_was_not_read_fails_loudly_instead_of_computing_from_nothing():
    data = processors.SourceData(schedule=[GAME_ROW], player_boxscores=None)
    with pytest.raises(ValueError) as caught:
        processors.compute(PLAYERS, data, [DAY])
    assert str(caught.value) == (
        "nba_raw.nbac_player_boxscores was not read: add 'player_boxscores' to the table's raw_inputs in the registry"
    )


def test_each_processor_needs_only_its_declared_raw_inputs(sample_data):
    """What read_source leaves unread (None) no processor reads: same rows as with every raw table."""
    day = datetime.date(2021, 11, 15)
    raw = sample_data.source
    full = processors.SourceData(
        raw.schedule, raw.player_boxscores, raw.team_boxscores, raw.player_props, raw.rosters
    )
    history = sorted(
        {g["game_date"] for g in raw.schedule if datetime.date(2021, 10, 19) <= g["game_date"] < day}
    )
    full.upstream = {
        name: processors.compute(name, full, history)
        for name in ("player_game_summary", "team_offense_game_summary", "team_defense_game_summary")
    }
    for name, table in REGISTRY.items():
        only = processors.SourceData(
            **{field: getattr(full, field) if field in table.raw_inputs else None for field in RAW_SOURCES},
            upstream=full.upstream,
        )
        expected = processors.compute(name, full, [day])
        assert expected and processors.compute(name, only, [day]) == expected, name


def test_the_screened_prop_frame_keeps_its_columns_and_types():
    data = source(player_props=[PROP_ROW, {**PROP_ROW, "points_line": -1.0}])
    props = raw_checks.screen(UPCOMING_PLAYER, data).raw("player_props")
    assert (props.height, props.schema) == (1, frame([], PLAYER_PROPS.columns).schema)
