"""Players, box scores and prop lines that add up.

- Every team carries a 15-man roster per season (players stay with a team for a whole
  season; about two thirds stay on into the next). Every rostered player has a row in
  each of his team's box scores; those who did not play have 0 minutes and a DNP reason.
- Minutes of the players who played sum to 240 per team; points are
  2·(FGM - 3PM) + 3·3PM + FTM; rebounds are OREB + DREB; the team row is the sum of its
  player rows; the players' plus-minus sums to five times the team's margin.
- The schedule's winner always scores more.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from local_stack.sample_data.schedule import SEASONS, TEAMS, Game

FIRST = [
    "James",
    "Kevin",
    "Chris",
    "Anthony",
    "Marcus",
    "Jalen",
    "Tyler",
    "Devin",
    "Jaylen",
    "Josh",
    "Zach",
    "Bam",
    "Trae",
    "De'Aaron",
    "Kyle",
    "Jamal",
    "Mikal",
    "Darius",
    "Malik",
    "Cam",
    "Keldon",
    "Jrue",
    "Khris",
    "Brook",
    "Bojan",
    "Dario",
    "Goran",
    "Jusuf",
    "Bogdan",
    "Kristaps",
    "Domantas",
    "Jonas",
    "Alperen",
    "Deni",
    "Franz",
    "Moritz",
    "Lauri",
    "Jae",
    "Shai",
    "Andrew",
]
LAST = [
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Thomas",
    "Jackson",
    "White",
    "Harris",
    "Martin",
    "Thompson",
    "Garcia",
    "Robinson",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Allen",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Šarić",
    "Bogdanović",
    "Nurkić",
    "Valančiūnas",
    "Porziņģis",
    "Sabonis",
    "Şengün",
    "Avdija",
    "Müller",
    "Wagner",
    "Markkanen",
]
# Fixed stars keep their real names, non-ASCII letters included.
STARS = {
    "DAL": "Luka Dončić",
    "DEN": "Nikola Jokić",
    "TOR": "Dennis Schröder",
    "MIL": "Giannis Antetokounmpo",
}
ROSTER_SIZE = 15
DNP_REASONS = ("DNP - Coach's Decision", "Inactive - Injury/Illness", "DNP - Rest")


def player_lookup(name: str) -> str:
    """The platform's join key for a player: ASCII letters of the name, lowercase."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_name.lower() if ch.isalpha())


@dataclass(frozen=True)
class Player:
    player_id: int
    name: str
    skill: float  # scoring rate, points per minute

    @property
    def lookup(self) -> str:
        return player_lookup(self.name)


def build_rosters(seed: int) -> tuple[list[Player], dict[tuple[str, str], list[Player]]]:
    """Every player, and each (season, team) roster ordered from star to deep bench."""
    rng = random.Random(f"{seed}-players")
    players: list[Player] = []
    used_names: set[str] = set()

    def new_player(name: str | None = None) -> Player:
        while name is None or name in used_names:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        used_names.add(name)
        skill = max(0.15, min(0.95, rng.gauss(0.42, 0.14)))
        player = Player(1626000 + len(players), name, skill)
        players.append(player)
        return player

    rosters: dict[tuple[str, str], list[Player]] = {}
    previous: dict[str, list[Player]] = {}
    for plan in SEASONS:
        for team in sorted(TEAMS):
            if team in previous:
                kept = rng.sample(previous[team], 10)
            else:
                kept = [new_player(STARS[team])] if team in STARS else []
            roster = kept + [new_player() for _ in range(ROSTER_SIZE - len(kept))]
            if team in STARS:  # the star stays
                star = next(p for p in players if p.name == STARS[team])
                # By id: the kept copy may be last season's boosted one, an unequal object.
                if all(p.player_id != star.player_id for p in roster):
                    roster[-1] = star
                star_boost = Player(star.player_id, star.name, 0.85)
                roster = [star_boost if p.player_id == star.player_id else p for p in roster]
            roster.sort(key=lambda p: -p.skill)
            rosters[(plan.label, team)] = roster
            previous[team] = roster
    return players, rosters


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def _split(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _team_box(rng: random.Random, game: Game, team: str, roster: list[Player]) -> list[dict]:
    playing = 8 + rng.randint(1, 3) if game.game_type == "regular" else 9
    order = roster[:]
    # Someone of the top group sits now and then.
    if rng.random() < 0.15:
        order.append(order.pop(rng.randrange(0, 8)))
    active, idle = order[:playing], order[playing:]
    minute_weights = [max(0.2, 36 - 3 * i + rng.uniform(-3, 3)) for i in range(playing)]
    minutes = _split(240, minute_weights)
    rows = []
    for i, (player, mins) in enumerate(zip(active, minutes, strict=True)):
        fga = max(0, round(mins * player.skill * 0.85 / 1.1 + rng.gauss(0, 1.5)))
        fg3a = _binomial(rng, fga, 0.38)
        fgm = _binomial(rng, fga - fg3a, 0.52) + (fg3m := _binomial(rng, fg3a, 0.36))
        fta = _binomial(rng, round(mins * 0.12), 0.6)
        ftm = _binomial(rng, fta, 0.78)
        oreb = _binomial(rng, round(mins / 6), 0.25)
        dreb = _binomial(rng, round(mins / 3), 0.33)
        rows.append(
            {
                "player": player,
                "starter": i < 5,
                "minutes": float(mins),
                "fgm": fgm,
                "fga": fga,
                "fg3m": fg3m,
                "fg3a": fg3a,
                "ftm": ftm,
                "fta": fta,
                "oreb": oreb,
                "dreb": dreb,
                "ast": _binomial(rng, round(mins / 4), 0.45),
                "stl": _binomial(rng, round(mins / 12), 0.35),
                "blk": _binomial(rng, round(mins / 14), 0.3),
                "tov": _binomial(rng, round(mins / 8), 0.3),
                "pf": min(6, _binomial(rng, round(mins / 6), 0.35)),
                "dnp_reason": None,
            }
        )
    for player in idle:
        rows.append(
            {"player": player, "starter": False, "minutes": 0.0, "dnp_reason": rng.choice(DNP_REASONS)}
            | dict.fromkeys(
                (
                    "fgm",
                    "fga",
                    "fg3m",
                    "fg3a",
                    "ftm",
                    "fta",
                    "oreb",
                    "dreb",
                    "ast",
                    "stl",
                    "blk",
                    "tov",
                    "pf",
                ),
                0,
            )
        )
    return rows


def _points(row: dict) -> int:
    return 2 * (row["fgm"] - row["fg3m"]) + 3 * row["fg3m"] + row["ftm"]


STAT_COLUMNS = ("fgm", "fga", "fg3m", "fg3a", "ftm", "fta", "oreb", "dreb", "ast", "stl", "blk", "tov", "pf")


def build_boxscores(games: list[Game], rosters: dict[tuple[str, str], list[Player]], seed: int):
    """Player and team box-score rows, and prop lines, for every game that was played."""
    player_rows: list[dict] = []
    team_rows: list[dict] = []
    prop_rows: list[dict] = []
    for game in games:
        if game.is_postponed:
            continue
        rng = random.Random(f"{seed}-{game.game_id}-{game.game_date}")
        sides = {
            team: _team_box(rng, game, team, rosters[(game.season, team)]) for team in (game.home, game.away)
        }
        # The schedule's winner scores more: free throws until it does.
        loser = game.away if game.winner == game.home else game.home
        winner_rows = [r for r in sides[game.winner] if r["minutes"] > 0]
        while sum(map(_points, sides[game.winner])) <= sum(map(_points, sides[loser])):
            lucky = rng.choice(winner_rows)
            lucky["fta"] += 2
            lucky["ftm"] += 2
        points = {team: sum(map(_points, rows)) for team, rows in sides.items()}
        for team, rows in sides.items():
            opponent = game.away if team == game.home else game.home
            margin = points[team] - points[opponent]
            played = [r for r in rows if r["minutes"] > 0]
            plus_minus = _split(5 * abs(margin), [r["minutes"] for r in played])
            for row, pm in zip(played, plus_minus, strict=True):
                row["plus_minus"] = pm if margin >= 0 else -pm
            team_id = TEAMS[team][0]
            for row in rows:
                player = row["player"]
                player_rows.append(
                    {
                        "game_id": game.game_id,
                        "game_date": game.game_date,
                        "season": game.season,
                        "team_id": team_id,
                        "team_abbr": team,
                        "player_id": player.player_id,
                        "player_name": player.name,
                        "player_lookup": player.lookup,
                        "starter": row["starter"],
                        "minutes": row["minutes"],
                        "pts": _points(row),
                        **{c: row[c] for c in STAT_COLUMNS},
                        "reb": row["oreb"] + row["dreb"],
                        "plus_minus": row.get("plus_minus", 0),
                        "dnp_reason": row["dnp_reason"],
                    }
                )
            team_rows.append(
                {
                    "game_id": game.game_id,
                    "game_date": game.game_date,
                    "season": game.season,
                    "team_id": team_id,
                    "team_abbr": team,
                    "opponent_team_abbr": opponent,
                    "is_home": team == game.home,
                    "minutes": sum(r["minutes"] for r in rows),
                    "pts": points[team],
                    **{c: sum(r[c] for r in rows) for c in STAT_COLUMNS},
                    "reb": sum(r["oreb"] + r["dreb"] for r in rows),
                    "plus_minus": margin,
                }
            )
            for player in rosters[(game.season, team)][:5]:
                line = round(player.skill * 30) + 0.5
                prop_rows.append(
                    {
                        "game_id": game.game_id,
                        "game_date": game.game_date,
                        "player_id": player.player_id,
                        "player_lookup": player.lookup,
                        "bookmaker": "draftkings",
                        "points_line": line,
                        "over_price": -110,
                        "under_price": -110,
                    }
                )
    return player_rows, team_rows, prop_rows
