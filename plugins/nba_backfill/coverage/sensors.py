"""Sensors on coverage, for our own DAGs and for downstream ones ("Phase 4" of the handoff documents).

Both run in ``reschedule`` mode by default: between pokes they hold no worker slot. Each
poke is a few set-based queries, never one per date.

    from nba_backfill.coverage.sensors import CoverageSensor

    CoverageSensor(
        task_id="wait_for_summaries",
        tables=["player_game_summary", "team_offense_game_summary"],
        from_date="{{ ds }}",  # to_date defaults to from_date: one game date
    )
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from nba_backfill.runs import as_of, refuse

log = logging.getLogger(__name__)


def table_names(value: Sequence[str] | str | None) -> list[str]:
    """Table names from a list, a comma-separated string, or a rendered ``{{ params.tables }}``."""
    import ast

    if not value:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):  # a list rendered to text by a template
            return [str(name).strip() for name in ast.literal_eval(text)]
        return [name.strip() for name in text.split(",") if name.strip()]
    return [str(name) for name in value]


class CoverageSensor(BaseSensorOperator):
    """Wait until every given table is COMPLETE over a game date or range.

    COMPLETE is the verifier's full definition: every expected row of every expected date,
    hashed under the current spec, well formed, consistent with the raw data. A bad request
    (unknown table, malformed or future date) fails at once instead of waiting.
    """

    template_fields: Sequence[str] = ("tables", "from_date", "to_date")

    def __init__(
        self,
        *,
        tables: Sequence[str] | str,
        from_date: str | datetime.date,
        to_date: str | datetime.date | None = None,
        parity_sample: int = 50,
        mode: str = "reschedule",
        poke_interval: float = 600,
        timeout: float = 6 * 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(mode=mode, poke_interval=poke_interval, timeout=timeout, **kwargs)
        self.tables = tables
        self.from_date = from_date
        self.to_date = to_date
        self.parity_sample = parity_sample

    def poke(self, context: Any) -> PokeReturnValue:
        from nba_backfill.coverage import CoverageRequestError, plan
        from nba_backfill.coverage.measure import measure
        from nba_backfill.warehouse.client import warehouse_client

        try:
            tables, ranges = plan(
                table_names(self.tables), self.from_date, self.to_date or self.from_date, now=as_of(context)
            )
        except CoverageRequestError as exc:
            raise refuse(f"{self.task_id}: {exc}") from None
        measured = measure(tables, ranges, warehouse_client(), parity_sample=self.parity_sample)
        for t in measured:
            reasons = "; ".join(t.reasons()) or "all expected rows present and hashed"
            log.info("%s %s..%s: %s (%s)", t.table, t.from_date, t.to_date, t.status, reasons)
        return PokeReturnValue(
            is_done=all(t.complete for t in measured),
            xcom_value={t.table: t.status for t in measured},
        )


def logged_partitions_statement(oldest: datetime.date):
    """The (table, game date) pairs backfill_log holds a write for, from ``oldest`` on."""
    from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG
    from nba_backfill.warehouse.sql import Statement

    return Statement(
        "coverage/logged_partitions.sql", {"backfill_log_id": BACKFILL_LOG.table_id}, {"oldest": oldest}
    )


def unreported_partitions(
    tables_wanted: Sequence[str] | str | None, now: datetime.datetime, client
) -> dict[str, datetime.date]:
    """Tables whose newest expected partition has no write in ``backfill_log`` yet.

    The newest expected partition is the last game date (postponed originals excluded) up
    to the newest date the table can hold at ``now``; every backfill run that processes a
    game date ends by logging it, whatever the outcome.
    """
    from nba_backfill.catalog.partitions import latest_game_date
    from nba_backfill.catalog.registry import TABLES
    from nba_backfill.coverage.expected import newest_game_date
    from nba_backfill.warehouse.client import run_query

    wanted = table_names(tables_wanted)
    tables = [t for t in TABLES if not wanted or t.name in wanted]
    newest: dict[str, datetime.date] = {}
    for table in tables:
        day = newest_game_date(table.history_start, latest_game_date(table, now), client)
        if day is not None:
            newest[table.name] = day
    if not newest:
        return {}
    statement = logged_partitions_statement(min(newest.values()))
    logged = {(row.table_name, row.game_date) for row in run_query(statement, client=client)}
    return {name: day for name, day in newest.items() if (name, day) not in logged}


class NewestPartitionsSensor(BaseSensorOperator):
    """Wait until each table's newest expected partition has been written by its DAG run.

    Manual runs that name a range (``from_date``/``to_date`` params) verify history and do
    not wait.
    """

    template_fields: Sequence[str] = ("tables",)

    def __init__(
        self,
        *,
        tables: Sequence[str] | None = None,
        mode: str = "reschedule",
        poke_interval: float = 600,
        timeout: float = 4 * 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(mode=mode, poke_interval=poke_interval, timeout=timeout, **kwargs)
        self.tables = tables

    def poke(self, context: Any) -> PokeReturnValue:
        from nba_backfill.warehouse.client import warehouse_client

        params = context.get("params") or {}
        if params.get("from_date") or params.get("to_date"):
            return PokeReturnValue(is_done=True, xcom_value={"waited": False})
        now = as_of(context)
        missing = unreported_partitions(self.tables, now, warehouse_client())
        for name, day in missing.items():
            log.info("waiting for backfill_%s to write %s", name, day)
        reasons = definite_late_reasons(missing)
        if reasons:  # a paused DAG or a failed run will not write it: alert now, not in hours
            raise refuse("; ".join(reasons.values()))
        return PokeReturnValue(is_done=not missing, xcom_value={"waited": True})


def definite_late_reasons(missing: dict[str, datetime.date]) -> dict[str, str]:
    """``{table: why}`` for the tables whose per-date DAG will not write its partition on its own
    (paused, or its run failed); empty when Airflow cannot be asked (logged: then we wait)."""
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.coverage.dag_health import AirflowApiUnavailable, late_reasons

    dag_ids = {REGISTRY[name].dag_id: name for name in missing}
    try:
        reasons = late_reasons({dag_id: str(missing[name]) for dag_id, name in dag_ids.items()})
    except AirflowApiUnavailable as exc:
        log.warning("cannot tell whether the late DAGs are paused or failed (%s); waiting", exc)
        return {}
    return {dag_ids[dag_id]: why for dag_id, why in reasons.items()}
