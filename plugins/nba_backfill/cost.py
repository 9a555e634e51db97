"""What a range backfill will scan, from BigQuery's dry run, before anything runs.

A dry run plans the statements without executing them and reports the bytes they would
process; it is free. ``plan_chunks`` logs the estimate of every range run (and stores it in
XCom as ``cost_estimate``), and refuses a range whose estimate exceeds the per-job billing
cap. On the emulator every estimate is 0 bytes; the plumbing is the same.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from nba_backfill.registry import REGISTRY, AnalyticsTable

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


def _statements(table: AnalyticsTable, mode: str) -> list[str]:
    from nba_backfill.raw_tables import PLAYER_BOXSCORES, PLAYER_PROPS, SCHEDULE, TEAM_BOXSCORES
    from nba_backfill.sql_hash_path import TEMPLATE, hash_partition_params
    from nba_backfill.sql_templates import render

    if mode == "sql":
        return [render(TEMPLATE, hash_partition_params(table))]
    between = "game_date between @from_date and @to_date"
    reads = [
        f"select * from `{raw.table_id}` where {between}"
        for raw in (SCHEDULE, PLAYER_BOXSCORES, TEAM_BOXSCORES, PLAYER_PROPS)
    ]
    reads += [f"select * from `{REGISTRY[u].table_id}` where game_date < @to_date" for u in table.upstream]
    reads.append(f"select * from `{table.table_id}` where {between}")  # the MERGE's target side
    return reads


def estimate(
    table: AnalyticsTable, first: datetime.date, last: datetime.date, mode: str, client
) -> CostEstimate:
    """Dry-run the statements a range run of ``mode`` issues over ``first..last``."""
    from nba_backfill.warehouse import dry_run_bytes

    params = {"from_date": first, "to_date": last}
    statements = _statements(table, mode)
    total = sum(dry_run_bytes(sql, params, client=client) for sql in statements)
    return CostEstimate(table.name, first.isoformat(), last.isoformat(), mode, len(statements), total)
