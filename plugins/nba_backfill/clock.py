"""The one clock: every "now" and "today" of the package is read here.

Rules that depend on the date (a game date in the future, the newest partition a table can
hold, when a verification ran, when rows were processed) call ``now()`` or take a ``now``
argument that defaults to it. Nothing else in ``plugins/``, ``dags/`` or ``local_stack/``
reads the system clock, so a test sets the moment it runs at with ``frozen(at)`` and a date
rule can never start failing on its own when the calendar moves on.

Airflow tasks act as of their run (``runs.as_of``): a scheduled run as of when it was due,
anything else as of ``now()``.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterator

Clock = Callable[[], datetime.datetime]


def system_clock() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


_clock: Clock = system_clock


def now() -> datetime.datetime:
    """The current moment as an aware UTC timestamp, from the clock in use."""
    moment = _clock()
    if moment.tzinfo is None:
        raise ValueError(f"the clock gave a naive timestamp {moment!r}; clocks must be timezone-aware")
    return moment.astimezone(datetime.UTC)


def aware(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` as aware UTC; a naive timestamp is refused rather than guessed."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no timezone; pass an aware timestamp (e.g. ...+00:00)")
    return moment.astimezone(datetime.UTC)


@contextlib.contextmanager
def use(clock: Clock) -> Iterator[None]:
    """Read the time from ``clock`` inside the block (tests; a replay as of another moment)."""
    global _clock
    previous, _clock = _clock, clock
    try:
        yield
    finally:
        _clock = previous


def frozen(at: datetime.datetime) -> contextlib.AbstractContextManager[None]:
    """Inside the block, ``now()`` is always ``at``."""
    moment = aware(at)
    return use(lambda: moment)
