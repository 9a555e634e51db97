"""BigQuery's contracts that the emulator does not enforce, checked on the wire.

The local emulator executes SQL on DuckDB and accepts much that BigQuery refuses. The test
stack's proxy (``fault_proxy.py``) calls these checks on every request it forwards and, when
one fails, answers with BigQuery's own error body instead of forwarding, so an integration
test that sends what BigQuery would refuse fails here too:

- **GoogleSQL**: every query job (dry runs included) is analyzed by ZetaSQL
  (``googlesql.py``) with its query parameters' types: syntax, functions, types, UPDATE or
  DELETE without WHERE. Refused as ``invalidQuery`` (HTTP 400).
- **Billing cap**: a query job without ``maximumBytesBilled`` is refused (400 ``invalid``):
  every job this project sends must carry one; this is our rule, not BigQuery's.
- **Labels**: BigQuery's label rules (at most 64; keys 1-63 characters starting with a
  lowercase letter; keys and values only lowercase letters, digits, ``_`` and ``-``, values at
  most 63 characters). Refused as ``invalid`` (400).
- **Schema modes on loads**: appending with a schema that declares a REQUIRED column of the
  destination table NULLABLE is refused unless ``ALLOW_FIELD_RELAXATION`` is set
  (``WRITE_TRUNCATE`` replaces the schema and is allowed).
- **Streaming window**: ``tabledata.insertAll`` into a table partitioned by a DATE or
  TIMESTAMP column accepts only rows whose partition value lies between
  ``STREAM_DAYS_PAST`` days before and ``STREAM_DAYS_FUTURE`` days after today; other rows
  come back as ``insertErrors``, as BigQuery reports them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any

STREAM_DAYS_PAST = 5 * 365
STREAM_DAYS_FUTURE = 366
"""BigQuery's streaming window for time-unit column-partitioned tables (its streaming docs:
five years back, one year ahead of the current date)."""

_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
MAX_LABELS = 64


class ContractViolation(Exception):
    """A request BigQuery would refuse: the HTTP status, BigQuery's reason and message."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


TableSchema = Callable[[str], "list[dict[str, Any]] | None"]
"""``dataset.table`` -> the table's REST schema fields (``name``, ``type``, ``mode``), or None."""


def label_problems(labels: Mapping[str, Any]) -> list[str]:
    """Why BigQuery would refuse these job labels (empty when it would not)."""
    problems = []
    if len(labels) > MAX_LABELS:
        problems.append(f"{len(labels)} labels, at most {MAX_LABELS}")
    for key, value in labels.items():
        if not _LABEL_KEY.fullmatch(str(key)):
            problems.append(
                f"label key {key!r}: 1-63 lowercase letters, digits, '_' or '-', starting with a letter"
            )
        if not isinstance(value, str) or not _LABEL_VALUE.fullmatch(value):
            problems.append(
                f"label {key!r} value {value!r}: at most 63 lowercase letters, digits, '_' or '-'"
            )
    return problems


def parameter_types(query: Mapping[str, Any]) -> dict[str, str]:
    """Name -> BigQuery type of a query configuration's named parameters."""
    return {
        p["name"]: (p.get("parameterType") or {}).get("type", "STRING")
        for p in query.get("queryParameters") or []
        if p.get("name")
    }


def check_query_job(configuration: Mapping[str, Any], analyzer, table_schema: TableSchema) -> None:
    """Refuse a query job BigQuery would refuse (or our billing rule forbids)."""
    from local_stack.googlesql import GoogleSqlError

    query = configuration.get("query") or {}
    problems = label_problems(configuration.get("labels") or {})
    if problems:
        raise ContractViolation(400, "invalid", "Invalid job labels: " + "; ".join(problems))
    if not query.get("maximumBytesBilled"):
        raise ContractViolation(
            400,
            "invalid",
            "query job without maximumBytesBilled: every job this project sends carries the billing cap",
        )
    if query.get("useLegacySql", True) is not False and "useLegacySql" in query:
        raise ContractViolation(400, "invalid", "legacy SQL: every job this project sends is GoogleSQL")
    sql = query.get("query") or ""
    for _ in range(_MAX_LEARNED):
        try:
            analyzer.analyze(sql, parameter_types(query))
            return
        except GoogleSqlError as exc:
            unknown = _TABLE_NOT_FOUND.search(str(exc))
            if not unknown:
                raise ContractViolation(
                    400, "invalidQuery", f"GoogleSQL refused the statement: {exc}"
                ) from None
            # A table the catalog does not know (a scratch table, a copy): read it from the warehouse.
            fields = table_schema(unknown.group(1))
            if not fields:
                raise ContractViolation(
                    404, "notFound", f"Not found: Table {unknown.group(1)} was not found in location US"
                ) from None
            analyzer.add_table(unknown.group(1), [(f["name"], f["type"]) for f in fields])
    raise ContractViolation(400, "invalidQuery", "GoogleSQL refused the statement: too many unknown tables")


_TABLE_NOT_FOUND = re.compile(r"Table not found: `?([\w.:-]+)`?")
_MAX_LEARNED = 8


def check_load_job(configuration: Mapping[str, Any], project: str, table_schema: TableSchema) -> None:
    """Refuse an append whose schema relaxes a REQUIRED column of the destination table."""
    load = configuration.get("load") or {}
    destination = load.get("destinationTable") or {}
    table_id = f"{destination.get('datasetId')}.{destination.get('tableId')}"
    if load.get("writeDisposition", "WRITE_APPEND") != "WRITE_APPEND":
        return
    if "ALLOW_FIELD_RELAXATION" in (load.get("schemaUpdateOptions") or []):
        return
    existing = table_schema(table_id)
    offered = {
        f.get("name"): (f.get("mode") or "NULLABLE").upper()
        for f in (load.get("schema") or {}).get("fields", [])
    }
    for field in existing or []:
        if (field.get("mode") or "NULLABLE").upper() == "REQUIRED" and offered.get(
            field["name"]
        ) == "NULLABLE":
            raise ContractViolation(
                400,
                "invalid",
                f"Provided Schema does not match Table {project}:{table_id}. "
                f"Field {field['name']} has changed mode from REQUIRED to NULLABLE",
            )


def insert_all_errors(
    body: Mapping[str, Any], fields: list[dict[str, Any]], partition_field: str | None, today: datetime.date
) -> list[dict[str, Any]]:
    """BigQuery's ``insertErrors`` for rows of a streaming insert outside the partition window."""
    if not partition_field:
        return []
    first = today - datetime.timedelta(days=STREAM_DAYS_PAST)
    last = today + datetime.timedelta(days=STREAM_DAYS_FUTURE)
    errors = []
    for index, row in enumerate(body.get("rows") or []):
        value = (row.get("json") or {}).get(partition_field)
        if value is None:
            continue
        try:
            day = datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            continue
        if not first <= day <= last:
            message = (
                f"Value {value} for field {partition_field} of the destination table is outside the "
                f"allowed bounds. You can only stream to date range within {STREAM_DAYS_PAST} days in the "
                f"past and {STREAM_DAYS_FUTURE} days in the future relative to the current date."
            )
            errors.append(
                {
                    "index": index,
                    "errors": [{"reason": "invalid", "location": partition_field, "message": message}],
                }
            )
    return errors
