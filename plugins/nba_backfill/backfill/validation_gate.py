"""The validation gate (from the handoff documents): prove the first month before backfilling the rest of history.

A range run that reaches outside the first-month window refuses to start until, for its
table,

1. the SQL path and the processor path agree on a sample date: the hash BigQuery computes
   over the stored rows equals the hash Python computes over the rows the processor derives
   from the raw tables, key by key; and
2. the first-month window is COMPLETE (the coverage verifier's full definition).

The operator may override it explicitly (``skip_validation_gate``), and the run's log says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from nba_backfill import clock
from nba_backfill.catalog.registry import REGISTRY, AnalyticsTable

FIRST_MONTH = (datetime.date(2021, 10, 19), datetime.date(2021, 11, 19))
"""The validation window: the first month of history."""
PARITY_SAMPLE_DATE = datetime.date(2021, 11, 15)
"""The date the old pipeline's test runs wrote, inside the window."""


@dataclass
class GateResult:
    table: str
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def refusal(self) -> str:
        window = f"{FIRST_MONTH[0]}..{FIRST_MONTH[1]}"
        return (
            f"{self.table}: the first-month validation has not passed, so a range outside {window} "
            "is refused: " + "; ".join(self.problems) + ". Backfill the first month first: "
            f"airflow dags trigger {REGISTRY[self.table].range_dag_id} --conf "
            f'\'{{"from_date": "{FIRST_MONTH[0]}", "to_date": "{FIRST_MONTH[1]}", "mode": "processor"}}\' '
            '(or pass "skip_validation_gate": true to override, on your own authority)'
        )


def needs_gate(first: datetime.date, last: datetime.date) -> bool:
    """Ranges inside the first-month window are how it gets validated; any other needs the gate."""
    return first < FIRST_MONTH[0] or last > FIRST_MONTH[1]


def sql_hashes_statement(table: AnalyticsTable, game_date: datetime.date):
    """The SQL path's hash of every stored row of ``game_date``, by key."""
    from nba_backfill.catalog.hash_spec import hash_sql
    from nba_backfill.warehouse.sql import Statement

    names = {
        "table_id": table.table_id,
        "key_columns": list(table.key_columns),
        "hash_expression": hash_sql(table.hash_columns),
    }
    return Statement("backfill/sql_hashes.sql", names, {"game_date": game_date})


def hash_parity(table: AnalyticsTable, game_date: datetime.date, client) -> tuple[int, list[str]]:
    """(rows compared, keys whose SQL-path hash over the stored rows and processor-path hash
    over the rows recomputed from raw data differ)."""
    from nba_backfill.processors import RunInfo
    from nba_backfill.processors.source import recompute
    from nba_backfill.warehouse.client import run_query

    keys = list(table.key_columns)
    statement = sql_hashes_statement(table, game_date)
    by_sql = {tuple(row[k] for k in keys): row.sql_hash for row in run_query(statement, client=client)}
    run = RunInfo("validation_gate", "manual", clock.now())
    rows = recompute(table, game_date, game_date, run, client).rows
    by_processor = {tuple(row[k] for k in keys): row["data_hash"] for row in rows}
    differ = sorted(
        str(k) for k in by_processor.keys() | by_sql.keys() if by_sql.get(k) != by_processor.get(k)
    )
    return len(by_sql), differ


def check(table: AnalyticsTable, client) -> GateResult:
    from nba_backfill.coverage.measure import measure_table
    from nba_backfill.coverage.report import date_ranges, format_ranges

    result = GateResult(table.name)
    compared, differ = hash_parity(table, PARITY_SAMPLE_DATE, client)
    if not compared:
        result.problems.append(
            f"no rows stored on {PARITY_SAMPLE_DATE} to compare the SQL and processor hashes"
        )
    elif differ:
        result.problems.append(
            f"SQL and processor hashes disagree on {len(differ)} rows of {PARITY_SAMPLE_DATE} (first {differ[0]})"
        )
    coverage = measure_table(table, *FIRST_MONTH, client, parity_sample=50)
    if not coverage.complete:
        calendar = [d.game_date for d in coverage.dates]
        gaps = [d.game_date for d in coverage.dates if d.expected and d.state != "complete"]
        where = f" (dates {format_ranges(date_ranges(gaps, calendar), limit=4)})" if gaps else ""
        result.problems.append(
            f"the first month is INCOMPLETE: {coverage.present_rows:,} of {coverage.expected_rows:,} expected rows "
            f"present, {coverage.hashed_rows:,} hashed{where}"
        )
    return result
