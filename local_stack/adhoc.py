"""Ad hoc SQL for code around the package: the sample data, the benchmarks and the tests.

The package itself sends only ``Statement``s rendered from ``include/sql/``
(``nba_backfill.warehouse.sql``). Code that inspects or arranges a warehouse for a demo, a
measurement or a test may write its SQL inline; it still goes through the package's own
calls (same connection, retries, billing cap), with its values bound as query parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AdhocSql:
    """Inline SQL with the shape of a ``Statement`` (``sql``, ``values``)."""

    sql: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join(self.sql.split())[:80]


def run_query(sql: str, params: Mapping[str, Any] | None = None, *, client=None):
    """Run ``sql`` with ``params`` bound as query parameters; its rows."""
    from nba_backfill.warehouse import client as warehouse

    return warehouse.run_query(AdhocSql(sql, dict(params or {})), client=client)


def run_dml(sql: str, params: Mapping[str, Any] | None = None, *, client=None) -> int:
    """Run a mutating statement; the rows it changed."""
    from nba_backfill.warehouse import client as warehouse

    return warehouse.run_dml(AdhocSql(sql, dict(params or {})), client=client)


def dry_run_bytes(sql: str, params: Mapping[str, Any] | None = None, *, client=None) -> int:
    """The bytes ``sql`` would process (a dry run)."""
    from nba_backfill.warehouse import client as warehouse

    return warehouse.dry_run_bytes(AdhocSql(sql, dict(params or {})), client=client)
