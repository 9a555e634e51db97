"""May a run write its partitions yet? Games final (for summaries), upstream history complete.

Both the per-date and the range runs ask here before writing anything.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from nba_backfill.catalog.registry import REGISTRY, AnalyticsTable, PartitionRule
from nba_backfill.coverage.expected import GameDay, incomplete_dates


class NotReady(RuntimeError):
    """The data a run needs is not there yet; ``wait`` says whether retrying can help."""

    def __init__(self, message: str, *, wait: bool) -> None:
        super().__init__(message)
        self.wait = wait


def unfinished(table: AnalyticsTable, days: Sequence[GameDay]) -> list[GameDay]:
    """Game days whose games are not all final, for tables that hold played games (else none)."""
    if table.partition_rule is not PartitionRule.PLAYED:
        return []
    return [day for day in days if not day.all_final]


def check_upstream(table: AnalyticsTable, game_date: datetime.date, client, *, wait: bool) -> None:
    """Every upstream table must be complete on every game date before ``game_date``.

    The contexts read history across seasons, so a partial history would give wrong
    averages that still look complete. Raises ``NotReady`` naming the repair; ``wait``
    (scheduled runs) marks it as worth retrying.
    """
    if not table.upstream:
        return
    before = game_date - datetime.timedelta(days=1)
    for name in table.upstream:
        upstream = REGISTRY[name]
        missing = incomplete_dates(upstream, table.history_start, before, client)
        if missing:
            raise NotReady(
                f"upstream {name} is incomplete on {len(missing)} game dates before {game_date} "
                f"(first {missing[0]}, last {missing[-1]}); {table.name} reads that history. Backfill it first: "
                f"airflow backfill create --dag-id {upstream.dag_id} --from-date {missing[0]} "
                f"--to-date {missing[-1]} --reprocess-behavior completed",
                wait=wait,
            )
