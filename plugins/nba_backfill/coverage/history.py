"""Append a verification to ``nba_monitoring.coverage_history`` (and its per-date rows).

Idempotent per ``verification_id`` (the Airflow run id): a retried task first removes what
an earlier attempt of the same verification wrote, then loads its rows in one load job per
table, so a rerun never duplicates.
"""

from __future__ import annotations

import json

from nba_backfill.catalog.monitoring_tables import COVERAGE_HISTORY, COVERAGE_HISTORY_DATES
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
            }
            dates.append({c.name: day.get(c.name) for c in COVERAGE_HISTORY_DATES.columns})
    return tables, dates


def record(report: CoverageReport, verification_id: str, run_type: str, client) -> dict[str, int]:
    """Write the verification; returns rows written per table."""
    tables, dates = history_rows(report, verification_id, run_type)
    written = {}
    for target, rows in ((COVERAGE_HISTORY, tables), (COVERAGE_HISTORY_DATES, dates)):
        forget = Statement(
            "coverage/forget_verification.sql",
            {"table_id": target.table_id},
            {"verification_id": verification_id},
        )
        run_dml(forget, client=client)
        written[target.table_id] = load_rows(target.table_id, rows, target.schema, client=client)
    return written
