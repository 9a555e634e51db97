"""Measure one table's coverage over a date range with a handful of set-based statements.

Never one query per date: the whole range is read at once, grouped by ``game_date``. What is
expected comes from the schedule (postponed originals excluded) under the registry's
expected-rows rule, computed from deduplicated raw data (``expected``). The statements live
in ``include/sql/coverage/``; identifiers come only from the registries, dates are bound as
query parameters.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from nba_backfill.catalog.hash_spec import HASH_PATTERN, VERSION, row_hash
from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES, PLAYERS, TEAM_BOXSCORES, TEAMS
from nba_backfill.catalog.registry import AnalyticsTable, TotalsCheck
from nba_backfill.coverage.expected import expected_rows_by_date
from nba_backfill.coverage.figures import DEFAULT_PARITY_SAMPLE, DateFigures, TableCoverage
from nba_backfill.warehouse.client import run_query
from nba_backfill.warehouse.sql import Statement

REFERENCES = {"team_id": TEAMS, "player_id": PLAYERS}
"""Columns whose values must be known to a raw reference table."""


def measure_table(
    table: AnalyticsTable,
    from_date: datetime.date,
    to_date: datetime.date,
    client,
    *,
    table_id: str | None = None,
    parity_sample: int = DEFAULT_PARITY_SAMPLE,
) -> TableCoverage:
    """The table's coverage of ``from_date..to_date``; ``table_id`` reads a copy of the table."""
    if from_date > to_date:
        raise ValueError(f"from_date {from_date} is after to_date {to_date}")
    target = table_id or table.table_id
    in_range = {"from_date": from_date, "to_date": to_date}
    hashed = {"spec_version": VERSION, "hash_pattern": HASH_PATTERN}
    keys = {"table_id": target, "key_columns": list(table.key_columns)}
    coverage = TableCoverage(table.name, from_date, to_date)

    def query(template: str, names: dict, values: dict | None = None) -> list:
        return list(run_query(Statement(template, names, {**in_range, **(values or {})}), client=client))

    expected = expected_rows_by_date(table, from_date, to_date, client)
    actual = {r.game_date: r for r in query("coverage/partition_figures.sql", keys, hashed)}
    for day in sorted(set(expected) | set(actual)):
        row = actual.get(day)
        coverage.dates.append(
            DateFigures(
                game_date=day,
                expected=expected.get(day, 0),
                actual=row.actual if row else 0,
                hashed=row.hashed if row else 0,
                defective=(row.null_keys + row.duplicate_keys) if row else 0,
            )
        )
        if row:
            coverage.actual_rows += row.actual
            coverage.unhashed += row.unhashed
            coverage.stale_hashes += row.stale
            coverage.malformed_hashes += row.malformed
            coverage.null_key_rows += row.null_keys
            coverage.duplicate_keys += row.duplicate_keys

    whole = next(iter(run_query(Statement("coverage/table_extent.sql", {"table_id": target}), client=client)))
    coverage.min_date, coverage.max_date, coverage.null_date_rows = (
        whole.min_date,
        whole.max_date,
        whole.null_dates,
    )
    coverage.duplicate_hashes = query("coverage/duplicate_hashes.sql", keys)[0].n
    columns = {c.name for c in table.columns}
    coverage.unknown_ids = {
        column: query(
            "coverage/unknown_ids.sql",
            {"table_id": target, "column": column, "reference_id": reference.table_id},
        )[0].n
        for column, reference in REFERENCES.items()
        if column in columns
    }
    coverage.totals_mismatches = _totals_mismatches(table, target, query)
    _check_parity(table, target, coverage, parity_sample, query, hashed)
    return coverage


def _totals_mismatches(table: AnalyticsTable, target: str, query) -> int:
    """Team-games whose points in the table disagree with the raw box scores."""
    check = table.totals_check
    if check is None:
        return 0
    names = {
        "table_id": target,
        "column": check.column,
        "side": "opponent_team_abbr" if check is TotalsCheck.OPPONENT_POINTS else "team_abbr",
        "player_boxscores_id": PLAYER_BOXSCORES.table_id,
        "team_boxscores_id": TEAM_BOXSCORES.table_id,
    }
    if check is TotalsCheck.PLAYER_POINTS:
        return query("coverage/totals_player_points.sql", names)[0].n
    return query("coverage/totals_team_points.sql", names)[0].n


def _check_parity(
    table: AnalyticsTable, target: str, coverage: TableCoverage, sample: int, query, hashed: dict
) -> None:
    """Recompute the hash of a sample of stored rows from their own columns.

    Catches drift between the SQL and processor paths: both must match the one spec. The
    sample is spread over the range by ordering on the hash itself.
    """
    if sample <= 0:
        return
    names = {"table_id": target, "hash_columns": [c.name for c in table.hash_columns]}
    for row in query("coverage/parity_sample.sql", names, {**hashed, "sample": int(sample)}):
        coverage.parity_checked += 1
        recomputed = row_hash(dict(row.items()), table.hash_columns)
        if recomputed != row.data_hash:
            coverage.parity_mismatches += 1
            if len(coverage.parity_examples) < 3:
                key = ", ".join(f"{k}={row[k]}" for k in table.key_columns)
                coverage.parity_examples.append(f"{key}: stored {row.data_hash}, recomputed {recomputed}")


def measure(
    tables: Sequence[AnalyticsTable],
    ranges: dict[str, tuple[datetime.date, datetime.date]],
    client,
    *,
    parity_sample: int = DEFAULT_PARITY_SAMPLE,
) -> list[TableCoverage]:
    """Coverage of each table over its range (``ranges[table.name]``)."""
    return [
        measure_table(table, *ranges[table.name], client, parity_sample=parity_sample) for table in tables
    ]
