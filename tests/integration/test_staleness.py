"""Rows made stale by raw corrections: found by key and date, cleared by the processor rerun.

Each test writes the three summaries over three days with the processor path from the raw
data as loaded, then corrects raw box scores in place as ``python -m local_stack.sample_data
--corrections`` does. What should be stale is worked out two other ways than the check's
set-based join: from the corrections themselves (whose players and teams they touched) and
by recomputing in Python and comparing with the stored hashes.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import pytest

from tests.as_of import AS_OF_DATE

pytestmark = pytest.mark.integration

D = datetime.date
FIRST, LAST = D(2021, 11, 15), D(2021, 11, 17)
DAYS = [FIRST + datetime.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
SUMMARIES = ("player_game_summary", "team_offense_game_summary", "team_defense_game_summary")


def _recompute(name: str, bq):
    from nba_backfill import clock
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.processors import RunInfo
    from nba_backfill.processors.source import recompute

    return recompute(REGISTRY[name], FIRST, LAST, RunInfo("test_staleness", "test", clock.now()), bq)


@pytest.fixture
def processed(loaded_warehouse, bq, restore_partitions):
    """The summaries written from today's raw data over FIRST..LAST; raw and tables restored after."""
    from nba_backfill.backfill.processor_path import write_partitions
    from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES, TEAM_BOXSCORES
    from nba_backfill.catalog.registry import REGISTRY

    for day in DAYS:
        for table_id in (PLAYER_BOXSCORES.table_id, TEAM_BOXSCORES.table_id):
            restore_partitions(table_id, day)
        for name in SUMMARIES:
            restore_partitions(REGISTRY[name].table_id, day)
    for name in SUMMARIES:
        write_partitions(REGISTRY[name], _recompute(name, bq).rows, FIRST, LAST, "test_staleness", bq)


def _check(name: str, bq):
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.coverage.staleness import check_staleness

    return check_staleness(REGISTRY[name], FIRST, LAST, bq)


def _stale_in_python(name: str, bq) -> set[str]:
    """Keys whose stored hash differs from the hash recomputed from raw, compared in Python."""
    from nba_backfill.backfill.processor_path import stored_hashes
    from nba_backfill.catalog.registry import REGISTRY

    table = REGISTRY[name]
    keys = table.key_columns
    stored = {
        tuple(r[k] for k in keys): r["data_hash"] for r in stored_hashes(table, FIRST, LAST, bq).to_dicts()
    }
    fresh = {tuple(r[k] for k in keys): r["data_hash"] for r in _recompute(name, bq).rows}
    assert set(stored) == set(fresh)
    return {" ".join(str(v) for v in key) for key, h in fresh.items() if stored[key] != h}


def test_a_table_processed_from_todays_raw_data_has_no_stale_rows(processed, bq):
    for name in SUMMARIES:
        check = _check(name, bq)
        assert check.clean, check.to_text()
        assert sum(d.current for d in check.dates) == len(_recompute(name, bq).rows) > 0
        assert check.repairs() == []


def test_every_kind_of_correction_is_found_with_its_keys_and_dates(processed, bq):
    from local_stack.sample_data.corrections import KINDS, apply_corrections, plan_corrections

    corrections = plan_corrections(len(KINDS), FIRST, LAST, bq, seed=7)
    assert [c.kind for c in corrections] == list(KINDS)
    assert apply_corrections(corrections, bq, seed=7) >= 6  # 2 + 2 player rows, a team row, a reason

    by_kind = {c.kind: c for c in corrections}
    moved = [by_kind["rebound_reassigned"], by_kind["shot_credited"]]
    players = {f"{c.game_date} {c.game_id} {p}" for c in moved for p in c.player_ids}
    turnover = by_kind["team_turnover"]
    opponent = _opponent(turnover, bq)
    expected = {
        "player_game_summary": players,  # the reason changed for by_kind["dnp_reason"] is read by no column
        # the team's own turnovers and possessions, and both teams' pace
        "team_offense_game_summary": {
            f"{turnover.game_date} {turnover.game_id} {t}" for t in (turnover.team_abbr, opponent)
        },
        # the opponent's defense: turnovers forced, possessions faced
        "team_defense_game_summary": {f"{turnover.game_date} {turnover.game_id} {opponent}"},
    }
    for name in SUMMARIES:
        check = _check(name, bq)
        assert set(check.keys["stale"]) == expected[name] == _stale_in_python(name, bq), name
        assert check.total("raw_only") == check.total("table_only") == 0
        stale_days = {D.fromisoformat(k.split()[0]) for k in expected[name]}
        assert check.outdated_dates == sorted(stale_days)
        assert check.total("stale") == len(expected[name])


def _opponent(correction, bq) -> str:
    from local_stack.adhoc import run_query
    from nba_backfill.catalog.raw_tables import SCHEDULE

    (game,) = run_query(
        f"select home_team_abbr, away_team_abbr from `{SCHEDULE.table_id}` where game_id = @g",
        {"g": correction.game_id},
        client=bq,
    )
    return game.away_team_abbr if game.home_team_abbr == correction.team_abbr else game.home_team_abbr


def test_a_correction_no_analytics_column_reads_reports_nothing(processed, bq):
    from local_stack.sample_data.corrections import apply_corrections, plan_corrections

    dnp = [c for c in plan_corrections(4, FIRST, LAST, bq, seed=11) if c.kind == "dnp_reason"]
    assert apply_corrections(dnp, bq) == 1
    for name in SUMMARIES:
        assert _check(name, bq).clean, name


def test_keys_raw_data_adds_or_drops_are_found_too(processed, bq):
    from local_stack.adhoc import run_dml, run_query
    from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES
    from nba_backfill.catalog.registry import REGISTRY

    table = REGISTRY["player_game_summary"]
    first, second = list(
        run_query(
            f"select game_id, player_id from `{table.table_id}` where game_date = @d order by game_id, player_id limit 2",
            {"d": FIRST},
            client=bq,
        )
    )
    # The league drops a box-score line credited to the wrong game; a row goes missing from the table.
    run_dml(
        f"delete from `{PLAYER_BOXSCORES.table_id}` where game_date = @d and game_id = @g and player_id = @p",
        {"d": FIRST, "g": first.game_id, "p": first.player_id},
        client=bq,
    )
    run_dml(
        f"delete from `{table.table_id}` where game_date = @d and game_id = @g and player_id = @p",
        {"d": FIRST, "g": second.game_id, "p": second.player_id},
        client=bq,
    )
    check = _check(table.name, bq)
    assert check.keys["table_only"] == [f"{FIRST} {first.game_id} {first.player_id}"]
    assert check.keys["raw_only"] == [f"{FIRST} {second.game_id} {second.player_id}"]
    assert check.keys["stale"] == [] and check.outdated_dates == [FIRST]
    (repair,) = check.repairs()
    assert (repair.kind, repair.from_date, repair.reprocess_behavior) == ("backfill", FIRST, "completed")


def test_the_processor_rerun_rewrites_exactly_the_stale_rows(processed, bq):
    from local_stack.sample_data.corrections import apply_corrections, plan_corrections
    from nba_backfill.backfill.processor_path import write_partitions
    from nba_backfill.catalog.registry import REGISTRY

    apply_corrections(plan_corrections(6, FIRST, LAST, bq, seed=3), bq, seed=3)
    for name in SUMMARIES:
        found = _check(name, bq)
        counts = write_partitions(REGISTRY[name], _recompute(name, bq).rows, FIRST, LAST, "test_rerun", bq)
        assert (counts.updated, counts.inserted, counts.deleted) == (found.total("stale"), 0, 0), name
        assert _check(name, bq).clean, name


def test_the_cli_lists_stale_rows_and_their_repair_and_exits_1(processed, bq):
    from local_stack.sample_data.corrections import apply_corrections, plan_corrections

    corrections = [c for c in plan_corrections(4, FIRST, LAST, bq, seed=5) if c.kind == "shot_credited"]
    apply_corrections(corrections, bq)
    args = ["--stale", "--tables", "player_game_summary", "--from-date", str(FIRST), "--to-date", str(LAST)]
    args += ["--as-of", str(AS_OF_DATE)]  # the date rules' today: the test world's, not the machine's
    env = os.environ
    text = subprocess.run(
        [sys.executable, "-m", "nba_backfill.coverage", *args], env=env, capture_output=True, text=True
    )
    assert text.returncode == 1, text.stderr
    (c,) = corrections
    assert f"player_game_summary {FIRST}..{LAST}: 2 stale, 0 missing from the table" in text.stdout
    assert f"{c.game_date} {c.game_id} {c.player_ids[0]}" in text.stdout
    assert (
        f"airflow dags unpause backfill_player_game_summary && airflow backfill create --dag-id "
        f"backfill_player_game_summary --from-date {c.game_date} --to-date {c.game_date} "
        "--reprocess-behavior completed"
    ) in text.stdout
    as_json = subprocess.run(
        [sys.executable, "-m", "nba_backfill.coverage", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    (table,) = json.loads(as_json.stdout)["tables"]
    assert (table["stale"], table["dates"]) == (
        2,
        [{"game_date": str(c.game_date), "stale": 2, "raw_only": 0, "table_only": 0}],
    )


def test_raw_data_the_processors_refuse_is_reported_not_judged(processed, bq):
    from local_stack.adhoc import run_dml, run_query
    from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES

    (first,) = run_query(
        f"select game_id, min(player_id) as player_id from `{PLAYER_BOXSCORES.table_id}` "
        "where game_date = @d and minutes > 0 group by game_id order by game_id limit 1",
        {"d": FIRST},
        client=bq,
    )
    run_dml(
        f"update `{PLAYER_BOXSCORES.table_id}` set player_id = null "
        "where game_date = @d and game_id = @g and player_id = @p",
        {"d": FIRST, "g": first.game_id, "p": first.player_id},
        client=bq,
    )
    args = ["--stale", "--tables", "player_game_summary", "--from-date", str(FIRST), "--to-date", str(LAST)]
    done = subprocess.run(
        [sys.executable, "-m", "nba_backfill.coverage", *args, "--as-of", str(AS_OF_DATE)],
        env=os.environ,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "coverage: could not recompute from raw data:" in done.stderr
    assert "NULL player_id" in done.stderr and "Traceback" not in done.stderr


CONTEXT_LAST = LAST + datetime.timedelta(days=24)
"""The player contexts checked: past the corrected games' last-10 window (a game every ~2 days)."""


def _context_hashes(bq) -> dict[str, str]:
    """Stored player-context hashes over LAST+1..CONTEXT_LAST, by ``game_date game_id player_id``."""
    from local_stack.adhoc import run_query
    from nba_backfill.catalog.registry import REGISTRY

    rows = run_query(
        f"select game_date, game_id, player_id, data_hash "
        f"from `{REGISTRY['upcoming_player_game_context'].table_id}` where game_date between @a and @b",
        {"a": FIRST, "b": CONTEXT_LAST},
        client=bq,
    )
    return {f"{r.game_date} {r.game_id} {r.player_id}": r.data_hash for r in rows}


def test_a_corrected_game_makes_exactly_the_contexts_that_read_it_stale(processed, bq, restore_partitions):
    """A made shot credited to a teammate changes two players' points: their next games' contexts
    (last-5 and last-10 point averages) must be recomputed, and nobody else's.

    The truth is found another way than the check's: reprocess the summaries for real, recompute
    the contexts from them, and compare with the stored contexts' hashes in Python.
    """
    from local_stack.sample_data.corrections import apply_corrections, plan_corrections
    from nba_backfill.backfill.processor_path import write_partitions
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.coverage.staleness import check_tables
    from nba_backfill.processors import RunInfo
    from nba_backfill.processors.source import recompute

    players, contexts = REGISTRY["player_game_summary"], REGISTRY["upcoming_player_game_context"]
    windows = {players.name: (FIRST, LAST), contexts.name: (FIRST, CONTEXT_LAST)}
    run = RunInfo("test_downstream", "test", datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC))
    day = FIRST
    while day <= CONTEXT_LAST:
        restore_partitions(contexts.table_id, day)
        day += datetime.timedelta(days=1)
    write_partitions(
        contexts, recompute(contexts, FIRST, CONTEXT_LAST, run, bq).rows, FIRST, CONTEXT_LAST, "t", bq
    )
    before = check_tables([players, contexts], windows, bq)
    assert before[players.name].clean and before[contexts.name].clean, before[contexts.name].to_text()

    (shot,) = [c for c in plan_corrections(4, FIRST, LAST, bq, seed=5) if c.kind == "shot_credited"]
    apply_corrections([shot], bq)
    found = check_tables([players, contexts], windows, bq)
    summary, context = found[players.name], found[contexts.name]
    assert summary.total("stale") == 2
    # Every context row that reads the corrected game: the two players, later dates, named by game.
    readers = summary.reader_keys[contexts.name]
    assert readers and {k.split()[2] for k in readers} == {str(p) for p in shot.player_ids}
    assert all(datetime.date.fromisoformat(k.split()[0]) > shot.game_date for k in readers)
    (game,) = summary.corrected_games
    assert (game.game_date, game.game_id) == (shot.game_date, shot.game_id)
    assert sum(game.downstream[contexts.name].values()) == len(readers)

    # The truth: reprocess the summaries, recompute the contexts, compare with what is stored.
    stored = _context_hashes(bq)
    write_partitions(players, summary.rows, FIRST, LAST, "test_downstream", bq)
    fresh = recompute(contexts, FIRST, CONTEXT_LAST, run, bq).rows
    changed = {
        key
        for r in fresh
        if stored.get(key := f"{r['game_date']} {r['game_id']} {r['player_id']}")
        not in (None, r["data_hash"])
    }
    assert changed and changed <= readers
    assert context.total("stale") == sum(context.from_upstream.values()) == len(changed)
    assert set(context.from_upstream) == {datetime.date.fromisoformat(k.split()[0]) for k in changed}
    # The repairs: the summary's date first, then the context dates that read it.
    (fix_summary,) = summary.repairs()[:1]
    assert (fix_summary.table, fix_summary.from_date) == (players.name, shot.game_date)
    assert {r.table for r in summary.repairs()[1:]} == {contexts.name}
    assert "recompute after player_game_summary" in context.to_text()
