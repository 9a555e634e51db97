"""Realistic, deterministic NBA data for the local stack and the tests.

``generate(seed, as_of)`` builds every raw table in memory as the feeds know it on the
as-of date (default: today): games before it final with box scores, its own games scheduled
with rosters and prop lines, later games scheduled without lines. Same seed and date, same
rows. ``load(data, scenario)`` writes it to the warehouse, one load job per table, replacing
what was there. ``python -m local_stack.sample_data`` does both and prints row counts.

Scenarios for the analytics tables (the state the old, hand-run pipeline left behind;
every row it wrote has ``data_hash`` NULL and ``run_type = 'legacy'``):

``legacy`` (the demo's default)
    The three summary tables hold every date but were never hashed, except two dates of
    ``team_defense_game_summary`` in January 2023 that are missing;
    ``upcoming_player_game_context`` holds only the test date 2021-11-15;
    ``upcoming_team_game_context`` about 69% of its dates.
``test_runs_only``
    Test runs mistaken for a full backfill (the handoff documents' trap):
    ``player_game_summary`` every date; the team summaries
    and ``upcoming_player_game_context`` only the test date 2021-11-15;
    ``upcoming_team_game_context`` about 69% of its dates.
``unhashed``
    Every table holds every date, none hashed: the whole history waiting only for the SQL
    hash path (the benchmark's starting point).
``empty``
    Raw data only; the analytics tables exist but hold no rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from local_stack.sample_data.boxscores import build_boxscores, build_rosters
from local_stack.sample_data.schedule import TEAMS, build_schedule, season_plans
from nba_backfill import processors
from nba_backfill.catalog.raw_tables import (
    PLAYER_BOXSCORES,
    PLAYER_PROPS,
    PLAYERS,
    ROSTERS,
    SCHEDULE,
    TEAM_BOXSCORES,
)
from nba_backfill.catalog.raw_tables import TEAMS as TEAMS_TABLE
from nba_backfill.catalog.registry import REGISTRY
from nba_backfill.processors import RunInfo, SourceData

DEFAULT_SEED = 20161025
TEST_DATE = datetime.date(2021, 11, 15)
SCENARIOS = ("legacy", "test_runs_only", "unhashed", "empty")
LEGACY_MISSING_DATES = (datetime.date(2023, 1, 10), datetime.date(2023, 1, 11))


@dataclass
class SampleData:
    teams: list[dict]
    players: list[dict]
    source: SourceData
    as_of: datetime.date
    """The day the world is seen from: games before it final, games on it scheduled with lines."""

    def raw_tables(self):
        """(raw table, rows) for every raw table."""
        return (
            (TEAMS_TABLE, self.teams),
            (PLAYERS, self.players),
            (SCHEDULE, self.source.schedule),
            (PLAYER_BOXSCORES, self.source.player_boxscores),
            (TEAM_BOXSCORES, self.source.team_boxscores),
            (PLAYER_PROPS, self.source.player_props),
            (ROSTERS, self.source.rosters),
        )


def today() -> datetime.date:
    """Today in US/Eastern, from the package's clock: the default as-of date."""
    from nba_backfill.catalog.partitions import today_eastern

    return today_eastern()


def generate(seed: int = DEFAULT_SEED, as_of: datetime.date | None = None) -> SampleData:
    """The world as the feeds know it on ``as_of`` (default: today): same seed and date, same rows."""
    as_of = as_of or today()
    games = build_schedule(seed, as_of)
    players, rosters = build_rosters(seed, season_plans(as_of), as_of)
    player_rows, team_rows, prop_rows = build_boxscores(games, rosters, seed, as_of)
    teams = [
        {"team_id": tid, "team_abbr": abbr, "city": city, "nickname": nick, "conference": conf}
        for abbr, (tid, city, nick, conf) in sorted(TEAMS.items())
    ]
    player_table = [
        {"player_id": p.player_id, "player_name": p.name, "player_lookup": p.lookup} for p in players
    ]
    source = SourceData(
        schedule=[g.schedule_row() for g in games],
        player_boxscores=player_rows,
        team_boxscores=team_rows,
        player_props=prop_rows,
        rosters=rosters.rows(),
    )
    return SampleData(teams, player_table, source, as_of)


def game_dates(source: SourceData) -> list[datetime.date]:
    return sorted({g["game_date"] for g in source.schedule if not g["is_postponed"]})


def legacy_analytics(data: SampleData, scenario: str) -> dict[str, list[dict]]:
    """Analytics rows as the old pipeline left them under ``scenario`` (no hashes)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if scenario == "empty":
        return {name: [] for name in REGISTRY}
    # Summaries hold played games; the old pipeline never ran for tonight's scheduled ones.
    dates = [d for d in game_dates(data.source) if d < data.as_of]
    test_only = scenario == "test_runs_only"
    dates_by_table = {
        "player_game_summary": dates,
        "team_offense_game_summary": [TEST_DATE] if test_only else dates,
        "team_defense_game_summary": (
            [TEST_DATE] if test_only else [d for d in dates if d not in LEGACY_MISSING_DATES]
        ),
        "upcoming_player_game_context": [TEST_DATE],
        "upcoming_team_game_context": dates[: int(len(dates) * 0.69)],
    }
    if scenario == "unhashed":
        dates_by_table = {name: dates for name in REGISTRY}
    # Upstream history the upcoming contexts read: the full summaries. A copy, so the
    # generated data is never mutated.
    raw = data.source
    source = SourceData(raw.schedule, raw.player_boxscores, raw.team_boxscores, raw.player_props, raw.rosters)
    source.upstream = {
        name: processors.compute(name, source, dates)
        for name in ("player_game_summary", "team_offense_game_summary", "team_defense_game_summary")
    }
    run = RunInfo("legacy__backfill_scripts", "legacy", datetime.datetime(2025, 12, 5, tzinfo=datetime.UTC))
    out = {}
    for name, table in REGISTRY.items():
        wanted = set(dates_by_table[name])
        if name in source.upstream:
            rows = [r for r in source.upstream[name] if r["game_date"] in wanted]
        else:
            rows = processors.compute(table, source, wanted)
        out[name] = processors.finalize(table, rows, run, hashed=False)
    return out


def load(data: SampleData, scenario: str = "legacy", client=None) -> dict[str, int]:
    """Create any missing table, then replace every raw and analytics table's rows."""
    from nba_backfill.catalog.ddl import PROVISION_TEMPLATE, provision_names
    from nba_backfill.warehouse.client import load_rows, run_query, warehouse_client
    from nba_backfill.warehouse.sql import Statement

    client = client or warehouse_client()
    analytics = legacy_analytics(data, scenario)  # validates the scenario before any write
    run_query(Statement(PROVISION_TEMPLATE, provision_names()), client=client)
    counts = {}
    for table, rows in data.raw_tables():
        counts[table.table_id] = load_rows(table.table_id, rows, table.schema, client=client, replace=True)
    for name, rows in analytics.items():
        table = REGISTRY[name]
        schema = table.schema
        counts[table.table_id] = load_rows(table.table_id, rows, schema, client=client, replace=True)
    return counts


def counts_by_season(client=None) -> dict[str, dict[str, int]]:
    """Rows per table and season, read back from the warehouse (one query per table)."""
    from local_stack.adhoc import run_query
    from nba_backfill.warehouse.client import warehouse_client

    client = client or warehouse_client()
    tables = [SCHEDULE.table_id, PLAYER_BOXSCORES.table_id, TEAM_BOXSCORES.table_id]
    tables += [t.table_id for t in REGISTRY.values()]
    result = {}
    for table_id in tables:
        rows = run_query(f"select season, count(*) as n from `{table_id}` group by season", client=client)
        result[table_id] = {row.season: row.n for row in rows}
    return result


def format_counts(counts: dict[str, dict[str, int]]) -> str:
    seasons = sorted({s for per in counts.values() for s in per})
    width = max(len(t) for t in counts)
    lines = [" ".join([f"{'table':{width}}", *(f"{s:>8}" for s in seasons), f"{'total':>9}"])]
    for table_id, per in counts.items():
        cells = [f"{per.get(s, 0):>8,}" for s in seasons]
        lines.append(" ".join([f"{table_id:{width}}", *cells, f"{sum(per.values()):>9,}"]))
    return "\n".join(lines)
