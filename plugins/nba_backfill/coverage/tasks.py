"""What the tasks of ``verify_coverage`` do. The DAG wiring is in ``coverage_dag.py``."""

from __future__ import annotations

import json
import logging
from typing import Any

from nba_backfill.runs import as_of, refuse, refuse_params, run_type_of

log = logging.getLogger(__name__)

WAIT_TASK = "wait_for_newest_partitions"
MEASURE_TASK = "measure_coverage"
ALERT_TASK = "alert_on_gaps"


def measure_coverage(**context) -> dict[str, Any]:
    """Measure every requested table, record it in coverage_history, hand the report on."""
    from nba_backfill.coverage import CoverageRequestError, plan, verify
    from nba_backfill.coverage.figures import DEFAULT_PARITY_SAMPLE, DEFAULT_STALE_DAYS
    from nba_backfill.coverage.history import record
    from nba_backfill.warehouse.client import warehouse_client

    params, ti = context["params"], context["ti"]
    moment = as_of(context)
    try:
        try:
            tables, ranges = plan(
                params.get("tables") or None, params.get("from_date"), params.get("to_date"), now=moment
            )
        except CoverageRequestError as exc:
            ti.xcom_push(key="refused", value=str(exc))
            raise refuse_params(f"bad verify_coverage params: {exc}") from None
        client = warehouse_client()
        parity_sample = int(params.get("parity_sample", DEFAULT_PARITY_SAMPLE))
        stale_days = params.get("stale_days", DEFAULT_STALE_DAYS)
        # Recorded in coverage_history: what the statements would scan, from a dry run, too.
        report = verify(
            tables,
            ranges,
            client,
            parity_sample=parity_sample,
            as_of=moment,
            estimate=True,
            stale_days=DEFAULT_STALE_DAYS if stale_days is None else int(stale_days),
        )
        written = record(report, context["run_id"], run_type_of(context), client)
    except Exception as exc:
        ti.xcom_push(key="error", value=f"{type(exc).__name__}: {exc}")
        raise
    log.info("coverage report:\n%s", report.to_text())
    log.info("recorded %s", written)
    summary = report.to_dict(with_dates=False)
    summary["summary_table"] = report.summary_table()
    summary["details"] = report.details()
    return summary


def _dag_id(table_name: str) -> str:
    """The per-date DAG of a table; a placeholder such as "(unknown)" stays as it is."""
    from nba_backfill.catalog.registry import REGISTRY

    table = REGISTRY.get(table_name)
    return table.dag_id if table else f"backfill_{table_name}"


def alert_message(
    summary: dict[str, Any] | None,
    late: dict[str, str],
    error: str | None,
    run_url: str,
    why_late: dict[str, str] | None = None,
) -> tuple[str, str] | None:
    """(title, body) of the run's one alert, or None when there is nothing to say."""
    problems = []
    if late:
        problems.append("LATE " + ", ".join(f"{_dag_id(name)} ({day})" for name, day in late.items()))
    if summary is None:
        problems.append("coverage could not be verified")
    elif not summary["complete"]:
        incomplete = [t["table"] for t in summary["tables"] if t["status"] != "COMPLETE"]
        problems.append(f"{len(incomplete)} of {len(summary['tables'])} tables INCOMPLETE")
    if not problems:
        return None
    title = "NBA backfill coverage: " + "; ".join(problems)
    lines = []
    if late:
        lines.append("Newest partitions not written yet (the nightly runs are late or did not start):")
        why_late = why_late or {}
        lines += [
            f"  {_dag_id(name)}: {day}" + (f" ({why_late[name]})" if name in why_late else "")
            for name, day in late.items()
        ]
        lines.append("")
    if summary is None:
        lines.append(f"measure_coverage failed: {error or 'see its log'}")
    else:
        lines += [summary["headline"], "", summary["summary_table"]]
        if summary["details"]:
            lines += ["", summary["details"]]
            tables = [t["table"] for t in summary["tables"] if t["status"] != "COMPLETE"]
            conf = {
                "tables": tables,
                "from_date": min(t["from_date"] for t in summary["tables"]),
                "to_date": max(t["to_date"] for t in summary["tables"]),
            }
            lines += [
                "",
                f"After the repairs, verify again: airflow dags trigger verify_coverage --conf '{json.dumps(conf)}'",
            ]
    lines += ["", f"Run: {run_url}"]
    return title, "\n".join(lines)


def alert_on_gaps(**context) -> str:
    """Send one alert if anything is late, incomplete or unverified; then fail the run."""
    from nba_backfill.coverage.alerts import send_alert
    from nba_backfill.coverage.sensors import definite_late_reasons, unreported_partitions
    from nba_backfill.warehouse.client import warehouse_client

    ti, params = context["ti"], context["params"]
    refused = ti.xcom_pull(task_ids=MEASURE_TASK, key="refused")
    if refused:  # nothing was measured: a mistyped request is its requester's to fix, not an alert
        raise refuse_params(f"bad verify_coverage params: {refused}; nothing verified, no alert sent")
    waited = ti.xcom_pull(task_ids=WAIT_TASK)
    late: dict[str, str] = {}
    why_late: dict[str, str] = {}
    if waited is None:  # the sensor timed out or gave up: say which partitions are missing, and why
        try:
            missing = unreported_partitions(params.get("tables") or None, as_of(context), warehouse_client())
            late = {name: day.isoformat() for name, day in missing.items()}
            why_late = definite_late_reasons(missing)
        except Exception as exc:  # the alert must still go out
            late = {"(unknown)": f"could not ask the warehouse: {exc}"}
        late = late or {"(unknown)": "the wait sensor did not finish; see its log"}
    summary = ti.xcom_pull(task_ids=MEASURE_TASK)
    error = ti.xcom_pull(task_ids=MEASURE_TASK, key="error")
    message = alert_message(summary, late, error, _run_url(context), why_late)
    if message is None:
        log.info("every table COMPLETE and on time; no alert")
        return "complete"
    title, body = message
    send_alert(title, body, context=context)
    log.info("alert sent: %s\n%s", title, body)
    raise refuse(title)


def _run_url(context: dict[str, Any]) -> str:
    from urllib.parse import quote

    from airflow.sdk.configuration import conf

    base = conf.get("api", "base_url", fallback="http://localhost:8080").rstrip("/")
    return f"{base}/dags/{context['dag'].dag_id}/runs/{quote(context['run_id'], safe='')}"
