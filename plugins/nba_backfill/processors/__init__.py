"""Processors: recompute an analytics table's rows from raw data, with their hash.

Each processor is a pure function ``compute(source, game_dates) -> rows`` over a
``SourceData`` snapshot (raw rows, and the upstream analytics rows it may read). It
returns the data columns of the registry entry, nothing else; ``finalize`` adds the hash
and the processing metadata. Reading the snapshot from BigQuery and writing the result
back are the caller's business, so the same code serves DAGs, tests and the sample data.

Every processor ignores postponed schedule rows and reads history strictly before the
date it computes (no game on or after the date leaks in).
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from nba_backfill.hash_spec import VERSION, row_hash
from nba_backfill.registry import AnalyticsTable, get_table


@dataclass
class SourceData:
    """Raw rows (as the warehouse returns them: dates as ``datetime.date``) and upstream rows."""

    schedule: list[dict] = field(default_factory=list)
    player_boxscores: list[dict] = field(default_factory=list)
    team_boxscores: list[dict] = field(default_factory=list)
    player_props: list[dict] = field(default_factory=list)
    upstream: dict[str, list[dict]] = field(default_factory=dict)

    def games_on(self, game_dates: set[datetime.date]) -> list[dict]:
        """Schedule rows of games on those dates, postponed originals excluded."""
        return [g for g in self.schedule if g["game_date"] in game_dates and not g["is_postponed"]]


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    run_type: str  # scheduled | backfill | manual | legacy | test
    processed_at: datetime.datetime


def compute(
    table: AnalyticsTable | str, source: SourceData, game_dates: Iterable[datetime.date]
) -> list[dict]:
    """The table's data rows for ``game_dates``, computed by its registered processor."""
    table = get_table(table) if isinstance(table, str) else table
    module_name, _, function_name = table.processor.rpartition(".")
    processor = getattr(importlib.import_module(module_name), function_name)
    rows = processor(source, set(game_dates))
    names = [c.name for c in table.columns]
    return [{name: row[name] for name in names} for row in rows]


def finalize(table: AnalyticsTable, rows: Iterable[dict], run: RunInfo, *, hashed: bool = True) -> list[dict]:
    """Rows with ``data_hash`` (spec ``VERSION``) and processing metadata added."""
    out = []
    for row in rows:
        out.append(
            {
                **row,
                "data_hash": row_hash(row, table.hash_columns) if hashed else None,
                "hash_spec_version": VERSION if hashed else None,
                "processed_at": run.processed_at,
                "run_id": run.run_id,
                "run_type": run.run_type,
            }
        )
    return out


def ratio(numerator: float, denominator: float, digits: int = 4) -> float | None:
    """A rounded ratio, NULL when the denominator is 0."""
    return round(numerator / denominator, digits) if denominator else None


def player_in_game(box: dict, game: dict) -> dict:
    """The game and player columns every player table starts with."""
    is_home = box["team_abbr"] == game["home_team_abbr"]
    return {
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
    }
