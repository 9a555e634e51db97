"""Append a verification to ``nba_monitoring.coverage_history`` (and its per-date rows).

Idempotent per ``verification_id`` (the Airflow run id): a retried task first removes what
an earlier attempt of the same verification wrote, then loads its rows in one load job per
table, so a rerun never duplicates.
"""

from __future__ import annotations

import json

from nba_backfill.catalog.monitoring_tables import COVERAGE_HISTORY, COVERAGE_HISTORY_DATES
from nba_backfill.coverage.figures import NEVER_VERIFIED
from nba_backfill.coverage.report import CoverageReport
from nba_backfill.warehouse.client import load_rows, run_dml
from nba_backfill.warehouse.sql import Statement


def history_rows(
    report: CoverageReport, verification_id: str, run_type: str
) -> tuple[list[dict], list[dict]]:
    """(one row per table, one row per date and table) for ``report``.

    The columns are the monitoring tables' own (``catalog.monitoring_tables``): each row
    takes exactly those, from the report's summary of the table.
    """
    stamp = {
        "verification_id": verification_id,
        "verified_at": report.verified_at.isoformat(),
        "verified_on": report.verified_at.date().isoformat(),
        "run_type": run_type,
    }
    tables, dates = [], []
    for t in report.tables:
        summary = report.table_summary(t)
        values = {
            **stamp,
            **summary,
            "table_name": t.table,
            "unknown_ids": sum(t.unknown_ids.values()),
            "missing_ranges": json.dumps(summary["missing_ranges"]),
            "partial_ranges": json.dumps(summary["partial_ranges"]),
            "reasons": "; ".join(summary["reasons"]) or None,
            "repair_commands": "\n".join(r["command"] for r in summary["repairs"]) or None,
            "problem_keys": json.dumps(summary["problem_keys"]) if summary["problem_keys"] else None,
            **_history_columns(t.history),
            **_stale_columns(t, summary),
        }
        tables.append({c.name: values.get(c.name) for c in COVERAGE_HISTORY.columns})
        for d in t.dates:
            day = {
                **stamp,
                "table_name": t.table,
                "game_date": d.game_date.isoformat(),
                "state": d.state,
                "expected_rows": d.expected,
                "actual_rows": d.actual,
                "hashed_rows": d.hashed,
                "present_rows": d.present,
                "missing_keys": d.missing,
                "unexpected_keys": d.unexpected,
                "drifted_rows": d.drifted,
                "stale_rows": d.stale,
                "stale_upstream_rows": d.stale_upstream,
            }
            dates.append({c.name: day.get(c.name) for c in COVERAGE_HISTORY_DATES.columns})
    return tables, dates


def _history_columns(history) -> dict:
    """The whole history's standing, as ``coverage_history`` columns (None when unknown)."""
    if history is None:
        return {}
    return {
        "history_status": history.status,
        "history_from_date": history.first.isoformat(),
        "history_to_date": history.last.isoformat(),
        "history_expected_dates": history.expected_dates,
        "history_complete_dates": history.complete_dates,
        "history_never_verified_dates": history.states.get(NEVER_VERIFIED, 0),
        "history_states": json.dumps(history.states, sort_keys=True),
    }


def _stale_columns(t, summary: dict) -> dict:
    """The staleness check's window and findings (None when the verification ran none)."""
    s = t.staleness
    if s is None:
        return {"stale_rows": None, "stale_upstream_rows": None, "stale_dates": None}
    return {
        "stale_ranges": json.dumps(summary["stale_ranges"]),
        "stale_from_date": s.from_date.isoformat(),
        "stale_to_date": s.to_date.isoformat(),
        "stale_error": s.error,
        "stale_bytes_processed": s.bytes_processed,
        "staleness": json.dumps(s.as_dict()),
    }


def forget_statement(table_id: str, verification_id: str) -> Statement:
    """Remove what an earlier attempt of a verification wrote to one history table."""
    return Statement(
        "coverage/forget_verification.sql", {"table_id": table_id}, {"verification_id": verification_id}
    )


def record(report: CoverageReport, verification_id: str, run_type: str, client) -> dict[str, int]:
    """Write the verification; returns rows written per table."""
    tables, dates = history_rows(report, verification_id, run_type)
    written = {}
    for target, rows in ((COVERAGE_HISTORY, tables), (COVERAGE_HISTORY_DATES, dates)):
        run_dml(forget_statement(target.table_id, verification_id), client=client)
        written[target.table_id] = load_rows(target.table_id, rows, target.schema, client=client)
    return written
