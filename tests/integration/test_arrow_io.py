"""Rows move as Arrow: Storage Read API reads and Parquet loads, on the emulator's real endpoints.

The fallback (JSON pages over REST, when no Storage Read endpoint is configured) must give the
same frame, so a deployment without the API computes the same rows and hashes.
"""

from __future__ import annotations

import datetime
import math

import polars as pl
import pytest

from local_stack.adhoc import run_query
from nba_backfill import settings
from nba_backfill.backfill.processor_path import stored_hashes_statement
from nba_backfill.catalog import datasets
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.processors.source import read_statements
from nba_backfill.warehouse import client as warehouse
from nba_backfill.warehouse.frames import UnloadableFrame, read_frame, write_frame

pytestmark = pytest.mark.integration

FIRST, LAST = datetime.date(2021, 11, 1), datetime.date(2021, 11, 15)
CONTEXT = REGISTRY["upcoming_player_game_context"]


@pytest.fixture
def rest_reads():
    """Reads as JSON pages over REST, as where no Storage Read endpoint is set."""
    saved, settings.STORAGE_READ_ENDPOINT = settings.STORAGE_READ_ENDPOINT, None
    warehouse.storage_read_client.cache_clear()
    yield
    settings.STORAGE_READ_ENDPOINT = saved
    warehouse.storage_read_client.cache_clear()


def _read_tables_left(bq) -> list[str]:
    return [t.table_id for t in bq.list_tables(datasets.MONITORING) if t.table_id.startswith("read_")]


def _reads(bq) -> dict[str, pl.DataFrame]:
    from nba_backfill.catalog.raw_tables import RAW_SOURCES

    columns = {name: RAW_SOURCES[name].columns for name in CONTEXT.raw_inputs}
    out = {}
    names = [*CONTEXT.raw_inputs, *CONTEXT.upstream]
    for statement, name in zip(read_statements(CONTEXT, FIRST, LAST), names, strict=True):
        cols = columns.get(name) or REGISTRY[name].columns
        out[str(statement)] = read_frame(statement, cols, bq).sort(pl.all())
    return out


def test_arrow_reads_equal_the_rest_fallback_and_leave_no_table_behind(loaded_warehouse, bq, request):
    assert settings.STORAGE_READ_ENDPOINT, "the test stack serves the Storage Read API"
    arrow = _reads(bq)
    assert all(frame.height > 0 for frame in arrow.values()), {k: f.height for k, f in arrow.items()}
    assert _read_tables_left(bq) == []

    request.getfixturevalue("rest_reads")
    assert warehouse.storage_read_client() is None
    rest = _reads(bq)
    assert rest.keys() == arrow.keys()
    for name, frame in arrow.items():
        assert frame.schema == rest[name].schema, name
        assert frame.equals(rest[name]), name


def test_an_empty_read_is_a_typed_empty_frame(loaded_warehouse, bq):
    day = datetime.date(2021, 8, 1)  # the off-season: no games, no rows
    statement = stored_hashes_statement(CONTEXT, day, day)
    columns = [
        c for c in CONTEXT.all_columns if c.name in {*CONTEXT.key_columns, "data_hash", "hash_spec_version"}
    ]
    frame = read_frame(statement, columns, bq)
    assert frame.height == 0
    assert frame.schema["game_date"] == pl.Date and frame.schema["data_hash"] == pl.String


SCHEMA = [
    ("game_date", "DATE", "REQUIRED"),
    ("player_id", "INT64", "REQUIRED"),
    ("points_avg", "FLOAT64", "NULLABLE"),
    ("is_home", "BOOL", "NULLABLE"),
    ("processed_at", "TIMESTAMP", "NULLABLE"),
    ("note", "STRING", "NULLABLE"),
]


def _frame(**override) -> pl.DataFrame:
    data = {
        "game_date": [datetime.date(2021, 11, 1), datetime.date(2021, 11, 2)],
        "player_id": [1, 2],
        "points_avg": [12.5, None],
        "is_home": [True, None],
        "processed_at": [datetime.datetime(2021, 11, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC), None],
        "note": ['é, "quoted"\nline', None],
        "ignored": ["extra columns are dropped", "x"],
    }
    return pl.DataFrame({**data, **override})


def _stored(table_id: str) -> list[dict]:
    return [dict(r.items()) for r in run_query(f"select * from `{table_id}` order by player_id")]


def test_a_parquet_load_round_trips_types_modes_and_nulls(scratch_dataset, bq):
    table_id = f"{scratch_dataset}.loaded"
    assert write_frame(table_id, _frame(), SCHEMA, client=bq, replace=True) == 2
    fields = {f.name: (f.field_type, f.mode) for f in bq.get_table(table_id).schema}
    assert fields["game_date"] == ("DATE", "REQUIRED") and fields["player_id"] in {
        ("INT64", "REQUIRED"),
        ("INTEGER", "REQUIRED"),
    }
    assert "ignored" not in fields
    first, second = _stored(table_id)
    assert first == {
        "game_date": datetime.date(2021, 11, 1),
        "player_id": 1,
        "points_avg": 12.5,
        "is_home": True,
        "processed_at": datetime.datetime(2021, 11, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC),
        "note": 'é, "quoted"\nline',
    }
    assert second["points_avg"] is None and second["note"] is None and second["processed_at"] is None
    # the same load again replaces, never duplicates
    assert write_frame(table_id, _frame(), SCHEMA, client=bq, replace=True) == 2
    assert len(_stored(table_id)) == 2


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"player_id": [1, None]}, "NULL in REQUIRED columns player_id (1 rows)"),
        ({"points_avg": [math.nan, 1.0]}, "non-finite floats (NaN or infinity) in points_avg (1 rows)"),
        ({"points_avg": [math.inf, 1.0]}, "non-finite floats (NaN or infinity) in points_avg (1 rows)"),
    ],
)
def test_a_frame_bigquery_must_not_hold_is_refused_and_nothing_changes(
    scratch_dataset, bq, override, message
):
    table_id = f"{scratch_dataset}.loaded"
    write_frame(table_id, _frame(), SCHEMA, client=bq, replace=True)
    before = _stored(table_id)
    with pytest.raises(UnloadableFrame, match=message.replace("(", r"\(").replace(")", r"\)")):
        write_frame(table_id, _frame(**override), SCHEMA, client=bq, replace=True)
    assert _stored(table_id) == before


def test_a_read_larger_than_one_grpc_message_arrives_whole(loaded_warehouse, bq):
    """The whole history of the raw box scores: Arrow batches of tens of MB (the emulator's
    default message cap, 11 MiB, refused them; ``local_stack/bq_emulator.py`` raises it)."""
    from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES
    from nba_backfill.catalog.registry import HISTORY_START
    from nba_backfill.processors.source import raw_statement

    last = datetime.date(2024, 6, 30)
    frame = read_frame(raw_statement("player_boxscores", HISTORY_START, last), PLAYER_BOXSCORES.columns, bq)
    (counted,) = run_query(
        f"select count(*) as n from `{PLAYER_BOXSCORES.table_id}` where game_date between @a and @b",
        {"a": HISTORY_START, "b": last},
    )
    assert frame.height == counted.n > 65_536  # more than one of the emulator's batches
    assert frame.estimated_size() > 11 * 1024 * 1024
