"""The one way this package reaches BigQuery: the ``google_cloud_default`` connection.

Which warehouse that is (the local emulator or real BigQuery) is the deployment's choice,
made in its environment; nothing here knows or cares. What lives here is how patient a
call is: the client library retries a dead endpoint for ten minutes by default, which
hides an outage behind a hung task. Calls here give up after ``RETRY_DEADLINE_SECONDS``
with an error naming the endpoint, and Airflow's task retries take it from there.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from nba_backfill import settings
from nba_backfill.console import Unreachable
from nba_backfill.warehouse.sql import Statement

if TYPE_CHECKING:
    from google.api_core.retry import Retry
    from google.cloud.bigquery import Client
    from google.cloud.bigquery.table import RowIterator
    from google.cloud.bigquery_storage_v1 import BigQueryReadClient

GCP_CONN_ID = "google_cloud_default"
T = TypeVar("T")
log = logging.getLogger(__name__)

# Transient failures (connection refused or reset, 5xx, rateLimitExceeded) are retried
# with backoff for this long, then the call fails.
RETRY_DEADLINE_SECONDS = 20.0
# One HTTP request may take this long before it counts as a transient failure.
HTTP_TIMEOUT_SECONDS = 15.0
# How long to wait for a job's rows; longer jobs belong in an operator, not a helper.
RESULT_TIMEOUT_SECONDS = 300.0


MAXIMUM_BYTES_BILLED = settings.MAXIMUM_BYTES_BILLED
"""Every job refuses to bill more than this (``NBA_MAXIMUM_BYTES_BILLED``)."""


class WarehouseUnavailable(Unreachable):
    """BigQuery did not answer; the message names the endpoint and how long we tried."""


def request_retry() -> Retry:
    """Retry policy for every BigQuery API call, operators included (``result_retry``)."""
    from google.cloud.bigquery import DEFAULT_RETRY

    return DEFAULT_RETRY.with_deadline(RETRY_DEADLINE_SECONDS)


# BigQuery refuses a mutating statement while others hold the table: a conflict on one
# partition ("Could not serialize access", reason invalidQuery, which the client library
# never retries) or more than 20 queued. Both mean "run it again shortly".
CONCURRENCY_ERRORS = ("Could not serialize access to table", "Too many DML statements outstanding")
# Another writer's statement may take minutes on BigQuery; wait for it this long.
CONCURRENCY_RETRY_DEADLINE_SECONDS = 180.0


def is_concurrency_error(exc: BaseException) -> bool:
    return any(text in str(exc) for text in CONCURRENCY_ERRORS)


def job_retry() -> Retry:
    """Retry policy for restarting a failed query job; the library's default waits 40 min."""
    from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY

    return DEFAULT_JOB_RETRY.with_deadline(RETRY_DEADLINE_SECONDS)


def retry_concurrency_refusals(attempt: Callable[[], T], what: str) -> T:
    """Run ``attempt`` again, with jittered backoff, while BigQuery refuses it for concurrency.

    Safe because a refused statement changed nothing. Anything else, and a refusal after
    ``CONCURRENCY_RETRY_DEADLINE_SECONDS``, is raised as it came.
    """
    deadline = time.monotonic() + CONCURRENCY_RETRY_DEADLINE_SECONDS
    delay, tries = 1.0, 1
    while True:
        try:
            return attempt()
        except Exception as exc:
            if not is_concurrency_error(exc) or time.monotonic() + delay > deadline:
                raise
            wait = delay * random.uniform(1.0, 1.5)  # noqa: S311 - jitter, not secrecy
            log.warning(
                "%s: BigQuery refused attempt %d (%s); another statement holds the table, "
                "running it again in %.1fs",
                what,
                tries,
                _first_line(exc),
                wait,
            )
            time.sleep(wait)
            delay, tries = min(delay * 2, 30.0), tries + 1


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def insert_job_operator_kwargs() -> dict[str, Any]:
    """Connection and patience for every ``BigQueryInsertJobOperator`` in our DAGs.

    The provider submits the job with the client library's default retry (ten minutes),
    whatever ``result_retry`` says, so a dead warehouse would hang the task. A cheap
    reachability check runs first instead and fails in seconds; ``execution_timeout``
    bounds whatever hangs later.
    """
    return {
        "gcp_conn_id": GCP_CONN_ID,
        "deferrable": settings.DEFERRABLE,
        "poll_interval": 2.0,
        "result_retry": request_retry(),
        "result_timeout": HTTP_TIMEOUT_SECONDS,
        "pre_execute": ensure_warehouse_reachable,
        "execution_timeout": timedelta(minutes=30),
    }


def ensure_warehouse_reachable(context: Any = None) -> None:
    """Raise ``WarehouseUnavailable`` within ``RETRY_DEADLINE_SECONDS`` if BigQuery does not answer."""
    client = warehouse_client()
    with outage_named(client):
        list(client.list_datasets(max_results=1, retry=request_retry(), timeout=HTTP_TIMEOUT_SECONDS))


@contextlib.contextmanager
def outage_named(client: Client) -> Iterator[None]:
    """Turn "the warehouse did not answer" (after our retries) into ``WarehouseUnavailable``."""
    from concurrent.futures import TimeoutError as ResultTimeout

    import requests
    from google.api_core import exceptions as api_exceptions

    try:
        yield
    except (
        api_exceptions.RetryError,
        api_exceptions.ServiceUnavailable,
        ConnectionError,
        requests.exceptions.ConnectionError,
        ResultTimeout,
    ) as exc:
        raise _unavailable(client, exc) from exc


def _unavailable(client: Client, exc: BaseException) -> WarehouseUnavailable:
    return WarehouseUnavailable(
        f"BigQuery at {endpoint_of(client)} did not answer within {RETRY_DEADLINE_SECONDS:.0f}s "
        f"(is the warehouse up?): {exc}"
    )


def query_job_configuration(
    statement: Statement, labels: Mapping[str, str] | None = None, *, as_template: bool = False
) -> dict[str, Any]:
    """A ``BigQueryInsertJobOperator`` configuration: GoogleSQL, capped billing, labels.

    Operator statements bind DATE values only; a value may be an Airflow template that
    renders to a date, so a date never becomes SQL text. ``as_template`` leaves the SQL to
    the operator (``{% include %}``; pass ``params=statement.names``): Airflow renders it
    as ``Statement.sql`` would, and the task's Rendered view shows it.
    """
    query = "{% include '" + statement.template + "' %}" if as_template else statement.sql
    query_config: dict[str, Any] = {
        "query": query,
        "useLegacySql": False,
        "maximumBytesBilled": str(MAXIMUM_BYTES_BILLED),
    }
    if statement.values:
        query_config["parameterMode"] = "NAMED"
        query_config["queryParameters"] = [
            {"name": name, "parameterType": {"type": "DATE"}, "parameterValue": {"value": str(value)}}
            for name, value in statement.values.items()
        ]
    return {"query": query_config, "labels": dict(labels or {})}


def warehouse_client() -> Client:
    """A BigQuery client for the project of the ``google_cloud_default`` connection."""
    from airflow.providers.google.cloud.hooks.bigquery import BigQueryHook

    hook = BigQueryHook(gcp_conn_id=GCP_CONN_ID, use_legacy_sql=False)
    return hook.get_client(project_id=hook.project_id, location=hook.location)


BIGQUERY_API = "https://bigquery.googleapis.com"


@functools.cache
def storage_read_client() -> BigQueryReadClient | None:
    """A BigQuery Storage Read API client for this process's warehouse, or None where it has none.

    BigQuery's own endpoint, with the default credentials, when the connection is BigQuery's;
    ``NBA_STORAGE_READ_ENDPOINT`` (plain gRPC) for a warehouse at a custom endpoint; without
    it, reads fall back to JSON pages over REST and the log says so once.
    """
    from google.cloud.bigquery_storage_v1 import BigQueryReadClient

    endpoint = settings.STORAGE_READ_ENDPOINT
    if endpoint is None:
        query_endpoint = endpoint_of(warehouse_client())
        if query_endpoint.rstrip("/") == BIGQUERY_API:
            return BigQueryReadClient()
        log.warning(
            "the warehouse at %s has no NBA_STORAGE_READ_ENDPOINT: rows are read as JSON pages "
            "over REST (slow; set it to the warehouse's Storage Read gRPC host:port)",
            query_endpoint,
        )
        return None
    import grpc
    from google.cloud.bigquery_storage_v1.services.big_query_read.transports import (
        BigQueryReadGrpcTransport,
    )

    # One Arrow record batch may exceed gRPC's default 4 MiB message cap; the library lifts
    # it the same way on its own channels.
    channel = grpc.insecure_channel(endpoint, options=[("grpc.max_receive_message_length", -1)])
    return BigQueryReadClient(transport=BigQueryReadGrpcTransport(channel=channel))


def endpoint_of(client: Client) -> str:
    return client._connection.API_BASE_URL


def run_query(
    statement: Statement, *, client: Client | None = None, labels: Mapping[str, str] | None = None
) -> RowIterator:
    """Run one statement and wait for its rows.

    Its values bind as typed query parameters (``datetime.date`` as DATE, ``int`` as INT64,
    ``str`` as STRING, ...); they never become SQL text.
    """
    rows, _ = _run(statement, client, labels)
    return rows


def run_dml(
    statement: Statement, *, client: Client | None = None, labels: Mapping[str, str] | None = None
) -> int:
    """Run one INSERT/UPDATE/DELETE/MERGE like ``run_query``; returns the rows it changed."""
    _, job = _run(statement, client, labels)
    return int(job.num_dml_affected_rows or 0)


def dry_run_bytes(statement: Statement, *, client: Client | None = None) -> int:
    """The bytes BigQuery would process for ``statement`` (a free dry run; nothing executes)."""
    from google.cloud import bigquery

    client = client or warehouse_client()
    job_config = bigquery.QueryJobConfig(
        dry_run=True,
        use_query_cache=False,
        maximum_bytes_billed=MAXIMUM_BYTES_BILLED,
        query_parameters=query_parameters(statement.values),
        use_legacy_sql=False,
    )
    with outage_named(client):
        job = client.query(
            statement.sql, job_config=job_config, retry=request_retry(), timeout=HTTP_TIMEOUT_SECONDS
        )
    return int(job.total_bytes_processed or 0)


def _run(statement: Statement, client, labels):
    client = client or warehouse_client()
    sql = statement.sql
    return retry_concurrency_refusals(
        lambda: _run_once(sql, statement.values, client, labels), f"query {statement}"
    )


def _run_once(sql, params, client, labels):
    from google.cloud import bigquery

    job_config = bigquery.QueryJobConfig(
        query_parameters=query_parameters(params),
        labels=dict(labels or {}),
        maximum_bytes_billed=MAXIMUM_BYTES_BILLED,
        use_legacy_sql=False,
    )
    retry = request_retry()
    with outage_named(client):
        # job_retry=None here: otherwise the library wraps the insert in a retry of its own
        # that outlasts ours by minutes. Restarting a failed job is left to result().
        job = client.query(
            sql, job_config=job_config, retry=retry, job_retry=None, timeout=HTTP_TIMEOUT_SECONDS
        )
        rows = job.result(retry=retry, job_retry=job_retry(), timeout=RESULT_TIMEOUT_SECONDS)
    return rows, job


def empty_table_statement(table_id: str) -> Statement:
    """Every row of ``table_id`` deleted (an empty load that replaces a table)."""
    return Statement("warehouse/empty_table.sql", {"table_id": table_id})


class UnloadableRow(ValueError):
    """A row BigQuery's JSON loader would refuse; nothing was loaded."""


def load_rows(
    table: str,
    rows: Iterable[Mapping[str, Any]],
    schema: Sequence[tuple[str, str] | tuple[str, str, str]],
    *,
    client: Client | None = None,
    replace: bool = False,
) -> int:
    """Bulk-load rows (one load job, NDJSON) into ``table``; returns the rows loaded.

    ``schema`` is ``[(column, BigQuery type[, mode]), ...]``; give REQUIRED columns their mode
    (``RawTable.schema``, ``AnalyticsTable.schema``): BigQuery refuses an append whose schema
    relaxes a REQUIRED column. ``replace`` truncates the table first, within the same job, so
    a rerun never duplicates. A NaN or infinite float is refused before anything is sent
    (``UnloadableRow``): JSON has no such number and BigQuery's loader rejects a bare ``NaN``.
    """
    import io
    import json

    from google.cloud import bigquery

    client = client or warehouse_client()
    payload = io.BytesIO()
    count = 0
    for row in rows:
        try:
            line = json.dumps(row, default=str, ensure_ascii=False, allow_nan=False)
        except ValueError:
            raise _unloadable(table, count, row) from None
        payload.write(line.encode("utf-8"))
        payload.write(b"\n")
        count += 1
    payload.seek(0)
    if count == 0:  # an empty upload is an error; there is nothing to load
        if replace:
            replace_with_nothing(table, schema, client)
        return 0
    job_config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
        schema=[bigquery.SchemaField(*field) for field in schema],
        write_disposition="WRITE_TRUNCATE" if replace else "WRITE_APPEND",
    )
    with outage_named(client):
        # No size argument: a resumable upload, which the emulator accepts for any size. Its
        # own retries back off 1, 2, 4 s; the library's six would outlast RETRY_DEADLINE_SECONDS.
        job = client.load_table_from_file(
            payload, table, job_config=job_config, num_retries=3, timeout=HTTP_TIMEOUT_SECONDS
        )
        job.result(retry=request_retry(), timeout=RESULT_TIMEOUT_SECONDS)
    return count


def replace_with_nothing(table: str, schema: Sequence[tuple[str, ...]], client: Client) -> None:
    """``table`` emptied, with ``schema``, whether it existed or not (a load of no rows is an error)."""
    from google.cloud import bigquery

    with outage_named(client):
        reference = bigquery.TableReference.from_string(table, default_project=client.project)
        fields = [bigquery.SchemaField(*field) for field in schema]
        client.create_table(bigquery.Table(reference, schema=fields), exists_ok=True)
    run_dml(empty_table_statement(table), client=client)


def _unloadable(table: str, index: int, row: Mapping[str, Any]) -> UnloadableRow:
    import math

    bad = [k for k, v in row.items() if isinstance(v, float) and not math.isfinite(v)]
    return UnloadableRow(
        f"load into {table}: row {index} has a non-finite float in {', '.join(bad) or 'a value'} "
        f"({', '.join(f'{k}={row[k]}' for k in bad)}); BigQuery's JSON loader refuses NaN and "
        "infinity, so nothing was loaded"
    )


def drop_table(table: str, *, client: Client | None = None) -> None:
    """Drop ``table`` if it exists."""
    client = client or warehouse_client()
    with outage_named(client):
        client.delete_table(table, not_found_ok=True, retry=request_retry(), timeout=HTTP_TIMEOUT_SECONDS)


def query_parameters(values: Mapping[str, Any]) -> list:
    """Typed BigQuery query parameters for ``values`` (name -> Python value)."""
    return [_query_parameter(name, value) for name, value in values.items()]


def _query_parameter(name: str, value: Any):
    import datetime

    from google.cloud import bigquery

    if isinstance(value, bool):
        kind = "BOOL"
    elif isinstance(value, int):
        kind = "INT64"
    elif isinstance(value, float):
        kind = "FLOAT64"
    elif isinstance(value, datetime.datetime):
        kind = "TIMESTAMP"
    elif isinstance(value, datetime.date):
        kind = "DATE"
    elif isinstance(value, str):
        kind = "STRING"
    else:
        raise TypeError(f"query parameter {name!r}: unsupported type {type(value).__name__}")
    return bigquery.ScalarQueryParameter(name, kind, value)
