"""One clock: every date rule reads ``nba_backfill.clock``, and nothing else reads the system's."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from nba_backfill import clock, runs
from nba_backfill.catalog.partitions import InvalidGameDate, moment_on, parse_game_date
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.coverage import CoverageRequestError, plan

ROOT = Path(__file__).resolve().parents[2]
D = datetime.date
SUMMARY = REGISTRY["player_game_summary"]
UPCOMING = REGISTRY["upcoming_player_game_context"]

# Calls that read the system clock: datetime.now/utcnow/today, date.today, time.time,
# pendulum.now/today, airflow's timezone.utcnow.
_CLOCK_READS = {"now", "utcnow", "today", "time"}
_CLOCK_OWNERS = {"datetime", "date", "time", "pendulum", "timezone"}


def _system_clock_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            constructor = node.func.attr == "time" and (node.args or node.keywords)  # datetime.time(12)
            if node.func.attr in _CLOCK_READS and owner_name in _CLOCK_OWNERS and not constructor:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {owner_name}.{node.func.attr}()")
    return found


def test_only_the_clock_module_reads_the_system_clock():
    sources = [p for folder in ("plugins", "dags", "local_stack") for p in (ROOT / folder).rglob("*.py")]
    assert len(sources) > 30
    reads = [hit for p in sources if p.name != "clock.py" for hit in _system_clock_reads(p)]
    assert reads == []
    # The scan itself finds a read (so an empty result above means something).
    assert _system_clock_reads(ROOT / "plugins" / "nba_backfill" / "clock.py") == [
        "plugins/nba_backfill/clock.py:23 datetime.now()"
    ]


def test_date_rules_read_the_injected_clock():
    # Noon Eastern on 2024-12-05: summaries hold 2024-12-04 at the newest, upcoming 2024-12-05.
    with clock.frozen(moment_on(D(2024, 12, 5))):
        assert parse_game_date("2024-12-04", SUMMARY) == D(2024, 12, 4)
        with pytest.raises(InvalidGameDate, match="2024-12-05 is in the future for player_game_summary"):
            parse_game_date("2024-12-05", SUMMARY)
        assert parse_game_date("2024-12-05", UPCOMING) == D(2024, 12, 5)
        _, ranges = plan(["player_game_summary"])
        assert ranges["player_game_summary"][1] == D(2024, 12, 4)
        with pytest.raises(CoverageRequestError, match="to_date: game_date 2024-12-06 is in the future"):
            plan(None, None, "2024-12-06")
    with clock.frozen(moment_on(D(2024, 12, 6))):
        assert parse_game_date("2024-12-05", SUMMARY) == D(2024, 12, 5)


def test_the_eastern_day_decides_not_the_utc_day():
    # 03:30 UTC on Dec 6 is still Dec 5 in New York.
    late_evening = datetime.datetime(2024, 12, 6, 3, 30, tzinfo=datetime.UTC)
    with (
        clock.frozen(late_evening),
        pytest.raises(InvalidGameDate, match="newest partition today is 2024-12-04"),
    ):
        parse_game_date("2024-12-05", SUMMARY)


def test_a_clock_must_be_timezone_aware():
    with pytest.raises(ValueError, match="has no timezone"):
        clock.frozen(datetime.datetime(2024, 12, 5, 12))
    with clock.use(lambda: datetime.datetime(2024, 12, 5, 12)), pytest.raises(ValueError, match="naive"):
        clock.now()


def test_frozen_restores_the_previous_clock():
    at = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    with clock.frozen(at):
        assert clock.now() == at
        with clock.frozen(at + datetime.timedelta(days=1)):
            assert clock.now() == at + datetime.timedelta(days=1)
        assert clock.now() == at
    assert clock.now() != at


def _context(run_type: str, run_after: datetime.datetime | None) -> dict:
    return {"dag_run": SimpleNamespace(run_type=run_type, run_after=run_after)}


def test_scheduled_runs_act_as_of_their_tick_and_every_other_run_as_of_now():
    tick = datetime.datetime(2021, 11, 8, 5, 0, tzinfo=datetime.UTC)
    now = datetime.datetime(2026, 12, 3, 17, 0, tzinfo=datetime.UTC)
    with clock.frozen(now):
        assert runs.as_of(_context("scheduled", tick)) == tick
        # Backfill runs carry their partition's tick, a day early for summaries: they read the clock.
        assert runs.as_of(_context("backfill", tick)) == now
        assert runs.as_of(_context("manual", tick)) == now
        assert runs.as_of({}) == now
