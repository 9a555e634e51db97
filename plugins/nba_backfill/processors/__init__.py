"""The processors wing: how an analytics table's rows are derived from raw data, with their hash.

``source``               read a table's raw inputs and upstream history; ``recompute`` a range
``raw_checks``           raw data refused (NULL keys, conflicting duplicates) or quarantined
``player_game_summary``, ``team_game_summaries``, ``upcoming_contexts``: one processor each

Each processor is a pure function ``compute(source, game_dates) -> polars.DataFrame`` over
a ``SourceData`` snapshot (raw rows, and the upstream analytics rows it may read). It works
on whole columns, so a season costs about what a day does, and returns the data columns
of the registry entry; ``finalize`` adds the hash and the processing metadata. Every
processor ignores postponed schedule rows and reads history strictly before the date it
computes (no game on or after the date leaks in).

May import: ``warehouse``, ``catalog`` and the package's ``clock``, ``settings``, ``timing``.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from nba_backfill.catalog.hash_spec import VERSION, frame_hashes
from nba_backfill.catalog.raw_tables import RAW_SOURCES
from nba_backfill.catalog.registry import METADATA_COLUMNS, REGISTRY, AnalyticsTable, get_table
from nba_backfill.warehouse.frames import frame

Rows = list[dict] | pl.DataFrame


@dataclass
class SourceData:
    """Raw rows and upstream analytics rows, as dicts (dates as ``datetime.date``) or frames.

    A raw table left ``None`` was not read (not in the table's ``raw_inputs``); reading it fails loudly
    instead of computing from nothing.
    """

    schedule: Rows | None = field(default_factory=list)
    player_boxscores: Rows | None = field(default_factory=list)
    team_boxscores: Rows | None = field(default_factory=list)
    player_props: Rows | None = field(default_factory=list)
    rosters: Rows | None = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    """What ``raw_checks.screen`` set aside, one notice per raw table (for the run's record)."""
    upstream: dict[str, Rows] = field(default_factory=dict)
    _frames: dict = field(default_factory=dict, repr=False, compare=False)

    def _typed(self, key: str, rows: Rows, columns) -> pl.DataFrame:
        cached = self._frames.get(key)
        if cached is None or cached[0] is not rows:
            cached = (rows, frame(rows, columns))
            self._frames[key] = cached
        return cached[1]

    def raw(self, name: str) -> pl.DataFrame:
        """A raw table's rows as a typed frame (``schedule``, ``player_boxscores``, ...)."""
        rows = getattr(self, name)
        if rows is None:
            raise ValueError(
                f"{RAW_SOURCES[name].table_id} was not read: add {name!r} to the table's raw_inputs in the registry"
            )
        return self._typed(name, rows, RAW_SOURCES[name].columns)

    def upstream_rows(self, name: str) -> pl.DataFrame:
        """An upstream analytics table's rows as a typed frame (empty when not read)."""
        return self._typed(f"upstream.{name}", self.upstream.get(name, []), REGISTRY[name].columns)

    def game_dates(self) -> set[datetime.date]:
        """Dates with at least one game played or scheduled (postponed originals excluded)."""
        schedule = self.raw("schedule")
        return set(schedule.filter(~pl.col("is_postponed"))["game_date"].to_list())

    def games_on(self, game_dates: Iterable[datetime.date]) -> pl.DataFrame:
        """Schedule rows of games on those dates, postponed originals excluded."""
        days = pl.Series(sorted(set(game_dates)), dtype=pl.Date)
        return self.raw("schedule").filter(pl.col("game_date").is_in(days) & ~pl.col("is_postponed"))


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    run_type: str  # scheduled | backfill | manual | legacy | test
    processed_at: datetime.datetime


def compute_frame(
    table: AnalyticsTable | str, source: SourceData, game_dates: Iterable[datetime.date]
) -> pl.DataFrame:
    """The table's data columns for ``game_dates``, computed by its registered processor."""
    table = get_table(table) if isinstance(table, str) else table
    module_name, _, function_name = table.processor.rpartition(".")
    processor = getattr(importlib.import_module(module_name), function_name)
    return frame(processor(source, set(game_dates)), table.columns)


def compute(
    table: AnalyticsTable | str, source: SourceData, game_dates: Iterable[datetime.date]
) -> list[dict]:
    """``compute_frame`` as rows."""
    return compute_frame(table, source, game_dates).to_dicts()


def finalize_frame(table: AnalyticsTable, rows: Rows, run: RunInfo, *, hashed: bool = True) -> pl.DataFrame:
    """Data rows with ``data_hash`` (spec ``VERSION``) and the processing metadata added."""
    data = frame(rows, table.columns)
    count = data.height
    hashes = frame_hashes(data, table.hash_columns) if hashed else pl.Series([None] * count, dtype=pl.String)
    metadata = {
        "data_hash": hashes,
        "hash_spec_version": pl.Series([VERSION if hashed else None] * count, dtype=pl.Int64),
        "processed_at": pl.Series([run.processed_at] * count),
        "run_id": pl.Series([run.run_id] * count, dtype=pl.String),
        "run_type": pl.Series([run.run_type] * count, dtype=pl.String),
    }
    return frame(data.with_columns(**metadata), (*table.columns, *METADATA_COLUMNS))


def finalize(table: AnalyticsTable, rows: Rows, run: RunInfo, *, hashed: bool = True) -> list[dict]:
    """``finalize_frame`` as rows."""
    return finalize_frame(table, rows, run, hashed=hashed).to_dicts()


# -- column expressions the processors share ------------------------------------------------


def ratio(numerator: pl.Expr, denominator: pl.Expr, digits: int = 4) -> pl.Expr:
    """A rounded ratio, NULL when the denominator is 0 or NULL."""
    return pl.when(denominator != 0).then((numerator / denominator).round(digits)).otherwise(None)


def played_on_their_date(boxes: pl.DataFrame, games: pl.DataFrame) -> pl.DataFrame:
    """Box-score rows of the games, on the game's own date, with the game's columns added.

    Game columns arrive prefixed ``game_`` (``game_season``, ``game_home_team_abbr``, ...).
    """
    game_columns = games.select(
        "game_id",
        pl.col("game_date").alias("game_game_date"),
        pl.col("season").alias("game_season"),
        pl.col("home_team_abbr").alias("game_home_team_abbr"),
        pl.col("away_team_abbr").alias("game_away_team_abbr"),
    ).unique("game_id", keep="first", maintain_order=True)
    return boxes.join(game_columns, on="game_id", how="inner", maintain_order="left").filter(
        pl.col("game_date") == pl.col("game_game_date")
    )


def game_columns() -> list[pl.Expr]:
    """``game_id``, ``game_date``, ``season`` of the game (over ``played_on_their_date``)."""
    return [
        pl.col("game_id"),
        pl.col("game_game_date").alias("game_date"),
        pl.col("game_season").alias("season"),
    ]


def player_in_game() -> list[pl.Expr]:
    """The game and player columns every player table starts with (over ``played_on_their_date``)."""
    is_home = pl.col("team_abbr").eq_missing(pl.col("game_home_team_abbr"))
    return [
        *game_columns(),
        pl.col("player_id"),
        pl.col("player_lookup"),
        pl.col("player_name"),
        pl.col("team_id"),
        pl.col("team_abbr"),
        pl.when(is_home)
        .then(pl.col("game_away_team_abbr"))
        .otherwise(pl.col("game_home_team_abbr"))
        .alias("opponent_team_abbr"),
        is_home.alias("is_home"),
    ]


def one_row_per_player(boxes: pl.DataFrame) -> pl.DataFrame:
    """Box rows in (game, player) order; a duplicated raw row counts once (the first)."""
    return boxes.sort([pl.col("game_id"), pl.col("player_id").fill_null(0)], maintain_order=True).unique(
        ["game_id", "player_id"], keep="first", maintain_order=True
    )
