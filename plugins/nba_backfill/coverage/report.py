"""A coverage report: the figures of every table, the gaps as date ranges, and the repairs.

The same report is printed by ``python -m nba_backfill.coverage``, sent as the alert of the
``verify_coverage`` DAG, and recorded in ``nba_monitoring.coverage_history``. No blended
percentage across tables: a table is COMPLETE or it is not.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nba_backfill.catalog.hash_spec import VERSION
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage.figures import (
    DRIFTED,
    MISSING,
    PARTIAL,
    PROBLEMS,
    STALE,
    UNEXPECTED,
    TableCoverage,
)
from nba_backfill.coverage.repairs import (
    Repair,
    format_duration,
    last_write_outcomes,
    plan_repairs,
    total_seconds,
)


def date_ranges(dates: Iterable[datetime.date], calendar: Sequence[datetime.date]) -> list[tuple]:
    """Collapse ``dates`` into ``(first, last)`` runs that are consecutive within ``calendar``.

    The calendar is the table's game dates, so a gap over an All-Star break or a day without
    games stays one range.
    """
    wanted = set(dates)
    ranges: list[tuple] = []
    current: list[datetime.date] = []
    for day in sorted(set(calendar) | wanted):
        if day in wanted:
            current.append(day)
        elif current:
            ranges.append((current[0], current[-1]))
            current = []
    if current:
        ranges.append((current[0], current[-1]))
    return ranges


def format_ranges(ranges: Sequence[tuple], limit: int = 12) -> str:
    shown = [str(a) if a == b else f"{a}..{b}" for a, b in ranges[:limit]]
    if len(ranges) > limit:
        shown.append(f"... and {len(ranges) - limit} more ranges")
    return ", ".join(shown)


@dataclass
class CoverageReport:
    tables: list[TableCoverage]
    verified_at: datetime.datetime
    project: str
    repairs: dict[str, list[Repair]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every table COMPLETE over the range it was verified on (the verdict that was asked)."""
        return all(t.complete for t in self.tables)

    @property
    def incomplete(self) -> list[TableCoverage]:
        return [t for t in self.tables if not t.complete]

    def headline(self) -> str:
        """The verdict in one sentence: the verified range, and the whole history beside it."""
        done = sum(t.complete for t in self.tables)
        verdict = f"{done} of {len(self.tables)} tables COMPLETE"
        histories = [t.history for t in self.tables if t.history is not None]
        if not histories or len(histories) < len(self.tables):
            return f"{verdict} ({_span(self.tables)})"
        if all(t.whole_history for t in self.tables):
            return f"{verdict} over the whole history ({_span(self.tables)})"
        history_done = sum(h.complete for h in histories)
        # Game dates, not table-dates: the calendar is the tables' common one.
        verified = len({day for t in self.tables for day in t.expected_dates})
        dates = max(h.expected_dates for h in histories)
        share = sum(h.complete_dates for h in histories) / max(sum(h.expected_dates for h in histories), 1)
        return (
            f"{verdict} for {_span(self.tables)}, a window of {verified:,} of {dates:,} game dates; "
            f"whole history: {history_done} of {len(histories)} tables COMPLETE, "
            f"{100.0 * share:.0f}% of their game dates verified complete"
        )

    # -- text ------------------------------------------------------------------

    def summary_table(self) -> str:
        header = (
            f"{'table':30} {'status':10} {'keys present / expected':>25} {'hashed%':>7} "
            f"{'missing':>7} {'partial':>7} {'drifted':>7} {'dates':>6}  {'range':22}  history"
        )
        lines = [header, "-" * len(header)]
        for t in self.tables:
            h = t.history
            history = f"{h.status} {h.complete_pct:.0f}% of {h.expected_dates:,} dates" if h else "-"
            lines.append(
                f"{t.table:30} {t.status:10} {t.present_rows:>11,} / {t.expected_rows:<11,} "
                f"{t.hashed_pct:>7.1f} {len(t.dates_in(MISSING)):>7} {len(t.dates_in(PARTIAL)):>7} "
                f"{len(t.dates_in(DRIFTED)):>7} {len(t.expected_dates):>6}  {t.from_date}..{t.to_date}  {history}"
            )
        return "\n".join(lines)

    def details(self) -> str:
        """Per incomplete table: the verdict, why, which dates and keys, and the repairs."""
        blocks = []
        for t in self.incomplete:
            lines = [f"{t.table}: {t.verdict()}"]
            lines += [f"  - {reason}" for reason in t.reasons()]
            calendar = [d.game_date for d in t.dates]
            for state, label in (
                (MISSING, "missing dates"),
                (PARTIAL, "partial dates"),
                (UNEXPECTED, "dates with unexpected keys or rows without games"),
                (DRIFTED, "drifted dates"),
                (STALE, "stale dates"),
            ):
                days = t.dates_in(state)
                if days:
                    lines.append(f"  {label} ({len(days)}): {format_ranges(date_ranges(days, calendar))}")
            for problem in PROBLEMS:
                keys = t.problem_keys.get(problem, [])
                if keys:
                    lines.append(f"  {problem} keys (first {len(keys)}):")
                    lines += [f"    {k.describe()}" for k in keys]
            lines.extend(f"  parity: {example}" for example in t.parity_examples)
            lines += self._stale_details(t)
            lines.append(
                f"  table holds {t.min_date or '-'}..{t.max_date or '-'}; every stored hash recomputed, "
                f"{t.parity_checked} also in Python"
            )
            repairs = self.repairs.get(t.table, [])
            if repairs:
                upstream = [u for u in REGISTRY[t.table].upstream if self.repairs.get(u)]
                after = f"; after the {', '.join(upstream)} repair above" if upstream else ""
                how = (
                    repairs[0].describe()
                    if len(repairs) == 1
                    else (f"{len(repairs)} backfills, about {format_duration(total_seconds(repairs))}")
                )
                lines.append(f"  repair ({how}{after}):")
                lines += [f"    {r.command}" for r in repairs]
            elif t.staleness and t.staleness.error:
                lines.append(
                    "  repair: the raw data above must be fixed at its source (or its bad rows removed); "
                    "then verify again"
                )
            else:
                lines.append(
                    "  repair: every expected date holds its keys; the table-wide checks above failed. Find the "
                    "dates of the offending rows and reprocess them with --reprocess-behavior completed "
                    "(rows on dates without games are not written by this pipeline: inspect and delete them)"
                )
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def _stale_details(self, t: TableCoverage) -> list[str]:
        """Stale keys, and the dates of downstream tables this run did not verify."""
        s = t.staleness
        if s is None or s.error:
            return []
        lines = []
        if s.keys:
            lines.append(f"  stale keys (first {len(s.keys)}, checked {s.window}):")
            lines += [f"    {key}" for key in s.keys]
        from nba_backfill.coverage.staleness import reprocess

        verified = {c.table for c in self.tables}
        for name, by_date in s.downstream.items():
            if name in verified:
                continue  # its own block lists those dates, and its repairs come after this table's
            days = list(by_date)
            lines.append(
                f"  {name} (not verified in this run) reads the corrected games as history on {len(days)} "
                f"dates {days[0]}..{days[-1]}; after this table's repair, recompute them:"
            )
            lines += [f"    {r.command}" for r in reprocess(name, days)]
        return lines

    def to_text(self) -> str:
        when = self.verified_at.strftime("%Y-%m-%d %H:%M UTC")
        parts = [
            f"Coverage of {self.project}, verified {when}, hash spec v{VERSION}",
            "",
            self.summary_table(),
            "",
            self.headline(),
        ]
        if self.incomplete:
            parts += ["", self.details()]
        return "\n".join(parts)

    # -- machines ---------------------------------------------------------------

    def table_summary(self, t: TableCoverage) -> dict:
        calendar = [d.game_date for d in t.dates]

        def ranges(state: str) -> list[list[str]]:
            return [[a.isoformat(), b.isoformat()] for a, b in date_ranges(t.dates_in(state), calendar)]

        h = t.history
        return {
            "table": t.table,
            "status": t.status,
            "verdict": t.verdict(),
            "from_date": t.from_date.isoformat(),
            "to_date": t.to_date.isoformat(),
            "expected_dates": len(t.expected_dates),
            "expected_rows": t.expected_rows,
            "present_rows": t.present_rows,
            "actual_rows": t.actual_rows,
            "hashed_rows": t.hashed_rows,
            "coverage_pct": round(t.coverage_pct, 2),
            "hashed_pct": round(t.hashed_pct, 2),
            "missing_keys": t.missing_keys,
            "unexpected_keys": t.unexpected_keys,
            "drifted_rows": t.drifted_rows,
            "missing_dates": len(t.dates_in(MISSING)),
            "partial_dates": len(t.dates_in(PARTIAL)),
            "unexpected_dates": len(t.dates_in(UNEXPECTED)),
            "drifted_dates": len(t.dates_in(DRIFTED)),
            "missing_ranges": ranges(MISSING),
            "partial_ranges": ranges(PARTIAL),
            "unexpected_ranges": ranges(UNEXPECTED),
            "drifted_ranges": ranges(DRIFTED),
            "stale_rows": t.stale_rows,
            "stale_upstream_rows": t.stale_upstream_rows,
            "stale_dates": len(t.dates_in(STALE)),
            "stale_ranges": ranges(STALE),
            "staleness": t.staleness.as_dict() if t.staleness else None,
            "unhashed": t.unhashed,
            "old_spec_hashes": t.old_spec_hashes,
            "malformed_hashes": t.malformed_hashes,
            "null_key_rows": t.null_key_rows,
            "null_date_rows": t.null_date_rows,
            "duplicate_keys": t.duplicate_keys,
            "duplicate_hashes": t.duplicate_hashes,
            "unknown_ids": dict(t.unknown_ids),
            "totals_mismatches": t.totals_mismatches,
            "parity_checked": t.parity_checked,
            "parity_mismatches": t.parity_mismatches,
            "min_date": t.min_date.isoformat() if t.min_date else None,
            "max_date": t.max_date.isoformat() if t.max_date else None,
            "problem_keys": {
                problem: {"total": _problem_total(t, problem), "first": [k.as_dict() for k in keys]}
                for problem, keys in t.problem_keys.items()
            },
            "bytes_estimated": t.bytes_estimated,
            "bytes_processed": t.bytes_processed,
            "history": h.as_dict() if h else None,
            "reasons": t.reasons(),
            "repairs": [r.as_dict() for r in self.repairs.get(t.table, [])],
        }

    def to_dict(self, with_dates: bool = True) -> dict:
        out = {
            "project": self.project,
            "verified_at": self.verified_at.isoformat(),
            "hash_spec_version": VERSION,
            "complete": self.complete,
            "headline": self.headline(),
            "tables": [self.table_summary(t) for t in self.tables],
        }
        if with_dates:
            for summary, t in zip(out["tables"], self.tables, strict=True):
                summary["dates"] = [
                    {
                        "game_date": d.game_date.isoformat(),
                        "state": d.state,
                        "expected": d.expected,
                        "actual": d.actual,
                        "present": d.present,
                        "missing": d.missing,
                        "unexpected": d.unexpected,
                        "hashed": d.hashed,
                        "drifted": d.drifted,
                        "stale": d.stale,
                        "stale_upstream": d.stale_upstream,
                    }
                    for d in t.dates
                ]
        return out


def _problem_total(t: TableCoverage, problem: str) -> int:
    """How many keys of one problem kind the range holds (the named ones are the first few)."""
    return {
        "missing": t.missing_keys,
        "unexpected": t.unexpected_keys,
        "duplicate": t.duplicate_keys,
        "unhashed": t.unhashed,
        "old_spec": t.old_spec_hashes,
        "malformed": t.malformed_hashes,
        "drifted": t.drifted_rows,
    }[problem]


def _span(tables: Sequence[TableCoverage]) -> str:
    if not tables:
        return "no tables"
    first, last = min(t.from_date for t in tables), max(t.to_date for t in tables)
    return f"{first}..{last}"


def build_report(
    tables: list[TableCoverage],
    client,
    verified_at: datetime.datetime,
    as_of: datetime.datetime | None = None,
) -> CoverageReport:
    """The report of measured tables: each with its whole history's standing, and the repairs."""
    from nba_backfill.coverage.standing import summaries

    for coverage, summary in summaries(tables, as_of or verified_at, client).items():
        next(t for t in tables if t.table == coverage).history = summary
    report = CoverageReport(tables=tables, verified_at=verified_at, project=client.project)
    for t in report.incomplete:
        outcomes = last_write_outcomes(t.table, t.from_date, t.to_date, client)
        report.repairs[t.table] = plan_repairs(t, outcomes)
    return report
