"""``python -m local_stack.sample_data``: load the sample data into the stack's warehouse."""

from __future__ import annotations

import argparse
import datetime
import time

from local_stack.config import StackConfig
from local_stack.sample_data import DEFAULT_SEED, SCENARIOS, counts_by_season, format_counts, generate, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.sample_data", description=__doc__)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scenario", choices=SCENARIOS, default="legacy")
    parser.add_argument(
        "--as-of",
        type=datetime.date.fromisoformat,
        help="the day the world is seen from, YYYY-MM-DD (default: today, US/Eastern)",
    )
    args = parser.parse_args(argv)
    StackConfig.from_env().use_warehouse()
    started = time.monotonic()
    data = generate(args.seed, args.as_of)
    load(data, args.scenario)
    print(
        f"loaded seed {args.seed}, as of {data.as_of}, scenario {args.scenario} in {time.monotonic() - started:.1f}s"
    )
    print(format_counts(counts_by_season()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
