"""Pre-game features against values worked out by hand from a player's and a team's previous games.

Tonight's game (2024-11-09, BOS at home to MIA) and the games before it are written out
below; every expected figure is computed in the comments from those lines, not by the code
under test. History holds rows on and after the game date too: none may count.
"""

from __future__ import annotations

import datetime

import pytest

from nba_backfill import processors

D = datetime.date
TONIGHT = D(2024, 11, 9)
GAME = "0022400150"
BOS, MIA = (1610612738, "BOS"), (1610612748, "MIA")
REGULAR, PREVIOUS = "2024-25", "2023-24"

SCHEDULE = [
    {
        "game_id": GAME,
        "game_date": TONIGHT,
        "season": REGULAR,
        "game_type": "regular",
        "game_status": 1,  # scheduled: nothing about it is known but the roster and the lines
        "home_team_id": BOS[0],
        "home_team_abbr": BOS[1],
        "away_team_id": MIA[0],
        "away_team_abbr": MIA[1],
        "is_postponed": False,
        "original_game_date": None,
    }
]

TATUM, ROOKIE, VETERAN, TRADED, SIGNED = 1, 2, 3, 4, 5

# Tatum's games: (date, season, points, minutes).
TATUM_GAMES = [
    (D(2024, 4, 10), PREVIOUS, 50, 40.0),  # last season: in no window below (11th game back)
    (D(2024, 10, 23), REGULAR, 10, 30.0),
    (D(2024, 10, 25), REGULAR, 20, 32.0),
    (D(2024, 10, 27), REGULAR, 30, 34.0),
    (D(2024, 10, 29), REGULAR, 5, 20.0),
    (D(2024, 10, 30), REGULAR, 15, 25.0),
    (D(2024, 11, 1), REGULAR, 25, 35.0),
    (D(2024, 11, 3), REGULAR, 35, 36.0),
    (D(2024, 11, 5), REGULAR, 12, 28.0),
    (D(2024, 11, 6), REGULAR, 18, 30.0),
    (D(2024, 11, 8), REGULAR, 22, 31.0),  # the night before: a back-to-back
    (TONIGHT, REGULAR, 60, 48.0),  # tonight's own result (as if already known): must not count
    (D(2024, 11, 11), REGULAR, 70, 48.0),  # a later game: must not count
]
# The veteran (now on MIA) played only last season, twice.
VETERAN_GAMES = [(D(2024, 4, 10), PREVIOUS, 40, 38.0), (D(2024, 4, 12), PREVIOUS, 20, 30.0)]


def _summary(player_id: int, team, day, season, points, minutes) -> dict:
    return {
        "game_id": f"g{player_id}-{day}",
        "game_date": day,
        "season": season,
        "player_id": player_id,
        "team_id": team[0],
        "team_abbr": team[1],
        "points": points,
        "minutes": minutes,
    }


def _stint(player_id: int, team, valid_from, valid_to=None) -> dict:
    return {
        "season": REGULAR,
        "team_id": team[0],
        "team_abbr": team[1],
        "player_id": player_id,
        "player_name": f"Player {player_id}",
        "player_lookup": f"player{player_id}",
        "roster_status": "standard",
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


ROSTERS = [
    _stint(TATUM, BOS, D(2024, 9, 24)),
    _stint(ROOKIE, BOS, D(2024, 9, 24)),
    _stint(VETERAN, MIA, D(2024, 9, 24)),
    _stint(TRADED, BOS, D(2024, 9, 24), D(2024, 11, 8)),  # traded away the day before
    _stint(TRADED, MIA, D(2024, 11, 9)),  # ... to tonight's opponent
    _stint(SIGNED, BOS, D(2024, 11, 10)),  # signed after tonight
]
LINES = [
    {
        "game_id": GAME,
        "game_date": TONIGHT,
        "player_id": TATUM,
        "bookmaker": "draftkings",
        "points_line": 21.5,
    },
    {"game_id": "0022400160", "game_date": D(2024, 11, 11), "player_id": ROOKIE, "points_line": 9.5},
]


@pytest.fixture(scope="module")
def contexts() -> dict[int, dict]:
    source = processors.SourceData(
        schedule=SCHEDULE,
        rosters=ROSTERS,
        player_props=LINES,
        upstream={
            "player_game_summary": [_summary(TATUM, BOS, *game) for game in TATUM_GAMES]
            + [_summary(VETERAN, MIA, *game) for game in VETERAN_GAMES]
        },
    )
    return {
        row["player_id"]: row for row in processors.compute("upcoming_player_game_context", source, [TONIGHT])
    }


def test_the_players_of_a_game_are_both_rosters_on_its_date(contexts):
    assert sorted(contexts) == [TATUM, ROOKIE, VETERAN, TRADED]
    assert {p: (r["team_abbr"], r["opponent_team_abbr"], r["is_home"]) for p, r in contexts.items()} == {
        TATUM: ("BOS", "MIA", True),
        ROOKIE: ("BOS", "MIA", True),
        VETERAN: ("MIA", "BOS", False),
        TRADED: ("MIA", "BOS", False),
    }


def test_recent_form_over_the_last_5_and_10_games_before_the_date(contexts):
    tatum = contexts[TATUM]
    # Last 5 before 11-09: 22 (11-08), 18, 12, 35, 25 -> 112 / 5.
    assert tatum["avg_points_last_5"] == 22.4
    # Last 10: the ten games of this season, 10+20+30+5+15+25+35+12+18+22 = 192.
    assert tatum["avg_points_last_10"] == 19.2
    # Their minutes: 30+32+34+20+25+35+36+28+30+31 = 301.
    assert tatum["avg_minutes_last_10"] == 30.1


def test_rest_back_to_backs_and_games_played(contexts):
    tatum, veteran = contexts[TATUM], contexts[VETERAN]
    assert (tatum["days_rest"], tatum["is_back_to_back"], tatum["games_played_season"]) == (0, True, 10)
    # 2024-04-12 to 2024-11-09 is 211 days: 210 days without a game; none this season yet.
    assert (veteran["days_rest"], veteran["is_back_to_back"], veteran["games_played_season"]) == (
        210,
        False,
        0,
    )
    # Fewer games than the window: the mean of those there are, across seasons.
    assert (veteran["avg_points_last_5"], veteran["avg_points_last_10"], veteran["avg_minutes_last_10"]) == (
        30.0,
        30.0,
        34.0,
    )


def test_no_history_is_null_and_no_line_is_null_not_a_missing_row(contexts):
    rookie = contexts[ROOKIE]
    assert rookie["games_played_season"] == 0
    assert [
        rookie[c] for c in ("days_rest", "is_back_to_back", "avg_points_last_5", "avg_minutes_last_10")
    ] == [None] * 4
    assert rookie["points_line"] is None  # his only line is for a later game
    assert contexts[TATUM]["points_line"] == 21.5
    assert contexts[TRADED]["points_line"] is None


# -- teams -----------------------------------------------------------------------------------

# BOS's games: (date, season, points scored, points allowed).
BOS_GAMES = [
    (D(2024, 4, 14), PREVIOUS, 130, 100),  # last season: a win that must not count this season
    (D(2024, 10, 22), REGULAR, 110, 100),
    (D(2024, 10, 24), REGULAR, 100, 105),
    (D(2024, 10, 26), REGULAR, 120, 90),
    (D(2024, 11, 6), REGULAR, 98, 99),
    (TONIGHT, REGULAR, 140, 80),  # must not count
]


def _team_rows(games) -> tuple[list[dict], list[dict]]:
    offense, defense = [], []
    for day, season, scored, allowed in games:
        key = {
            "game_id": f"t-{day}",
            "game_date": day,
            "season": season,
            "team_abbr": "BOS",
            "team_id": BOS[0],
        }
        offense.append({**key, "points": scored, "win": scored > allowed})
        defense.append({**key, "points_allowed": allowed})
    return offense, defense


def test_team_record_rest_and_scoring_before_the_date():
    offense, defense = _team_rows(BOS_GAMES)
    source = processors.SourceData(
        schedule=SCHEDULE,
        upstream={"team_offense_game_summary": offense, "team_defense_game_summary": defense},
    )
    rows = {r["team_abbr"]: r for r in processors.compute("upcoming_team_game_context", source, [TONIGHT])}
    boston, miami = rows["BOS"], rows["MIA"]
    # This season before 11-09: W 110-100, L 100-105, W 120-90, L 98-99; last game 11-06.
    assert (boston["wins_season"], boston["losses_season"], boston["games_played_season"]) == (2, 2, 4)
    assert (boston["days_rest"], boston["is_back_to_back"]) == (2, False)
    # Last 10 across seasons: (130+110+100+120+98) / 5 scored, (100+100+105+90+99) / 5 allowed.
    assert (boston["avg_points_last_10"], boston["avg_points_allowed_last_10"]) == (111.6, 98.8)
    assert (miami["games_played_season"], miami["wins_season"], miami["avg_points_last_10"]) == (0, 0, None)
