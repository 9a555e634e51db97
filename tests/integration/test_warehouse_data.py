"""The warehouse as provisioned and loaded: schemas from the registry, data as generated."""

from __future__ import annotations

import pytest

from local_stack.adhoc import run_query
from local_stack.sample_data import SCHEDULE, counts_by_season, format_counts, load
from nba_backfill.catalog.registry import REGISTRY

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_analytics_tables_match_the_registry(loaded_warehouse, bq, name):
    entry = REGISTRY[name]
    table = bq.get_table(entry.table_id)
    assert [(f.name, f.field_type) for f in table.schema] == [
        (c.name, {"INT64": "INTEGER", "FLOAT64": "FLOAT", "BOOL": "BOOLEAN"}.get(c.type, c.type))
        for c in entry.all_columns
    ]
    assert table.time_partitioning.field == "game_date"


def test_every_generated_row_arrives_and_a_reload_replaces_rather_than_appends(
    sample_data, loaded_warehouse, bq
):
    for table, rows in sample_data.raw_tables():
        assert loaded_warehouse[table.table_id] == len(rows)
        stored = next(iter(run_query(f"select count(*) as n from `{table.table_id}`", client=bq))).n
        assert stored == len(rows), table.table_id
    before = counts_by_season(bq)
    load(sample_data, "test_runs_only", client=bq)
    assert counts_by_season(bq) == before, format_counts(before)


def test_legacy_rows_have_no_hash_and_skip_postponed_originals(loaded_warehouse, bq):
    for entry in REGISTRY.values():
        row = next(
            iter(
                run_query(
                    f"select count(*) as n, countif(data_hash is not null) as hashed, "
                    f"countif(run_type != 'legacy') as other from `{entry.table_id}`",
                    client=bq,
                )
            )
        )
        assert row.n > 0 and row.hashed == 0 and row.other == 0, entry.name
    on_postponed = run_query(
        f"""
        select count(*) as n
        from `{REGISTRY["player_game_summary"].table_id}` as p
        join `{SCHEDULE.table_id}` as s using (game_id, game_date)
        where s.is_postponed
        """,
        client=bq,
    )
    assert next(iter(on_postponed)).n == 0


def test_a_replace_with_no_rows_leaves_an_empty_table_with_the_schema_created_or_not(bq):
    # An empty staging load (a window with no games) must still leave a table to join against;
    # the id is dataset-qualified only, as the package's own staging tables are.
    from nba_backfill.warehouse.client import drop_table, load_rows

    table = "nba_monitoring.it_empty_replace"
    schema = [("game_id", "STRING", "REQUIRED"), ("data_hash", "STRING")]
    drop_table(table, client=bq)
    assert load_rows(table, [], schema, client=bq, replace=True) == 0
    assert [(f.name, f.mode) for f in bq.get_table(table).schema] == [
        ("game_id", "REQUIRED"),
        ("data_hash", "NULLABLE"),
    ]
    assert load_rows(table, [{"game_id": "g1", "data_hash": "a" * 16}], schema, client=bq) == 1
    assert load_rows(table, [], schema, client=bq, replace=True) == 0
    assert next(iter(run_query(f"select count(*) as n from `{table}`", client=bq))).n == 0
    drop_table(table, client=bq)
