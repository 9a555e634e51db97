"""What the verifier found about one table over one range, by identity.

Every expected key (the schedule's games under the registry's expected-rows rule) is matched
to the table's rows by key, and every stored hash is recomputed from its row. Per date that
gives the keys present, missing and unexpected, and how the present rows are hashed; a date
is in exactly one state. Counts stay as figures, never as the proof. Pure data; ``measure``
fills it, ``history`` says how the whole history stands.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from nba_backfill.catalog.hash_spec import VERSION

DEFAULT_PARITY_SAMPLE = 200
"""Stored rows per table whose hash is recomputed in Python too (SQL == Python, a second claim)."""

DEFAULT_STALE_DAYS = 14
"""Newest days of a nightly verification recomputed from raw data: the league's box score
corrections land within days of a game."""

DEFAULT_KEY_EXAMPLES = 10
"""Problem keys of each kind named per table in a report (``--keys`` lists all)."""

# The state of a date, as the report, the history and the page colour it. One per date.
COMPLETE = "complete"
"""Every expected key present once, hashed under the current spec, hash equal to its content."""
MISSING = "missing"
"""Games were scheduled, and not one expected key is in the table."""
PARTIAL = "partial"
"""Some expected keys are missing, or rows are unhashed, malformed, hashed under an older
spec (``old_spec``), duplicated, or keyed by NULL."""
UNEXPECTED = "unexpected"
"""The table holds keys the schedule does not expect on that date (every expected key present)."""
DRIFTED = "drifted"
"""All keys present and hashed, but a stored hash differs from its row's own content."""
STALE = "stale"
"""Every key present and hashed correctly, but rows differ from what today's raw data implies:
a correction landed after they were processed, in their own raw data or, for a context, in
the summaries it reads as history (``staleness``)."""
NEVER_VERIFIED = "never_verified"
"""No verification has covered the date (the history's state, never a measurement's)."""
STATES = (COMPLETE, PARTIAL, MISSING, UNEXPECTED, DRIFTED, STALE, NEVER_VERIFIED)

PROBLEMS = ("missing", "unexpected", "duplicate", "unhashed", "old_spec", "malformed", "drifted")
"""Kinds of problem key a verification names."""


@dataclass(frozen=True)
class DateFigures:
    game_date: datetime.date
    expected: int
    actual: int = 0
    """Rows stored on the date (duplicates and NULL-keyed rows included)."""
    present: int = 0
    """Expected keys found in the table."""
    missing: int = 0
    unexpected: int = 0
    """Keys stored on the date that the schedule does not expect there."""
    hashed: int = 0
    """Expected keys held once, hashed under the current spec, well formed, equal to their content."""
    unhashed: int = 0
    old_spec: int = 0
    """Rows hashed under an older version of the hash spec."""
    malformed: int = 0
    drifted: int = 0
    duplicates: int = 0
    """Rows beyond the first of a repeated key."""
    null_keys: int = 0
    stale: int = 0
    """Rows whose content differs from what today's raw data implies (0 when not checked)."""
    stale_upstream: int = 0
    """Context rows that read, as history, a summary row a correction outdated."""

    @property
    def state(self) -> str:
        if self.expected == 0:
            return UNEXPECTED if self.actual else COMPLETE
        if self.present == 0:
            return MISSING
        if (
            self.missing
            or self.duplicates
            or self.null_keys
            or self.unhashed
            or self.old_spec
            or self.malformed
        ):
            return PARTIAL
        if self.unexpected:
            return UNEXPECTED
        if self.drifted:
            return DRIFTED
        if self.stale or self.stale_upstream:
            return STALE
        return COMPLETE


@dataclass(frozen=True)
class ProblemKey:
    """One named problem: which kind, which date, game and team or player."""

    problem: str
    game_date: datetime.date
    game_id: str
    entity: str
    """The team (``team_abbr``) or player (``player_id``)."""
    name: str | None = None
    stored_hash: str | None = None
    recomputed_hash: str | None = None

    def describe(self) -> str:
        who = f"{self.entity} {self.name}" if self.name else self.entity
        text = f"{self.problem:10} {self.game_date} {self.game_id} {who}"
        if self.problem == "drifted":
            text += f" (stored {self.stored_hash}, content hashes to {self.recomputed_hash})"
        return text

    def as_dict(self) -> dict:
        return {
            "problem": self.problem,
            "game_date": self.game_date.isoformat(),
            "game_id": self.game_id,
            "entity": self.entity,
            "name": self.name,
            "stored_hash": self.stored_hash,
            "recomputed_hash": self.recomputed_hash,
        }


@dataclass
class StaleFindings:
    """What a verification's staleness check found over its window of the range."""

    from_date: datetime.date
    to_date: datetime.date
    error: str | None = None
    """Why the window could not be checked (raw data the processors refuse, say)."""
    keys: list[str] = field(default_factory=list)
    """The first stale keys, ``game_date game_id entity``."""
    upstream_rows: dict[str, int] = field(default_factory=dict)
    """Rows here that read corrected games of each upstream table as history."""
    downstream: dict[str, dict[datetime.date, int]] = field(default_factory=dict)
    """Per downstream table, its dates (and rows there) that read this table's outdated rows."""
    corrected_games: list[dict] = field(default_factory=list)
    bytes_processed: int | None = None

    @property
    def window(self) -> str:
        return f"{self.from_date}..{self.to_date}"

    def as_dict(self) -> dict:
        return {
            "from_date": self.from_date.isoformat(),
            "to_date": self.to_date.isoformat(),
            "error": self.error,
            "keys": list(self.keys),
            "upstream_rows": dict(self.upstream_rows),
            "downstream": {
                name: {day.isoformat(): n for day, n in by_date.items()}
                for name, by_date in self.downstream.items()
            },
            "corrected_games": list(self.corrected_games),
            "bytes_processed": self.bytes_processed,
        }


@dataclass
class HistorySummary:
    """Where a table's whole history stands: the latest state of every expected game date."""

    first: datetime.date
    last: datetime.date
    expected_dates: int
    states: dict[str, int] = field(default_factory=dict)
    """Expected game dates per latest state (``never_verified`` for dates no verification covered)."""
    unexpected_dates: int = 0
    """Dates without games whose latest verification found rows."""

    @property
    def complete_dates(self) -> int:
        return self.states.get(COMPLETE, 0)

    @property
    def complete(self) -> bool:
        return self.complete_dates == self.expected_dates and not self.unexpected_dates

    @property
    def status(self) -> str:
        return "COMPLETE" if self.complete else "INCOMPLETE"

    @property
    def complete_pct(self) -> float:
        return 100.0 if not self.expected_dates else 100.0 * self.complete_dates / self.expected_dates

    def describe(self) -> str:
        parts = [f"{self.states.get(s, 0):,} {s.replace('_', ' ')}" for s in STATES if self.states.get(s)]
        if self.unexpected_dates:
            parts.append(f"{self.unexpected_dates:,} dates without games hold rows")
        return f"{self.expected_dates:,} game dates {self.first}..{self.last}: " + ", ".join(parts)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "from_date": self.first.isoformat(),
            "to_date": self.last.isoformat(),
            "expected_dates": self.expected_dates,
            "complete_dates": self.complete_dates,
            "complete_pct": round(self.complete_pct, 2),
            "states": dict(self.states),
            "unexpected_dates": self.unexpected_dates,
        }


@dataclass
class TableCoverage:
    """Every figure the verifier knows about one table over one range."""

    table: str
    from_date: datetime.date
    to_date: datetime.date
    dates: list[DateFigures] = field(default_factory=list)
    """Every expected date in range, plus dates that hold rows but have no games."""
    problem_keys: dict[str, list[ProblemKey]] = field(default_factory=dict)
    """The first keys of each problem kind, named."""
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
    bytes_estimated: int | None = None
    """What the verification's statements would scan, from a dry run before they ran."""
    bytes_processed: int | None = None
    """What they scanned, from the jobs' statistics."""
    history: HistorySummary | None = None
    """The whole history's standing, this verification included (set by the report)."""
    staleness: StaleFindings | None = None
    """The staleness check over the window's newest dates, when the verification ran one."""

    # -- sums over the dates -----------------------------------------------------

    def _sum(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.dates)

    @property
    def expected_dates(self) -> list[datetime.date]:
        return [d.game_date for d in self.dates if d.expected]

    @property
    def expected_rows(self) -> int:
        return self._sum("expected")

    @property
    def actual_rows(self) -> int:
        return self._sum("actual")

    @property
    def present_rows(self) -> int:
        """Expected keys present in the table."""
        return self._sum("present")

    @property
    def hashed_rows(self) -> int:
        """Expected keys present once and hashed correctly: what COMPLETE needs of every one."""
        return self._sum("hashed")

    @property
    def missing_keys(self) -> int:
        return self._sum("missing")

    @property
    def unexpected_keys(self) -> int:
        return self._sum("unexpected")

    @property
    def unhashed(self) -> int:
        return self._sum("unhashed")

    @property
    def old_spec_hashes(self) -> int:
        return self._sum("old_spec")

    @property
    def stale_rows(self) -> int:
        return self._sum("stale")

    @property
    def stale_upstream_rows(self) -> int:
        return self._sum("stale_upstream")

    def _stale_reasons(self) -> list[str]:
        s = self.staleness
        if s is None:
            return []
        if s.error:
            return [f"stale rows not checked over {s.window}: {s.error}"]
        found = []
        days = len(self.dates_in(STALE))
        if self.stale_rows:
            found.append(
                f"{self.stale_rows:,} rows stale over {s.window}: their content differs from what "
                "today's raw data implies (corrected after processing)"
            )
        for upstream, rows in s.upstream_rows.items():
            found.append(f"{rows:,} rows read games of {upstream} that raw corrections changed")
        if found and days:
            found[-1] += f" ({days} stale date{'s' if days != 1 else ''})"
        return found

    @property
    def malformed_hashes(self) -> int:
        return self._sum("malformed")

    @property
    def drifted_rows(self) -> int:
        return self._sum("drifted")

    @property
    def duplicate_keys(self) -> int:
        return self._sum("duplicates")

    @property
    def null_key_rows(self) -> int:
        return self._sum("null_keys")

    def dates_in(self, state: str) -> list[datetime.date]:
        return [d.game_date for d in self.dates if d.state == state]

    @property
    def coverage_pct(self) -> float:
        """Expected keys present, in percent; 100 when nothing is expected."""
        return 100.0 if not self.expected_rows else 100.0 * self.present_rows / self.expected_rows

    @property
    def hashed_pct(self) -> float:
        """Expected keys present *and* hashed correctly, in percent of expected: the headline figure."""
        return 100.0 if not self.expected_rows else 100.0 * self.hashed_rows / self.expected_rows

    def reasons(self) -> list[str]:
        """Why the range is not COMPLETE; empty when it is."""
        found = []
        expected_dates = len(self.expected_dates)
        if self.missing_keys:
            found.append(
                f"{self.missing_keys:,} of {self.expected_rows:,} expected keys missing "
                f"({self.coverage_pct:.1f}% present)"
            )
        for state, label in (
            (MISSING, "missing"),
            (PARTIAL, "partial"),
            (UNEXPECTED, "with unexpected keys"),
        ):
            days = [d for d in self.dates if d.expected and d.state == state]
            if days:
                found.append(f"{len(days)} of {expected_dates} expected dates {label}")
        on_game_dates = sum(d.unexpected for d in self.dates if d.expected)
        if on_game_dates:
            found.append(f"{on_game_dates:,} rows whose key the schedule does not expect on their date")
        off_dates = [d for d in self.dates if not d.expected and d.actual]
        if off_dates:
            rows = sum(d.actual for d in off_dates)
            found.append(f"{rows:,} rows on {len(off_dates)} dates without games")
        if self.drifted_rows:
            found.append(
                f"{self.drifted_rows:,} rows whose stored hash differs from the hash of their own content"
            )
        if self.unhashed:
            found.append(f"{self.unhashed:,} rows without a hash")
        if self.old_spec_hashes:
            found.append(f"{self.old_spec_hashes:,} hashes from an older spec (current v{VERSION})")
        found += self._stale_reasons()
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
                "Python computes from their own columns"
            )
        return found

    @property
    def complete(self) -> bool:
        """The verified range is COMPLETE (the whole history's verdict is ``history``'s)."""
        return not self.reasons()

    @property
    def status(self) -> str:
        return "COMPLETE" if self.complete else "INCOMPLETE"

    @property
    def whole_history(self) -> bool:
        """The verified range is the table's whole history (as of the report)."""
        h = self.history
        return h is not None and self.from_date <= h.first and self.to_date >= h.last

    def verdict(self) -> str:
        """The verdict in one sentence, saying whether it covers a window or the whole history."""
        if self.history is None:
            return f"{self.status} for {self.from_date}..{self.to_date} ({len(self.expected_dates):,} game dates)"
        h = self.history
        if self.whole_history:
            return (
                f"{self.status} over the whole history ({h.expected_dates:,} game dates, {h.first}..{h.last})"
            )
        return (
            f"{self.status} for {self.from_date}..{self.to_date} — {len(self.expected_dates):,} of "
            f"{h.expected_dates:,} game dates; history: {h.complete_pct:.0f}% verified complete"
        )
