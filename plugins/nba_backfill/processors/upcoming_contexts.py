"""upcoming_team_game_context and upcoming_player_game_context.

Each row describes a scheduled (not postponed) game from what was known before it: rest
days since the previous game, back-to-backs, season record and games played, and last-5 /
last-10 averages. History comes from the upstream summary tables, strictly before the
game's date and across seasons; a value with no history is NULL. The player's prop line
comes from the raw prop feed (NULL when there is none). The roster of a game is its box
score, DNPs included.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict

from nba_backfill.processors import SourceData, player_in_game


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


class _History:
    """Per-entity game history in date order, sliced strictly before a date."""

    def __init__(self, rows: list[dict], key: str) -> None:
        self._by_key: dict[object, list[dict]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: (r["game_date"], r["game_id"])):
            self._by_key[row[key]].append(row)
        self._dates = {k: [r["game_date"] for r in v] for k, v in self._by_key.items()}

    def before(self, key: object, day: datetime.date) -> list[dict]:
        rows = self._by_key.get(key, [])
        return rows[: bisect.bisect_left(self._dates.get(key, []), day)]


def _rest(previous: list[dict], day: datetime.date) -> tuple[int | None, bool | None]:
    if not previous:
        return None, None
    days_rest = (day - previous[-1]["game_date"]).days - 1
    return days_rest, days_rest == 0


def compute_team(source: SourceData, game_dates: set[datetime.date]) -> list[dict]:
    offense = _History(source.upstream.get("team_offense_game_summary", []), "team_abbr")
    defense = {
        (r["game_id"], r["team_abbr"]): r for r in source.upstream.get("team_defense_game_summary", [])
    }
    rows = []
    for game in sorted(source.games_on(game_dates), key=lambda g: g["game_id"]):
        for team, team_id, opponent, is_home in (
            (game["home_team_abbr"], game["home_team_id"], game["away_team_abbr"], True),
            (game["away_team_abbr"], game["away_team_id"], game["home_team_abbr"], False),
        ):
            history = offense.before(team, game["game_date"])
            season = [r for r in history if r["season"] == game["season"]]
            last10 = history[-10:]
            allowed = [
                defense[(r["game_id"], team)]["points_allowed"]
                for r in last10
                if (r["game_id"], team) in defense
            ]
            days_rest, back_to_back = _rest(history, game["game_date"])
            rows.append(
                {
                    "game_id": game["game_id"],
                    "game_date": game["game_date"],
                    "season": game["season"],
                    "team_id": team_id,
                    "team_abbr": team,
                    "opponent_team_abbr": opponent,
                    "is_home": is_home,
                    "days_rest": days_rest,
                    "is_back_to_back": back_to_back,
                    "games_played_season": len(season),
                    "wins_season": sum(1 for r in season if r["win"]),
                    "losses_season": sum(1 for r in season if not r["win"]),
                    "avg_points_last_10": _mean([r["points"] for r in last10]),
                    "avg_points_allowed_last_10": _mean(allowed),
                }
            )
    return rows


def compute_player(source: SourceData, game_dates: set[datetime.date]) -> list[dict]:
    games = {g["game_id"]: g for g in source.games_on(game_dates)}
    history = _History(source.upstream.get("player_game_summary", []), "player_id")
    lines = {}
    for prop in source.player_props:
        if prop["game_id"] in games and prop["points_line"] is not None:
            lines.setdefault((prop["game_id"], prop["player_id"]), prop["points_line"])
    rows = []
    seen: set[tuple[str, int]] = set()
    for box in sorted(source.player_boxscores, key=lambda b: (b["game_id"], b["player_id"] or 0)):
        game = games.get(box["game_id"])
        key = (box["game_id"], box["player_id"])
        if game is None or box["game_date"] != game["game_date"] or key in seen:
            continue
        seen.add(key)
        previous = history.before(box["player_id"], game["game_date"])
        season = [r for r in previous if r["season"] == game["season"]]
        days_rest, back_to_back = _rest(previous, game["game_date"])
        rows.append(
            {
                **player_in_game(box, game),
                "days_rest": days_rest,
                "is_back_to_back": back_to_back,
                "games_played_season": len(season),
                "avg_points_last_5": _mean([r["points"] for r in previous[-5:]]),
                "avg_points_last_10": _mean([r["points"] for r in previous[-10:]]),
                "avg_minutes_last_10": _mean([r["minutes"] for r in previous[-10:]]),
                "points_line": lines.get(key),
            }
        )
    return rows
