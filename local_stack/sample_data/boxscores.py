"""Players, rosters over time, box scores and prop lines that add up.

- Every team opens a season with a 15-man roster (about two thirds stay on from the last
  season) and a two-way player. During the season rosters churn as in the league: two
  trades at the deadline (each player then on two teams in one season), and signings that
  release a bench player. ``nbac_rosters`` records each stint (valid from, valid to).
- Every player on a team's roster on a game's date has a row in its box score; those who
  did not play have 0 minutes and a DNP reason.
- Minutes of the players who played sum to 240 per team; points are
  2·(FGM - 3PM) + 3·3PM + FTM; rebounds are OREB + DREB; the team row is the sum of its
  player rows; the players' plus-minus sums to five times the team's margin.
- The schedule's winner always scores more.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from dataclasses import dataclass

from local_stack.sample_data.schedule import TEAMS, Game, SeasonPlan

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
_NAME_DRAWS = 50
_SUFFIXES = ("Jr.", "II", "III", "IV", "V", "VI", "VII", "VIII")
"""A world of many seasons outgrows the 2,040 first-and-last-name pairs: after
``_NAME_DRAWS`` taken pairs in a row a name gets a suffix (earlier seasons keep theirs)."""
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


@dataclass(frozen=True)
class Stint:
    """One player on one team's roster, from ``valid_from`` to ``valid_to`` (inclusive)."""

    season: str
    team: str
    player: Player
    status: str  # standard | two_way
    valid_from: datetime.date
    valid_to: datetime.date | None  # None: still on the roster

    def covers(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def row(self) -> dict:
        return {
            "season": self.season,
            "team_id": TEAMS[self.team][0],
            "team_abbr": self.team,
            "player_id": self.player.player_id,
            "player_name": self.player.name,
            "player_lookup": self.player.lookup,
            "roster_status": self.status,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
        }


class Rosters:
    """Every stint, and who is on a team's roster on a date (best player first, two-way last)."""

    def __init__(self, stints: list[Stint]) -> None:
        self.stints = stints
        self._by_team: dict[tuple[str, str], list[Stint]] = {}
        for stint in stints:
            self._by_team.setdefault((stint.season, stint.team), []).append(stint)

    def on(self, season: str, team: str, day: datetime.date) -> list[Player]:
        present = [s for s in self._by_team.get((season, team), []) if s.covers(day)]
        present.sort(key=lambda s: (s.status == "two_way", -s.player.skill, s.player.player_id))
        return [s.player for s in present]

    def rows(self) -> list[dict]:
        return [s.row() for s in self.stints]


def _first_weekday(day: datetime.date, weekday: int) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def build_rosters(seed: int, plans: list[SeasonPlan], as_of: datetime.date) -> tuple[list[Player], Rosters]:
    """Every player, and every roster stint of the seasons in ``plans`` known on ``as_of``."""
    rng = random.Random(f"{seed}-players")
    players: list[Player] = []
    used_names: set[str] = set()

    def new_player(name: str | None = None, draw: random.Random = rng, skill: float | None = None) -> Player:
        for _ in range(_NAME_DRAWS):
            if name is not None and name not in used_names:
                break
            name = f"{draw.choice(FIRST)} {draw.choice(LAST)}"
        else:  # the first-and-last-name pool is (nearly) used up: a generational suffix
            name = next(f"{name} {s}" for s in _SUFFIXES if f"{name} {s}" not in used_names)
        used_names.add(name)
        skill = skill if skill is not None else max(0.15, min(0.95, draw.gauss(0.42, 0.14)))
        player = Player(1626000 + len(players), name, skill)
        players.append(player)
        return player

    rosters: dict[tuple[str, str], list[Player]] = {}
    previous: dict[str, list[Player]] = {}
    for plan in plans:
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
    # Churn draws from its own generator, after every base roster: the base rosters (and the
    # player ids of their players) are the same whatever the as-of date.
    stints: list[Stint] = []
    for index, plan in enumerate(plans):
        start = plan.opening - datetime.timedelta(days=28)
        following = plans[index + 1].opening - datetime.timedelta(days=29) if index + 1 < len(plans) else None
        stints += _season_stints(plan, rosters, start, following, as_of, new_player, seed)
    return players, Rosters(stints)


def _season_stints(plan, rosters, start, end, as_of, new_player, seed) -> list[Stint]:
    """A season's stints: opening rosters, a two-way player each, deadline trades, signings."""
    draw = random.Random(f"{seed}-churn-{plan.start_year}")
    open_stints: dict[tuple[str, int], Stint] = {}
    closed: list[Stint] = []

    def join(team: str, player: Player, status: str, day: datetime.date) -> None:
        open_stints[(team, player.player_id)] = Stint(plan.label, team, player, status, day, None)

    def leave(team: str, player: Player, day: datetime.date) -> None:
        stint = open_stints.pop((team, player.player_id))
        closed.append(
            Stint(
                stint.season, team, player, stint.status, stint.valid_from, day - datetime.timedelta(days=1)
            )
        )

    for team in sorted(TEAMS):
        for player in rosters[(plan.label, team)]:
            join(team, player, "standard", start)
        join(team, new_player(draw=draw, skill=draw.uniform(0.18, 0.3)), "two_way", start)
    deadline = _first_weekday(datetime.date(plan.start_year + 1, 2, 1), 3)
    if deadline < as_of:
        for _ in range(2):
            first, second = draw.sample(sorted(TEAMS), 2)

            def tradeable(team: str) -> Player:
                standard = sorted(
                    (s.player for (t, _), s in open_stints.items() if t == team and s.status == "standard"),
                    key=lambda p: -p.skill,
                )
                return draw.choice([p for p in standard[5:12] if p.name not in STARS.values()])

            going, coming = tradeable(first), tradeable(second)
            for team, player, to in ((first, going, second), (second, coming, first)):
                leave(team, player, deadline)
                join(to, player, "standard", deadline)
    for _ in range(3):
        day = datetime.date(plan.start_year, 12, 10) + datetime.timedelta(days=draw.randrange(80))
        if day >= as_of:
            continue
        team = draw.choice(sorted(TEAMS))
        standard = [s.player for (t, _), s in open_stints.items() if t == team and s.status == "standard"]
        released = min(standard, key=lambda p: (p.skill, p.player_id))
        leave(team, released, day)
        join(team, new_player(draw=draw), "standard", day)
    if end is not None:  # the season is over: every stint ends with it
        closed += [
            Stint(s.season, s.team, s.player, s.status, s.valid_from, end) for s in open_stints.values()
        ]
        return closed
    return closed + list(open_stints.values())


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


def build_boxscores(games: list[Game], rosters: Rosters, seed: int, as_of: datetime.date):
    """Player and team box-score rows for every game played before ``as_of``, and prop lines
    for those and for the games of ``as_of`` itself (posted before tip-off)."""
    player_rows: list[dict] = []
    team_rows: list[dict] = []
    prop_rows: list[dict] = []
    for game in games:
        if game.is_postponed or game.game_date > as_of:
            continue
        if not game.final:  # tonight: the lines are posted, nothing is played yet
            for team in (game.home, game.away):
                prop_rows += _props(game, rosters.on(game.season, team, game.game_date))
            continue
        rng = random.Random(f"{seed}-{game.game_id}-{game.game_date}")
        sides = {
            team: _team_box(rng, game, team, rosters.on(game.season, team, game.game_date))
            for team in (game.home, game.away)
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
            prop_rows += _props(game, rosters.on(game.season, team, game.game_date))
    return player_rows, team_rows, prop_rows


def _props(game: Game, roster: list[Player]) -> list[dict]:
    """One bookmaker's points lines for a team's five best players."""
    return [
        {
            "game_id": game.game_id,
            "game_date": game.game_date,
            "player_id": player.player_id,
            "player_lookup": player.lookup,
            "bookmaker": "draftkings",
            "points_line": round(player.skill * 30) + 0.5,
            "over_price": -110,
            "under_price": -110,
        }
        for player in roster[:5]
    ]
