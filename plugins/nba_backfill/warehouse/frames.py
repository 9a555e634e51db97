"""Warehouse rows as polars frames, moved as Arrow both ways: one mapping of BigQuery types.

Reads go through the BigQuery Storage Read API where the warehouse serves it: the statement's
rows are kept in a short-lived table (``materialize.sql``) and streamed back as Arrow record
batches over gRPC, instead of JSON pages over REST (about ten times faster here, measured in
``bench/``). Where no Storage Read endpoint is configured, reads fall back to the REST pages,
and say so once in the log. Writes are Parquet load jobs with an explicit schema and modes.
No row becomes a Python object on either way. An empty input still has its columns and
types, so a date without games computes an empty frame instead of failing.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from nba_backfill.catalog import datasets
from nba_backfill.warehouse.sql import Statement

log = logging.getLogger(__name__)

POLARS_TYPES = {
    "STRING": pl.String,
    "INT64": pl.Int64,
    "FLOAT64": pl.Float64,
    "BOOL": pl.Boolean,
    "DATE": pl.Date,
    "TIMESTAMP": pl.Datetime("us", "UTC"),
}
MATERIALIZE_TEMPLATE = "warehouse/materialize.sql"


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


def materialize_statement(statement: Statement, read_table_id: str) -> Statement:
    """``statement``'s rows kept in ``read_table_id`` (one CREATE TABLE AS SELECT, same values)."""
    names = {"read_table_id": read_table_id, "read_query": statement.sql}
    return Statement(MATERIALIZE_TEMPLATE, names, statement.values)


def read_table_id() -> str:
    """A fresh name for one read's short-lived table, in the monitoring dataset."""
    return f"{datasets.MONITORING}.read_{uuid.uuid4().hex[:16]}"


def read_frame(statement: Statement, columns: Iterable, client=None) -> pl.DataFrame:
    """A statement's rows as a typed frame: Arrow from the warehouse, no per-row Python."""
    from nba_backfill.warehouse.client import storage_read_client, warehouse_client

    client = client or warehouse_client()
    storage = storage_read_client()
    if storage is None:
        return frame(pl.from_arrow(_read_rest(statement, client)), columns)
    batches = _read_storage(statement, client, storage)
    if not batches:  # no rows: the session has no streams
        return pl.DataFrame(schema=polars_schema(columns))
    return frame(pl.from_arrow(batches), columns)


def _read_storage(statement: Statement, client, storage):
    """The rows kept in a short-lived table, read in one Storage Read session (Arrow)."""
    from google.cloud.bigquery import TableReference
    from google.cloud.bigquery_storage_v1 import types

    from nba_backfill.warehouse.client import drop_table, outage_named, request_retry, run_dml

    table_id = read_table_id()
    run_dml(materialize_statement(statement, table_id), client=client)
    try:
        reference = TableReference.from_string(table_id, default_project=client.project)
        with outage_named(client):
            # One stream: our reads are megabytes, and the library's multi-stream download
            # polls its workers every 0.2 s, which would cost more than the rows.
            session = storage.create_read_session(
                parent=f"projects/{client.project}",
                read_session=types.ReadSession(
                    table=reference.to_bqstorage(), data_format=types.DataFormat.ARROW
                ),
                max_stream_count=1,
                retry=request_retry(),
            )
            batches = [
                batch for stream in session.streams for batch in _arrow_batches(storage, stream, session)
            ]
    finally:
        drop_table(table_id, client=client)
    return pa.Table.from_batches(batches) if batches else None


def _arrow_batches(storage, stream, session):
    """A stream's Arrow record batches, decoded from the IPC bytes of each response."""
    schema = pa.ipc.read_schema(pa.py_buffer(session.arrow_schema.serialized_schema))
    for response in storage.read_rows(stream.name):  # resumes at its offset if the stream breaks
        yield pa.ipc.read_record_batch(
            pa.py_buffer(response.arrow_record_batch.serialized_record_batch), schema
        )


def _read_rest(statement: Statement, client):
    from nba_backfill.warehouse.client import outage_named, run_query

    rows = run_query(statement, client=client)
    with outage_named(client):  # pages after the first are fetched here, not in run_query
        return rows.to_arrow(create_bqstorage_client=False)


class UnloadableFrame(ValueError):
    """A frame BigQuery would refuse to load; nothing was loaded."""


def write_frame(
    table_id: str,
    data: pl.DataFrame,
    schema: Sequence[tuple[str, str] | tuple[str, str, str]],
    *,
    client=None,
    replace: bool = False,
) -> int:
    """Load a frame into ``table_id`` (one Parquet load job); returns the rows loaded.

    ``schema`` is ``[(column, BigQuery type[, mode]), ...]`` as for ``client.load_rows``; the
    frame is cast to it first, so a column the schema lacks or cannot hold fails here, before
    anything is sent. ``replace`` truncates the table within the same job. A NaN or infinite
    float, or a NULL in a REQUIRED column, is refused (``UnloadableFrame``) before anything
    is sent.
    """
    from google.cloud import bigquery

    from nba_backfill.warehouse.client import (
        HTTP_TIMEOUT_SECONDS,
        RESULT_TIMEOUT_SECONDS,
        outage_named,
        replace_with_nothing,
        request_retry,
        warehouse_client,
    )

    client = client or warehouse_client()
    columns = [_Column(field[0], field[1]) for field in schema]
    missing = [c.name for c in columns if c.name not in data.columns]
    if missing:
        raise UnloadableFrame(f"load into {table_id}: the rows lack columns {', '.join(missing)}")
    typed = frame(data, columns)
    _refuse_non_finite(table_id, typed)
    if typed.height == 0:
        if replace:
            replace_with_nothing(table_id, schema, client)
        return 0
    payload = io.BytesIO()
    pq.write_table(_parquet_table(table_id, typed, schema), payload, compression="zstd")
    payload.seek(0)
    job_config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.PARQUET,
        schema=[bigquery.SchemaField(*field) for field in schema],
        write_disposition="WRITE_TRUNCATE" if replace else "WRITE_APPEND",
    )
    with outage_named(client):
        job = client.load_table_from_file(
            payload, table_id, job_config=job_config, num_retries=3, timeout=HTTP_TIMEOUT_SECONDS
        )
        job.result(retry=request_retry(), timeout=RESULT_TIMEOUT_SECONDS)
    return typed.height


ARROW_TYPES = {
    "STRING": pa.string(),
    "INT64": pa.int64(),
    "FLOAT64": pa.float64(),
    "BOOL": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
}


def _parquet_table(table_id: str, typed: pl.DataFrame, schema) -> pa.Table:
    """The frame as Arrow with the load's types and modes: a REQUIRED column is a non-null
    Parquet field, so BigQuery sees the same mode in the file as in the job's schema."""
    fields = [
        pa.field(
            field[0],
            ARROW_TYPES[field[1]],
            nullable=(field[2] if len(field) > 2 else "NULLABLE") != "REQUIRED",
        )
        for field in schema
    ]
    required = [f.name for f in fields if not f.nullable]
    nulls = typed.select([pl.col(name).null_count() for name in required]).row(0) if required else ()
    named = [f"{name} ({count} rows)" for name, count in zip(required, nulls, strict=True) if count]
    if named:
        raise UnloadableFrame(
            f"load into {table_id}: NULL in REQUIRED columns {', '.join(named)}; nothing was loaded"
        )
    return typed.to_arrow().cast(pa.schema(fields))


class _Column:
    __slots__ = ("name", "type")

    def __init__(self, name: str, kind: str):
        self.name, self.type = name, kind


def _refuse_non_finite(table_id: str, data: pl.DataFrame) -> None:
    floats = [name for name, kind in data.schema.items() if kind == pl.Float64]
    if not floats:
        return
    bad = data.select([(~pl.col(n).is_finite()).fill_null(False).sum().alias(n) for n in floats]).row(0)
    named = [f"{n} ({count} rows)" for n, count in zip(floats, bad, strict=True) if count]
    if named:
        raise UnloadableFrame(
            f"load into {table_id}: non-finite floats (NaN or infinity) in {', '.join(named)}; nothing was loaded"
        )
