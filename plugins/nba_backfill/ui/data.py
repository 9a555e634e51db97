"""What the Coverage page shows, read from the verifier's records in four queries.

Every figure comes from ``nba_monitoring``: the newest verification of each table with its
whole history's standing (``coverage_latest``), the newest state of every verified date
(``coverage_dates_latest``), and the game calendar (``nba_raw.nbac_schedule``: seasons and
game dates; a game date no verification covered is drawn "never verified"). Never one query
per date or per table, so the full history costs what a week does.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import json
from collections.abc import Sequence
from typing import Any

from nba_backfill.catalog.monitoring_tables import COVERAGE_DATES_LATEST_VIEW, COVERAGE_LATEST_VIEW
from nba_backfill.catalog.raw_tables import SCHEDULE
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage.figures import NEVER_VERIFIED, STATES
from nba_backfill.coverage.repairs import Repair
from nba_backfill.warehouse.client import run_query
from nba_backfill.warehouse.sql import Statement

NO_GAMES = "no_games"
"""A calendar day inside a season without any game: drawn, never expected."""

_CARD_COLUMNS = (
    "status",
    "verdict",
    "history_status",
    "history_expected_dates",
    "history_complete_dates",
    "history_never_verified_dates",
    "history_from_date",
    "history_to_date",
    "missing_keys",
    "unexpected_keys",
    "drifted_rows",
    "coverage_pct",
    "hashed_pct",
    "expected_rows",
    "present_rows",
    "hashed_rows",
    "expected_dates",
    "missing_dates",
    "partial_dates",
    "from_date",
    "to_date",
    "reasons",
)

LATEST_VERIFICATIONS = Statement("ui/latest_verifications.sql", {"latest_view_id": COVERAGE_LATEST_VIEW})
LATEST_DATES = Statement("ui/latest_dates.sql", {"dates_latest_view_id": COVERAGE_DATES_LATEST_VIEW})
GAME_DATES = Statement("schedule/all_game_dates.sql", {"schedule_id": SCHEDULE.table_id})
SEASONS = Statement("schedule/seasons.sql", {"schedule_id": SCHEDULE.table_id})


GAME_DATES_TTL_SECONDS = 300
_game_dates_cache: tuple[float, list[str]] | None = None


def cached_game_dates(client) -> list[str]:
    """Every game date (sorted ISO strings), read again when older than five minutes: the
    progress endpoint counts game dates on every poll, the schedule changes a few times a day."""
    global _game_dates_cache
    from nba_backfill import clock

    moment = clock.now().timestamp()
    if _game_dates_cache is None or moment - _game_dates_cache[0] > GAME_DATES_TTL_SECONDS:
        _game_dates_cache = (moment, [r.game_date.isoformat() for r in run_query(GAME_DATES, client=client)])
    return _game_dates_cache[1]


def _date_figures(item: str) -> tuple[str, list]:
    """``"2021-10-19|missing|14|0|0"`` -> ``("2021-10-19", ["missing", 14, 0, 0])`` (empty: None)."""
    day, state, *figures = item.split("|")
    return day, [state, *(int(f) if f else None for f in figures)]


def history_keys(dates: dict[str, list]) -> dict[str, Any]:
    """Keys expected and hashed correctly, summed over the newest state of every verified game
    date of a table's history: the card's big number. Never-verified dates have no figures; they
    are counted apart, so the number says what it covers."""
    figures = [f for f in dates.values() if f[1] is not None]
    expected = sum(f[1] for f in figures)
    hashed = sum(f[3] or 0 for f in figures)
    return {
        "history_expected_rows": expected,
        "history_hashed_rows": hashed,
        "history_hashed_pct": round(100 * hashed / expected, 2) if expected else None,
    }


def _dates_between(game_dates: Sequence[str], first: str, last: str) -> int:
    """Game dates (ISO strings, sorted) in first..last."""
    return bisect.bisect_right(game_dates, last) - bisect.bisect_left(game_dates, first)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def coverage_page_data(client) -> dict[str, Any]:
    """Cards (the newest verification of each table, with its whole history's standing), the
    latest state of every verified date of every table, the game calendar and the gaps."""
    latest = {row.table_name: dict(row.items()) for row in run_query(LATEST_VERIFICATIONS, client=client)}
    dates: dict[str, dict[str, list]] = {name: {} for name in REGISTRY}
    for row in run_query(LATEST_DATES, client=client):
        if row.table_name in dates and row.dates:
            dates[row.table_name] = dict(_date_figures(item) for item in row.dates.split(";"))
    game_dates = [r.game_date.isoformat() for r in run_query(GAME_DATES, client=client)]
    seasons = [
        {"season": r.season, "first_date": r.first_date.isoformat(), "last_date": r.last_date.isoformat()}
        for r in run_query(SEASONS, client=client)
    ]
    tables = []
    for name in REGISTRY:
        row = latest.get(name)
        tables.append(
            {
                "table": name,
                "verified": row is not None,
                "verified_at": _json_value(row["verified_at"]) if row else None,
                "verification_id": row["verification_id"] if row else None,
                **{k: _json_value(row[k]) if row else None for k in _CARD_COLUMNS},
                "repairs": repairs_with_gaps(row, game_dates) if row else [],
                "dates": dates[name],
                **history_keys(dates[name]),
            }
        )
    return {
        "tables": tables,
        "seasons": seasons,
        "game_dates": game_dates,
        "states": [*STATES, NO_GAMES],
        "never_verified": NEVER_VERIFIED,
    }


def repairs_with_gaps(row: dict, game_dates: Sequence[str] = ()) -> list[dict]:
    """The table's repairs, each with the missing and partial ranges it closes and its
    estimated duration (from the game dates it runs over)."""
    parsed = [Repair.parse(line) for line in (row.get("repair_commands") or "").splitlines() if line.strip()]
    repairs = [{**r.as_dict(), "gaps": []} for r in parsed]
    unrepaired = []
    for state, column in (("missing", "missing_ranges"), ("partial", "partial_ranges")):
        for first, last in json.loads(row.get(column) or "[]"):
            # A gap may straddle two repairs (dates that once verified complete are redone
            # with `completed`, the rest with `failed`): each repair gets its part.
            covered = False
            for r in repairs:
                if r["from_date"] <= last and first <= r["to_date"]:
                    part = {
                        "state": state,
                        "from_date": max(first, r["from_date"]),
                        "to_date": min(last, r["to_date"]),
                    }
                    r["gaps"].append(part)
                    covered = True
            if not covered:
                unrepaired.append({"state": state, "from_date": first, "to_date": last})
    for repair, out in zip(parsed, repairs, strict=True):
        out["gaps"].sort(key=lambda g: g["from_date"])
        gap_dates = sum(_dates_between(game_dates, g["from_date"], g["to_date"]) for g in out["gaps"])
        span = _dates_between(game_dates, out["from_date"], out["to_date"])
        out.update(dataclasses.replace(repair, dates=gap_dates, game_dates=span).as_dict(), gaps=out["gaps"])
    if unrepaired:  # ranges the record names no command for: shown, without a button
        repairs.append({"table": row["table_name"], "command": None, "gaps": unrepaired})
    return sorted(repairs, key=lambda r: r["gaps"][0]["from_date"] if r["gaps"] else "")
