"""Bad raw input on the processor path: a clear error and no change, or a logged quarantine.

Each test puts bad rows into a raw table for one date (restored afterwards), runs the
processor task function as Airflow would call it, and compares the analytics rows of that
date, every column, before and after.
"""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException

from local_stack.adhoc import run_dml, run_query
from nba_backfill.backfill import partition_tasks, range_tasks
from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES, PLAYER_PROPS, TEAM_BOXSCORES
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.processors.raw_checks import schema_problems
from nba_backfill.warehouse.client import load_rows

pytestmark = pytest.mark.integration

DAY = datetime.date(2021, 11, 3)  # Session 42: player_game_summary holds it, unhashed
TEST_DATE = datetime.date(2021, 11, 15)  # every table holds it
PLAYERS = REGISTRY["player_game_summary"]
OFFENSE = REGISTRY["team_offense_game_summary"]
UPCOMING = REGISTRY["upcoming_player_game_context"]
REFUSED = "Nothing was written; fix the raw data, then rerun"


class TaskInstance:
    """What process_partition pulls from check_partition."""

    def __init__(self, day: datetime.date) -> None:
        self.pulled = {"game_date": day.isoformat(), "run_type": "manual"}

    def xcom_pull(self, task_ids: str, key: str):
        return self.pulled[key]


PHASES = {"read", "compute", "hash", "load", "merge", "verify"}


def process_partition(table, day: datetime.date, run_id: str = "bad-raw-input") -> dict:
    """The task's counts; its timings (every phase, and the peak memory) are checked and dropped."""
    counts = partition_tasks.process_partition(table.name, ti=TaskInstance(day), run_id=run_id)
    timings = counts.pop("timings")
    assert {f"{phase}_seconds" for phase in PHASES} <= set(timings), timings
    assert timings["peak_rss_mib"] > 0
    return counts


def process_chunk(table, first: datetime.date, last: datetime.date) -> dict:
    dag_run = SimpleNamespace(run_type="manual")
    return range_tasks.process_chunk(
        table.name, first.isoformat(), last.isoformat(), run_id="bad-raw-chunk", dag_run=dag_run
    )


def refusal(call) -> str:
    """The message of the AirflowFailException the task fails with (no retry repeats it)."""
    with pytest.raises(AirflowFailException) as caught:
        call()
    return str(caught.value)


def analytics_rows(table, day: datetime.date, bq) -> list[dict]:
    """Every column of the date's rows, in key order: what "unchanged" is compared on."""
    order = ", ".join(table.key_columns)
    sql = f"select * from `{table.table_id}` where game_date = @d order by {order}"
    return [dict(row.items()) for row in run_query(sql, {"d": day}, client=bq)]


def raw_rows(raw_table, day: datetime.date, bq, where: str = "true", limit: int = 1) -> list[dict]:
    order = ", ".join(raw_table.cluster_columns)
    sql = f"select * from `{raw_table.table_id}` where game_date = @d and {where} order by {order} limit {limit}"
    return [dict(row.items()) for row in run_query(sql, {"d": day}, client=bq)]


def quarantine_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "nba_backfill.processors.raw_checks"]


def add_raw_rows(raw_table, rows: list[dict], bq) -> None:
    load_rows(raw_table.table_id, rows, raw_table.schema, client=bq)


@pytest.fixture
def raw_partition(restore_partitions):
    """Snapshot a raw table's partition that a test spoils (restored after the test)."""

    def snapshot(raw_table, day: datetime.date) -> None:
        restore_partitions(raw_table.table_id, day)

    return snapshot


# -- 1. NULL keys ----------------------------------------------------------------------------


def test_a_box_score_row_with_a_null_player_id_is_refused_and_nothing_changes(
    loaded_warehouse, raw_partition, bq
):
    raw_partition(PLAYER_BOXSCORES, DAY)
    before = analytics_rows(PLAYERS, DAY, bq)
    (row,) = raw_rows(PLAYER_BOXSCORES, DAY, bq)
    add_raw_rows(PLAYER_BOXSCORES, [{**row, "player_id": None}], bq)

    message = refusal(lambda: process_partition(PLAYERS, DAY))

    assert message == (
        f"nba_raw.nbac_player_boxscores on 2021-11-03: 1 row with NULL player_id, e.g. "
        f"game_id={row['game_id']}, player_id=NULL, team_abbr={row['team_abbr']}, "
        f"player_name={row['player_name']}. {REFUSED} player_game_summary."
    )
    assert analytics_rows(PLAYERS, DAY, bq) == before


# The warehouse's DDL makes game_id (schedule, box scores) and team_abbr (box scores) NOT NULL,
# so those NULL keys cannot land here; tests/unit/test_raw_checks.py covers them.


# -- 2. duplicates ---------------------------------------------------------------------------


def test_conflicting_player_box_scores_are_refused_naming_the_key_and_nothing_changes(
    loaded_warehouse, raw_partition, bq
):
    raw_partition(PLAYER_BOXSCORES, DAY)
    before = analytics_rows(PLAYERS, DAY, bq)
    (row,) = raw_rows(PLAYER_BOXSCORES, DAY, bq, where="minutes > 0")
    add_raw_rows(PLAYER_BOXSCORES, [{**row, "pts": row["pts"] + 2, "fgm": row["fgm"] + 1}], bq)
    expected = (
        f"nba_raw.nbac_player_boxscores on 2021-11-03: 2 rows share 1 key (game_id, player_id) with "
        f"different values, e.g. game_id={row['game_id']}, player_id={row['player_id']} differs in "
        f"pts, fgm. {REFUSED} player_game_summary."
    )

    assert refusal(lambda: process_partition(PLAYERS, DAY)) == expected
    # A range run's chunk around the date is refused the same way.
    assert refusal(lambda: process_chunk(PLAYERS, DAY - datetime.timedelta(days=1), DAY)) == expected
    assert analytics_rows(PLAYERS, DAY, bq) == before


def test_conflicting_team_box_scores_are_refused_and_nothing_changes(loaded_warehouse, raw_partition, bq):
    raw_partition(TEAM_BOXSCORES, TEST_DATE)
    before = analytics_rows(OFFENSE, TEST_DATE, bq)
    (row,) = raw_rows(TEAM_BOXSCORES, TEST_DATE, bq)
    add_raw_rows(TEAM_BOXSCORES, [{**row, "ast": row["ast"] + 1}], bq)

    assert refusal(lambda: process_partition(OFFENSE, TEST_DATE)) == (
        f"nba_raw.nbac_team_boxscores on 2021-11-15: 2 rows share 1 key (game_id, team_abbr) with "
        f"different values, e.g. game_id={row['game_id']}, team_abbr={row['team_abbr']} differs in "
        f"ast. {REFUSED} team_offense_game_summary."
    )
    assert analytics_rows(OFFENSE, TEST_DATE, bq) == before


def test_exact_duplicate_box_scores_are_counted_once_and_logged(
    loaded_warehouse, raw_partition, restore_partitions, bq, caplog
):
    raw_partition(PLAYER_BOXSCORES, DAY)
    restore_partitions(PLAYERS.table_id, DAY)
    first = process_partition(PLAYERS, DAY, "clean")  # hashes the legacy rows
    before = analytics_rows(PLAYERS, DAY, bq)
    (row,) = raw_rows(PLAYER_BOXSCORES, DAY, bq, where="minutes > 0")
    add_raw_rows(PLAYER_BOXSCORES, [row, row], bq)

    with caplog.at_level(logging.WARNING, logger="nba_backfill.processors.raw_checks"):
        again = process_partition(PLAYERS, DAY, "with-duplicates")

    assert quarantine_log(caplog) == [
        f"player_game_summary: 2 duplicate raw rows in nba_raw.nbac_player_boxscores on 2021-11-03 "
        f"counted once, e.g. game_id={row['game_id']}, player_id={row['player_id']}"
    ]
    assert again.pop("quarantined") == quarantine_log(caplog)[0].split(": ", 1)[1], "the run's record"
    assert again == {**first, "updated": 0, "unchanged": first["computed"]}
    assert analytics_rows(PLAYERS, DAY, bq) == before


# -- 4. raw schema ---------------------------------------------------------------------------


@pytest.fixture
def replace_raw_table(bq, scratch_dataset):
    """Swap a raw table for an altered copy of one date; the original comes back afterwards.

    The original is copied to the scratch dataset, then re-created from the provisioning DDL
    (partitioning, clustering, NOT NULL) and refilled from the copy.
    """
    from nba_backfill.catalog.ddl import PROVISION_TEMPLATE, provision_names
    from nba_backfill.warehouse import client as warehouse
    from nba_backfill.warehouse.sql import Statement

    saved = []

    def replace(raw_table, select: str, day: datetime.date) -> None:
        copy = f"{scratch_dataset}.{raw_table.name}"
        run_query(f"create table `{copy}` as select * from `{raw_table.table_id}`", client=bq)
        saved.append((raw_table, copy))
        bq.delete_table(raw_table.table_id)
        run_query(
            f"create table `{raw_table.table_id}` as {select} from `{copy}` where game_date = @d",
            {"d": day},
            client=bq,
        )

    yield replace
    for raw_table, copy in saved:
        bq.delete_table(raw_table.table_id, not_found_ok=True)
        warehouse.run_query(Statement(PROVISION_TEMPLATE, provision_names()), client=bq)
        run_dml(f"insert into `{raw_table.table_id}` select * from `{copy}`", client=bq)
        assert schema_problems(raw_table, bq.get_table(raw_table.table_id).schema) == []
        count = f"select (select count(*) from `{raw_table.table_id}`) - (select count(*) from `{copy}`) as d"
        assert next(iter(run_query(count, client=bq))).d == 0


@pytest.mark.parametrize(
    ("select", "problem"),
    [
        (
            "select * replace (cast(pts as string) as pts)",
            "nba_raw.nbac_player_boxscores.pts has type STRING, expected INT64",
        ),
        ("select * except (minutes)", "nba_raw.nbac_player_boxscores.minutes is missing, expected FLOAT64"),
    ],
    ids=["pts_as_string", "minutes_dropped"],
)
def test_a_raw_column_of_the_wrong_type_or_missing_is_refused_before_reading(
    loaded_warehouse, replace_raw_table, restore_partitions, bq, select, problem
):
    """pts as a STRING of digits would even cast back silently: only the schema check sees it."""
    before = analytics_rows(PLAYERS, DAY, bq)
    replace_raw_table(PLAYER_BOXSCORES, select, DAY)

    assert refusal(lambda: process_partition(PLAYERS, DAY)) == (
        f"{problem}. Nothing was read or written; restore the raw table's schema "
        "(plugins/nba_backfill/catalog/raw_tables.py), then rerun player_game_summary."
    )
    assert analytics_rows(PLAYERS, DAY, bq) == before

    # A table that never reads the player box scores is not held up by them.
    restore_partitions(OFFENSE.table_id, TEST_DATE)
    assert process_partition(OFFENSE, TEST_DATE)["computed"] > 0


# -- 5. prop lines ---------------------------------------------------------------------------


def test_absurd_prop_lines_are_quarantined_and_logged_not_refused(
    loaded_warehouse, raw_partition, restore_partitions, bq, caplog
):
    raw_partition(PLAYER_PROPS, TEST_DATE)
    restore_partitions(UPCOMING.table_id, TEST_DATE)
    first = process_partition(UPCOMING, TEST_DATE, "clean")
    before = analytics_rows(UPCOMING, TEST_DATE, bq)
    (with_line,) = raw_rows(PLAYER_PROPS, TEST_DATE, bq)
    (without_line,) = raw_rows(
        PLAYER_BOXSCORES,
        TEST_DATE,
        bq,
        where=f"player_id not in (select player_id from `{PLAYER_PROPS.table_id}` where game_date = @d)",
    )
    # NaN cannot travel in a JSON load job: the lines go in by DML.
    lines = [
        (with_line, "-5.5"),
        (with_line, "cast('NaN' as float64)"),
        (with_line, "0"),
        (with_line, "150"),
        (without_line, "250"),
    ]
    run_dml(
        f"insert into `{PLAYER_PROPS.table_id}` (game_id, game_date, player_id, player_lookup, bookmaker, "
        "points_line, over_price, under_price) values "
        + ", ".join(
            f"('{p['game_id']}', @d, {p['player_id']}, '{p['player_lookup']}', 'badbook', {line}, -110, -110)"
            for p, line in lines
        ),
        {"d": TEST_DATE},
        client=bq,
    )
    example = min(
        (with_line, -5.5), (without_line, 250.0), key=lambda pl: (pl[0]["game_id"], pl[0]["player_id"])
    )

    with caplog.at_level(logging.WARNING, logger="nba_backfill.processors.raw_checks"):
        again = process_partition(UPCOMING, TEST_DATE, "with-bad-lines")

    assert quarantine_log(caplog) == [
        "upcoming_player_game_context: quarantined 5 prop lines in nba_raw.odds_player_points_props "
        "on 2021-11-15 with points_line NaN, zero, negative or above 100 (excluded; the player's line "
        f"comes from another bookmaker or is NULL), e.g. game_id={example[0]['game_id']}, "
        f"player_id={example[0]['player_id']}, bookmaker=badbook, points_line={example[1]}"
    ]
    # The run's record (backfill_log.detail, written by verify_and_log) carries the notice.
    assert again.pop("quarantined") == quarantine_log(caplog)[0].split(": ", 1)[1]
    # Every player keeps the line he had (his good bookmaker's, or NULL): nothing changed.
    assert again == {**first, "updated": 0, "unchanged": first["computed"]}
    assert analytics_rows(UPCOMING, TEST_DATE, bq) == before
