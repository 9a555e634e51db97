"""player_game_summary: one row per player who played, from player box scores."""

from __future__ import annotations

import datetime

from nba_backfill.processors import SourceData, ratio


def compute(source: SourceData, game_dates: set[datetime.date]) -> list[dict]:
    games = {g["game_id"]: g for g in source.games_on(game_dates)}
    rows = []
    seen: set[tuple[str, int]] = set()
    for box in sorted(source.player_boxscores, key=lambda b: (b["game_id"], b["player_id"] or 0)):
        game = games.get(box["game_id"])
        if game is None or box["game_date"] != game["game_date"] or not box["minutes"]:
            continue
        key = (box["game_id"], box["player_id"])
        if key in seen:  # a duplicated raw row counts once
            continue
        seen.add(key)
        is_home = box["team_abbr"] == game["home_team_abbr"]
        shots = box["fga"] + 0.44 * box["fta"]
        rows.append(
            {
                "game_id": game["game_id"],
                "game_date": game["game_date"],
                "season": game["season"],
                "player_id": box["player_id"],
                "player_lookup": box["player_lookup"],
                "player_name": box["player_name"],
                "team_id": box["team_id"],
                "team_abbr": box["team_abbr"],
                "opponent_team_abbr": game["away_team_abbr"] if is_home else game["home_team_abbr"],
                "is_home": is_home,
                "starter": box["starter"],
                "minutes": box["minutes"],
                "points": box["pts"],
                **{c: box[c] for c in ("fgm", "fga", "fg3m", "fg3a", "ftm", "fta")},
                **{
                    c: box[c] for c in ("oreb", "dreb", "reb", "ast", "stl", "blk", "tov", "pf", "plus_minus")
                },
                "fg_pct": ratio(box["fgm"], box["fga"]),
                "ts_pct": ratio(box["pts"], 2 * shots),
            }
        )
    return rows
