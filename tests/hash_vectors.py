"""The committed data_hash test vectors (tests/data/hash_vectors_v1.json) and helpers.

The vectors are plain JSON so the same check can run on real BigQuery: load the rows,
evaluate ``hash_sql`` over them, compare with ``data_hash``.
"""

from __future__ import annotations

import datetime
import json
import math
import uuid
from pathlib import Path

from local_stack.adhoc import run_query
from nba_backfill.catalog.hash_spec import HashColumn, hash_sql
from nba_backfill.warehouse.client import load_rows

VECTORS_FILE = Path(__file__).parent / "data" / "hash_vectors_v1.json"
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def load_vectors() -> tuple[list[HashColumn], list[dict]]:
    spec = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
    columns = [HashColumn(name, kind) for name, kind in spec["columns"]]
    return columns, spec["vectors"]


def decode_row(row: dict, columns: list[HashColumn]) -> dict:
    """JSON row -> Python values (dates, special floats)."""
    out = {}
    for column in columns:
        value = row[column.name]
        if isinstance(value, dict) and "float" in value:
            value = _SPECIAL_FLOATS[value["float"]]
        elif column.type == "DATE" and value is not None:
            value = datetime.date.fromisoformat(value)
        out[column.name] = value
    return out


def _json_value(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def sql_hashes(dataset: str, columns: list[HashColumn], rows: list[dict], client) -> list[str]:
    """Load ``rows`` into a fresh table and return ``hash_sql`` of each, in order."""
    table = f"{dataset}.hash_rows_{uuid.uuid4().hex[:8]}"
    schema = [("row_number", "INT64")] + [(c.name, c.type) for c in columns]
    payload = [{"row_number": i, **{k: _json_value(v) for k, v in row.items()}} for i, row in enumerate(rows)]
    load_rows(table, payload, schema, client=client, replace=True)
    result = run_query(
        f"select row_number, {hash_sql(columns)} as h from `{table}` order by row_number", client=client
    )
    return [row.h for row in result]
