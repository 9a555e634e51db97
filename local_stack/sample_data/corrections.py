"""Box-score corrections landed in raw data after processing, as the league issues them.

``python -m local_stack.sample_data --corrections N [--from-date A --to-date B] [--seed S]``
picks N games of the loaded world (seeded, so the same arguments pick the same games) and
rewrites their raw rows in place, one kind per correction, in turn:

``rebound_reassigned``
    a defensive rebound moves from one player to a teammate (two player rows change; the
    team's totals do not).
``shot_credited``
    a made two-point shot is credited to a teammate: points, makes and attempts move.
``team_turnover``
    a team turnover (a shot-clock violation) is added to a team's box score: its offense and
    its opponent's defense change.
``dnp_reason``
    the reason a player who did not play is listed for changes: no analytics column reads it,
    so nothing becomes stale.

Each is a few UPDATE statements on ``nba_raw``; nothing in ``nba_analytics`` changes.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from local_stack.adhoc import run_dml, run_query
from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES, SCHEDULE, TEAM_BOXSCORES

KINDS = ("rebound_reassigned", "shot_credited", "team_turnover", "dnp_reason")
DNP_REASONS = ("DNP - Coach's Decision", "DNP - Rest", "DNP - Injury/Illness", "Inactive - Not With Team")


@dataclass(frozen=True)
class Correction:
    kind: str
    game_id: str
    game_date: datetime.date
    team_abbr: str
    player_ids: tuple[int, ...] = ()
    """From whom, to whom (``dnp_reason``: the one player)."""

    def describe(self) -> str:
        who = " -> ".join(str(p) for p in self.player_ids) or self.team_abbr
        return f"{self.game_date} {self.game_id} {self.kind}: {who}"


def _boxes(first: datetime.date, last: datetime.date, client) -> list[dict]:
    sql = f"""
        select box.game_id, box.game_date, box.team_abbr, box.player_id, box.minutes, box.dreb,
            box.fgm, box.fg3m, box.fga, box.pts, box.dnp_reason
        from `{PLAYER_BOXSCORES.table_id}` as box
        inner join `{SCHEDULE.table_id}` as games on box.game_id = games.game_id
        where box.game_date between @first and @last and games.game_status = 3 and not games.is_postponed
        order by box.game_id, box.player_id
    """
    return [dict(r.items()) for r in run_query(sql, {"first": first, "last": last}, client=client)]


def plan_corrections(
    n: int, first: datetime.date, last: datetime.date, client, seed: int = 1
) -> list[Correction]:
    """N corrections on distinct final games of ``first..last``, kinds in turn; same seed, same picks."""
    boxes = _boxes(first, last, client)
    games = sorted({(b["game_date"], b["game_id"]) for b in boxes})
    if n > len(games):
        raise ValueError(f"{n} corrections need {n} final games; {first}..{last} has {len(games)}")
    rng = random.Random(seed)
    picked = rng.sample(games, n)
    corrections = []
    for i, (day, game_id) in enumerate(sorted(picked)):
        kind = KINDS[i % len(KINDS)]
        rows = [b for b in boxes if b["game_id"] == game_id]
        corrections.append(_pick(kind, game_id, day, rows, rng))
    return corrections


def _pick(kind: str, game_id: str, day: datetime.date, rows: list[dict], rng: random.Random) -> Correction:
    played = [r for r in rows if r["minutes"] and r["player_id"] is not None]
    team = rng.choice(sorted({r["team_abbr"] for r in played}))
    mates = [r for r in played if r["team_abbr"] == team]
    if kind == "rebound_reassigned":
        giver = rng.choice([r for r in mates if r["dreb"] and r["dreb"] > 0])
        taker = rng.choice([r for r in mates if r is not giver])
        return Correction(kind, game_id, day, team, (giver["player_id"], taker["player_id"]))
    if kind == "shot_credited":
        giver = rng.choice([r for r in mates if (r["fgm"] or 0) - (r["fg3m"] or 0) > 0])
        taker = rng.choice([r for r in mates if r is not giver])
        return Correction(kind, game_id, day, team, (giver["player_id"], taker["player_id"]))
    if kind == "team_turnover":
        return Correction(kind, game_id, day, team)
    benched = [r for r in rows if not r["minutes"] and r["player_id"] is not None]
    if not benched:  # every player played: a reason for a starter who did is still read by nobody
        benched = played
    player = rng.choice(benched)
    return Correction(kind, game_id, day, player["team_abbr"], (player["player_id"],))


def apply_corrections(corrections: list[Correction], client, seed: int = 1) -> int:
    """Rewrite the raw rows of each correction; the rows changed."""
    rng = random.Random(seed)
    changed = 0
    box = PLAYER_BOXSCORES.table_id
    for c in corrections:
        where = "game_id = @game_id and game_date = @day"
        values = {"game_id": c.game_id, "day": c.game_date}
        if c.kind == "rebound_reassigned":
            giver, taker = c.player_ids
            for player, step in ((giver, -1), (taker, 1)):
                changed += run_dml(
                    f"update `{box}` set dreb = dreb + @step, reb = reb + @step where {where} and player_id = @player",
                    {**values, "player": player, "step": step},
                    client=client,
                )
        elif c.kind == "shot_credited":
            giver, taker = c.player_ids
            for player, step in ((giver, -1), (taker, 1)):
                changed += run_dml(
                    f"update `{box}` set fgm = fgm + @step, fga = fga + @step, pts = pts + 2 * @step "
                    f"where {where} and player_id = @player",
                    {**values, "player": player, "step": step},
                    client=client,
                )
        elif c.kind == "team_turnover":
            changed += run_dml(
                f"update `{TEAM_BOXSCORES.table_id}` set tov = tov + 1 where {where} and team_abbr = @team",
                {**values, "team": c.team_abbr},
                client=client,
            )
        else:
            (player,) = c.player_ids
            changed += run_dml(
                f"update `{box}` set dnp_reason = @reason where {where} and player_id = @player",
                {**values, "player": player, "reason": rng.choice(DNP_REASONS)},
                client=client,
            )
    return changed
