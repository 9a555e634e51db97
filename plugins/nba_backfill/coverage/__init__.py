"""The coverage wing: does every table hold every expected row of every expected date, hashed
and well formed?

``expected``  what the schedule says must exist     ``measure``  what the tables hold against it
``figures``   the measured figures and date states  ``report``   gaps as ranges, with repairs
``history``   ``coverage_history``                    ``dag`` / ``tasks``  ``verify_coverage``
``sensors``   waiting on coverage                    ``alerts``   delivery through Apprise
``verifier``  ``plan`` and ``verify``, the way in    ``__main__``  the terminal report (``nba-coverage``)

The names below load on first use: ``nba-coverage`` imports this package before it can turn
a bad setting into one line (``console``), so nothing here may read settings at import.

May import: ``processors``, ``warehouse``, ``catalog`` and the package's ``clock``,
``settings``, ``runs``, ``console``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nba_backfill.coverage.figures import TableCoverage
    from nba_backfill.coverage.repairs import Repair
    from nba_backfill.coverage.report import CoverageReport
    from nba_backfill.coverage.verifier import CoverageRequestError, plan, verify

__all__ = ["CoverageReport", "CoverageRequestError", "Repair", "TableCoverage", "plan", "verify"]

_HOMES = {
    "CoverageReport": "report",
    "CoverageRequestError": "verifier",
    "Repair": "repairs",
    "TableCoverage": "figures",
    "plan": "verifier",
    "verify": "verifier",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
