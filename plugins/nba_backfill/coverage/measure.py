"""Measure one table's coverage over a date range with a handful of set-based queries.

Never one query per date: the whole range is read at once, grouped by ``game_date``. What is
expected comes from the schedule (postponed originals excluded) under the registry's
expected-rows rule, computed from deduplicated raw data (``verification.py``). Identifiers
come only from the registries; dates are bound as query parameters.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from nba_backfill.hash_spec import HASH_PATTERN, VERSION, row_hash
from nba_backfill.raw_tables import PLAYER_BOXSCORES, PLAYERS, TEAM_BOXSCORES, TEAMS
from nba_backfill.registry import AnalyticsTable, TotalsCheck
from nba_backfill.verification import EXPECTED_ROWS_BY_DATE_SQL
from nba_backfill.warehouse import run_query

DEFAULT_PARITY_SAMPLE = 200
"""Stored rows per table whose hash is recomputed in Python from their own columns."""

# Date states, as the report and the UI colour them.
COMPLETE = "complete"
PARTIAL = "partial"
MISSING = "missing"
UNEXPECTED = "unexpected"  # rows on a date without games
_REFERENCES = {"team_id": TEAMS, "player_id": PLAYERS}
"""Columns whose values must be known to a raw reference table."""


@dataclass(frozen=True)
class DateFigures:
    game_date: datetime.date
    expected: int
    actual: int = 0
    hashed: int = 0
    """Rows with a well-formed hash under the current spec."""
    defective: int = 0
    """Rows with NULL keys, or beyond the first of a duplicated key."""

    @property
    def state(self) -> str:
        if self.expected == 0:
            return UNEXPECTED if self.actual else COMPLETE
        if self.actual == 0:
            return MISSING
        if self.actual == self.expected == self.hashed and not self.defective:
            return COMPLETE
        return PARTIAL


@dataclass
class TableCoverage:
    """Every figure the verifier knows about one table over one range."""

    table: str
    from_date: datetime.date
    to_date: datetime.date
    dates: list[DateFigures] = field(default_factory=list)
    """Every expected date in range, plus dates that hold rows but have no games."""
    actual_rows: int = 0
    unhashed: int = 0
    stale_hashes: int = 0
    malformed_hashes: int = 0
    null_key_rows: int = 0
    duplicate_keys: int = 0
    duplicate_hashes: int = 0
    """Rows whose hash another row with a different key also has."""
    unknown_ids: dict[str, int] = field(default_factory=dict)
    totals_mismatches: int = 0
    parity_checked: int = 0
    parity_mismatches: int = 0
    parity_examples: list[str] = field(default_factory=list)
    min_date: datetime.date | None = None
    max_date: datetime.date | None = None
    """Oldest and newest partition of the whole table, in range or not."""
    null_date_rows: int = 0

    # -- derived figures -------------------------------------------------------

    @property
    def expected_dates(self) -> list[datetime.date]:
        return [d.game_date for d in self.dates if d.expected]

    @property
    def expected_rows(self) -> int:
        return sum(d.expected for d in self.dates)

    @property
    def present_rows(self) -> int:
        """Rows that count toward coverage: at most the expected number on each date."""
        return sum(min(d.actual, d.expected) for d in self.dates)

    @property
    def hashed_rows(self) -> int:
        return sum(min(d.hashed, d.expected) for d in self.dates)

    def dates_in(self, state: str) -> list[datetime.date]:
        return [d.game_date for d in self.dates if d.state == state]

    @property
    def coverage_pct(self) -> float:
        """Expected rows present, in percent; 100 when nothing is expected."""
        return 100.0 if not self.expected_rows else 100.0 * self.present_rows / self.expected_rows

    @property
    def hashed_pct(self) -> float:
        """Expected rows present *and* hashed under the current spec, in percent of expected."""
        return 100.0 if not self.expected_rows else 100.0 * self.hashed_rows / self.expected_rows

    def reasons(self) -> list[str]:
        """Why the table is not COMPLETE; empty when it is."""
        found = []
        missing, partial = self.dates_in(MISSING), self.dates_in(PARTIAL)
        if self.present_rows < self.expected_rows:
            found.append(
                f"{self.expected_rows - self.present_rows:,} of {self.expected_rows:,} expected rows missing "
                f"({self.coverage_pct:.1f}% present)"
            )
        if missing:
            found.append(f"{len(missing)} of {len(self.expected_dates)} expected dates missing")
        if partial:
            found.append(f"{len(partial)} of {len(self.expected_dates)} expected dates partial")
        extra = sum(max(d.actual - d.expected, 0) for d in self.dates if d.expected)
        if extra:
            found.append(f"{extra:,} rows more than expected on game dates")
        unexpected = self.dates_in(UNEXPECTED)
        if unexpected:
            rows = sum(d.actual for d in self.dates if d.state == UNEXPECTED)
            found.append(f"{rows:,} rows on {len(unexpected)} dates without games")
        if self.unhashed:
            found.append(f"{self.unhashed:,} rows without a hash")
        if self.stale_hashes:
            found.append(f"{self.stale_hashes:,} hashes from an older spec (current v{VERSION})")
        if self.malformed_hashes:
            found.append(f"{self.malformed_hashes:,} malformed hashes (not 16 lowercase hex)")
        if self.null_key_rows:
            found.append(f"{self.null_key_rows:,} rows with NULL key columns")
        if self.null_date_rows:
            found.append(f"{self.null_date_rows:,} rows with a NULL game_date")
        if self.duplicate_keys:
            found.append(f"{self.duplicate_keys:,} duplicate key rows")
        if self.duplicate_hashes:
            found.append(f"{self.duplicate_hashes:,} rows share a hash with a different key")
        for column, count in sorted(self.unknown_ids.items()):
            if count:
                found.append(f"{count:,} rows with a {column} unknown to the raw tables")
        if self.totals_mismatches:
            found.append(f"{self.totals_mismatches:,} team-games whose points disagree with the box scores")
        if self.parity_mismatches:
            found.append(
                f"{self.parity_mismatches} of {self.parity_checked} sampled hashes differ from the hash "
                "recomputed from their own columns"
            )
        return found

    @property
    def complete(self) -> bool:
        return not self.reasons()

    @property
    def status(self) -> str:
        return "COMPLETE" if self.complete else "INCOMPLETE"


IN_RANGE = "game_date between @from_date and @to_date"
"""Every query reads only the partitions of the range (the dates are query parameters)."""


def measure_table(
    table: AnalyticsTable,
    from_date: datetime.date,
    to_date: datetime.date,
    client,
    *,
    table_id: str | None = None,
    parity_sample: int = DEFAULT_PARITY_SAMPLE,
) -> TableCoverage:
    """The table's coverage of ``from_date..to_date``; ``table_id`` reads a copy of the table."""
    if from_date > to_date:
        raise ValueError(f"from_date {from_date} is after to_date {to_date}")
    source = f"`{table_id or table.table_id}`"
    in_range = {"from_date": from_date, "to_date": to_date}
    coverage = TableCoverage(table.name, from_date, to_date)

    def query(sql: str) -> list:
        return list(run_query(sql, in_range, client=client))

    expected = {r.game_date: r.n for r in query(EXPECTED_ROWS_BY_DATE_SQL[table.expected_rows])}
    keys = ", ".join(table.key_columns)
    any_null_key = " or ".join(f"{k} is null" for k in table.key_columns)
    well_formed = f"regexp_contains(data_hash, r'{HASH_PATTERN}')"
    per_date = query(
        f"""
        select
            game_date,
            count(*) as actual,
            countif(data_hash is null) as unhashed,
            countif(data_hash is not null and coalesce(hash_spec_version, -1) != {VERSION}) as stale,
            countif(data_hash is not null and not {well_formed}) as malformed,
            countif(hash_spec_version = {VERSION} and {well_formed}) as hashed,
            countif({any_null_key}) as null_keys,
            countif(not ({any_null_key})) - count(distinct if({any_null_key}, null, to_json_string(struct({keys}))))
                as duplicate_keys
        from {source}
        where {IN_RANGE}
        group by game_date
        """
    )
    actual = {r.game_date: r for r in per_date}
    for day in sorted(set(expected) | set(actual)):
        row = actual.get(day)
        coverage.dates.append(
            DateFigures(
                game_date=day,
                expected=expected.get(day, 0),
                actual=row.actual if row else 0,
                hashed=row.hashed if row else 0,
                defective=(row.null_keys + row.duplicate_keys) if row else 0,
            )
        )
        if row:
            coverage.actual_rows += row.actual
            coverage.unhashed += row.unhashed
            coverage.stale_hashes += row.stale
            coverage.malformed_hashes += row.malformed
            coverage.null_key_rows += row.null_keys
            coverage.duplicate_keys += row.duplicate_keys

    whole = query(
        f"""
        select min(game_date) as min_date, max(game_date) as max_date, countif(game_date is null) as null_dates
        from {source}
        """
    )[0]
    coverage.min_date, coverage.max_date, coverage.null_date_rows = (
        whole.min_date,
        whole.max_date,
        whole.null_dates,
    )
    coverage.duplicate_hashes = query(
        f"""
        select coalesce(sum(keys), 0) as n from (
            select count(distinct to_json_string(struct({keys}))) as keys
            from {source}
            where {IN_RANGE} and data_hash is not null
            group by data_hash
            having count(distinct to_json_string(struct({keys}))) > 1
        )
        """
    )[0].n
    coverage.unknown_ids = _unknown_ids(table, source, query)
    coverage.totals_mismatches = _totals_mismatches(table, source, query)
    _check_parity(table, source, coverage, parity_sample, query)
    return coverage


def _unknown_ids(table: AnalyticsTable, source: str, query) -> dict[str, int]:
    names = {c.name for c in table.columns}
    found = {}
    for column, reference in _REFERENCES.items():
        if column in names:
            found[column] = query(
                f"""
                select count(*) as n from {source} as t
                where t.{IN_RANGE} and t.{column} is not null
                    and t.{column} not in (select {column} from `{reference.table_id}` where {column} is not null)
                """
            )[0].n
    return found


# Deduplicated raw points per team and game (a repeated scraper row counts once).
_RAW_PLAYER_POINTS = (
    "select game_id, team_abbr, sum(pts) as pts from ("
    f"select game_id, team_abbr, player_id, max(pts) as pts from `{PLAYER_BOXSCORES.table_id}` "
    "where game_date between @from_date and @to_date and player_id is not null "
    "group by game_id, team_abbr, player_id) group by game_id, team_abbr"
)
_RAW_TEAM_POINTS = (
    f"select game_id, team_abbr, max(pts) as pts from `{TEAM_BOXSCORES.table_id}` "
    "where game_date between @from_date and @to_date group by game_id, team_abbr"
)


def _totals_mismatches(table: AnalyticsTable, source: str, query) -> int:
    """Team-games whose points in the table disagree with the raw box scores."""
    check = table.totals_check
    if check is None:
        return 0
    if check is TotalsCheck.PLAYER_POINTS:
        stored = (
            f"select game_id, team_abbr, sum({check.column}) as pts from {source} "
            f"where {IN_RANGE} group by game_id, team_abbr"
        )
        truth, side = _RAW_TEAM_POINTS, "team_abbr"
    else:
        stored = (
            f"select game_id, team_abbr, opponent_team_abbr, {check.column} as pts from {source} "
            f"where {IN_RANGE}"
        )
        truth = _RAW_PLAYER_POINTS
        side = "team_abbr" if check is TotalsCheck.TEAM_POINTS else "opponent_team_abbr"
    return query(
        f"""
        select count(*) as n from ({stored}) as s
        join ({truth}) as r on s.game_id = r.game_id and s.{side} = r.team_abbr
        where s.pts is null or s.pts != r.pts
        """
    )[0].n


def _check_parity(table: AnalyticsTable, source: str, coverage: TableCoverage, sample: int, query) -> None:
    """Recompute the hash of a sample of stored rows from their own columns.

    Catches drift between the SQL and processor paths: both must match the one spec. The
    sample is spread over the range by ordering on the hash itself.
    """
    if sample <= 0:
        return
    columns = ", ".join(c.name for c in table.hash_columns)
    rows = query(
        f"""
        select {columns}, data_hash from {source}
        where {IN_RANGE} and hash_spec_version = {VERSION} and regexp_contains(data_hash, r'{HASH_PATTERN}')
        order by data_hash
        limit {int(sample)}
        """
    )
    for row in rows:
        coverage.parity_checked += 1
        recomputed = row_hash(dict(row.items()), table.hash_columns)
        if recomputed != row.data_hash:
            coverage.parity_mismatches += 1
            if len(coverage.parity_examples) < 3:
                key = ", ".join(f"{k}={row[k]}" for k in table.key_columns)
                coverage.parity_examples.append(f"{key}: stored {row.data_hash}, recomputed {recomputed}")


def measure(
    tables: Sequence[AnalyticsTable],
    ranges: dict[str, tuple[datetime.date, datetime.date]],
    client,
    *,
    parity_sample: int = DEFAULT_PARITY_SAMPLE,
) -> list[TableCoverage]:
    """Coverage of each table over its range (``ranges[table.name]``)."""
    return [
        measure_table(table, *ranges[table.name], client, parity_sample=parity_sample) for table in tables
    ]
