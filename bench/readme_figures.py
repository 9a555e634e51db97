"""Every figure the README quotes, rendered from the committed results in ``bench/results/``.

The README holds them between markers (``<!-- bench:start -->``, ``<!-- quick-start:start -->``);
the benchmarks rewrite those blocks, and ``tests/deployment/test_readme.py`` checks that each
block equals what its result renders to, and that no figure is typed outside them.
No side effects at import: the test imports this.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "bench" / "results"


def readme_table(result: dict) -> str:
    history, per, ranges = result["whole_history"], result["per_date"], result["range_mode"]
    throughput = result["processor_throughput"]["player_game_summary"]
    verify, parse = result["verification"], result["parse"]
    tasks, io = history["processor_tasks"], throughput["io_side_by_side"]
    rows = [
        ("(a) per-date runs, `airflow backfill create`, 1 week, 1 table", f"{per['partitions_per_minute']} partitions/min", ""),
        ("(b) range run, same week, SQL", f"{ranges['week_sql']['seconds']} s", ""),
        ("(b) range run, first month, SQL / processor", f"{ranges['first_month_sql']['seconds']} s / {ranges['first_month_processor']['seconds']} s", ""),
        ("(c) first-month validation, 5 tables", f"{history['first_month_validation_seconds']} s", ""),
        (f"(c) whole history ({history['game_dates']} game dates), 5 tables, SQL", f"{history['history_sql_backfill_seconds']} s", "≤ 60 s"),
        ("(c) whole history, 5 tables, processor", f"{history['history_processor_backfill_seconds']} s", "≤ 120 s"),
        ("(c) processor tasks: count / peak RSS of one", f"{tasks['tasks']} / {tasks['peak_rss_mib']:,.0f} MiB", "≤ 1,024 MiB"),
        ("(d) hash, vectorised / `hashlib` row loop", f"{throughput['hash_rows_per_second']:,} / {throughput['hashlib_row_loop_rows_per_second']:,} rows/s", "≥ 500,000 rows/s"),
        ("(d) processor compute + hash (player_game_summary)", f"{throughput['compute_and_hash_rows_per_second']:,} rows/s", ""),
        ("(d) reads, REST JSON pages / Storage Read Arrow, one season", f"{io['read']['rest_json_pages_seconds']} s / {io['read']['storage_read_arrow_seconds']} s ({io['read']['ratio']}x)", ""),
        ("(d) staging loads, NDJSON / Parquet, one season", f"{io['load']['ndjson_rows_seconds']} s / {io['load']['parquet_frame_seconds']} s ({io['load']['ratio']}x)", ""),
        ("(d) processor read + compute + MERGE, one season", f"{throughput['read_compute_merge_rows_per_second']:,} rows/s", "≥ 25,000 rows/s"),
        ("(e) full-history verification, 5 tables", f"{verify['full_history_verification_seconds']} s", "≤ 30 s"),
        ("(f) parse `dags/`, warm / cold", f"{parse['warm_parse_seconds']} s / {parse['cold_parse_seconds']} s", "≤ 1 s warm"),
    ]  # fmt: skip
    lines = [
        f"Measured {result['measured_at'][:10]} on {result['machine']}, emulator warehouse, "
        f"sample world as of {result.get('sample_as_of', '2024-12-05')} "
        "(`make bench`; `bench/results/backfill_benchmark.json`).",
        "",
        "| measurement | result | target |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
    ]
    return "\n".join(lines)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"


def quick_start_sentence(result: dict) -> str:
    return (
        f"Measured {result['measured_on']} on 2 cores (`make bench-quick-start`): after `make install`, "
        f"a first `make demo` took {_minutes(result['first_demo_seconds'])}; a rerun, which keeps the "
        f"warehouse, {_minutes(result['rerun_seconds'])}."
    )


BLOCKS = {
    "bench": ("backfill_benchmark.json", readme_table),
    "quick-start": ("quick_start.json", quick_start_sentence),
}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name}:start -->\n)(.*?)(\n?<!-- {name}:end -->)", re.S)


def render(name: str) -> str:
    """The block ``name`` as its committed result renders it."""
    filename, renderer = BLOCKS[name]
    return renderer(json.loads((RESULTS / filename).read_text()))


def read_block(name: str, text: str | None = None) -> str:
    text = README.read_text() if text is None else text
    found = _pattern(name).search(text)
    if not found:
        raise ValueError(f"README.md has no <!-- {name}:start --> / <!-- {name}:end --> block")
    return found.group(2)


def write_block(name: str, content: str) -> None:
    text = README.read_text()
    read_block(name, text)
    README.write_text(
        _pattern(name).sub(lambda m: m.group(1) + content + "\n" + "<!-- " + name + ":end -->", text, count=1)
    )
