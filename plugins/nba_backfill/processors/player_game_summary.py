"""player_game_summary: one row per player who played, from player box scores."""

from __future__ import annotations

import datetime

from nba_backfill.processors import SourceData, player_in_game, ratio


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
        shots = box["fga"] + 0.44 * box["fta"]
        rows.append(
            {
                **player_in_game(box, game),
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
