"""``nba-coverage`` (or ``python -m nba_backfill.coverage``): is the backfill really complete?

Prints, per table, the keys present against the keys the schedule expects, hash coverage,
missing, partial and drifted dates as ranges, the first problem keys by name, the exact
``airflow backfill create`` commands that close each gap, and beside the verdict over the
verified range how the table's whole history stands. COMPLETE means every expected key
present once, hashed under the current spec, its hash equal to its content. ``--keys`` lists
every problem key. Exit status: 0 only when every table is COMPLETE over its range, 1 when
any is not; 2 for a bad request or setting, 3 when the warehouse could not be asked, 4 for a
bug (``console`` holds the contract).

``--stale`` checks instead whether rows were made stale by raw data corrected after they were
processed: it recomputes the range from today's raw data (no write) and lists, per table and
date, the stale rows, the keys raw data implies that the table lacks and the keys it no longer
implies, with the processor reruns that rewrite them; exit 1 when any row is outdated.

It reads the warehouse through the ``google_cloud_default`` connection, like the DAGs: on the
local stack, ``source .local/env.sh`` first.
"""

from __future__ import annotations

import argparse
import json

from nba_backfill.console import complain, output_stream, run_command, say

PROG = "nba-coverage"


def main(argv: list[str] | None = None) -> int:
    return run_command(PROG, _parser, _run, argv)


def run() -> None:
    """The ``nba-coverage`` console script."""
    raise SystemExit(main())


def _parser() -> argparse.ArgumentParser:
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.coverage.figures import DEFAULT_PARITY_SAMPLE

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Verify that analytics tables hold every expected row, hashed and well formed.",
        epilog=f"Tables: {', '.join(REGISTRY)}. Exit 0 = all COMPLETE, 1 = gaps, 2 = bad request or "
        "setting, 3 = warehouse unreachable, 4 = internal error (traceback in $AIRFLOW_HOME/logs/nba-cli.log).",
    )
    parser.add_argument("--tables", default="", help="comma-separated table names (default: all five)")
    parser.add_argument("--from-date", help="first game date, YYYY-MM-DD (default: history start)")
    parser.add_argument(
        "--to-date", help="last game date, YYYY-MM-DD (default: the newest partition each table should hold)"
    )
    parser.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="verify as if today (US/Eastern) were this date: it decides the default and latest "
        "--to-date (default: today)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the report as JSON, per-date figures included"
    )
    parser.add_argument(
        "--keys",
        action="store_true",
        help="after the report, list every missing, unexpected, drifted, duplicate or unhashed key, one a "
        "line, as the warehouse streams them (with --json: one JSON object a line, instead of the report)",
    )
    parser.add_argument(
        "--stale",
        action="store_true",
        help="check for rows made stale by raw data corrected after processing (recomputes the range "
        "from raw data, writes nothing) instead of verifying coverage",
    )
    parser.add_argument(
        "--parity-sample",
        type=int,
        default=DEFAULT_PARITY_SAMPLE,
        help=f"stored hashes per table to recompute in Python (default {DEFAULT_PARITY_SAMPLE})",
    )
    return parser


def _as_of(value: str | None):
    """``--as-of`` as a moment, or None for the clock's now."""
    import datetime

    from nba_backfill.catalog.partitions import moment_on
    from nba_backfill.coverage import CoverageRequestError

    if value is None:
        return None
    try:
        return moment_on(datetime.date.fromisoformat(value.strip()))
    except ValueError:
        raise CoverageRequestError(f"--as-of {value!r} is not a date in the form YYYY-MM-DD") from None


def _run(args: argparse.Namespace) -> int:
    from nba_backfill.coverage import CoverageRequestError, plan, verify

    names = [n.strip() for n in args.tables.split(",") if n.strip()]
    if args.parity_sample < 0:
        raise CoverageRequestError(f"--parity-sample must be 0 or more, not {args.parity_sample}")
    moment = _as_of(args.as_of)
    tables, ranges = plan(names, args.from_date, args.to_date, now=moment)

    from nba_backfill.warehouse.client import warehouse_client

    if args.stale:
        return _stale(tables, ranges, args.json)
    client = warehouse_client()
    report = verify(tables, ranges, client, parity_sample=args.parity_sample, as_of=moment)
    if args.keys:
        _print_keys(report, tables, ranges, client, as_json=args.json)
    else:
        say(json.dumps(report.to_dict(), indent=2) if args.json else report.to_text())
    return 0 if report.complete else 1


def _stale(tables, ranges, as_json: bool) -> int:
    from nba_backfill.coverage.staleness import check_tables
    from nba_backfill.processors.raw_checks import RawDataError
    from nba_backfill.warehouse.client import warehouse_client

    results = check_tables(tables, ranges, warehouse_client())
    checks = [r for r in results.values() if not isinstance(r, RawDataError)]
    for name, result in results.items():
        if isinstance(result, RawDataError):  # the processors refuse this raw data: nothing can be said of it
            complain(f"{PROG}: could not recompute from raw data: {name}: {result}")
    refused = len(checks) < len(results)
    status = 0 if not refused and all(c.clean for c in checks) else 1
    if not checks:
        return status
    if as_json:
        say(json.dumps({"tables": [c.as_dict() for c in checks]}, indent=2))
        return status
    outdated = [c for c in checks if not c.clean]
    summary = (
        f"{len(outdated)} of {len(checks)} tables hold rows that today's raw data no longer implies"
        if outdated
        else f"no stale rows in {len(checks)} table{'s' if len(checks) != 1 else ''}"
    )
    say(*(c.to_text() for c in checks), "", summary)
    return status


def _print_keys(report, tables, ranges, client, *, as_json: bool) -> None:
    """Every problem key of every incomplete table, streamed page by page to stdout."""
    from nba_backfill.coverage.measure import problem_keys

    out = output_stream()
    if not as_json:
        print(
            report.to_text(),
            "",
            "problem keys (table, kind, game date, game, team or player):",
            sep="\n",
            file=out,
        )
    incomplete = {t.table for t in report.incomplete}
    for table in (t for t in tables if t.name in incomplete):
        for key in problem_keys(table, *ranges[table.name], client):
            if as_json:
                print(json.dumps({"table": table.name, **key.as_dict()}), file=out)
            else:
                print(f"{table.name:30} {key.describe()}", file=out)


if __name__ == "__main__":
    raise SystemExit(main())
