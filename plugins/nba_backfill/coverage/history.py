"""Append a verification to ``nba_monitoring.coverage_history`` (and its per-date rows).

Idempotent per ``verification_id`` (the Airflow run id): a retried task first removes what
an earlier attempt of the same verification wrote, then loads its rows in one load job per
table, so a rerun never duplicates.
"""

from __future__ import annotations

import json

from nba_backfill.coverage.report import CoverageReport
from nba_backfill.monitoring_tables import COVERAGE_HISTORY, COVERAGE_HISTORY_DATES
from nba_backfill.warehouse import load_rows, run_dml


def history_rows(
    report: CoverageReport, verification_id: str, run_type: str
) -> tuple[list[dict], list[dict]]:
    """(one row per table, one row per date and table) for ``report``."""
    stamp = {
        "verification_id": verification_id,
        "verified_at": report.verified_at.isoformat(),
        "verified_on": report.verified_at.date().isoformat(),
    }
    tables, dates = [], []
    for t in report.tables:
        summary = report.table_summary(t)
        tables.append(
            {
                **stamp,
                "run_type": run_type,
                **{
                    k: summary[k]
                    for k in (
                        "table_name",
                        "status",
                        "from_date",
                        "to_date",
                        "expected_dates",
                        "expected_rows",
                        "present_rows",
                        "actual_rows",
                        "hashed_rows",
                        "coverage_pct",
                        "hashed_pct",
                        "missing_dates",
                        "partial_dates",
                        "unexpected_dates",
                        "unhashed",
                        "stale_hashes",
                        "malformed_hashes",
                        "null_key_rows",
                        "duplicate_keys",
                        "duplicate_hashes",
                        "totals_mismatches",
                        "parity_checked",
                        "parity_mismatches",
                        "min_date",
                        "max_date",
                    )
                    if k in summary
                },
                "table_name": t.table,
                "unknown_ids": sum(t.unknown_ids.values()),
                "missing_ranges": json.dumps(summary["missing_ranges"]),
                "partial_ranges": json.dumps(summary["partial_ranges"]),
                "reasons": "; ".join(summary["reasons"]) or None,
                "repair_commands": "\n".join(r["command"] for r in summary["repairs"]) or None,
            }
        )
        dates += [
            {
                **stamp,
                "table_name": t.table,
                "game_date": d.game_date.isoformat(),
                "state": d.state,
                "expected_rows": d.expected,
                "actual_rows": d.actual,
                "hashed_rows": d.hashed,
            }
            for d in t.dates
        ]
    return tables, dates


def record(report: CoverageReport, verification_id: str, run_type: str, client) -> dict[str, int]:
    """Write the verification; returns rows written per table."""
    tables, dates = history_rows(report, verification_id, run_type)
    written = {}
    for target, rows in ((COVERAGE_HISTORY, tables), (COVERAGE_HISTORY_DATES, dates)):
        run_dml(
            f"delete from `{target.table_id}` where verification_id = @verification_id",
            {"verification_id": verification_id},
            client=client,
        )
        written[target.table_id] = load_rows(target.table_id, rows, target.schema, client=client)
    return written
