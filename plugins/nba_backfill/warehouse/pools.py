"""One Airflow pool per analytics table: the cap on mutating BigQuery statements per table.

BigQuery runs at most two mutating DML statements per table at once; more queue, and two
on one partition can fail with "Could not serialize access". ``max_active_tis_per_dag``
caps one task of one DAG; a pool caps the table: every task that writes it, in the per-date
and the range DAG, in either mode, takes a slot of ``nba_dml_<table>``. Deferred tasks keep
their slot, since their BigQuery job is still running.

The pools must exist before the DAGs run (Airflow leaves tasks of an unknown pool
unscheduled): ``nba-pools > pools.json && airflow pools import pools.json``.
The local stack and the compose file's ``airflow-init`` do this.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nba_backfill.catalog.registry import AnalyticsTable


def dml_pool(table: AnalyticsTable) -> str:
    return f"nba_dml_{table.name}"


def pool_definitions() -> dict[str, dict[str, Any]]:
    """Every table's pool, in the format of ``airflow pools import``."""
    # Imported here: ``nba-pools`` must meet a bad setting under the console's contract.
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.settings import DML_CONCURRENCY

    return {
        dml_pool(table): {
            "slots": DML_CONCURRENCY,
            "description": f"Mutating BigQuery statements on {table.table_id} at once (NBA_DML_CONCURRENCY)",
            "include_deferred": True,
        }
        for table in REGISTRY.values()
    }


def _parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="nba-pools",
        description="Print the per-table DML pools as JSON for `airflow pools import` "
        "(slots: NBA_DML_CONCURRENCY). Exit 2 for a bad setting.",
    )


def _print(_: argparse.Namespace) -> int:
    from nba_backfill.console import say

    say(json.dumps(pool_definitions(), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    from nba_backfill.console import run_command

    return run_command("nba-pools", _parser, _print, argv)


def run() -> None:
    """The ``nba-pools`` console script."""
    raise SystemExit(main())


if __name__ == "__main__":
    run()
