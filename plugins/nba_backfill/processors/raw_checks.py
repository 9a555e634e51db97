"""Raw input the processor path refuses, and the little it quarantines instead.

``read_source`` calls these before the processor sees a row, so bad raw data fails the
task with a message an operator can act on (the raw table, the column, the game dates, how
many rows, one example) and nothing is written to the analytics tables. The task turns
``RawDataError`` into ``AirflowFailException``: retrying cannot repair raw data.

Refused
    - A raw table whose columns differ from ``raw_tables.py`` (a column missing or of
      another type), checked on the warehouse's schema before any row is read. Only the
      raw tables the analytics table reads are checked (its ``raw_inputs``).
    - Rows with a NULL key: a schedule row without ``game_id``, a player box score without
      ``game_id`` or ``player_id``, a team box score without ``game_id`` or ``team_abbr``, a
      roster stint without ``team_abbr`` or ``player_id``. Nobody can say which game, team
      or player their numbers belong to.
    - A player on two rosters at once: stints of one player on different teams that
      overlap. The player's game that day would depend on which stint the processor kept.
    - Conflicting duplicates: box-score rows sharing a key (``game_id, player_id`` or
      ``game_id, team_abbr``) with different values. Which one the processor kept would
      depend on the order BigQuery returns them, so the result would not be reproducible.

Quarantined (a warning with a count and an example in the task log, and in the run's
``backfill_log.detail`` for per-date runs)
    - Exact duplicates of a box-score row, a known scraper artefact. They stay in the
      frame; the processors count each once (``processors.one_row_per_player``).
    - Prop lines that cannot be a points line: ``points_line`` NaN, zero, negative or above
      ``MAX_POINTS_LINE``. One bookmaker's bad line must not stop a partition of hundreds of
      players, so those rows are removed: the player's ``points_line`` comes from another
      bookmaker's line of the game, or is NULL when there is none (as without any line).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterable

import polars as pl

from nba_backfill.catalog.raw_tables import RAW_SOURCES, ROSTERS, RawTable
from nba_backfill.catalog.registry import AnalyticsTable
from nba_backfill.processors import SourceData

log = logging.getLogger(__name__)

KEYS = {
    "schedule": ("game_id",),
    "player_boxscores": ("game_id", "player_id"),
    "team_boxscores": ("game_id", "team_abbr"),
    "rosters": ("team_abbr", "player_id"),
}
"""The key of each raw table checked for NULL keys (``SourceData`` field names)."""

_DATE_COLUMN = {"rosters": "valid_from"}
"""The date a raw row is filed under in messages, where it is not ``game_date``."""

BOX_SCORES = ("player_boxscores", "team_boxscores")
"""Raw tables checked for duplicate keys. Not the schedule: a postponed game keeps its
``game_id`` on its make-up date, so it appears twice with different values by design."""

# Columns that help find a row whose key is NULL.
_CONTEXT = {
    "schedule": ("home_team_abbr", "away_team_abbr"),
    "player_boxscores": ("team_abbr", "player_name"),
    "team_boxscores": ("opponent_team_abbr",),
    "rosters": ("player_name", "valid_from"),
}

MAX_POINTS_LINE = 100.0
"""Above this a points line is a feed error (the NBA record for one game is 100 points)."""

# The REST API reports legacy type names.
_STANDARD_TYPES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "RECORD": "STRUCT"}

_DATES_SHOWN = 5


class RawDataError(ValueError):
    """Raw data the processor must not compute from; nothing was written."""


def _refusal(table: AnalyticsTable, problem: str) -> RawDataError:
    return RawDataError(f"{problem}. Nothing was written; fix the raw data, then rerun {table.name}.")


def _value(value) -> str:
    return "NULL" if value is None else str(value)


def _example(rows: pl.DataFrame, columns: Iterable[str]) -> str:
    """The first of the rows in ``columns`` order, so a rerun names the same example."""
    columns = list(columns)
    first = rows.sort(columns, nulls_last=True).row(0, named=True)
    return ", ".join(f"{c}={_value(first[c])}" for c in columns)


def _dates(rows: pl.DataFrame, column: str = "game_date") -> str:
    """The dates of the rows: all of them, or the first few and how many more."""
    days = sorted(set(rows[column].to_list()))
    shown = ", ".join(str(d) for d in days[:_DATES_SHOWN])
    return shown if len(days) <= _DATES_SHOWN else f"{shown} and {len(days) - _DATES_SHOWN} more dates"


def _rows(n: int, noun: str = "row") -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# -- schema ----------------------------------------------------------------------------------


def _warehouse_type(field) -> str:
    kind = _STANDARD_TYPES.get(field.field_type, field.field_type)
    return f"ARRAY<{kind}>" if field.mode == "REPEATED" else kind


def schema_problems(raw: RawTable, fields) -> list[str]:
    """How the warehouse's schema (``SchemaField``s) of ``raw`` differs from ``raw_tables.py``.

    Extra columns are fine: the processors never read them.
    """
    found = {f.name: _warehouse_type(f) for f in fields}
    problems = []
    for column in raw.columns:
        if column.name not in found:
            problems.append(f"{raw.table_id}.{column.name} is missing, expected {column.type}")
        elif found[column.name] != column.type:
            problems.append(
                f"{raw.table_id}.{column.name} has type {found[column.name]}, expected {column.type}"
            )
    return problems


def check_schemas(table: AnalyticsTable, raw_tables: Iterable[RawTable], client) -> None:
    """Refuse before any row is read when a raw table ``table`` reads has the wrong columns.

    A wrong type would otherwise be cast on the way in (a STRING ``pts`` of digits passes
    silently) and a missing column would fail deep inside polars.
    """
    from nba_backfill.warehouse.client import HTTP_TIMEOUT_SECONDS, outage_named, request_retry

    problems = []
    for raw in sorted(set(raw_tables), key=lambda r: r.name):
        with outage_named(client):
            schema = client.get_table(
                raw.table_id, retry=request_retry(), timeout=HTTP_TIMEOUT_SECONDS
            ).schema
        problems += schema_problems(raw, schema)
    if problems:
        raise RawDataError(
            f"{'; '.join(problems)}. Nothing was read or written; restore the raw table's schema "
            f"(plugins/nba_backfill/catalog/raw_tables.py), then rerun {table.name}."
        )


# -- rows ------------------------------------------------------------------------------------


def refuse_null_keys(table: AnalyticsTable, name: str, rows: pl.DataFrame) -> None:
    """Refuse rows of raw table ``name`` with a NULL key column, one column at a time."""
    raw, key = RAW_SOURCES[name], KEYS[name]
    for column in key:
        bad = rows.filter(pl.col(column).is_null())
        if bad.height:
            example = _example(bad, (*key, *_CONTEXT[name]))
            dates = _dates(bad, _DATE_COLUMN.get(name, "game_date"))
            raise _refusal(
                table, f"{raw.table_id} on {dates}: {_rows(bad.height)} with NULL {column}, e.g. {example}"
            )


def refuse_overlapping_stints(table: AnalyticsTable, rosters: pl.DataFrame) -> None:
    """Refuse a player rostered by two teams on one date (exact duplicate stints are one)."""
    stints = rosters.unique(["team_abbr", "player_id", "valid_from", "valid_to"]).with_columns(
        pl.col("valid_to").fill_null(datetime.date.max).alias("_until")
    )
    pairs = stints.join(stints, on="player_id", suffix="_other").filter(
        (pl.col("team_abbr") < pl.col("team_abbr_other"))
        & (pl.col("valid_from") <= pl.col("_until_other"))
        & (pl.col("valid_from_other") <= pl.col("_until"))
    )
    if not pairs.height:
        return
    first = pairs.sort("player_id", "valid_from", "team_abbr").row(0, named=True)
    from_ = max(first["valid_from"], first["valid_from_other"])
    raise _refusal(
        table,
        f"{ROSTERS.table_id}: {_rows(pairs.select('player_id').n_unique(), 'player')} on two rosters "
        f"at once, e.g. player_id={first['player_id']} ({first['player_name']}) on "
        f"{first['team_abbr']} and {first['team_abbr_other']} from {from_}",
    )


def refuse_conflicting_duplicates(table: AnalyticsTable, name: str, rows: pl.DataFrame) -> None:
    """Refuse rows of raw table ``name`` that share a key but differ in any value."""
    raw, key = RAW_SOURCES[name], list(KEYS[name])
    distinct = rows.unique(maintain_order=True)
    conflicting = distinct.filter(pl.len().over(key) > 1)
    if not conflicting.height:
        return
    first_key = conflicting.select(key).sort(key).row(0, named=True)
    example = conflicting.filter(pl.all_horizontal([pl.col(k) == v for k, v in first_key.items()]))
    differing = [c for c in rows.columns if example[c].n_unique() > 1]
    keys = conflicting.select(key).unique().height
    in_conflict = rows.join(conflicting.select(key).unique(), on=key, how="semi")
    raise _refusal(
        table,
        f"{raw.table_id} on {_dates(in_conflict)}: {_rows(in_conflict.height)} share "
        f"{_rows(keys, 'key')} ({', '.join(key)}) with different values, "
        f"e.g. {_example(example, key)} differs in {', '.join(differing)}",
    )


def exact_duplicates_notice(name: str, rows: pl.DataFrame) -> str | None:
    """The quarantine line for exact duplicate rows of raw table ``name`` (None when there are none)."""
    count = rows.height - rows.unique().height
    if not count:
        return None
    duplicated = rows.filter(rows.is_duplicated())
    return (
        f"{_rows(count, 'duplicate raw row')} in {RAW_SOURCES[name].table_id} on {_dates(duplicated)} "
        f"counted once, e.g. {_example(duplicated, KEYS[name])}"
    )


# -- prop lines ------------------------------------------------------------------------------


def implausible_points_line() -> pl.Expr:
    """A points line no bookmaker can mean: NaN, zero, negative or above ``MAX_POINTS_LINE``."""
    line = pl.col("points_line")
    return line.is_not_null() & (line.is_nan() | (line <= 0) | (line > MAX_POINTS_LINE))


def quarantine_prop_lines(props: pl.DataFrame) -> tuple[pl.DataFrame, str | None]:
    """The prop rows to keep, and the quarantine line for those removed (None when none were)."""
    bad = props.filter(implausible_points_line())
    if not bad.height:
        return props, None
    example = _example(bad, ("game_id", "player_id", "bookmaker", "points_line"))
    notice = (
        f"quarantined {_rows(bad.height, 'prop line')} in {RAW_SOURCES['player_props'].table_id} "
        f"on {_dates(bad)} with points_line NaN, zero, negative or above {MAX_POINTS_LINE:g} "
        f"(excluded; the player's line comes from another bookmaker or is NULL), e.g. {example}"
    )
    return props.filter(~implausible_points_line()), notice


# -- all of it -------------------------------------------------------------------------------


def screen(table: AnalyticsTable, source: SourceData) -> SourceData:
    """Refuse the raw rows ``table`` must not be computed from; log and apply the quarantines.

    Returns the source without the quarantined prop lines.
    """
    inputs = table.raw_inputs
    for name in (n for n in inputs if n in KEYS):
        refuse_null_keys(table, name, source.raw(name))
    if "rosters" in inputs:
        refuse_overlapping_stints(table, source.raw("rosters"))
    for name in (n for n in inputs if n in BOX_SCORES):
        refuse_conflicting_duplicates(table, name, source.raw(name))
        notice = exact_duplicates_notice(name, source.raw(name))
        if notice:
            log.warning("%s: %s", table.name, notice)
            source.quarantined.append(notice)
    if "player_props" not in inputs:
        return source
    kept, notice = quarantine_prop_lines(source.raw("player_props"))
    if not notice:
        return source
    log.warning("%s: %s", table.name, notice)
    return dataclasses.replace(
        source, player_props=kept, _frames={}, quarantined=[*source.quarantined, notice]
    )
