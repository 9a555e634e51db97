"""The sample data looks like the NBA: calendar, schedule rules, box scores that add up."""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict

import pytest

from local_stack.sample_data.schedule import BUBBLE_TEAMS, SEASONS, build_schedule, thanksgiving

D = datetime.date


@pytest.fixture(scope="module")
def data(sample_data):
    return sample_data


@pytest.fixture(scope="module")
def played(data):
    """Schedule rows of games actually played (postponed originals excluded)."""
    return [g for g in data.source.schedule if not g["is_postponed"]]


def regular_games_per_team(played, season):
    counts = Counter()
    for game in played:
        if game["season"] == season and game["game_type"] == "regular":
            counts[game["home_team_abbr"]] += 1
            counts[game["away_team_abbr"]] += 1
    return counts


@pytest.mark.parametrize(
    ("season", "games"),
    [
        ("2016-17", 82),
        ("2017-18", 82),
        ("2018-19", 82),
        ("2020-21", 72),
        ("2021-22", 82),
        ("2022-23", 82),
        ("2023-24", 82),
    ],
)
def test_full_seasons_give_every_team_its_games(played, season, games):
    counts = regular_games_per_team(played, season)
    assert len(counts) == 30
    assert set(counts.values()) == {games}


def test_2019_20_suspension_and_bubble(played):
    counts = regular_games_per_team(played, "2019-20")
    assert min(counts.values()) >= 63 and max(counts.values()) <= 75
    assert min(counts[t] for t in BUBBLE_TEAMS) > max(counts[t] for t in counts if t not in BUBBLE_TEAMS)
    suspended = [g for g in played if D(2020, 3, 12) <= g["game_date"] <= D(2020, 7, 29)]
    assert suspended == []
    assert min(g["game_date"] for g in played if g["game_date"] > D(2020, 3, 12)) == D(2020, 7, 30)
    bubble = {
        t
        for g in played
        if g["game_date"] >= D(2020, 7, 30) and g["season"] == "2019-20"
        for t in (g["home_team_abbr"], g["away_team_abbr"])
    }
    assert bubble == set(BUBBLE_TEAMS)


def test_the_current_season_stops_at_the_data_end(played):
    assert max(g["game_date"] for g in played) <= D(2024, 12, 4)
    assert max(regular_games_per_team(played, "2024-25").values()) < 82
    assert min(g["game_date"] for g in played) == D(2016, 10, 25)


def test_opening_nights(played):
    openers = {}
    for game in played:
        openers[game["season"]] = min(openers.get(game["season"], game["game_date"]), game["game_date"])
    for season, opener in openers.items():
        if season == "2020-21":
            assert opener == D(2020, 12, 22)
        else:
            assert opener.month == 10 and opener.day >= 15, (season, opener)


def test_nobody_plays_twice_on_one_day(played):
    seen = Counter((g["game_date"], t) for g in played for t in (g["home_team_abbr"], g["away_team_abbr"]))
    assert max(seen.values()) == 1


def test_no_games_on_thanksgiving_or_the_all_star_break(played):
    dates = {g["game_date"] for g in played}
    for plan in SEASONS:
        assert thanksgiving(plan.start_year) not in dates
        start, end = plan.all_star_break
        assert not [d for d in dates if start <= d <= end]


def test_postseason_shape(played):
    by_season = defaultdict(list)
    for game in played:
        by_season[game["season"]].append(game)
    for season, games in by_season.items():
        types = Counter(g["game_type"] for g in games)
        start_year = int(season[:4])
        assert (types["play_in"] == 6) == (2020 <= start_year <= 2023), season
        if start_year < 2024:
            last = max(g["game_date"] for g in games if g["game_type"] == "playoffs")
            expected_month = {2019: 10, 2020: 7}.get(start_year, 6)
            assert last.month == expected_month, (season, last)


def test_game_ids_follow_the_nba_format(data):
    type_digit = {"regular": "2", "playoffs": "4", "play_in": "5"}
    for game in data.source.schedule:
        assert re.fullmatch(r"00[245]\d{7}", game["game_id"])
        assert game["game_id"][2] == type_digit[game["game_type"]]
        assert game["game_id"][3:5] == game["season"][2:4]


def test_postponed_games_have_one_make_up_and_no_box_score(data):
    schedule = data.source.schedule
    postponed = [g for g in schedule if g["is_postponed"]]
    assert any(D(2021, 12, 1) <= g["game_date"] <= D(2021, 12, 31) for g in postponed)
    boxed = {(b["game_id"], b["game_date"]) for b in data.source.team_boxscores}
    for original in postponed:
        assert original["game_status"] == 1
        makeups = [g for g in schedule if g["game_id"] == original["game_id"] and not g["is_postponed"]]
        assert len(makeups) == 1
        assert makeups[0]["original_game_date"] == original["game_date"] < makeups[0]["game_date"]
        assert (original["game_id"], original["game_date"]) not in boxed
        assert (original["game_id"], makeups[0]["game_date"]) in boxed


def test_box_scores_add_up(data, played):
    players = defaultdict(list)
    for row in data.source.player_boxscores:
        players[(row["game_id"], row["team_abbr"])].append(row)
        assert row["pts"] == 2 * (row["fgm"] - row["fg3m"]) + 3 * row["fg3m"] + row["ftm"]
        assert row["reb"] == row["oreb"] + row["dreb"]
        assert (
            row["fgm"] <= row["fga"] and row["fg3m"] <= row["fg3a"] <= row["fga"] and row["ftm"] <= row["fta"]
        )
        assert (row["minutes"] == 0) == (row["dnp_reason"] is not None)
    teams = {(t["game_id"], t["team_abbr"]): t for t in data.source.team_boxscores}
    assert len(teams) == 2 * len(played)
    for key, team in teams.items():
        rows = players[key]
        for column in (
            "pts",
            "fgm",
            "fga",
            "fg3m",
            "fg3a",
            "ftm",
            "fta",
            "oreb",
            "dreb",
            "reb",
            "ast",
            "tov",
        ):
            assert team[column] == sum(r[column] for r in rows), (key, column)
        assert team["minutes"] == 240
        assert sum(r["plus_minus"] for r in rows) == 5 * team["plus_minus"]
        opponent = teams[(key[0], team["opponent_team_abbr"])]
        assert team["plus_minus"] == team["pts"] - opponent["pts"] != 0


def test_winners_match_the_schedule_and_rosters_include_dnps(data):
    rows_per_game = Counter(r["game_id"] for r in data.source.player_boxscores)
    assert set(rows_per_game.values()) == {30}
    assert any(r["dnp_reason"] for r in data.source.player_boxscores)


def test_names_include_non_ascii_players(data):
    names = {p["player_name"] for p in data.players}
    assert {"Luka Dončić", "Nikola Jokić", "Dennis Schröder"} <= names
    lookups = {p["player_lookup"] for p in data.players if p["player_name"] == "Luka Dončić"}
    assert lookups == {"lukadoncic"}


def test_same_seed_same_schedule_other_seed_other_schedule():
    first, again, other = build_schedule(3), build_schedule(3), build_schedule(4)
    assert [g.schedule_row() for g in first] == [g.schedule_row() for g in again]
    assert [g.schedule_row() for g in first] != [g.schedule_row() for g in other]


def test_each_player_appears_once_per_game(data):
    # A star kept from last season's roster was once added a second time: two box-score
    # rows, two point totals, for one player in one game.
    seen: dict[tuple[str, int], int] = {}
    for row in data.source.player_boxscores:
        key = (row["game_id"], row["player_id"])
        seen[key] = seen.get(key, 0) + 1
    assert [key for key, count in seen.items() if count > 1] == []
