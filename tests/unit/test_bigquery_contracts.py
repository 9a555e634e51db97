"""BigQuery's contracts the emulator skips, as the test stack's proxy checks them."""

from __future__ import annotations

import datetime

import pytest

from local_stack.bigquery_contracts import (
    STREAM_DAYS_FUTURE,
    STREAM_DAYS_PAST,
    ContractViolation,
    check_load_job,
    insert_all_errors,
    label_problems,
)

TODAY = datetime.date(2026, 12, 3)
LOG_FIELDS = [
    {"name": "table_name", "type": "STRING", "mode": "REQUIRED"},
    {"name": "game_date", "type": "DATE", "mode": "REQUIRED"},
    {"name": "detail", "type": "STRING", "mode": "NULLABLE"},
]


def _load(fields, disposition="WRITE_APPEND", options=None) -> dict:
    load = {
        "destinationTable": {"projectId": "p", "datasetId": "nba_monitoring", "tableId": "backfill_log"},
        "schema": {"fields": fields},
        "writeDisposition": disposition,
    }
    if options:
        load["schemaUpdateOptions"] = options
    return {"load": load}


def test_our_labels_pass_and_bigquerys_rules_are_enforced():
    assert (
        label_problems({"dag": "backfill_player_game_summary", "partition": "2021-11-15", "chunk": "a_b"})
        == []
    )
    assert label_problems({"Dag": "x"})  # uppercase key
    assert label_problems({"1dag": "x"})  # key must start with a letter
    assert label_problems({"dag": "Backfill"})  # uppercase value
    assert label_problems({"dag": "a" * 64})  # value too long
    assert label_problems({"dag": "2021-11-15T00:00:00+00:00"})  # ':' and '+'
    assert label_problems({f"k{i}": "v" for i in range(65)}) == ["65 labels, at most 64"]


def test_an_append_that_relaxes_a_required_column_is_refused_with_bigquerys_message():
    relaxed = [{"name": f["name"], "type": f["type"], "mode": "NULLABLE"} for f in LOG_FIELDS]
    with pytest.raises(ContractViolation) as refused:
        check_load_job(_load(relaxed), "p", lambda table: LOG_FIELDS)
    assert refused.value.status == 400 and refused.value.reason == "invalid"
    assert refused.value.message == (
        "Provided Schema does not match Table p:nba_monitoring.backfill_log. "
        "Field table_name has changed mode from REQUIRED to NULLABLE"
    )
    # A field without a mode is NULLABLE, as the client library sends SchemaField(name, type).
    with pytest.raises(ContractViolation):
        check_load_job(_load([{"name": "table_name", "type": "STRING"}]), "p", lambda table: LOG_FIELDS)


def test_loads_bigquery_accepts_pass():
    check_load_job(_load(LOG_FIELDS), "p", lambda table: LOG_FIELDS)  # modes kept
    relaxed = [{**f, "mode": "NULLABLE"} for f in LOG_FIELDS]
    check_load_job(_load(relaxed, "WRITE_TRUNCATE"), "p", lambda table: LOG_FIELDS)  # schema replaced
    check_load_job(_load(relaxed, options=["ALLOW_FIELD_RELAXATION"]), "p", lambda table: LOG_FIELDS)
    check_load_job(_load(relaxed), "p", lambda table: None)  # a new table takes the load's schema


def test_streaming_rows_outside_the_partition_window_come_back_as_insert_errors():
    oldest = TODAY - datetime.timedelta(days=STREAM_DAYS_PAST)
    newest = TODAY + datetime.timedelta(days=STREAM_DAYS_FUTURE)
    rows = [
        {"json": {"game_date": str(TODAY)}},
        {"json": {"game_date": str(oldest)}},
        {"json": {"game_date": str(oldest - datetime.timedelta(days=1))}},
        {"json": {"game_date": "2016-10-25"}},
        {"json": {"game_date": str(newest + datetime.timedelta(days=1))}},
        {"json": {"game_date": None}},
    ]
    errors = insert_all_errors({"rows": rows}, LOG_FIELDS, "game_date", TODAY)
    assert [e["index"] for e in errors] == [2, 3, 4]
    assert errors[1]["errors"][0]["message"].startswith(
        "Value 2016-10-25 for field game_date of the destination table is outside the allowed bounds"
    )
    assert insert_all_errors({"rows": rows}, LOG_FIELDS, None, TODAY) == []  # not partitioned
