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

A summary's outdated row reaches further: the upcoming contexts of its entity's later games
read it as history (the same season, or its next ``HISTORY_GAMES`` games). The same join
names those context rows (``downstream``), per corrected game; they are recomputed after the
summary is, and the repairs come in that order.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from nba_backfill import clock
from nba_backfill.catalog import datasets
from nba_backfill.catalog.hash_spec import hash_sql
from nba_backfill.catalog.raw_tables import SCHEDULE
from nba_backfill.catalog.registry import REGISTRY, TABLES, AnalyticsTable
from nba_backfill.coverage.measure import ALL_KEYS
from nba_backfill.coverage.repairs import PER_DATE, RANGE, REPROCESS_COMPLETED, Repair
from nba_backfill.processors.raw_checks import RawDataError
from nba_backfill.processors.source import UpstreamRows
from nba_backfill.warehouse.client import drop_table, run_query
from nba_backfill.warehouse.frames import write_frame
from nba_backfill.warehouse.sql import Statement

KINDS = ("stale", "raw_only", "table_only")
KEY_EXAMPLES = 50
GAME_EXAMPLES = 10
"""Corrected games named in the text (``as_dict`` lists all)."""
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


@dataclass(frozen=True)
class CorrectedGame:
    """A game whose rows in an upstream table are outdated, and the context rows that read them."""

    game_date: datetime.date
    game_id: str
    downstream: dict[str, dict[datetime.date, int]]
    """Per downstream table, its game dates after this game and how many of its rows there
    read the game as history."""

    def describe(self) -> str:
        parts = []
        for name, by_date in self.downstream.items():
            days = sorted(by_date)
            if days:
                span = f"{days[0]}..{days[-1]}" if len(days) > 1 else str(days[0])
                parts.append(f"{name} {sum(by_date.values()):,} rows on {len(days)} dates {span}")
        return f"{self.game_date} {self.game_id}: " + ("; ".join(parts) or "no context reads it yet")

    def as_dict(self) -> dict:
        return {
            "game_date": str(self.game_date),
            "game_id": self.game_id,
            "downstream": {
                name: {str(day): n for day, n in sorted(by_date.items())}
                for name, by_date in self.downstream.items()
            },
        }


def downstream_tables(table: AnalyticsTable) -> list[AnalyticsTable]:
    """The tables that read ``table`` as history (the registry's ``upstream``)."""
    return [t for t in TABLES if table.name in t.upstream]


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
    corrected_games: list[CorrectedGame] = field(default_factory=list)
    """Games with outdated rows here, and the downstream context rows that read them."""
    downstream: dict[str, dict[datetime.date, int]] = field(default_factory=dict)
    """Per downstream table, the dates to recompute after this table, and the distinct rows
    there that read an outdated row."""
    bytes_processed: int | None = None
    """What the comparison's queries scanned, from the jobs' statistics (None if not reported)."""
    rows: Any = field(default=None, repr=False)
    """The rows recomputed from today's raw data (what a reprocess would write), a polars frame."""
    reader_keys: dict[str, set[str]] = field(default_factory=dict, repr=False)
    """Per downstream table, every key there that reads an outdated row here."""
    from_upstream: dict[datetime.date, int] = field(default_factory=dict)
    """Stale rows per date that are stale because a summary they read was corrected."""

    def total(self, kind: str) -> int:
        return sum(getattr(d, kind) for d in self.dates)

    @property
    def outdated_dates(self) -> list[datetime.date]:
        return [d.game_date for d in self.dates if d.outdated]

    @property
    def clean(self) -> bool:
        return not self.outdated_dates

    def repairs(self) -> list[Repair]:
        """Processor reruns of the outdated dates, then of the context dates that read them."""
        plan = reprocess(self.table, self.outdated_dates)
        for name, by_date in self.downstream.items():
            plan += reprocess(name, sorted(by_date))
        return plan

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
            "corrected_games": [g.as_dict() for g in self.corrected_games],
            "downstream": {
                name: {str(day): n for day, n in by_date.items()} for name, by_date in self.downstream.items()
            },
            "from_upstream": {str(day): n for day, n in sorted(self.from_upstream.items())},
            "bytes_processed": self.bytes_processed,
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
        if self.from_upstream:
            upstream = ", ".join(REGISTRY[self.table].upstream)
            lines.append(
                f"  {sum(self.from_upstream.values()):,} of the stale rows read {upstream} rows that raw "
                f"corrections changed (judged by the summaries as their reprocess will write them): "
                f"recompute after {upstream}"
            )
        for name, by_date in self.downstream.items():
            days = list(by_date)
            lines.append(
                f"  downstream: {name} reads them as history, {sum(by_date.values()):,} rows on "
                f"{len(days)} dates {days[0]}..{days[-1]} (recompute after {self.table})"
            )
        if self.corrected_games:
            lines.append("  corrected games, and the context rows that read them:")
            lines += [f"    {game.describe()}" for game in self.corrected_games[:GAME_EXAMPLES]]
            if len(self.corrected_games) > GAME_EXAMPLES:
                lines.append(f"    … {len(self.corrected_games) - GAME_EXAMPLES} more (--json lists all)")
        for repair in self.repairs():
            lines.append(f"  repair ({repair.describe()}):\n    {repair.command}")
        return "\n".join(lines)


def reprocess(table: str, days: list[datetime.date]) -> list[Repair]:
    """Processor reruns of ``days``: per-date runs for a few (their runs succeeded, hence
    ``completed``), else one range run over their span."""
    if not days:
        return []
    if len(days) <= PER_DATE_REPAIR_DATES:
        return [Repair(table, d, d, REPROCESS_COMPLETED, 1, kind=PER_DATE, game_dates=1) for d in days]
    return [
        Repair(table, days[0], days[-1], "", len(days), kind=RANGE, mode="processor", game_dates=len(days))
    ]


def stale_rows_statement(
    table: AnalyticsTable,
    staging_id: str,
    from_date: datetime.date,
    to_date: datetime.date,
    *,
    output: str = "dates",
    key_limit: int = KEY_EXAMPLES,
    downstream: AnalyticsTable | None = None,
) -> Statement:
    names = {
        "output": output,
        "staging_id": staging_id,
        "table_id": table.table_id,
        "entity": table.entity_column,
        "hash_expression": hash_sql(table.hash_columns),
        "key_limit": int(key_limit),
    }
    if downstream is not None:
        from nba_backfill.processors.upcoming_contexts import HISTORY_GAMES

        names.update(
            downstream_id=downstream.table_id, schedule_id=SCHEDULE.table_id, history_games=HISTORY_GAMES
        )
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
    upstream: UpstreamRows | None = None,
) -> Staleness:
    """Recompute ``table`` over the range from raw data (no write) and compare, set-based.

    ``upstream``: summary rows recomputed by their own check, read as history instead of the
    stored ones, so a context is judged by what its summaries say once they are reprocessed.
    """
    from nba_backfill.processors import RunInfo
    from nba_backfill.processors.source import recompute

    run = RunInfo("staleness_check", "manual", clock.now())
    recomputed = recompute(table, from_date, to_date, run, client, upstream=upstream)
    entity = table.entity_column
    entity_type = next(c.type for c in table.columns if c.name == entity)
    target = staging_id(table)
    write_frame(
        target,
        recomputed.frame.select("game_date", "game_id", entity, "data_hash"),
        [("game_date", "DATE"), ("game_id", "STRING"), (entity, entity_type), ("data_hash", "STRING")],
        client=client,
        replace=True,
    )
    scanned: list[int | None] = []

    def rows(statement: Statement) -> list:
        result = run_query(statement, client=client)
        listed = list(result)
        scanned.append(getattr(result, "total_bytes_processed", None))
        return listed

    games: dict[tuple[datetime.date, str], dict[str, dict[datetime.date, int]]] = {}
    readers: dict[str, dict[datetime.date, set[tuple[str, str]]]] = {}
    try:
        dates = [
            StaleDate(row.game_date, row.stale, row.raw_only, row.table_only, row.current_rows)
            for row in rows(stale_rows_statement(table, target, from_date, to_date))
        ]
        keys: dict[str, list[str]] = {kind: [] for kind in KINDS}
        if any(d.outdated for d in dates):
            statement = stale_rows_statement(
                table, target, from_date, to_date, output="keys", key_limit=key_limit
            )
            for row in rows(statement):
                keys[row.kind].append(f"{row.game_date} {row.game_id} {row.entity}")
            for reader in downstream_tables(table):
                statement = stale_rows_statement(
                    table, target, from_date, to_date, output="downstream", downstream=reader
                )
                for row in rows(statement):
                    game = games.setdefault((row.corrected_date, row.corrected_game_id), {})
                    by_date = game.setdefault(reader.name, {})
                    by_date[row.game_date] = by_date.get(row.game_date, 0) + 1
                    readers.setdefault(reader.name, {}).setdefault(row.game_date, set()).add(
                        f"{row.game_date} {row.game_id} {row.entity}"
                    )
    finally:
        drop_table(target, client=client)
    corrected = [
        CorrectedGame(day, game_id, downstream) for (day, game_id), downstream in sorted(games.items())
    ]
    return Staleness(
        table.name,
        from_date,
        to_date,
        dates,
        keys,
        recomputed.quarantined,
        corrected,
        {name: {day: len(keys) for day, keys in sorted(days.items())} for name, days in readers.items()},
        sum(scanned) if scanned and all(b is not None for b in scanned) else None,
        rows=recomputed.frame,
        reader_keys={name: set().union(*days.values()) for name, days in readers.items()},
    )


def stale_window(
    from_date: datetime.date, to_date: datetime.date, days: int
) -> tuple[datetime.date, datetime.date]:
    """The newest ``days`` calendar days of ``from_date..to_date``."""
    return max(from_date, to_date - datetime.timedelta(days=days - 1)), to_date


def check_tables(
    tables: list[AnalyticsTable],
    windows: dict[str, tuple[datetime.date, datetime.date]],
    client,
    *,
    key_limit: int = KEY_EXAMPLES,
) -> dict[str, Staleness | RawDataError]:
    """Check each table over its window, upstream first; a table's refused raw data is its result.

    A context reads its summaries as today's raw data implies them (their checks' rows), and
    its stale rows that read a corrected summary row are counted apart (``from_upstream``).
    """
    recomputed: UpstreamRows = {}
    readers: dict[str, set[str]] = {}
    results: dict[str, Staleness | RawDataError] = {}
    for table in sorted(tables, key=TABLES.index):
        first, last = windows[table.name]
        reading = readers.get(table.name, set())
        try:
            check = check_staleness(
                table,
                first,
                last,
                client,
                key_limit=ALL_KEYS if reading else key_limit,
                upstream={name: recomputed[name] for name in table.upstream if name in recomputed},
            )
        except RawDataError as exc:
            results[table.name] = exc
            continue
        recomputed[table.name] = (first, last, check.rows)
        for name, keys in check.reader_keys.items():
            readers.setdefault(name, set()).update(keys)
        if reading:
            for key in check.keys.get("stale", []):
                if key in reading:
                    day = datetime.date.fromisoformat(key.split(" ", 1)[0])
                    check.from_upstream[day] = check.from_upstream.get(day, 0) + 1
            check.keys = {kind: keys[:key_limit] for kind, keys in check.keys.items()}
        results[table.name] = check
    return results


def check_coverages(tables: list[AnalyticsTable], coverages: list, days: int, client) -> None:
    """Check each measured table's newest ``days`` for stale rows, and mark its dates, in place.

    A date's rows stale because a summary they read was corrected count as ``stale_upstream``,
    the rest as ``stale``. A table whose raw data the processors refuse says so in its
    findings and the others go on; a dead warehouse stops the verification as everywhere else.
    """
    import dataclasses

    from nba_backfill.coverage.figures import StaleFindings

    by_name = {c.table: c for c in coverages}
    windows = {name: stale_window(c.from_date, c.to_date, days) for name, c in by_name.items()}
    for name, result in check_tables(tables, windows, client).items():
        coverage = by_name[name]
        findings = coverage.staleness = StaleFindings(*windows[name])
        if isinstance(result, RawDataError):
            findings.error = f"raw data refused: {result}"
            continue
        own = {d.game_date: d.stale - result.from_upstream.get(d.game_date, 0) for d in result.dates}
        coverage.dates = [
            dataclasses.replace(
                d, stale=own.get(d.game_date, 0), stale_upstream=result.from_upstream.get(d.game_date, 0)
            )
            for d in coverage.dates
        ]
        findings.keys = result.keys.get("stale", [])
        if result.from_upstream:
            findings.upstream_rows = {", ".join(REGISTRY[name].upstream): sum(result.from_upstream.values())}
        findings.downstream = result.downstream
        findings.corrected_games = [g.as_dict() for g in result.corrected_games]
        findings.bytes_processed = result.bytes_processed
