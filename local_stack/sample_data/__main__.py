"""``python -m local_stack.sample_data``: load the sample data into the stack's warehouse.

With ``--corrections N`` it loads nothing: it applies N box-score corrections to the raw data
already loaded (``corrections.py``), as the league issues them after games were processed.
"""

from __future__ import annotations

import argparse
import datetime
import time

from local_stack.config import StackConfig
from local_stack.sample_data import (
    DEFAULT_SEED,
    SCENARIOS,
    counts_by_season,
    format_counts,
    generate,
    load,
    today,
)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local_stack.sample_data", description=__doc__)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scenario", choices=SCENARIOS, default="legacy")
    parser.add_argument(
        "--as-of",
        type=datetime.date.fromisoformat,
        help="the day the world is seen from, YYYY-MM-DD (default: today, US/Eastern)",
    )
    parser.add_argument(
        "--corrections",
        type=int,
        metavar="N",
        help="instead of loading: correct N final games' raw box scores in place (seeded by --seed)",
    )
    parser.add_argument(
        "--from-date", type=datetime.date.fromisoformat, help="first date corrections may touch"
    )
    parser.add_argument("--to-date", type=datetime.date.fromisoformat, help="last date corrections may touch")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    StackConfig.from_env().use_warehouse()
    if args.corrections is not None:
        return _correct(args)
    started = time.monotonic()
    data = generate(args.seed, args.as_of)
    load(data, args.scenario)
    print(
        f"loaded seed {args.seed}, as of {data.as_of}, scenario {args.scenario} in {time.monotonic() - started:.1f}s"
    )
    print(format_counts(counts_by_season()))
    return 0


def _correct(args) -> int:
    from local_stack.sample_data.corrections import apply_corrections, plan_corrections
    from nba_backfill.warehouse.client import warehouse_client

    if args.corrections < 1:
        print("--corrections must be 1 or more")
        return 2
    last = args.to_date or (args.as_of or today()) - datetime.timedelta(days=1)
    first = args.from_date or last - datetime.timedelta(days=13)
    client = warehouse_client()
    try:
        corrections = plan_corrections(args.corrections, first, last, client, seed=args.seed)
    except ValueError as exc:
        print(f"corrections: {exc}")
        return 2
    changed = apply_corrections(corrections, client, seed=args.seed)
    print(f"corrected {len(corrections)} games of {first}..{last} ({changed} raw rows changed):")
    for c in corrections:
        print(f"  {c.describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
