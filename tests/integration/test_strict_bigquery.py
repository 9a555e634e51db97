"""The test stack is strict where the emulator is lenient: BigQuery's contracts, on the wire.

The fault proxy between every client and the emulator analyzes each query job with GoogleSQL
and refuses, with BigQuery's own error bodies, what BigQuery would refuse. These tests show
each contract refusing a request that breaks it, and the package's own requests passing.
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from google.api_core.exceptions import BadRequest
from google.cloud import bigquery

from local_stack.adhoc import run_query
from local_stack.bigquery_contracts import STREAM_DAYS_PAST
from nba_backfill import clock
from nba_backfill.backfill import log as backfill_log
from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG
from nba_backfill.warehouse.client import MAXIMUM_BYTES_BILLED, load_rows

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("loaded_warehouse")]

OLD_SEASON = datetime.date(2016, 10, 25)


def _log_row(game_date: datetime.date, run_id: str) -> dict:
    class DagRun:
        start_date = clock.now()
        run_type = "manual"

    context = {"run_id": run_id, "dag_run": DagRun()}
    return backfill_log.log_row(
        "strict_bigquery_test",  # no registered table: the rows touch no coverage figure
        game_date,
        context,
        mode="sql",
        expected_rows=1,
        actual_rows=1,
        hashed=1,
        complete=True,
    )


def _logged(bq, run_id: str) -> int:
    return next(
        iter(
            run_query(
                f"select count(*) as n from `{BACKFILL_LOG.table_id}` where run_id = @r",
                {"r": run_id},
                client=bq,
            )
        )
    ).n


def test_a_statement_googlesql_refuses_never_reaches_the_emulator(bq, fault_proxy):
    # DuckDB runs strftime; GoogleSQL has no such function.
    with pytest.raises(BadRequest, match=r"GoogleSQL refused the statement: .*Function not found: strftime"):
        run_query("select strftime(game_date, '%Y') as y from `nba_raw.nbac_schedule` limit 1", client=bq)
    with pytest.raises(BadRequest, match="No matching signature for operator ="):
        run_query("select count(*) as n from `nba_raw.nbac_schedule` where game_id = 1", client=bq)
    with pytest.raises(BadRequest, match="UPDATE must have a WHERE clause"):
        run_query("update `nba_raw.nbac_schedule` set season = season", client=bq)
    refusals = fault_proxy.stats()["contract_refusals"]
    assert [r["reason"] for r in refusals] == ["invalidQuery"] * 3


def test_a_query_job_without_a_billing_cap_or_with_bad_labels_is_refused(bq, fault_proxy):
    sql = "select count(*) as n from `nba_raw.nbac_schedule`"
    with pytest.raises(BadRequest, match="without maximumBytesBilled"):
        bq.query(sql, job_config=bigquery.QueryJobConfig(use_legacy_sql=False)).result()
    capped = bigquery.QueryJobConfig(use_legacy_sql=False, maximum_bytes_billed=MAXIMUM_BYTES_BILLED)
    with pytest.raises(BadRequest, match="Invalid job labels: label 'run' value '2021-11-15T00:00:00'"):
        capped.labels = {"run": "2021-11-15T00:00:00"}
        bq.query(sql, job_config=capped).result()
    capped.labels = {"run": "2021-11-15t00-00-00"}
    assert next(iter(bq.query(sql, job_config=capped).result())).n > 0


def test_an_append_that_relaxes_a_required_column_is_refused_and_the_packages_own_passes(bq, fault_proxy):
    run_id = f"strict__{uuid.uuid4().hex}"
    relaxed = [(name, kind) for name, kind, _ in BACKFILL_LOG.schema]  # SchemaField(name, type): NULLABLE
    with pytest.raises(BadRequest, match="Field table_name has changed mode from REQUIRED to NULLABLE"):
        load_rows(BACKFILL_LOG.table_id, [_log_row(OLD_SEASON, run_id)], relaxed, client=bq)
    assert _logged(bq, run_id) == 0
    assert backfill_log.append([_log_row(OLD_SEASON, run_id)], bq) == 1
    assert _logged(bq, run_id) == 1


def test_streaming_an_old_partition_is_refused_and_backfill_log_is_written_by_load_jobs(bq, fault_proxy):
    run_id = f"strict__{uuid.uuid4().hex}"
    # The window moves with the clock (the proxy's and this process's, faked alike under
    # `make test-clock`): one day past it is refused whatever today is.
    outside = clock.now().date() - datetime.timedelta(days=STREAM_DAYS_PAST + 1)
    errors = bq.insert_rows_json(BACKFILL_LOG.table_id, [_log_row(outside, run_id)])
    assert errors and "outside the allowed bounds" in errors[0]["errors"][0]["message"]
    assert _logged(bq, run_id) == 0
    # History reaches back to 2016, past the window on any real date: the package writes its
    # records with load jobs, which have no window.
    backfill_log.append([_log_row(outside, run_id), _log_row(OLD_SEASON, run_id)], bq)
    assert _logged(bq, run_id) == 2
