"""Rows made stale by raw data corrected after they were processed.

``data_hash`` lets reprocessing skip rows that did not change; this finds the rows that
*should* change. The league corrects box scores days after a game, the scrapers land the
correction in ``nba_raw``, and every row computed before it is present, hashed, well formed
and wrong.

For a range of game dates the processors recompute the rows from today's raw data (no write,
the same ``recompute`` the processor path uses), one load job puts the recomputed keys and
hashes next to the table, and one set-based join (``include/sql/coverage/stale_rows.sql``)
counts per date the rows that are **stale** (the hash of the stored content differs from the
one recomputed from raw), **raw_only** (raw data implies the key, the table lacks it) and
**table_only** (the table holds a key raw data no longer implies). A processor rerun of those
dates (``completed`` for per-date runs: their earlier runs succeeded) rewrites exactly those rows.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from nba_backfill import clock
from nba_backfill.catalog import datasets
from nba_backfill.catalog.hash_spec import hash_sql
from nba_backfill.catalog.registry import REGISTRY, AnalyticsTable
from nba_backfill.coverage.repairs import PER_DATE, RANGE, REPROCESS_COMPLETED, Repair
from nba_backfill.warehouse.client import drop_table, load_rows, run_query
from nba_backfill.warehouse.sql import Statement

KINDS = ("stale", "raw_only", "table_only")
KEY_EXAMPLES = 50
PER_DATE_REPAIR_DATES = 2
"""Up to this many stale dates are repaired with per-date runs, more with one range run
(the repair plan's measured threshold)."""


@dataclass(frozen=True)
class StaleDate:
    game_date: datetime.date
    stale: int
    raw_only: int
    table_only: int
    current: int

    @property
    def outdated(self) -> int:
        """Rows a processor rerun of the date rewrites, inserts or deletes."""
        return self.stale + self.raw_only + self.table_only


@dataclass
class Staleness:
    """One table's rows over ``from_date..to_date`` against what today's raw data implies."""

    table: str
    from_date: datetime.date
    to_date: datetime.date
    dates: list[StaleDate]
    keys: dict[str, list[str]] = field(default_factory=dict)
    """The first ``KEY_EXAMPLES`` keys of each kind: ``game_date game_id entity``."""
    quarantined: list[str] = field(default_factory=list)

    def total(self, kind: str) -> int:
        return sum(getattr(d, kind) for d in self.dates)

    @property
    def outdated_dates(self) -> list[datetime.date]:
        return [d.game_date for d in self.dates if d.outdated]

    @property
    def clean(self) -> bool:
        return not self.outdated_dates

    def repairs(self) -> list[Repair]:
        """Processor reruns of the outdated dates: per-date runs for a few, else one range run."""
        days = self.outdated_dates
        if not days:
            return []
        if len(days) <= PER_DATE_REPAIR_DATES:
            return [Repair(self.table, d, d, REPROCESS_COMPLETED, 1, kind=PER_DATE) for d in days]
        return [Repair(self.table, days[0], days[-1], "", len(days), kind=RANGE, mode="processor")]

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "from_date": str(self.from_date),
            "to_date": str(self.to_date),
            **{kind: self.total(kind) for kind in KINDS},
            "dates": [
                {
                    "game_date": str(d.game_date),
                    "stale": d.stale,
                    "raw_only": d.raw_only,
                    "table_only": d.table_only,
                }
                for d in self.dates
                if d.outdated
            ],
            "keys": self.keys,
            "repairs": [r.command for r in self.repairs()],
        }

    def to_text(self) -> str:
        head = f"{self.table} {self.from_date}..{self.to_date}: "
        if self.clean:
            text = f"no stale rows ({sum(d.current for d in self.dates):,} rows match today's raw data"
            if REGISTRY[self.table].upstream:  # what it reads of other tables is taken as stored
                text += f", read with {', '.join(REGISTRY[self.table].upstream)} as stored"
            return head + text + ")"
        lines = [
            head + f"{self.total('stale'):,} stale, {self.total('raw_only'):,} missing from the table, "
            f"{self.total('table_only'):,} no longer in raw data, on {len(self.outdated_dates)} game "
            f"date{'s' if len(self.outdated_dates) != 1 else ''}"
        ]
        for d in self.dates:
            if d.outdated:
                lines.append(
                    f"  {d.game_date}  stale {d.stale:,}  raw only {d.raw_only:,}  table only {d.table_only:,}"
                )
        for kind, keys in self.keys.items():
            if keys:
                lines.append(f"  {kind} keys: {', '.join(keys[:5])}{' …' if len(keys) > 5 else ''}")
        for repair in self.repairs():
            lines.append(f"  repair ({repair.describe()}):\n    {repair.command}")
        return "\n".join(lines)


def stale_rows_statement(
    table: AnalyticsTable,
    staging_id: str,
    from_date: datetime.date,
    to_date: datetime.date,
    *,
    output: str = "dates",
    key_limit: int = KEY_EXAMPLES,
) -> Statement:
    names = {
        "output": output,
        "staging_id": staging_id,
        "table_id": table.table_id,
        "entity": table.entity_column,
        "hash_expression": hash_sql(table.hash_columns),
        "key_limit": int(key_limit),
    }
    return Statement("coverage/stale_rows.sql", names, {"from_date": from_date, "to_date": to_date})


def staging_id(table: AnalyticsTable) -> str:
    return f"{datasets.MONITORING}.stale_check_{table.name}_{uuid.uuid4().hex[:10]}"


def check_staleness(
    table: AnalyticsTable,
    from_date: datetime.date,
    to_date: datetime.date,
    client,
    *,
    key_limit: int = KEY_EXAMPLES,
) -> Staleness:
    """Recompute ``table`` over the range from raw data (no write) and compare, set-based."""
    from nba_backfill.processors import RunInfo
    from nba_backfill.processors.source import recompute

    run = RunInfo("staleness_check", "manual", clock.now())
    recomputed = recompute(table, from_date, to_date, run, client)
    entity = table.entity_column
    entity_type = next(c.type for c in table.columns if c.name == entity)
    target = staging_id(table)
    load_rows(
        target,
        [
            {
                "game_date": r["game_date"],
                "game_id": r["game_id"],
                entity: r[entity],
                "data_hash": r["data_hash"],
            }
            for r in recomputed.rows
        ],
        [("game_date", "DATE"), ("game_id", "STRING"), (entity, entity_type), ("data_hash", "STRING")],
        client=client,
        replace=True,
    )
    try:
        dates = [
            StaleDate(row.game_date, row.stale, row.raw_only, row.table_only, row.current_rows)
            for row in run_query(stale_rows_statement(table, target, from_date, to_date), client=client)
        ]
        keys: dict[str, list[str]] = {kind: [] for kind in KINDS}
        if any(d.outdated for d in dates):
            statement = stale_rows_statement(
                table, target, from_date, to_date, output="keys", key_limit=key_limit
            )
            for row in run_query(statement, client=client):
                keys[row.kind].append(f"{row.game_date} {row.game_id} {row.entity}")
    finally:
        drop_table(target, client=client)
    return Staleness(table.name, from_date, to_date, dates, keys, recomputed.quarantined)
