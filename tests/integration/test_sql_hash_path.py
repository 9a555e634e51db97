"""The SQL hash path (set-based UPDATE) and the processor path give identical data_hash.

Both run against the loaded sample data: the UPDATE hashes a copy of the old pipeline's
unhashed partition in the emulator; the processors recompute the same partition from raw
rows in Python. Every key must carry the same hash on both sides.
"""

from __future__ import annotations

import datetime

import pytest

from local_stack.adhoc import run_query
from nba_backfill import processors
from nba_backfill.backfill.sql_path import hash_statement
from nba_backfill.catalog.hash_spec import VERSION
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.warehouse import client as warehouse

pytestmark = pytest.mark.integration

DAY = datetime.date(2021, 11, 15)  # present for every table in the test_runs_only scenario


@pytest.fixture(scope="module")
def processor_source(sample_data):
    raw = sample_data.source
    source = processors.SourceData(
        raw.schedule, raw.player_boxscores, raw.team_boxscores, raw.player_props, raw.rosters
    )
    history = sorted({g["game_date"] for g in raw.schedule if g["game_date"] < DAY})
    source.upstream = {
        name: processors.compute(name, source, history)
        for name in ("player_game_summary", "team_offense_game_summary", "team_defense_game_summary")
    }
    return source


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_sql_path_and_processor_path_hash_every_row_identically(
    name, loaded_warehouse, processor_source, scratch_dataset, bq
):
    table = REGISTRY[name]
    copy = f"{scratch_dataset}.{name}"
    run_query(
        f"create table `{copy}` as select * from `{table.table_id}` where game_date = @day",
        {"day": DAY},
        client=bq,
    )
    hashed = warehouse.run_dml(hash_statement(table, DAY, DAY, copy), client=bq)

    key = list(table.key_columns)
    stored = {
        tuple(row[k] for k in key): (row["data_hash"], row["hash_spec_version"])
        for row in run_query(f"select * from `{copy}`", client=bq)
    }
    run = processors.RunInfo("test", "test", datetime.datetime.now(datetime.UTC))
    computed = {
        tuple(row[k] for k in key): (row["data_hash"], row["hash_spec_version"])
        for row in processors.finalize(table, processors.compute(table, processor_source, [DAY]), run)
    }
    assert hashed == len(stored) > 0
    assert stored == computed
    assert {version for _, version in stored.values()} == {VERSION}


def test_the_update_touches_only_unhashed_or_stale_rows(loaded_warehouse, scratch_dataset, bq):
    table = REGISTRY["team_offense_game_summary"]
    copy = f"{scratch_dataset}.offense"
    run_query(
        f"create table `{copy}` as select * from `{table.table_id}` where game_date = @day",
        {"day": DAY},
        client=bq,
    )
    statement = hash_statement(table, DAY, DAY, copy)
    first = warehouse.run_dml(statement, client=bq)
    rows = {(r.game_id, r.team_abbr): r.data_hash for r in run_query(f"select * from `{copy}`", client=bq)}
    assert first == len(rows) > 0

    assert warehouse.run_dml(statement, client=bq) == 0  # nothing left to hash

    # One row hashed by an older spec (like the seeds' key-only template) is rehashed; only it.
    game_id, team = min(rows)
    run_query(
        f"update `{copy}` set data_hash = 'ffffffffffffffff', hash_spec_version = 0 "
        "where game_id = @g and team_abbr = @t",
        {"g": game_id, "t": team},
        client=bq,
    )
    assert warehouse.run_dml(statement, client=bq) == 1
    after = {(r.game_id, r.team_abbr): r.data_hash for r in run_query(f"select * from `{copy}`", client=bq)}
    assert after == rows
