"""upcoming_team_game_context and upcoming_player_game_context.

Each row describes a scheduled (not postponed) game from what was known before it: rest
days since the previous game, back-to-backs, season record and games played, and last-5 /
last-10 averages. History comes from the upstream summary tables, strictly before the
game's date and across seasons; a value with no history is NULL. The player's prop line
comes from the raw prop feed (NULL when there is none); ``read_source`` has already
quarantined lines that cannot be one (NaN, zero, negative, above 100: see ``raw_checks``).
The players of a game are both teams' rosters as of its date (``nba_raw.nbac_rosters``):
the same rule for history and for tonight, when no box score exists yet.

How history is read without a loop: every upstream row carries its entity's running
figures through that game (rolling last-N means, games and wins in its season). A target
game takes the figures of its entity's latest game strictly before its date (an as-of
join), so a whole season of targets costs one sort and one join.
"""

from __future__ import annotations

import datetime

import polars as pl

from nba_backfill.processors import SourceData

HISTORY_GAMES = 10
"""The longest rolling window a context reads: a game stays in an entity's history for its
next ``HISTORY_GAMES`` games, and for the rest of its season (season record, games played)."""


def _rolling_mean(column: str, window: int, entity: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64).rolling_mean(window, min_samples=1).over(entity)


def _present_mean(column: str, window: int, entity: str) -> pl.Expr:
    """Mean of the non-NULL values among the last ``window`` rows; NULL when there are none."""
    total = pl.col(column).fill_null(0).cast(pl.Float64).rolling_sum(window, min_samples=1)
    present = pl.col(column).is_not_null().cast(pl.Int64).rolling_sum(window, min_samples=1)
    return pl.when(present > 0).then(total / present).otherwise(None).over(entity)


def _figures_before(targets: pl.DataFrame, history: pl.DataFrame, entity: str) -> pl.DataFrame:
    """Targets with the ``h_*`` figures of their entity's latest history row before their date."""
    history = history.filter(pl.col(entity).is_not_null()).rename(
        {"game_date": "h_date", "season": "h_season"}
    )
    return (
        targets.with_row_index("_target")
        .sort("game_date")
        .join_asof(
            history.sort("h_date"),
            left_on="game_date",
            right_on="h_date",
            by=entity,
            strategy="backward",
            allow_exact_matches=False,
            check_sortedness=False,  # sorted by date above, hence within every entity too
        )
        .sort("_target")
        .drop("_target")
    )


def _rest_and_season(prefix: str = "h_") -> list[pl.Expr]:
    same_season = pl.col(f"{prefix}season") == pl.col("season")
    days_rest = (pl.col("game_date") - pl.col(f"{prefix}date")).dt.total_days() - 1
    return [
        days_rest.alias("days_rest"),
        (days_rest == 0).alias("is_back_to_back"),
        pl.when(same_season).then(pl.col("h_season_games")).otherwise(0).alias("games_played_season"),
    ]


def _season_games(entity: str) -> pl.Expr:
    return pl.int_range(1, pl.len() + 1).over(entity, "season").alias("h_season_games")


def game_sides(games: pl.DataFrame) -> pl.DataFrame:
    """Two rows per game, home side first: the team, its opponent and whether it is at home."""
    return pl.concat(
        [
            games.select(
                "game_id",
                "game_date",
                "season",
                pl.col(f"{side}_team_id").alias("team_id"),
                pl.col(f"{side}_team_abbr").alias("team_abbr"),
                pl.col(f"{other}_team_abbr").alias("opponent_team_abbr"),
                pl.lit(side == "home").alias("is_home"),
            )
            for side, other in (("home", "away"), ("away", "home"))
        ]
    )


def compute_team(source: SourceData, game_dates: set[datetime.date]) -> pl.DataFrame:
    defense = source.upstream_rows("team_defense_game_summary").unique(
        ["game_id", "team_abbr"], keep="last", maintain_order=True
    )
    history = (
        source.upstream_rows("team_offense_game_summary")
        .join(
            defense.select("game_id", "team_abbr", "points_allowed"),
            on=["game_id", "team_abbr"],
            how="left",
        )
        .sort("team_abbr", "game_date", "game_id")
        .select(
            "team_abbr",
            "game_date",
            "season",
            _season_games("team_abbr"),
            pl.col("win").cast(pl.Int64).cum_sum().over("team_abbr", "season").alias("h_season_wins"),
            _rolling_mean("points", HISTORY_GAMES, "team_abbr").alias("h_points_10"),
            _present_mean("points_allowed", HISTORY_GAMES, "team_abbr").alias("h_allowed_10"),
        )
    )
    games = source.games_on(game_dates)

    targets = game_sides(games).sort("game_id", "is_home", descending=[False, True])
    with_history = _figures_before(targets, history, "team_abbr")
    season_games = pl.when(pl.col("h_season") == pl.col("season"))
    wins = season_games.then(pl.col("h_season_wins")).otherwise(0)
    return with_history.select(
        *targets.columns,
        *_rest_and_season(),
        wins.alias("wins_season"),
        (season_games.then(pl.col("h_season_games")).otherwise(0) - wins).alias("losses_season"),
        pl.col("h_points_10").round(4).alias("avg_points_last_10"),
        pl.col("h_allowed_10").round(4).alias("avg_points_allowed_last_10"),
    )


def rostered(games: pl.DataFrame, rosters: pl.DataFrame) -> pl.DataFrame:
    """Every player on either team's roster as of each game's date: who the game expects."""
    sides = game_sides(games).drop("team_id")  # the roster stint names the team id
    stints = rosters.select(
        "team_abbr", "team_id", "player_id", "player_lookup", "player_name", "valid_from", "valid_to"
    )
    on_date = (pl.col("valid_from") <= pl.col("game_date")) & (
        pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("game_date"))
    )
    return (
        sides.join(stints, on="team_abbr", how="inner")
        .filter(on_date)
        .sort("game_id", "is_home", "player_id", descending=[False, True, False])
        .unique(["game_id", "player_id"], keep="first", maintain_order=True)
        .select(
            "game_id",
            "game_date",
            "season",
            "player_id",
            "player_lookup",
            "player_name",
            "team_id",
            "team_abbr",
            "opponent_team_abbr",
            "is_home",
        )
    )


def compute_player(source: SourceData, game_dates: set[datetime.date]) -> pl.DataFrame:
    games = source.games_on(game_dates)
    roster = rostered(games, source.raw("rosters"))
    lines = (
        source.raw("player_props")
        .filter(pl.col("game_id").is_in(games["game_id"].implode()) & pl.col("points_line").is_not_null())
        .unique(["game_id", "player_id"], keep="first", maintain_order=True)
        .select("game_id", "player_id", "points_line")
    )
    history = (
        source.upstream_rows("player_game_summary")
        .sort("player_id", "game_date", "game_id")
        .select(
            "player_id",
            "game_date",
            "season",
            _season_games("player_id"),
            _rolling_mean("points", 5, "player_id").alias("h_points_5"),
            _rolling_mean("points", HISTORY_GAMES, "player_id").alias("h_points_10"),
            _rolling_mean("minutes", HISTORY_GAMES, "player_id").alias("h_minutes_10"),
        )
    )
    targets = roster.join(lines, on=["game_id", "player_id"], how="left", maintain_order="left")
    return _figures_before(targets, history, "player_id").select(
        *targets.columns,
        *_rest_and_season(),
        pl.col("h_points_5").round(4).alias("avg_points_last_5"),
        pl.col("h_points_10").round(4).alias("avg_points_last_10"),
        pl.col("h_minutes_10").round(4).alias("avg_minutes_last_10"),
    )
