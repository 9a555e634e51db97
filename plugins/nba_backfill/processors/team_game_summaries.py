"""team_offense_game_summary and team_defense_game_summary from team box scores.

possessions = FGA - OREB + TOV + 0.44·FTA
pace = 48 · (own + opponent possessions) / (2 · team minutes / 5)
offensive rating = 100 · points / possessions; defensive rating = 100 · points allowed /
opponent possessions.
"""

from __future__ import annotations

import datetime

from nba_backfill.processors import SourceData, ratio


def possessions(box: dict) -> float:
    return box["fga"] - box["oreb"] + box["tov"] + 0.44 * box["fta"]


def _sides(source: SourceData, game_dates: set[datetime.date]):
    """(game, own team box, opponent box) for both teams of every game played on the dates."""
    games = {g["game_id"]: g for g in source.games_on(game_dates)}
    boxes: dict[tuple[str, str], dict] = {}
    for box in source.team_boxscores:
        if box["game_id"] in games and box["game_date"] == games[box["game_id"]]["game_date"]:
            boxes[(box["game_id"], box["team_abbr"])] = box
    for (game_id, _team), own in sorted(boxes.items()):
        opponent = boxes.get((game_id, own["opponent_team_abbr"]))
        if opponent is not None:
            yield games[game_id], own, opponent


def _team_columns(game: dict, own: dict) -> dict:
    return {
        "game_id": game["game_id"],
        "game_date": game["game_date"],
        "season": game["season"],
        "team_id": own["team_id"],
        "team_abbr": own["team_abbr"],
        "opponent_team_abbr": own["opponent_team_abbr"],
        "is_home": own["is_home"],
    }


def compute_offense(source: SourceData, game_dates: set[datetime.date]) -> list[dict]:
    rows = []
    for game, own, opp in _sides(source, game_dates):
        own_poss, opp_poss = possessions(own), possessions(opp)
        rows.append(
            {
                **_team_columns(game, own),
                "win": own["pts"] > opp["pts"],
                "points": own["pts"],
                **{c: own[c] for c in ("fgm", "fga", "fg3m", "fg3a", "ftm", "fta")},
                "fg_pct": ratio(own["fgm"], own["fga"]),
                "fg3_pct": ratio(own["fg3m"], own["fg3a"]),
                "ft_pct": ratio(own["ftm"], own["fta"]),
                **{c: own[c] for c in ("oreb", "dreb", "reb", "ast", "tov")},
                "possessions": round(own_poss, 4),
                "pace": ratio(48 * (own_poss + opp_poss), 2 * own["minutes"] / 5),
                "offensive_rating": ratio(100 * own["pts"], own_poss),
            }
        )
    return rows


def compute_defense(source: SourceData, game_dates: set[datetime.date]) -> list[dict]:
    rows = []
    for game, own, opp in _sides(source, game_dates):
        opp_poss = possessions(opp)
        rows.append(
            {
                **_team_columns(game, own),
                "points_allowed": opp["pts"],
                **{f"opp_{c}": opp[c] for c in ("fgm", "fga", "fg3m", "fg3a", "ftm", "fta", "oreb", "dreb")},
                "opp_reb": opp["reb"],
                "opp_ast": opp["ast"],
                "opp_tov": opp["tov"],
                "steals": own["stl"],
                "blocks": own["blk"],
                "opp_possessions": round(opp_poss, 4),
                "defensive_rating": ratio(100 * opp["pts"], opp_poss),
            }
        )
    return rows
