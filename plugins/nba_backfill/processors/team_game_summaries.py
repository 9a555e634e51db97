"""team_offense_game_summary and team_defense_game_summary from team box scores.

possessions = FGA - OREB + TOV + 0.44·FTA
pace = 48 · (own + opponent possessions) / (2 · team minutes / 5)
offensive rating = 100 · points / possessions; defensive rating = 100 · points allowed /
opponent possessions.
"""

from __future__ import annotations

import datetime

import polars as pl

from nba_backfill.processors import SourceData, game_columns, played_on_their_date, ratio

_SHOOTING = ("fgm", "fga", "fg3m", "fg3a", "ftm", "fta")
_STATS = ("pts", *_SHOOTING, "oreb", "dreb", "reb", "ast", "stl", "blk", "tov")


def possessions(prefix: str = "") -> pl.Expr:
    def c(name: str) -> pl.Expr:
        return pl.col(prefix + name)

    return c("fga") - c("oreb") + c("tov") + 0.44 * c("fta")


def _sides(source: SourceData, game_dates: set[datetime.date]) -> pl.DataFrame:
    """One row per team and game played on the dates: own columns, and the opponent's as ``opp_*``.

    A team whose opponent has no box score is left out; a duplicated box row counts once
    (the last).
    """
    boxes = played_on_their_date(source.raw("team_boxscores"), source.games_on(game_dates)).unique(
        ["game_id", "team_abbr"], keep="last", maintain_order=True
    )
    opponents = boxes.select(
        "game_id", pl.col("team_abbr").alias("opp_team_abbr"), *[pl.col(s).alias(f"opp_{s}") for s in _STATS]
    )
    return boxes.join(
        opponents,
        left_on=["game_id", "opponent_team_abbr"],
        right_on=["game_id", "opp_team_abbr"],
        how="inner",
    ).sort("game_id", "team_abbr")


def _team_columns() -> list[pl.Expr]:
    return [
        *game_columns(),
        pl.col("team_id"),
        pl.col("team_abbr"),
        pl.col("opponent_team_abbr"),
        pl.col("is_home"),
    ]


def compute_offense(source: SourceData, game_dates: set[datetime.date]) -> pl.DataFrame:
    own, opp = possessions(), possessions("opp_")
    return _sides(source, game_dates).select(
        *_team_columns(),
        (pl.col("pts") > pl.col("opp_pts")).alias("win"),
        pl.col("pts").alias("points"),
        *[pl.col(c) for c in _SHOOTING],
        ratio(pl.col("fgm"), pl.col("fga")).alias("fg_pct"),
        ratio(pl.col("fg3m"), pl.col("fg3a")).alias("fg3_pct"),
        ratio(pl.col("ftm"), pl.col("fta")).alias("ft_pct"),
        *[pl.col(c) for c in ("oreb", "dreb", "reb", "ast", "tov")],
        own.round(4).alias("possessions"),
        ratio(48 * (own + opp), 2 * pl.col("minutes") / 5).alias("pace"),
        ratio(100 * pl.col("pts"), own).alias("offensive_rating"),
    )


def compute_defense(source: SourceData, game_dates: set[datetime.date]) -> pl.DataFrame:
    opp = possessions("opp_")
    return _sides(source, game_dates).select(
        *_team_columns(),
        pl.col("opp_pts").alias("points_allowed"),
        *[pl.col(f"opp_{c}") for c in (*_SHOOTING, "oreb", "dreb")],
        *[pl.col(f"opp_{c}") for c in ("reb", "ast", "tov")],
        pl.col("stl").alias("steals"),
        pl.col("blk").alias("blocks"),
        opp.round(4).alias("opp_possessions"),
        ratio(100 * pl.col("opp_pts"), opp).alias("defensive_rating"),
    )
