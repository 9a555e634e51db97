"""The processor path: recompute a partition from raw rows and upsert only what changed."""

from __future__ import annotations

import datetime

import pytest

from local_stack.adhoc import run_query
from nba_backfill import processors
from nba_backfill.backfill.processor_path import PartitionWriteError, write_partition
from nba_backfill.catalog.raw_tables import TEAM_BOXSCORES
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.processors.source import read_source

pytestmark = pytest.mark.integration

DAY = datetime.date(2021, 11, 15)
OFFENSE = REGISTRY["team_offense_game_summary"]


def run_info(run_id: str) -> processors.RunInfo:
    return processors.RunInfo(run_id, "test", datetime.datetime.now(datetime.UTC))


def process(table, day, run_id, bq):
    source = read_source(table, day, bq)
    rows = processors.finalize(table, processors.compute(table, source, [day]), run_info(run_id))
    return write_partition(table, rows, day, run_id, bq)


def partition(table, day, bq) -> dict:
    return {
        (r.game_id, r.team_abbr): r.data_hash
        for r in run_query(f"select * from `{table.table_id}` where game_date = @d", {"d": day}, client=bq)
    }


def test_first_run_hashes_the_legacy_rows_then_a_rerun_changes_nothing(
    loaded_warehouse, restore_partitions, bq
):
    restore_partitions(OFFENSE.table_id, DAY)
    before = partition(OFFENSE, DAY, bq)
    assert before and set(before.values()) == {None}

    first = process(OFFENSE, DAY, "run-1", bq)
    assert first.as_dict() == {
        "computed": len(before),
        "inserted": 0,
        "updated": len(before),
        "deleted": 0,
        "unchanged": 0,
    }
    hashed = partition(OFFENSE, DAY, bq)
    assert set(hashed) == set(before) and None not in hashed.values()

    again = process(OFFENSE, DAY, "run-2", bq)
    assert again.as_dict() == {**first.as_dict(), "updated": 0, "unchanged": len(before)}
    assert partition(OFFENSE, DAY, bq) == hashed


def test_changing_one_source_row_updates_exactly_that_row(loaded_warehouse, restore_partitions, bq):
    restore_partitions(OFFENSE.table_id, DAY)
    restore_partitions(TEAM_BOXSCORES.table_id, DAY)
    process(OFFENSE, DAY, "run-1", bq)
    hashed = partition(OFFENSE, DAY, bq)
    game_id, team = min(hashed)
    run_query(
        f"update `{TEAM_BOXSCORES.table_id}` set ast = ast + 1 where game_date = @d and game_id = @g and team_abbr = @t",
        {"d": DAY, "g": game_id, "t": team},
        client=bq,
    )

    counts = process(OFFENSE, DAY, "run-2", bq)

    assert (counts.updated, counts.inserted, counts.deleted) == (1, 0, 0)
    after = partition(OFFENSE, DAY, bq)
    changed = {key for key in after if after[key] != hashed[key]}
    assert changed == {(game_id, team)}


def test_a_new_partition_is_inserted_and_a_vanished_game_deleted(loaded_warehouse, restore_partitions, bq):
    day = datetime.date(2021, 11, 16)  # no legacy rows on this date
    restore_partitions(OFFENSE.table_id, day)
    restore_partitions(TEAM_BOXSCORES.table_id, day)
    counts = process(OFFENSE, day, "run-1", bq)
    assert counts.inserted == counts.computed > 0 and counts.updated == counts.deleted == 0

    gone = min(partition(OFFENSE, day, bq))[0]
    run_query(
        f"delete from `{TEAM_BOXSCORES.table_id}` where game_date = @d and game_id = @g",
        {"d": day, "g": gone},
        client=bq,
    )
    counts = process(OFFENSE, day, "run-2", bq)
    assert (counts.deleted, counts.inserted, counts.updated) == (2, 0, 0)
    assert gone not in {game for game, _ in partition(OFFENSE, day, bq)}


def test_rows_with_null_or_duplicate_keys_change_nothing(loaded_warehouse, restore_partitions, bq):
    restore_partitions(OFFENSE.table_id, DAY)
    before = partition(OFFENSE, DAY, bq)
    source = read_source(OFFENSE, DAY, bq)
    rows = processors.finalize(OFFENSE, processors.compute(OFFENSE, source, [DAY]), run_info("bad"))
    with pytest.raises(PartitionWriteError, match="1 rows with a NULL key column"):
        write_partition(OFFENSE, [{**rows[0], "team_abbr": None}, *rows[1:]], DAY, "bad", bq)
    with pytest.raises(PartitionWriteError, match="1 duplicate keys"):
        write_partition(OFFENSE, [*rows, rows[0]], DAY, "bad", bq)
    assert partition(OFFENSE, DAY, bq) == before
