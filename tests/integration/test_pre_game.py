"""Upcoming contexts from what is known before tip-off, on the warehouse.

The contexts of a date are recomputed by the processor path's own read (``recompute``:
the raw tables through BigQuery, the upstream history before the date), then raw and
upstream data dated on and after the date are changed and the contexts recomputed: every
hash stays. Two changes that are known before tip-off (an earlier game's result, a prop
line posted for the game) do change them, so the comparison can see a change.
"""

from __future__ import annotations

import datetime

import pytest

from local_stack.adhoc import run_dml
from nba_backfill.catalog.raw_tables import PLAYER_BOXSCORES, PLAYER_PROPS, ROSTERS, TEAM_BOXSCORES
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.processors import RunInfo
from nba_backfill.processors.source import recompute
from tests.as_of import AS_OF, AS_OF_DATE

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("loaded_warehouse")]

UPCOMING = ("upcoming_player_game_context", "upcoming_team_game_context")
RUN = RunInfo("pre_game_test", "test", AS_OF)


def _hashes(name: str, day: datetime.date, bq) -> dict[tuple, str]:
    table = REGISTRY[name]
    rows = recompute(table, day, day, RUN, bq).rows
    return {tuple(row[k] for k in table.key_columns): row["data_hash"] for row in rows}


@pytest.fixture
def game_day(sample_data) -> datetime.date:
    """A played date a week before the as-of date: its own box scores exist and can change."""
    days = {g["game_date"] for g in sample_data.source.schedule if g["game_status"] == 3}
    return max(d for d in days if d <= AS_OF_DATE - datetime.timedelta(days=7))


def test_nothing_dated_on_or_after_the_game_date_changes_a_context(bq, game_day, restore_partitions):
    before = {name: _hashes(name, game_day, bq) for name in UPCOMING}
    assert all(before.values())
    later = game_day + datetime.timedelta(days=1)
    summaries = [REGISTRY[n].table_id for n in ("player_game_summary", "team_offense_game_summary")]
    for table_id in (PLAYER_BOXSCORES.table_id, TEAM_BOXSCORES.table_id, PLAYER_PROPS.table_id, *summaries):
        for day in (game_day, later):
            restore_partitions(table_id, day)
    # The game's own result and the next day's, in raw and in the summaries the history reads.
    for table_id in (PLAYER_BOXSCORES.table_id, TEAM_BOXSCORES.table_id):
        changed = run_dml(
            f"update `{table_id}` set pts = pts + 7 where game_date between @a and @b",
            {"a": game_day, "b": later},
            client=bq,
        )
        assert changed > 0
    for table_id in summaries:
        run_dml(
            f"update `{table_id}` set points = points + 11 where game_date between @a and @b",
            {"a": game_day, "b": later},
            client=bq,
        )
    # Tomorrow's lines; a player who joins a roster tomorrow.
    run_dml(
        f"update `{PLAYER_PROPS.table_id}` set points_line = points_line + 5 where game_date = @b",
        {"b": later},
        client=bq,
    )
    team = next(iter(before["upcoming_team_game_context"]))[2]
    newcomer = 999_000_001
    try:
        run_dml(
            f"insert into `{ROSTERS.table_id}` (season, team_id, team_abbr, player_id, player_name, "
            "player_lookup, roster_status, valid_from, valid_to) "
            "values ('2024-25', 1, @team, @player, 'Tomorrow Newcomer', 'tomorrownewcomer', 'standard', @b, null)",
            {"team": team, "player": newcomer, "b": later},
            client=bq,
        )
        after = {name: _hashes(name, game_day, bq) for name in UPCOMING}
    finally:
        run_dml(f"delete from `{ROSTERS.table_id}` where player_id = @p", {"p": newcomer}, client=bq)
    assert after == before


def test_what_is_known_before_tip_off_does_change_a_context(bq, game_day, restore_partitions):
    """The control: an earlier game's result and the game's own prop line move the hashes."""
    before = _hashes("upcoming_player_game_context", game_day, bq)
    earlier = game_day - datetime.timedelta(days=1)
    summary = REGISTRY["player_game_summary"].table_id
    restore_partitions(summary, earlier)
    restore_partitions(PLAYER_PROPS.table_id, game_day)
    assert run_dml(
        f"update `{summary}` set points = points + 11 where game_date = @d", {"d": earlier}, client=bq
    )
    assert run_dml(
        f"update `{PLAYER_PROPS.table_id}` set points_line = points_line + 5 where game_date = @d",
        {"d": game_day},
        client=bq,
    )
    after = _hashes("upcoming_player_game_context", game_day, bq)
    assert after.keys() == before.keys()
    changed = {key for key in before if after[key] != before[key]}
    assert 0 < len(changed) < len(before)
