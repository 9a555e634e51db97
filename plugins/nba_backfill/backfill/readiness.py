"""May a run write its partitions yet? Games final (for summaries), upstream history complete.

Both the per-date and the range runs ask here before writing anything.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from nba_backfill.catalog.registry import REGISTRY, AnalyticsTable, PartitionRule
from nba_backfill.coverage.expected import GameDay


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
    """Every upstream table must be COMPLETE, by identity, on every game date before ``game_date``.

    The contexts read history across seasons, so a partial history would give wrong
    averages that still look complete. The verdict is the coverage verifier's own: every
    expected key present, hashed, its hash equal to its content. Raises ``NotReady`` naming
    the repair; ``wait`` (scheduled runs) marks it as worth retrying.
    """
    from nba_backfill.coverage.figures import COMPLETE
    from nba_backfill.coverage.measure import measure_table
    from nba_backfill.coverage.repairs import last_write_outcomes, plan_repairs

    if not table.upstream:
        return
    before = game_date - datetime.timedelta(days=1)
    if before < table.history_start:
        return
    for name in table.upstream:
        upstream = REGISTRY[name]
        coverage = measure_table(upstream, table.history_start, before, client, parity_sample=0, key_limit=1)
        if coverage.complete:
            continue
        gaps = [d.game_date for d in coverage.dates if d.state != COMPLETE]
        where = (
            f"on {len(gaps)} dates before {game_date} (first {gaps[0]}, last {gaps[-1]})"
            if gaps
            else f"before {game_date}: {'; '.join(coverage.reasons())}"
        )
        outcomes = last_write_outcomes(name, upstream.history_start, before, client) if gaps else {}
        repair = (
            " ; ".join(r.command for r in plan_repairs(coverage, outcomes))
            if gaps
            else f"python -m nba_backfill.coverage --tables {name} --to-date {before}"
        )
        raise NotReady(
            f"upstream {name} is INCOMPLETE {where}; {table.name} reads that history. Repair it first: {repair}",
            wait=wait,
        )
