"""The NBA calendar from 2016-17 up to an as-of date, as the schedule feed would record it.

The world is as the feeds know it on the as-of date (default: today, US/Eastern): games
before it are final (``game_status`` 3), games on and after it are scheduled (1) and have no
result yet; the regular season is scheduled to its end, play-in, playoffs and the NBA Cup
final appear once they have been played.

Rules
- Regular seasons open in mid/late October (2020-21: 2020-12-22), 82 games per team
  (2020-21: 72), 30 teams, nobody plays twice on one day, no games on Thanksgiving or
  during the All-Star break.
- 2019-20 is suspended on 2020-03-12 (games of 2020-03-11 were the last); 22 teams
  restart in the bubble on 2020-07-30 with 8 seeding games each.
- Play-in from 2020-21; playoffs (four best-of-seven rounds) end in June (2020: October,
  2021: July).
- Postponed games (December 2021, January 2021) keep their game id: the original date
  stays in the schedule with ``is_postponed`` and ``game_status`` 1, the make-up game is
  a second row on a later date with ``original_game_date`` set.
- The NBA Cup (the in-season tournament, from 2023-24): its final is played on the third
  Tuesday of December between the strongest East and West teams free that day, and does
  not count in the standings (``game_type`` ``cup_final``, type 6).
- Seasons after 2024-25 follow the calendar's shape: opening on the first Tuesday from
  October 18, the All-Star break from the Friday from February 12 (six days), the regular
  season ending on the second Sunday of April.
- Game ids follow the NBA's format ``00TYYNNNNN``: type 2 regular season, 4 playoffs,
  5 play-in, 6 cup final; YY the season's start year.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field

D = datetime.date

# team_abbr: (team_id, city, nickname, conference)
TEAMS = {
    "ATL": (1610612737, "Atlanta", "Hawks", "East"),
    "BOS": (1610612738, "Boston", "Celtics", "East"),
    "CLE": (1610612739, "Cleveland", "Cavaliers", "East"),
    "NOP": (1610612740, "New Orleans", "Pelicans", "West"),
    "CHI": (1610612741, "Chicago", "Bulls", "East"),
    "DAL": (1610612742, "Dallas", "Mavericks", "West"),
    "DEN": (1610612743, "Denver", "Nuggets", "West"),
    "GSW": (1610612744, "Golden State", "Warriors", "West"),
    "HOU": (1610612745, "Houston", "Rockets", "West"),
    "LAC": (1610612746, "Los Angeles", "Clippers", "West"),
    "LAL": (1610612747, "Los Angeles", "Lakers", "West"),
    "MIA": (1610612748, "Miami", "Heat", "East"),
    "MIL": (1610612749, "Milwaukee", "Bucks", "East"),
    "MIN": (1610612750, "Minnesota", "Timberwolves", "West"),
    "BKN": (1610612751, "Brooklyn", "Nets", "East"),
    "NYK": (1610612752, "New York", "Knicks", "East"),
    "ORL": (1610612753, "Orlando", "Magic", "East"),
    "IND": (1610612754, "Indiana", "Pacers", "East"),
    "PHI": (1610612755, "Philadelphia", "76ers", "East"),
    "PHX": (1610612756, "Phoenix", "Suns", "West"),
    "POR": (1610612757, "Portland", "Trail Blazers", "West"),
    "SAC": (1610612758, "Sacramento", "Kings", "West"),
    "SAS": (1610612759, "San Antonio", "Spurs", "West"),
    "OKC": (1610612760, "Oklahoma City", "Thunder", "West"),
    "TOR": (1610612761, "Toronto", "Raptors", "East"),
    "UTA": (1610612762, "Utah", "Jazz", "West"),
    "MEM": (1610612763, "Memphis", "Grizzlies", "West"),
    "WAS": (1610612764, "Washington", "Wizards", "East"),
    "DET": (1610612765, "Detroit", "Pistons", "East"),
    "CHA": (1610612766, "Charlotte", "Hornets", "East"),
}
ABBRS = sorted(TEAMS)
BUBBLE_TEAMS = [
    "MIL",
    "TOR",
    "BOS",
    "MIA",
    "IND",
    "PHI",
    "BKN",
    "ORL",
    "WAS",
    "LAL",
    "LAC",
    "DEN",
    "UTA",
    "OKC",
    "HOU",
    "DAL",
    "MEM",
    "POR",
    "SAS",
    "SAC",
    "NOP",
    "PHX",
]
SUSPENSION = (D(2020, 3, 12), D(2020, 7, 29))


@dataclass(frozen=True)
class SeasonPlan:
    start_year: int
    opening: datetime.date
    regular_end: datetime.date
    all_star_break: tuple[datetime.date, datetime.date]
    games_per_team: int = 82

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def yy(self) -> str:
        return f"{self.start_year % 100:02d}"

    @property
    def has_play_in(self) -> bool:
        return self.start_year >= 2020


SEASONS = (
    SeasonPlan(2016, D(2016, 10, 25), D(2017, 4, 12), (D(2017, 2, 17), D(2017, 2, 22))),
    SeasonPlan(2017, D(2017, 10, 17), D(2018, 4, 11), (D(2018, 2, 16), D(2018, 2, 21))),
    SeasonPlan(2018, D(2018, 10, 16), D(2019, 4, 10), (D(2019, 2, 15), D(2019, 2, 20))),
    SeasonPlan(2019, D(2019, 10, 22), D(2020, 4, 24), (D(2020, 2, 14), D(2020, 2, 19))),
    SeasonPlan(2020, D(2020, 12, 22), D(2021, 5, 16), (D(2021, 3, 5), D(2021, 3, 9)), games_per_team=72),
    SeasonPlan(2021, D(2021, 10, 19), D(2022, 4, 10), (D(2022, 2, 18), D(2022, 2, 23))),
    SeasonPlan(2022, D(2022, 10, 18), D(2023, 4, 9), (D(2023, 2, 17), D(2023, 2, 22))),
    SeasonPlan(2023, D(2023, 10, 24), D(2024, 4, 14), (D(2024, 2, 16), D(2024, 2, 21))),
    SeasonPlan(2024, D(2024, 10, 22), D(2025, 4, 13), (D(2025, 2, 14), D(2025, 2, 19))),
    SeasonPlan(2025, D(2025, 10, 21), D(2026, 4, 12), (D(2026, 2, 13), D(2026, 2, 18))),
    SeasonPlan(2026, D(2026, 10, 20), D(2027, 4, 11), (D(2027, 2, 12), D(2027, 2, 17))),
)
# Postponed originals: (season start year, window of original dates, how many).
POSTPONEMENTS = {2020: (D(2021, 1, 10), D(2021, 1, 31), 8), 2021: (D(2021, 12, 19), D(2021, 12, 31), 10)}


@dataclass
class Game:
    game_id: str
    game_date: datetime.date
    season: str
    game_type: str  # regular | play_in | playoffs | cup_final
    home: str
    away: str
    home_wins: bool
    is_postponed: bool = False
    original_game_date: datetime.date | None = None
    final: bool = True
    """Played before the as-of date; a game on or after it is scheduled (its result unknown)."""

    @property
    def game_status(self) -> int:
        return 3 if self.final and not self.is_postponed else 1

    @property
    def winner(self) -> str:
        return self.home if self.home_wins else self.away

    def schedule_row(self) -> dict:
        home_id, away_id = TEAMS[self.home][0], TEAMS[self.away][0]
        return {
            "game_id": self.game_id,
            "game_date": self.game_date,
            "season": self.season,
            "game_type": self.game_type,
            "game_status": self.game_status,
            "home_team_id": home_id,
            "home_team_abbr": self.home,
            "away_team_id": away_id,
            "away_team_abbr": self.away,
            "is_postponed": self.is_postponed,
            "original_game_date": self.original_game_date,
        }


def thanksgiving(year: int) -> datetime.date:
    first = D(year, 11, 1)
    first_thursday = first + datetime.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + datetime.timedelta(weeks=3)


def _days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


@dataclass
class _Season:
    plan: SeasonPlan
    rng: random.Random
    strength: dict[str, float] = field(default_factory=dict)
    games: list[Game] = field(default_factory=list)

    def home_wins(self, home: str, away: str) -> bool:
        edge = 0.3 + self.strength[home] - self.strength[away]
        return self.rng.random() < 1 / (1 + math.exp(-edge))


def _pairings(teams: list[str], games_per_team: int, rng: random.Random) -> list[tuple[str, str]]:
    """Home/away pairs giving every team exactly ``games_per_team`` games."""
    n = len(teams)
    base = 2 * (n - 1)  # home and away against everyone
    extra_opponents = (games_per_team - base) // 2  # each extra opponent: one more home and away
    order = teams[:]
    rng.shuffle(order)
    pairs = []
    for i in range(n):
        for j in range(i + 1, n):
            pairs += [(order[i], order[j]), (order[j], order[i])]
    # A circulant graph: each team gets `extra_opponents` extra opponents.
    offsets = list(range(1, extra_opponents // 2 + 1))
    if extra_opponents % 2:
        offsets.append(n // 2)
    for i in range(n):
        for offset in offsets:
            j = (i + offset) % n
            if offset == n // 2 and i > j:
                continue
            pairs += [(order[i], order[j]), (order[j], order[i])]
    return pairs


def _assign_days(
    pairs: list[tuple[str, str]], days: list[datetime.date], rng: random.Random
) -> list[tuple[datetime.date, str, str]]:
    """Spread games over days: nobody plays twice a day or three days running."""
    remaining = pairs[:]
    rng.shuffle(remaining)
    left = {t: 0 for p in pairs for t in p}
    for home, away in pairs:
        left[home] += 1
        left[away] += 1
    played_on: dict[str, set[datetime.date]] = {t: set() for t in left}
    placed = []
    day_list = list(days)
    extra = day_list[-1]
    while remaining:
        if not day_list:  # rare: spill over a day past the planned end
            extra += datetime.timedelta(days=1)
            day_list.append(extra)
        day = day_list.pop(0)
        target = math.ceil(len(remaining) / max(1, len(day_list) + 1) + rng.uniform(-2, 2))
        remaining.sort(key=lambda p: -(left[p[0]] + left[p[1]] + rng.random()))
        busy: set[str] = set()
        kept = []
        for home, away in remaining:
            two_before = {day - datetime.timedelta(days=1), day - datetime.timedelta(days=2)}
            tired = any(two_before <= played_on[t] for t in (home, away))
            if len(busy) // 2 < max(1, target) and home not in busy and away not in busy and not tired:
                busy |= {home, away}
                played_on[home].add(day)
                played_on[away].add(day)
                left[home] -= 1
                left[away] -= 1
                placed.append((day, home, away))
            else:
                kept.append((home, away))
        remaining = kept
    return placed


def _regular_days(plan: SeasonPlan, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    skip = {thanksgiving(plan.start_year)} | set(_days(*plan.all_star_break))
    return [d for d in _days(start, end) if d not in skip]


def _standings(games: list[Game], teams: list[str]) -> dict[str, int]:
    wins = dict.fromkeys(teams, 0)
    for game in games:
        if not game.is_postponed and game.game_type == "regular" and game.winner in wins:
            wins[game.winner] += 1
    return wins


def _seeds(season: _Season, teams: list[str], conference: str) -> list[str]:
    wins = _standings(season.games, teams)
    conf = [t for t in teams if TEAMS[t][3] == conference]
    return sorted(conf, key=lambda t: (-wins[t], -season.strength[t], t))


def _play_in(season: _Season, start: datetime.date) -> dict[str, list[str]]:
    """Seeds 7-10 of each conference; returns each conference's 8 playoff seeds."""
    plan, seq = season.plan, 1
    result = {}
    for offset, conference in enumerate(("East", "West")):
        seeds = _seeds(season, ABBRS, conference)
        s7, s8, s9, s10 = seeds[6:10]
        day = start + datetime.timedelta(days=offset)
        first = Game(f"005{plan.yy}{seq:05d}", day, plan.label, "play_in", s7, s8, season.home_wins(s7, s8))
        second = Game(
            f"005{plan.yy}{seq + 1:05d}", day, plan.label, "play_in", s9, s10, season.home_wins(s9, s10)
        )
        loser_first = s8 if first.home_wins else s7
        last_home, last_away = loser_first, second.winner
        last = Game(
            f"005{plan.yy}{seq + 2:05d}",
            start + datetime.timedelta(days=2 + offset),
            plan.label,
            "play_in",
            last_home,
            last_away,
            season.home_wins(last_home, last_away),
        )
        seq += 3
        season.games += [first, second, last]
        result[conference] = [*seeds[:6], first.winner, last.winner]
    return result


def _playoffs(season: _Season, seeds: dict[str, list[str]], start: datetime.date) -> None:
    plan = season.plan
    brackets = {c: [(s[0], s[7]), (s[3], s[4]), (s[2], s[5]), (s[1], s[6])] for c, s in seeds.items()}
    rank = {t: i for s in seeds.values() for i, t in enumerate(s)}
    round_start = start
    for round_no in range(1, 5):
        if round_no < 4:
            series = [pair for conf in ("East", "West") for pair in brackets[conf]]
        else:
            series = [(brackets["East"][0][0], brackets["West"][0][0])]
        winners = []
        for series_no, (a, b) in enumerate(series, start=1):
            high, low = (a, b) if (rank[a], a) <= (rank[b], b) else (b, a)
            wins = {high: 0, low: 0}
            game_no = 0
            while max(wins.values()) < 4:
                game_no += 1
                home, away = (high, low) if game_no in (1, 2, 5, 7) else (low, high)
                day = round_start + datetime.timedelta(days=2 * (game_no - 1) + (series_no % 2))
                game = Game(
                    f"004{plan.yy}00{round_no}{series_no}{game_no}",
                    day,
                    plan.label,
                    "playoffs",
                    home,
                    away,
                    season.home_wins(home, away),
                )
                season.games.append(game)
                wins[game.winner] += 1
            winners.append(max(wins, key=wins.get))
        if round_no < 3:
            for conf in ("East", "West"):
                pairs = brackets[conf]
                flat = winners[: len(pairs)] if conf == "East" else winners[len(winners) // 2 :]
                brackets[conf] = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
        elif round_no == 3:
            brackets = {"East": [(winners[0], winners[0])], "West": [(winners[1], winners[1])]}
        round_start += datetime.timedelta(days=15)


def _postpone(season: _Season, rng: random.Random) -> None:
    """Postpone some games and add their make-up games on later free dates."""
    window_start, window_end, count = POSTPONEMENTS[season.plan.start_year]
    regular = [g for g in season.games if g.game_type == "regular"]
    candidates = [g for g in regular if window_start <= g.game_date <= window_end]
    busy: dict[datetime.date, set[str]] = {}
    for game in regular:
        busy.setdefault(game.game_date, set()).update((game.home, game.away))
    free_days = [
        d
        for d in _regular_days(season.plan, window_end + datetime.timedelta(days=20), season.plan.regular_end)
        if d in busy
    ]
    for original in rng.sample(candidates, count):
        makeup_day = next(
            d for d in free_days if original.home not in busy[d] and original.away not in busy[d]
        )
        busy[makeup_day].update((original.home, original.away))
        season.games.append(
            Game(
                original.game_id,
                makeup_day,
                original.season,
                "regular",
                original.home,
                original.away,
                original.home_wins,
                original_game_date=original.game_date,
            )
        )
        original.is_postponed = True


def _number_regular_games(
    season: _Season, placed: list[tuple[datetime.date, str, str]], first_seq: int
) -> int:
    plan = season.plan
    for seq, (day, home, away) in enumerate(sorted(placed), start=first_seq):
        season.games.append(
            Game(
                f"002{plan.yy}{seq:05d}", day, plan.label, "regular", home, away, season.home_wins(home, away)
            )
        )
    return first_seq + len(placed)


def _weekday_from(day: datetime.date, weekday: int) -> datetime.date:
    """The first ``weekday`` (Monday 0) on or after ``day``."""
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def season_plan(start_year: int) -> SeasonPlan:
    """The season starting in ``start_year``: the listed ones, or one shaped like them."""
    for plan in SEASONS:
        if plan.start_year == start_year:
            return plan
    all_star = _weekday_from(D(start_year + 1, 2, 12), 4)
    return SeasonPlan(
        start_year,
        _weekday_from(D(start_year, 10, 18), 1),
        _weekday_from(D(start_year + 1, 4, 8), 6),
        (all_star, all_star + datetime.timedelta(days=5)),
    )


def season_plans(as_of: datetime.date) -> list[SeasonPlan]:
    """Every season from 2016-17 whose opening night is on or before ``as_of``."""
    plans = []
    year = SEASONS[0].start_year
    while (plan := season_plan(year)).opening <= as_of:
        plans.append(plan)
        year += 1
    return plans


def _cup_final(season: _Season) -> None:
    """The NBA Cup final (from 2023-24): the third Tuesday of December, best East v best West
    teams free that day; no effect on the standings."""
    plan = season.plan
    if plan.start_year < 2023:
        return
    day = _weekday_from(D(plan.start_year, 12, 15), 1)
    busy = {t for g in season.games if g.game_date == day for t in (g.home, g.away)}

    def best(conference: str) -> str:
        free = [t for t in ABBRS if TEAMS[t][3] == conference and t not in busy]
        return max(free, key=lambda t: (season.strength[t], t))

    home, away = best("East"), best("West")
    # The season's last draw: every other game was drawn before it, so none changes.
    home_wins = season.home_wins(home, away)
    season.games.append(Game(f"006{plan.yy}00001", day, plan.label, "cup_final", home, away, home_wins))


def build_season(plan: SeasonPlan, seed: int, as_of: datetime.date) -> list[Game]:
    """The season as known on ``as_of``: played games final, the regular season's rest scheduled."""
    rng = random.Random(f"{seed}-{plan.start_year}")
    season = _Season(plan, rng, strength={t: rng.gauss(0, 0.6) for t in ABBRS})
    pairs = _pairings(ABBRS, plan.games_per_team, rng)
    placed = _assign_days(pairs, _regular_days(plan, plan.opening, plan.regular_end), rng)
    if plan.start_year == 2019:
        placed = [p for p in placed if p[0] < SUSPENSION[0]]
        next_seq = _number_regular_games(season, placed, 1)
        bubble_pairs = _bubble_pairings(rng)
        bubble_days = list(_days(SUSPENSION[1] + datetime.timedelta(days=1), D(2020, 8, 14)))
        _number_regular_games(season, _assign_days(bubble_pairs, bubble_days, rng), next_seq)
        seeds = {c: _seeds(season, BUBBLE_TEAMS, c)[:8] for c in ("East", "West")}
        _playoffs(season, seeds, D(2020, 8, 17))
    else:
        _number_regular_games(season, placed, 1)
        if plan.start_year in POSTPONEMENTS:
            _postpone(season, rng)
        last_regular = max(g.game_date for g in season.games)
        if plan.has_play_in:
            seeds = _play_in(season, last_regular + datetime.timedelta(days=2))
            playoff_start = last_regular + datetime.timedelta(days=6)
        else:
            seeds = {c: _seeds(season, ABBRS, c)[:8] for c in ("East", "West")}
            playoff_start = last_regular + datetime.timedelta(days=4)
        _playoffs(season, seeds, playoff_start)
    _cup_final(season)
    known = []
    for game in season.games:
        game.final = game.game_date < as_of
        # Unplayed regular-season games are on the schedule; play-in, playoffs and the cup
        # final only once their teams are known, which this world does not model.
        if game.final or game.game_type == "regular":
            known.append(game)
    return sorted(known, key=lambda g: (g.game_date, g.game_id))


def _bubble_pairings(rng: random.Random) -> list[tuple[str, str]]:
    """Eight seeding games per bubble team: a random 8-regular matchup graph."""
    teams = BUBBLE_TEAMS[:]
    rng.shuffle(teams)
    n = len(teams)
    pairs = []
    for i in range(n):
        for offset in (1, 2, 3, 4):
            j = (i + offset) % n
            pairs.append((teams[i], teams[j]) if rng.random() < 0.5 else (teams[j], teams[i]))
    return pairs


def build_schedule(seed: int, as_of: datetime.date) -> list[Game]:
    """Every game of every season up to ``as_of`` (and the current season's rest), in date order."""
    return [game for plan in season_plans(as_of) for game in build_season(plan, seed, as_of)]
