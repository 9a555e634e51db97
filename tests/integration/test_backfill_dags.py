"""The backfill DAGs, run by Airflow (``dag.test()``) against the emulator, per partition."""

from __future__ import annotations

import datetime
import re

import pytest
from airflow.dag_processing.dagbag import DagBag

from local_stack.adhoc import run_query
from local_stack.config import REPO_ROOT
from nba_backfill.catalog.hash_spec import VERSION
from nba_backfill.catalog.monitoring_tables import BACKFILL_LOG
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage.measure import measure_table

pytestmark = [pytest.mark.integration, pytest.mark.airflow_runs]

GAME_DAY = datetime.date(2021, 10, 19)  # opening night 2021-22: no legacy team rows
NO_GAMES = datetime.date(2021, 10, 18)
TEAM_OFFENSE = REGISTRY["team_offense_game_summary"]
PLAYERS = REGISTRY["player_game_summary"]


@pytest.fixture(scope="module")
def dags():
    bag = DagBag(dag_folder=str(REPO_ROOT / "dags" / "backfill_tables.py"))
    assert bag.import_errors == {}
    _pause(bag.dag_ids)
    return bag.dags


def _pause(dag_ids) -> None:
    """A running scheduler would pick up dag.test()'s queued runs of an unpaused DAG and
    race it for the same task instances; paused, it leaves them to dag.test()."""
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(DagModel).filter(DagModel.dag_id.in_(list(dag_ids))).update(
            {"is_paused": True}, synchronize_session=False
        )


def states(run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def table_state(table, day, bq) -> tuple:
    """What a refused or skipped run must leave as it was: the date's rows, every column, and the
    table's row count, hashed rows and newest write; and the date's backfill_log entries."""
    partition = [
        dict(r.items())
        for r in run_query(
            f"select * from `{table.table_id}` where game_date = @d order by {', '.join(table.key_columns)}",
            {"d": day},
            client=bq,
        )
    ]
    (whole,) = run_query(
        f"select count(*) as n, countif(data_hash is not null) as hashed, max(processed_at) as newest "
        f"from `{table.table_id}`",
        client=bq,
    )
    return partition, dict(whole.items()), len(log_rows(table, day, bq))


def log_rows(table, day, bq) -> list:
    return list(
        run_query(
            f"select * from `{BACKFILL_LOG.table_id}` where table_name = @t and game_date = @d order by finished_at",
            {"t": table.name, "d": day},
            client=bq,
        )
    )


def test_processor_mode_fills_a_partition_and_a_rerun_changes_nothing(
    dags, loaded_warehouse, restore_partitions, bq
):
    restore_partitions(TEAM_OFFENSE.table_id, GAME_DAY)
    dag = dags["backfill_team_offense_game_summary"]

    run = dag.test(run_conf={"mode": "processor", "game_date": str(GAME_DAY)})

    assert run.state == "success"
    assert states(run) == {
        "check_partition": "success",
        "process_partition": "success",
        "hash_partition_sql": "skipped",
        "verify_and_log": "success",
    }
    figures = measure_table(TEAM_OFFENSE, GAME_DAY, GAME_DAY, bq)
    assert figures.complete and figures.actual_rows == figures.expected_rows > 0
    first = log_rows(TEAM_OFFENSE, GAME_DAY, bq)[-1]
    assert (first.mode, first.run_type, first.complete) == ("processor", "manual", True)
    assert first.inserted == figures.actual_rows and first.updated == 0
    hashes = {
        r.game_id + r.team_abbr: r.data_hash
        for r in run_query(
            f"select * from `{TEAM_OFFENSE.table_id}` where game_date = @d", {"d": GAME_DAY}, client=bq
        )
    }

    again = dag.test(run_conf={"mode": "processor", "game_date": str(GAME_DAY)})

    assert again.state == "success"
    second = log_rows(TEAM_OFFENSE, GAME_DAY, bq)[-1]
    assert (second.inserted, second.updated, second.deleted, second.unchanged) == (
        0,
        0,
        0,
        figures.actual_rows,
    )
    assert hashes == {
        r.game_id + r.team_abbr: r.data_hash
        for r in run_query(
            f"select * from `{TEAM_OFFENSE.table_id}` where game_date = @d", {"d": GAME_DAY}, client=bq
        )
    }


def test_sql_mode_hashes_the_legacy_rows_through_bigquery_insert_job_operator(
    dags, loaded_warehouse, restore_partitions, bq
):
    restore_partitions(PLAYERS.table_id, GAME_DAY)
    before = measure_table(PLAYERS, GAME_DAY, GAME_DAY, bq)
    assert before.actual_rows == before.expected_rows > 0 and before.hashed_rows == 0

    run = dags["backfill_player_game_summary"].test(run_conf={"mode": "sql", "game_date": str(GAME_DAY)})

    assert run.state == "success"
    assert states(run)["hash_partition_sql"] == "success"
    after = measure_table(PLAYERS, GAME_DAY, GAME_DAY, bq)
    assert after.complete and after.hashed_rows == after.actual_rows == before.actual_rows
    entry = log_rows(PLAYERS, GAME_DAY, bq)[-1]
    assert (entry.mode, entry.hashed, entry.hash_spec_version) == ("sql", before.actual_rows, VERSION)
    # The emulator keeps neither labels nor billing caps on its job records, so check the
    # configuration Airflow rendered and sent (stored with the task instance).
    from airflow.models.renderedtifields import RenderedTaskInstanceFields

    sent = RenderedTaskInstanceFields.get_templated_fields(run.get_task_instance("hash_partition_sql"))
    configuration = sent["configuration"]
    assert configuration["labels"] == {
        "dag": "backfill_player_game_summary",
        "table": PLAYERS.name,
        "partition": str(GAME_DAY),
        "run_type": "manual",
    }
    assert int(configuration["query"]["maximumBytesBilled"]) > 0
    assert configuration["query"]["queryParameters"] == [
        {"name": name, "parameterType": {"type": "DATE"}, "parameterValue": {"value": str(GAME_DAY)}}
        for name in ("from_date", "to_date")
    ]
    assert str(GAME_DAY) not in configuration["query"]["query"], "the date is a parameter, never SQL text"

    # A rerun submits a new job (no reattach to the finished one) and has nothing left to hash.
    again = dags["backfill_player_game_summary"].test(run_conf={"mode": "sql", "game_date": str(GAME_DAY)})
    assert again.state == "success"
    assert log_rows(PLAYERS, GAME_DAY, bq)[-1].hashed == 0


def test_sql_mode_on_an_empty_partition_fails_and_says_to_use_processor_mode(
    dags, loaded_warehouse, bq, capfd
):
    day = datetime.date(2021, 10, 20)
    run = dags["backfill_team_offense_game_summary"].test(run_conf={"mode": "sql", "game_date": str(day)})

    assert run.state == "failed"
    assert states(run)["check_partition"] == "failed"
    out, err = capfd.readouterr()
    assert "the SQL hash path only hashes existing rows. Rerun with mode=processor" in out + err
    assert measure_table(TEAM_OFFENSE, day, day, bq).actual_rows == 0


@pytest.mark.parametrize("mode", ["processor", "sql"])
def test_a_day_without_games_is_skipped_not_failed(dags, loaded_warehouse, bq, mode):
    before = table_state(TEAM_OFFENSE, NO_GAMES, bq)

    run = dags["backfill_team_offense_game_summary"].test(run_conf={"mode": mode, "game_date": str(NO_GAMES)})

    assert run.state == "success"
    assert states(run) == {
        "check_partition": "success",
        "process_partition": "skipped",
        "hash_partition_sql": "skipped",
        "verify_and_log": "skipped",
    }
    assert table_state(TEAM_OFFENSE, NO_GAMES, bq) == before


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        (
            {"mode": "processor", "game_date": "2015-10-01"},
            "before team_offense_game_summary's history start",
        ),
        ({"mode": "processor", "game_date": "2999-01-01"}, "is in the future"),
    ],
)
def test_bad_dates_fail_before_any_write(dags, loaded_warehouse, bq, caplog, conf, message):
    day = datetime.date.fromisoformat(conf["game_date"])
    before = table_state(TEAM_OFFENSE, day, bq)
    with caplog.at_level("ERROR", logger="nba_backfill.runs"):
        run = dags["backfill_team_offense_game_summary"].test(run_conf=conf)
    assert run.state == "failed"
    assert states(run)["check_partition"] == "failed"
    # The refusal's one line (its rendering in the task log: tests/integration/test_bad_params.py).
    refusals = [r.getMessage() for r in caplog.records if r.name == "nba_backfill.runs"]
    assert len(refusals) == 1 and refusals[0].startswith("Refused: ") and message in refusals[0]
    assert table_state(TEAM_OFFENSE, day, bq) == before


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"mode": "bogus", "game_date": "2021-10-19"}, "Invalid input for param mode: 'bogus' is not one of"),
        (
            {"mode": "processor", "game_date": "2021-02-30"},
            "Invalid input for param game_date: '2021-02-30' is not a 'date'",
        ),
        (
            {"mode": "processor", "game_date": "yesterday"},
            "Invalid input for param game_date: 'yesterday' is not a 'date'",
        ),
        (  # a value that would change the statement if it ever reached SQL as text
            {"mode": "sql", "game_date": "2021-10-19' or true --"},
            "Invalid input for param game_date: \"2021-10-19' or true --\" is not a 'date'",
        ),
    ],
)
def test_malformed_params_are_refused_before_the_run_starts(dags, loaded_warehouse, bq, conf, message):
    from airflow.sdk.exceptions import ParamValidationError

    before = table_state(TEAM_OFFENSE, GAME_DAY, bq)
    with pytest.raises(ParamValidationError, match=re.escape(message)):
        dags["backfill_team_offense_game_summary"].test(run_conf=conf)
    assert table_state(TEAM_OFFENSE, GAME_DAY, bq) == before


def test_conflicting_raw_box_scores_fail_the_run_at_process_partition_and_change_nothing(
    dags, loaded_warehouse, restore_partitions, bq, capfd
):
    """The whole run as Airflow executes it; tests/integration/test_bad_raw_input.py has every case."""
    from nba_backfill.catalog.raw_tables import TEAM_BOXSCORES
    from nba_backfill.warehouse.client import load_rows

    restore_partitions(TEAM_BOXSCORES.table_id, GAME_DAY)
    (row,) = run_query(
        f"select * from `{TEAM_BOXSCORES.table_id}` where game_date = @d order by game_id, team_abbr limit 1",
        {"d": GAME_DAY},
        client=bq,
    )
    conflicting = {**dict(row.items()), "pts": row.pts + 1}
    load_rows(TEAM_BOXSCORES.table_id, [conflicting], TEAM_BOXSCORES.schema, client=bq)
    before = table_state(TEAM_OFFENSE, GAME_DAY, bq)

    run = dags["backfill_team_offense_game_summary"].test(
        run_conf={"mode": "processor", "game_date": str(GAME_DAY)}
    )

    assert run.state == "failed"
    assert states(run) == {
        "check_partition": "success",
        "process_partition": "failed",
        "hash_partition_sql": "skipped",
        "verify_and_log": "upstream_failed",
    }
    out, err = capfd.readouterr()
    assert (
        f"nba_raw.nbac_team_boxscores on 2021-10-19: 2 rows share 1 key (game_id, team_abbr) with "
        f"different values, e.g. game_id={row.game_id}, team_abbr={row.team_abbr} differs in pts. "
        "Nothing was written; fix the raw data, then rerun team_offense_game_summary."
    ) in out + err
    assert table_state(TEAM_OFFENSE, GAME_DAY, bq) == before


def test_a_missing_upstream_history_fails_with_the_repair_command(dags, loaded_warehouse, bq, capfd):
    """In the seeds' state the team summaries hold only 2021-11-15: every earlier date is missing."""
    upcoming = REGISTRY["upcoming_team_game_context"]
    day = datetime.date(2021, 11, 15)
    before = measure_table(upcoming, day, day, bq)

    run = dags[f"backfill_{upcoming.name}"].test(run_conf={"mode": "processor", "game_date": "2021-11-15"})

    assert run.state == "failed"
    out, err = capfd.readouterr()
    assert "upstream team_offense_game_summary is INCOMPLETE on" in out + err
    assert "(first 2016-10-25, last 2021-11-14)" in out + err
    repair = (
        "airflow dags unpause backfill_range_team_offense_game_summary && airflow dags trigger "
        """backfill_range_team_offense_game_summary --conf '{"from_date": "2016-10-25", "to_date": "2021-11-14", """
    )
    assert repair in out + err
    after = measure_table(upcoming, day, day, bq)
    assert (after.actual_rows, after.hashed_rows, after.unhashed) == (
        before.actual_rows,
        before.hashed_rows,
        before.unhashed,
    )


def test_an_upcoming_context_with_complete_upstream_history_is_computed(
    dags, loaded_warehouse, restore_partitions, hashed_history, bq
):
    upcoming = REGISTRY["upcoming_player_game_context"]
    restore_partitions(upcoming.table_id, GAME_DAY)
    hashed_history("player_game_summary", GAME_DAY)  # COMPLETE by identity, not only present

    run = dags[f"backfill_{upcoming.name}"].test(run_conf={"mode": "processor", "game_date": str(GAME_DAY)})

    assert run.state == "success"
    figures = measure_table(upcoming, GAME_DAY, GAME_DAY, bq)
    assert figures.complete and figures.actual_rows > 0
    # Opening night: last season's games are the history (across seasons), this season's count is 0.
    row = next(
        iter(
            run_query(
                f"select countif(avg_points_last_10 is not null) as with_history, max(games_played_season) as gp "
                f"from `{upcoming.table_id}` where game_date = @d",
                {"d": GAME_DAY},
                client=bq,
            )
        )
    )
    assert row.with_history > 0 and row.gp == 0


def test_tonights_scheduled_games_get_their_contexts_and_a_rerun_as_lines_move_changes_only_those(
    dags, loaded_warehouse, sample_data, restore_partitions, hashed_history, bq
):
    """The as-of date's games are scheduled: no box score, rosters and lines only."""
    from local_stack.adhoc import run_dml
    from nba_backfill.catalog.raw_tables import PLAYER_PROPS
    from tests.as_of import AS_OF_DATE

    upcoming = REGISTRY["upcoming_player_game_context"]
    tonight = [
        g for g in sample_data.source.schedule if g["game_date"] == AS_OF_DATE and not g["is_postponed"]
    ]
    assert tonight and {g["game_status"] for g in tonight} == {1}
    restore_partitions(upcoming.table_id, AS_OF_DATE)
    restore_partitions(PLAYER_PROPS.table_id, AS_OF_DATE)
    hashed_history("player_game_summary", AS_OF_DATE)
    dag = dags[f"backfill_{upcoming.name}"]
    conf = {"mode": "processor", "game_date": str(AS_OF_DATE)}

    assert dag.test(run_conf=conf).state == "success"

    figures = measure_table(upcoming, AS_OF_DATE, AS_OF_DATE, bq)
    assert figures.complete and figures.actual_rows == figures.expected_rows == 32 * len(tonight)
    (lines,) = run_query(
        f"select countif(points_line is not null) as priced, countif(avg_points_last_5 is not null) as formed "
        f"from `{upcoming.table_id}` where game_date = @d",
        {"d": AS_OF_DATE},
        client=bq,
    )
    assert lines.priced == 10 * len(tonight) and lines.formed > 0  # five lines a team; no line: NULL

    # Lines move during the day: two players' lines change, the rerun updates exactly those rows.
    moved = run_dml(
        f"update `{PLAYER_PROPS.table_id}` set points_line = points_line + 1 "
        "where game_date = @d and game_id = @g and player_id in "
        f"(select player_id from `{PLAYER_PROPS.table_id}` where game_id = @g order by player_id limit 2)",
        {"d": AS_OF_DATE, "g": tonight[0]["game_id"]},
        client=bq,
    )
    assert moved == 2
    assert dag.test(run_conf=conf).state == "success"
    rerun = log_rows(upcoming, AS_OF_DATE, bq)[-1]
    assert (rerun.inserted, rerun.updated, rerun.deleted, rerun.unchanged) == (
        0,
        2,
        0,
        figures.actual_rows - 2,
    )


def test_a_summary_partition_waits_while_a_game_is_in_progress(
    dags, loaded_warehouse, restore_partitions, bq, capfd
):
    """Yesterday's late game still on the court (status 2): the summary run does not write."""
    from local_stack.adhoc import run_dml
    from nba_backfill.catalog.raw_tables import SCHEDULE
    from tests.as_of import AS_OF_DATE

    yesterday = AS_OF_DATE - datetime.timedelta(days=1)
    restore_partitions(SCHEDULE.table_id, yesterday)
    late = run_dml(
        f"update `{SCHEDULE.table_id}` set game_status = 2 where game_date = @d and game_id = "
        f"(select max(game_id) from `{SCHEDULE.table_id}` where game_date = @d)",
        {"d": yesterday},
        client=bq,
    )
    assert late == 1
    before = table_state(PLAYERS, yesterday, bq)

    run = dags[f"backfill_{PLAYERS.name}"].test(run_conf={"mode": "processor", "game_date": str(yesterday)})

    assert run.state == "failed"
    out, err = capfd.readouterr()
    assert re.search(rf"1 of \d+ games on {yesterday} are not final yet", out + err)
    assert table_state(PLAYERS, yesterday, bq) == before
