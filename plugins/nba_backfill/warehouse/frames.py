"""Warehouse rows as polars frames: one mapping from BigQuery types to polars types.

Processors compute whole ranges at once on frames; rows come from and go back to the
warehouse as dicts (dates as ``datetime.date``). An empty input still has its columns and
types, so a date without games computes an empty frame instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

POLARS_TYPES = {
    "STRING": pl.String,
    "INT64": pl.Int64,
    "FLOAT64": pl.Float64,
    "BOOL": pl.Boolean,
    "DATE": pl.Date,
    "TIMESTAMP": pl.Datetime("us", "UTC"),
}


def polars_schema(columns: Iterable) -> dict[str, Any]:
    """``{name: polars type}`` for objects with ``name`` and ``type`` (a BigQuery type)."""
    return {c.name: POLARS_TYPES[c.type] for c in columns}


def frame(rows: Sequence[Mapping[str, Any]] | pl.DataFrame, columns: Iterable) -> pl.DataFrame:
    """Rows (or a frame) with exactly ``columns``, typed; extra keys are dropped."""
    schema = polars_schema(columns)
    if isinstance(rows, pl.DataFrame):
        return rows.select([pl.col(name).cast(kind) for name, kind in schema.items()])
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row"
    )


def read_frame(statement, columns: Iterable, client) -> pl.DataFrame:
    """A statement's rows as a typed frame: Arrow from the client, no per-row Python."""
    from nba_backfill.warehouse.client import outage_named, run_query, warehouse_client

    client = client or warehouse_client()
    rows = run_query(statement, client=client)
    with outage_named(client):  # pages after the first are fetched here, not in run_query
        arrow = rows.to_arrow(create_bqstorage_client=False)
    return frame(pl.from_arrow(arrow), columns)
