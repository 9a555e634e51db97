"""player_game_summary: one row per player who played, from player box scores."""

from __future__ import annotations

import datetime

import polars as pl

from nba_backfill.processors import (
    SourceData,
    one_row_per_player,
    played_on_their_date,
    player_in_game,
    ratio,
)

_SHOOTING = ("fgm", "fga", "fg3m", "fg3a", "ftm", "fta")
_BOX = ("oreb", "dreb", "reb", "ast", "stl", "blk", "tov", "pf")


def compute(source: SourceData, game_dates: set[datetime.date]) -> pl.DataFrame:
    boxes = played_on_their_date(source.raw("player_boxscores"), source.games_on(game_dates))
    played = one_row_per_player(boxes.filter(pl.col("minutes").is_not_null() & (pl.col("minutes") != 0)))
    shots = pl.col("fga") + 0.44 * pl.col("fta")
    return played.select(
        *player_in_game(),
        pl.col("starter"),
        pl.col("minutes"),
        pl.col("pts").alias("points"),
        *[pl.col(c) for c in (*_SHOOTING, *_BOX)],
        pl.col("plus_minus"),
        ratio(pl.col("fgm"), pl.col("fga")).alias("fg_pct"),
        ratio(pl.col("pts"), 2 * shots).alias("ts_pct"),
    )
