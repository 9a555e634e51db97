"""The sample data looks like the NBA: calendar, schedule rules, box scores that add up."""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict

import pytest

from local_stack.sample_data.boxscores import build_rosters
from local_stack.sample_data.schedule import (
    BUBBLE_TEAMS,
    SEASONS,
    build_schedule,
    season_plan,
    season_plans,
    thanksgiving,
)
from tests.as_of import AS_OF_DATE

D = datetime.date


@pytest.fixture(scope="module")
def data(sample_data):
    return sample_data


@pytest.fixture(scope="module")
def played(data):
    """Schedule rows of games played before the as-of date (postponed originals excluded)."""
    return [g for g in data.source.schedule if g["game_status"] == 3]


@pytest.fixture(scope="module")
def scheduled(data):
    """Schedule rows of games still to be played on the as-of date."""
    return [g for g in data.source.schedule if g["game_status"] == 1 and not g["is_postponed"]]


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


def test_games_before_the_as_of_date_are_final_and_the_rest_of_the_season_is_scheduled(
    data, played, scheduled
):
    assert data.as_of == AS_OF_DATE
    assert max(g["game_date"] for g in played) < AS_OF_DATE <= min(g["game_date"] for g in scheduled)
    assert min(g["game_date"] for g in played) == D(2016, 10, 25)
    assert max(regular_games_per_team(played, "2024-25").values()) < 82
    # The regular season is on the schedule to its end; the postseason is not known yet.
    assert set(regular_games_per_team(played + scheduled, "2024-25").values()) == {82}
    assert {g["game_type"] for g in scheduled} == {"regular"}
    assert max(g["game_date"] for g in scheduled).month == 4  # mid-April, as every season
    tonight = [g for g in scheduled if g["game_date"] == AS_OF_DATE]
    assert tonight, "the as-of date has games to price"


@pytest.mark.parametrize("as_of", [D(2025, 11, 20), D(2026, 12, 3)])
def test_the_world_reaches_any_as_of_date_with_the_calendars_shape(as_of):
    games = build_schedule(1, as_of)
    plan = season_plans(as_of)[-1]
    assert plan.opening <= as_of and plan.opening.month == 10 and plan.opening.weekday() == 1
    this_season = [g for g in games if g.season == plan.label]
    assert {g.game_status for g in this_season if g.game_date < as_of} == {3}
    assert {g.game_status for g in this_season if g.game_date >= as_of} == {1}
    finished = [g for g in games if g.season == season_plans(as_of)[-2].label]
    types = Counter(g.game_type for g in finished)
    assert types["play_in"] == 6 and types["cup_final"] == 1 and types["playoffs"] >= 16 * 4
    last_regular = max(g.game_date for g in finished if g.game_type == "regular")
    assert last_regular.month == 4 and last_regular.day >= 8
    start, end = season_plan(plan.start_year - 1).all_star_break
    assert not [g for g in finished if start <= g.game_date <= end]


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
    type_digit = {"regular": "2", "playoffs": "4", "play_in": "5", "cup_final": "6"}
    assert {g["game_type"] for g in data.source.schedule} == set(type_digit)
    for game in data.source.schedule:
        assert re.fullmatch(r"00[2456]\d{7}", game["game_id"])
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


def test_every_rostered_player_has_a_box_score_row_dnps_included(data, played):
    """The box score of a game lists both teams' rosters as of its date, and nobody else."""
    stints = defaultdict(list)
    for stint in data.source.rosters:
        stints[stint["team_abbr"]].append(stint)

    def rostered(team, day):
        return {
            s["player_id"]
            for s in stints[team]
            if s["valid_from"] <= day and (s["valid_to"] is None or day <= s["valid_to"])
        }

    boxed = defaultdict(set)
    for row in data.source.player_boxscores:
        boxed[(row["game_id"], row["team_abbr"])].add(row["player_id"])
    for game in played[::97]:
        for team in (game["home_team_abbr"], game["away_team_abbr"]):
            assert boxed[(game["game_id"], team)] == rostered(team, game["game_date"]), game["game_id"]
    assert set(Counter(r["game_id"] for r in data.source.player_boxscores).values()) == {32}
    assert any(r["dnp_reason"] for r in data.source.player_boxscores)


def test_rosters_churn_like_a_season(data):
    """Two-way players, deadline trades, signings: a few players on two teams in one season."""
    by_season = defaultdict(list)
    for stint in data.source.rosters:
        by_season[stint["season"]].append(stint)
    for season, stints in by_season.items():
        teams_of = defaultdict(set)
        for stint in stints:
            teams_of[stint["player_id"]].add(stint["team_abbr"])
        statuses = Counter(
            s["roster_status"] for s in stints if s["valid_from"] == min(x["valid_from"] for x in stints)
        )
        assert statuses == {"standard": 30 * 15, "two_way": 30}, season
        if season != "2024-25":  # before this season's trade deadline
            assert sum(len(t) == 2 for t in teams_of.values()) == 4, season
    current = by_season["2024-25"]
    assert [s for s in current if s["valid_to"] is not None and s["valid_to"] >= AS_OF_DATE] == []
    assert sum(s["valid_to"] is None for s in current) == 30 * 16


def test_tonights_lines_are_posted_and_later_games_have_none(data, scheduled):
    lines = Counter(p["game_id"] for p in data.source.player_props)
    tonight = {g["game_id"] for g in scheduled if g["game_date"] == AS_OF_DATE}
    later = {g["game_id"] for g in scheduled if g["game_date"] > AS_OF_DATE}
    assert {lines[g] for g in tonight} == {10}
    assert not later & set(lines)
    assert not {g["game_id"] for g in scheduled} & {b["game_id"] for b in data.source.player_boxscores}


def test_names_include_non_ascii_players(data):
    names = {p["player_name"] for p in data.players}
    assert {"Luka Dončić", "Nikola Jokić", "Dennis Schröder"} <= names
    lookups = {p["player_lookup"] for p in data.players if p["player_name"] == "Luka Dončić"}
    assert lookups == {"lukadoncic"}


def test_same_seed_same_schedule_other_seed_other_schedule():
    first, again, other = (build_schedule(seed, AS_OF_DATE) for seed in (3, 3, 4))
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


def test_a_world_of_many_seasons_still_names_every_player_once():
    """Fifteen seasons outgrow the first-and-last-name pairs; generation neither hangs nor repeats."""
    as_of = D(2031, 11, 1)
    players, rosters = build_rosters(1, season_plans(as_of), as_of)
    names = [p.name for p in players]
    assert len(names) > 2040 and len(set(names)) == len(names)
    assert len({p.player_id for p in players}) == len(players)
    assert {s.player.player_id for s in rosters.stints} <= {p.player_id for p in players}
