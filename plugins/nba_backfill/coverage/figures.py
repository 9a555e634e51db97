"""What the verifier found about one table over one range: per-date figures, table-wide
counts, and the reasons a table is not COMPLETE. Pure data; ``measure`` fills it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from nba_backfill.catalog.hash_spec import VERSION

DEFAULT_PARITY_SAMPLE = 200
"""Stored rows per table whose hash is recomputed in Python from their own columns."""

# Date states, as the report and the UI colour them.
COMPLETE = "complete"
PARTIAL = "partial"
MISSING = "missing"
UNEXPECTED = "unexpected"  # rows on a date without games


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
