"""What a range backfill will scan, from BigQuery's dry run, before anything runs.

A dry run plans the statements without executing them and reports the bytes they would
process; it is free. ``plan_chunks`` logs the estimate of every range run (and stores it in
XCom as ``cost_estimate``), and refuses a range whose estimate exceeds the per-job billing
cap. On the emulator every estimate is 0 bytes; the plumbing is the same.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from nba_backfill.catalog.registry import AnalyticsTable
from nba_backfill.warehouse.sql import Statement

ON_DEMAND_USD_PER_TIB = 6.25
"""BigQuery on-demand list price per TiB scanned (US multi-region), for a rough figure."""


@dataclass(frozen=True)
class CostEstimate:
    table: str
    from_date: str
    to_date: str
    mode: str
    statements: int
    bytes_processed: int

    @property
    def usd(self) -> float:
        return self.bytes_processed / 1024**4 * ON_DEMAND_USD_PER_TIB

    def describe(self) -> str:
        return (
            f"{self.table} {self.from_date}..{self.to_date} ({self.mode}): {self.statements} statements "
            f"would process {self.bytes_processed:,} bytes (about ${self.usd:,.2f} on demand)"
        )

    def as_dict(self) -> dict:
        return {**asdict(self), "usd": round(self.usd, 4)}


def statements(
    table: AnalyticsTable, first: datetime.date, last: datetime.date, mode: str
) -> list[Statement]:
    """The statements a range run of ``mode`` sends over ``first..last`` that a dry run can plan:
    the SQL path's UPDATE, or the processor path's reads (raw inputs, upstream history, and
    the stored hashes its MERGE compares with). The very statements that run, not a restatement."""
    from nba_backfill.backfill.processor_path import stored_hashes_statement
    from nba_backfill.backfill.sql_path import hash_statement
    from nba_backfill.processors.source import read_statements

    if mode == "sql":
        return [hash_statement(table, first, last)]
    return [*read_statements(table, first, last), stored_hashes_statement(table, first, last)]


def estimate(
    table: AnalyticsTable, first: datetime.date, last: datetime.date, mode: str, client
) -> CostEstimate:
    """Dry-run the statements a range run of ``mode`` issues over ``first..last``."""
    from nba_backfill.warehouse.client import dry_run_bytes

    planned = statements(table, first, last, mode)
    total = sum(dry_run_bytes(statement, client=client) for statement in planned)
    return CostEstimate(table.name, first.isoformat(), last.isoformat(), mode, len(planned), total)
