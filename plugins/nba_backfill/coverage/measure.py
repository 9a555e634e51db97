"""Measure one table's coverage over a date range by identity, set-based.

One statement matches every expected key to the table's rows and recomputes every stored
hash (``include/sql/coverage/identity.sql``, grouped by date); a second names the first
problem keys of each kind. A few more check the table as a whole: its extent, hashes shared
by different keys, ids unknown to the raw tables, points against the box scores, and a
sample whose hashes Python recomputes. Never one query per date. The statements are listed
by ``statements``, so a dry run can estimate them; identifiers come only from the
registries, dates are bound as query parameters.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence

from nba_backfill.catalog.hash_spec import HASH_PATTERN, VERSION, hash_sql, row_hash
from nba_backfill.catalog.raw_tables import (
    PLAYER_BOXSCORES,
    PLAYERS,
    ROSTERS,
    SCHEDULE,
    TEAM_BOXSCORES,
    TEAMS,
)
from nba_backfill.catalog.registry import AnalyticsTable, ExpectedRows, PartitionRule, TotalsCheck
from nba_backfill.coverage.figures import (
    DEFAULT_KEY_EXAMPLES,
    DEFAULT_PARITY_SAMPLE,
    DateFigures,
    ProblemKey,
    TableCoverage,
)
from nba_backfill.warehouse.client import dry_run_bytes, run_query
from nba_backfill.warehouse.sql import Statement

REFERENCES = {"team_id": TEAMS, "player_id": PLAYERS}

EXPECTED_KEYS_RULE = {
    ExpectedRows.TEAMS_PER_GAME: "teams",
    ExpectedRows.PLAYERS_WHO_PLAYED: "played",
    ExpectedRows.ROSTERED_PLAYERS_PER_GAME: "rostered",
}
"""The branch of ``identity.sql`` that lists each rule's expected keys."""
"""Columns whose values must be known to a raw reference table."""

ALL_KEYS = 2**62
"""``key_limit`` that lists every problem key."""


def identity_statement(
    table: AnalyticsTable,
    from_date: datetime.date,
    to_date: datetime.date,
    *,
    output: str = "dates",
    key_limit: int = DEFAULT_KEY_EXAMPLES,
    table_id: str | None = None,
) -> Statement:
    """Expected keys against stored keys, every hash recomputed: per date, or the problem keys."""
    if output not in ("dates", "keys"):
        raise ValueError(f"output {output!r} is not 'dates' or 'keys'")
    names = {
        "output": output,
        "table_id": table_id or table.table_id,
        "entity": table.entity_column,
        "rule": EXPECTED_KEYS_RULE[table.expected_rows],
        "final_only": table.partition_rule is PartitionRule.PLAYED,
        "rosters_id": ROSTERS.table_id,
        "hash_expression": hash_sql(table.hash_columns),
        "schedule_id": SCHEDULE.table_id,
        "player_boxscores_id": PLAYER_BOXSCORES.table_id,
        "players_id": PLAYERS.table_id,
        "teams_id": TEAMS.table_id,
    }
    values = {
        "from_date": from_date,
        "to_date": to_date,
        "spec_version": VERSION,
        "hash_pattern": HASH_PATTERN,
    }
    if output == "keys":
        names["key_limit"] = int(key_limit)
    return Statement("coverage/identity.sql", names, values)


def statements(
    table: AnalyticsTable,
    from_date: datetime.date,
    to_date: datetime.date,
    *,
    table_id: str | None = None,
    key_limit: int = DEFAULT_KEY_EXAMPLES,
    parity_sample: int = DEFAULT_PARITY_SAMPLE,
) -> dict[str, Statement]:
    """Every statement one table's measurement sends, by purpose."""
    target = table_id or table.table_id
    in_range = {"from_date": from_date, "to_date": to_date}
    keys = {"table_id": target, "key_columns": list(table.key_columns)}
    sent = {
        "dates": identity_statement(table, from_date, to_date, table_id=target),
        "keys": identity_statement(
            table, from_date, to_date, output="keys", key_limit=key_limit, table_id=target
        ),
        "extent": Statement("coverage/table_extent.sql", {"table_id": target}),
        "duplicate_hashes": Statement("coverage/duplicate_hashes.sql", keys, in_range),
    }
    columns = {c.name for c in table.columns}
    for column, reference in REFERENCES.items():
        if column in columns:
            names = {"table_id": target, "column": column, "reference_id": reference.table_id}
            sent[f"unknown_{column}"] = Statement("coverage/unknown_ids.sql", names, in_range)
    check = table.totals_check
    if check is not None:
        names = {
            "table_id": target,
            "column": check.column,
            "side": "opponent_team_abbr" if check is TotalsCheck.OPPONENT_POINTS else "team_abbr",
            "player_boxscores_id": PLAYER_BOXSCORES.table_id,
            "team_boxscores_id": TEAM_BOXSCORES.table_id,
        }
        if check is TotalsCheck.PLAYER_POINTS:
            sent["totals"] = Statement("coverage/totals_player_points.sql", names, in_range)
        else:
            sent["totals"] = Statement("coverage/totals_team_points.sql", names, in_range)
    if parity_sample > 0:
        names = {"table_id": target, "hash_columns": [c.name for c in table.hash_columns]}
        values = {
            **in_range,
            "spec_version": VERSION,
            "hash_pattern": HASH_PATTERN,
            "sample": int(parity_sample),
        }
        sent["parity"] = Statement("coverage/parity_sample.sql", names, values)
    return sent


def measure_table(
    table: AnalyticsTable,
    from_date: datetime.date,
    to_date: datetime.date,
    client,
    *,
    table_id: str | None = None,
    parity_sample: int = DEFAULT_PARITY_SAMPLE,
    key_limit: int = DEFAULT_KEY_EXAMPLES,
    estimate: bool = False,
) -> TableCoverage:
    """The table's coverage of ``from_date..to_date``; ``table_id`` reads a copy of the table.

    ``estimate`` dry-runs the statements first and records the bytes they would scan.
    """
    if from_date > to_date:
        raise ValueError(f"from_date {from_date} is after to_date {to_date}")
    sent = statements(
        table, from_date, to_date, table_id=table_id, key_limit=key_limit, parity_sample=parity_sample
    )
    coverage = TableCoverage(table.name, from_date, to_date)
    if estimate:
        coverage.bytes_estimated = sum(dry_run_bytes(s, client=client) for s in sent.values())
    processed: list[int | None] = []

    def rows(name: str) -> list:
        result = run_query(sent[name], client=client)
        listed = list(result)
        processed.append(getattr(result, "total_bytes_processed", None))
        return listed

    coverage.dates = [
        DateFigures(
            game_date=r.game_date,
            expected=r.expected_rows,
            actual=r.actual_rows,
            present=r.present,
            missing=r.missing,
            unexpected=r.unexpected,
            hashed=r.hashed,
            unhashed=r.unhashed,
            old_spec=r.old_spec,
            malformed=r.malformed,
            drifted=r.drifted,
            duplicates=r.duplicates,
            null_keys=r.null_keys,
        )
        for r in rows("dates")
        if r.game_date is not None
    ]
    if any(_has_problem(d) for d in coverage.dates):  # a clean range has no keys to name
        for key in _problem_keys(rows("keys")):
            coverage.problem_keys.setdefault(key.problem, []).append(key)
    extent = rows("extent")[0]
    coverage.min_date, coverage.max_date, coverage.null_date_rows = (
        extent.min_date,
        extent.max_date,
        extent.null_dates,
    )
    coverage.duplicate_hashes = rows("duplicate_hashes")[0].n
    coverage.unknown_ids = {
        name.removeprefix("unknown_"): rows(name)[0].n for name in sent if name.startswith("unknown_")
    }
    coverage.totals_mismatches = rows("totals")[0].n if "totals" in sent else 0
    if "parity" in sent:
        _check_parity(table, coverage, rows("parity"))
    if all(p is not None for p in processed):
        coverage.bytes_processed = sum(processed)
    return coverage


def _has_problem(d: DateFigures) -> bool:
    return bool(
        d.missing or d.unexpected or d.duplicates or d.unhashed or d.old_spec or d.malformed or d.drifted
    )


def _problem_keys(rows) -> Iterator[ProblemKey]:
    for r in rows:
        yield ProblemKey(r.problem, r.game_date, r.game_id, r.entity, r.name, r.data_hash, r.recomputed)


def problem_keys(
    table: AnalyticsTable, from_date: datetime.date, to_date: datetime.date, client
) -> Iterator[ProblemKey]:
    """Every problem key of the range, streamed page by page (a season of missing keys fits no list)."""
    statement = identity_statement(table, from_date, to_date, output="keys", key_limit=ALL_KEYS)
    yield from _problem_keys(run_query(statement, client=client))


def _check_parity(table: AnalyticsTable, coverage: TableCoverage, rows) -> None:
    """Recompute in Python the hash of a sample of stored rows from their own columns.

    SQL recomputes every hash already (drifted rows); this proves the Python and SQL
    renderings of the spec agree, a different claim.
    """
    for row in rows:
        coverage.parity_checked += 1
        recomputed = row_hash(dict(row.items()), table.hash_columns)
        if recomputed != row.data_hash:
            coverage.parity_mismatches += 1
            if len(coverage.parity_examples) < 3:
                key = ", ".join(f"{k}={row[k]}" for k in table.key_columns)
                coverage.parity_examples.append(f"{key}: stored {row.data_hash}, Python {recomputed}")


def measure(
    tables: Sequence[AnalyticsTable],
    ranges: dict[str, tuple[datetime.date, datetime.date]],
    client,
    *,
    parity_sample: int = DEFAULT_PARITY_SAMPLE,
    key_limit: int = DEFAULT_KEY_EXAMPLES,
    estimate: bool = False,
) -> list[TableCoverage]:
    """Coverage of each table over its range (``ranges[table.name]``)."""
    return [
        measure_table(
            table,
            *ranges[table.name],
            client,
            parity_sample=parity_sample,
            key_limit=key_limit,
            estimate=estimate,
        )
        for table in tables
    ]
