"""Processors compute the registry's columns with the documented formulas and no look-ahead."""

from __future__ import annotations

import datetime

import pytest

from nba_backfill import processors
from nba_backfill.catalog.registry import REGISTRY

DAY = datetime.date(2021, 11, 15)


@pytest.fixture(scope="module")
def source(sample_data):
    raw = sample_data.source
    src = processors.SourceData(
        raw.schedule, raw.player_boxscores, raw.team_boxscores, raw.player_props, raw.rosters
    )
    dates = sorted({g["game_date"] for g in src.schedule if g["game_date"] <= DAY})
    src.upstream = {
        name: processors.compute(name, src, dates)
        for name in ("player_game_summary", "team_offense_game_summary", "team_defense_game_summary")
    }
    return src


def test_team_offense_follows_the_formulas(source):
    rows = processors.compute("team_offense_game_summary", source, [DAY])
    boxes = {(b["game_id"], b["team_abbr"]): b for b in source.team_boxscores if b["game_date"] == DAY}
    assert len(rows) == len(boxes) > 0
    for row in rows:
        own = boxes[(row["game_id"], row["team_abbr"])]
        opp = boxes[(row["game_id"], row["opponent_team_abbr"])]
        poss = own["fga"] - own["oreb"] + own["tov"] + 0.44 * own["fta"]
        opp_poss = opp["fga"] - opp["oreb"] + opp["tov"] + 0.44 * opp["fta"]
        assert row["possessions"] == round(poss, 4)
        assert row["pace"] == round(48 * (poss + opp_poss) / (2 * 240 / 5), 4)
        assert row["offensive_rating"] == round(100 * own["pts"] / poss, 4)
        assert row["win"] == (own["pts"] > opp["pts"])


def test_defense_is_the_opponents_side_of_the_same_game(source):
    offense = {
        (r["game_id"], r["team_abbr"]): r
        for r in processors.compute("team_offense_game_summary", source, [DAY])
    }
    for row in processors.compute("team_defense_game_summary", source, [DAY]):
        opponent = offense[(row["game_id"], row["opponent_team_abbr"])]
        assert row["points_allowed"] == opponent["points"]
        assert row["opp_possessions"] == opponent["possessions"]


def test_upcoming_contexts_read_only_games_before_the_date(source):
    """Adding every game on and after the date to the history changes nothing."""
    before = processors.compute("upcoming_player_game_context", source, [DAY])
    future_dates = sorted(
        {
            g["game_date"]
            for g in source.schedule
            if DAY <= g["game_date"] <= DAY + datetime.timedelta(days=30)
        }
    )
    leaky = processors.SourceData(
        schedule=source.schedule,
        player_boxscores=source.player_boxscores,
        team_boxscores=source.team_boxscores,
        player_props=source.player_props,
        rosters=source.rosters,
        upstream={
            "player_game_summary": source.upstream["player_game_summary"]
            + processors.compute("player_game_summary", source, future_dates)
        },
    )
    assert processors.compute("upcoming_player_game_context", leaky, [DAY]) == before
    assert {r["player_id"] for r in before} == {
        b["player_id"] for b in source.player_boxscores if b["game_date"] == DAY
    }, "every player rostered on the date: in the box score too, DNPs included"


def test_rows_carry_exactly_the_registry_columns(source):
    for name, table in REGISTRY.items():
        rows = processors.compute(name, source, [DAY])
        assert rows and list(rows[0]) == [c.name for c in table.columns], name
