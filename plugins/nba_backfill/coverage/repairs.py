"""The repair plan: per table, the cheapest runs that close every incomplete game date.

One plan serves the terminal report, the ``verify_coverage`` alert and the Coverage page.
Two kinds of repair, chosen by estimated duration from measured throughput:

- **per-date backfill** (``airflow backfill create`` on ``backfill_<table>``): one Airflow run
  per partition, about 10 s each here; the cheaper choice for one or two dates.
- **range run** (``airflow dags trigger backfill_range_<table>``): one run over the span from
  the first to the last gap date, whatever lies between (a rerun of a complete date changes
  nothing); a fixed cost of ~20 s and a fraction of a second per game date, so a gap of
  1,700 dates takes minutes instead of hours. Mode ``sql`` when every gap date holds all
  its keys and only hashes are wrong; ``processor`` when keys are missing or unexpected.

Every command starts by unpausing its DAG: the runs of a paused DAG are created and sit
queued forever, so a command pasted from an alert at 3 a.m. must not depend on the DAG's
state.
"""

from __future__ import annotations

import datetime
import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage.figures import (
    DRIFTED,
    MISSING,
    PARTIAL,
    STALE,
    UNEXPECTED,
    DateFigures,
    TableCoverage,
)
from nba_backfill.warehouse.client import run_query
from nba_backfill.warehouse.sql import Statement

REPROCESS_COMPLETED = "completed"
REPROCESS_FAILED = "failed"
PER_DATE = "backfill"
RANGE = "range"

REPAIRED_STATES = (MISSING, PARTIAL, UNEXPECTED, DRIFTED, STALE)
"""Game-date states a reprocess repairs: the processor path inserts missing keys, deletes keys
the source no longer implies and rewrites rows whose hash differs from their content or
whose content differs from today's raw data."""


@dataclass(frozen=True)
class Throughput:
    """How long repairs take, from ``make bench`` (``bench/results/backfill_benchmark.json``).

    ``tests/unit/test_repairs.py`` derives these figures from the committed results, so a new
    benchmark that moves them fails until they are updated here.
    """

    per_date_seconds: float
    """One per-date run, end to end through the scheduler (bench (a))."""
    range_fixed_seconds: dict[str, float]
    """A range run over the first month, per mode (bench (b)): the cost of any range run."""
    range_seconds_per_date: dict[str, float]
    """Each further game date of a range run, per mode (bench (c), whole history, per table)."""

    def seconds(self, kind: str, mode: str, game_dates: int) -> float:
        if kind == PER_DATE:
            return self.per_date_seconds * game_dates
        return self.range_fixed_seconds[mode] + self.range_seconds_per_date[mode] * game_dates


MEASURED = Throughput(
    per_date_seconds=round(60 / 6.5, 1),
    range_fixed_seconds={"sql": 19.4, "processor": 18.3},
    range_seconds_per_date={
        "sql": round((51.1 - 19.4) / 2128, 3),
        "processor": round((77.5 - 18.3) / 2128, 3),
    },
)


@dataclass(frozen=True)
class Repair:
    """One run (or one backfill of per-date runs) that rewrites a span of incomplete dates."""

    table: str
    from_date: datetime.date
    to_date: datetime.date
    reprocess_behavior: str
    """Per-date backfills: ``completed`` rewrites dates whose last run succeeded, ``failed``
    the others. Range runs always rewrite their span (empty here)."""
    dates: int
    """Incomplete game dates it closes."""
    kind: str = PER_DATE
    mode: str = "processor"
    """The write path of a range run (per-date runs default to the processor path)."""
    game_dates: int = 0
    """Game dates it runs over (a range run may span complete dates between gaps)."""

    @property
    def dag_id(self) -> str:
        table = REGISTRY[self.table]
        return table.range_dag_id if self.kind == RANGE else table.dag_id

    @property
    def conf(self) -> dict:
        """A range run's configuration (the ``--conf`` of its command)."""
        return {
            "from_date": str(self.from_date),
            "to_date": str(self.to_date),
            "mode": self.mode,
            "chunk": "auto",  # as few statements or tasks as BigQuery's limits and bounded memory allow
        }

    @property
    def estimated_seconds(self) -> float:
        return MEASURED.seconds(self.kind, self.mode, self.game_dates or self.dates)

    @property
    def command(self) -> str:
        """One shell line that runs to the end when pasted: unpause, then start."""
        unpause = f"airflow dags unpause {self.dag_id}"
        if self.kind == RANGE:
            conf = shlex.quote(json.dumps(self.conf, separators=(", ", ": ")))
            return f"{unpause} && airflow dags trigger {self.dag_id} --conf {conf}"
        return (
            f"{unpause} && airflow backfill create --dag-id {self.dag_id} --from-date {self.from_date} "
            f"--to-date {self.to_date} --reprocess-behavior {self.reprocess_behavior}"
        )

    @classmethod
    def parse(cls, command: str) -> Repair:
        """The repair a ``command`` line (as ``command`` writes it, or the older bare form) stands for."""
        line = command.strip()
        if match := _BACKFILL_COMMAND.fullmatch(line):
            first, last = (datetime.date.fromisoformat(match[k]) for k in ("from_date", "to_date"))
            return cls(match["table"], first, last, match["reprocess"], dates=0)
        if match := _RANGE_COMMAND.fullmatch(line):
            conf = json.loads(shlex.split(match["conf"])[0])
            first, last = (datetime.date.fromisoformat(conf[k]) for k in ("from_date", "to_date"))
            return cls(match["table"], first, last, "", dates=0, kind=RANGE, mode=conf["mode"])
        raise ValueError(f"not a repair command: {command!r}")

    def describe(self) -> str:
        what = (
            f"one range run, {self.mode} path, over {self.game_dates:,} game dates"
            if self.kind == RANGE
            else f"{self.dates} per-date run{'s' if self.dates != 1 else ''}"
        )
        return f"{what}, about {format_duration(self.estimated_seconds)}"

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "dag_id": self.dag_id,
            "kind": self.kind,
            "mode": self.mode,
            "from_date": self.from_date.isoformat(),
            "to_date": self.to_date.isoformat(),
            "reprocess_behavior": self.reprocess_behavior,
            "dates": self.dates,
            "game_dates": self.game_dates,
            "estimated_seconds": round(self.estimated_seconds),
            "description": self.describe(),
            "command": self.command,
        }


_UNPAUSE = r"(?:airflow dags unpause backfill_(?:range_)?[a-z_]+ && )?"
_BACKFILL_COMMAND = re.compile(
    _UNPAUSE + r"airflow backfill create --dag-id backfill_(?P<table>[a-z_]+) "
    r"--from-date (?P<from_date>\d{4}-\d{2}-\d{2}) --to-date (?P<to_date>\d{4}-\d{2}-\d{2}) "
    r"--reprocess-behavior (?P<reprocess>completed|failed)"
)
_RANGE_COMMAND = re.compile(
    _UNPAUSE + r"airflow dags trigger backfill_range_(?P<table>[a-z_]+) --conf (?P<conf>'.+')"
)


def format_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def last_write_outcomes(
    table: str, from_date: datetime.date, to_date: datetime.date, client
) -> dict[datetime.date, bool]:
    """Per date, whether the newest write recorded in ``backfill_log`` verified complete."""
    statement = last_write_outcomes_statement(table, from_date, to_date)
    return {row.game_date: bool(row.complete) for row in run_query(statement, client=client)}


def last_write_outcomes_statement(table: str, from_date: datetime.date, to_date: datetime.date) -> Statement:
    return Statement(
        "coverage/last_write_outcomes.sql",
        {"backfill_log_id": BACKFILL_LOG.table_id},
        {"table_name": table, "from_date": from_date, "to_date": to_date},
    )


def per_date_repairs(coverage: TableCoverage, outcomes: dict[datetime.date, bool]) -> list[Repair]:
    """Per-date backfills that close every incomplete game date of the table, oldest first.

    A date whose last run verified complete but whose data is now wrong needs
    ``--reprocess-behavior completed`` (Airflow would skip its successful run otherwise);
    every other gap (a failed run, or none at all) is closed by ``failed``. A backfill never
    spans a complete game date; days without games inside it cost nothing.
    """
    repairs: list[Repair] = []
    run: list[datetime.date] = []
    behavior = None

    def close() -> None:
        if run:
            repairs.append(Repair(coverage.table, run[0], run[-1], behavior, len(run), game_dates=len(run)))

    for day in (d for d in coverage.dates if d.expected):
        if day.state in REPAIRED_STATES:
            # A stale date's content came from raw data since corrected: rerun it whatever ran before.
            rerun = day.state == STALE or outcomes.get(day.game_date, False)
            wanted = REPROCESS_COMPLETED if rerun else REPROCESS_FAILED
            if wanted != behavior:
                close()
                run, behavior = [], wanted
            run.append(day.game_date)
        else:
            close()
            run, behavior = [], None
    close()
    return repairs


def range_repair(coverage: TableCoverage) -> Repair | None:
    """One range run from the first to the last incomplete game date, or None if there is none."""
    gaps = [d for d in coverage.dates if d.expected and d.state in REPAIRED_STATES]
    if not gaps:
        return None
    first, last = gaps[0].game_date, gaps[-1].game_date
    span = [d for d in coverage.dates if d.expected and first <= d.game_date <= last]
    mode = "sql" if all(_hashes_only(d) for d in gaps) else "processor"
    return Repair(coverage.table, first, last, "", len(gaps), kind=RANGE, mode=mode, game_dates=len(span))


def _hashes_only(day: DateFigures) -> bool:
    """Every expected key is there once, nothing else, and its content is today's: an UPDATE
    of the hashes repairs it (a stale row's content must be recomputed from raw)."""
    return not (
        day.missing or day.unexpected or day.duplicates or day.null_keys or day.stale or day.stale_upstream
    )


def plan_repairs(coverage: TableCoverage, outcomes: dict[datetime.date, bool]) -> list[Repair]:
    """The cheaper of per-date backfills and one range run, by estimated duration."""
    per_date = per_date_repairs(coverage, outcomes)
    ranged = range_repair(coverage)
    if ranged is None:
        return per_date
    per_date_seconds = sum(r.estimated_seconds for r in per_date)
    return [ranged] if ranged.estimated_seconds < per_date_seconds else per_date


def total_seconds(repairs: Sequence[Repair]) -> float:
    return sum(r.estimated_seconds for r in repairs)
