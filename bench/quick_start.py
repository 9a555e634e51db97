"""The quick start, timed: `make demo RESET=1` (the stack's data deleted first, so the demo does
everything a first run does after `make install`) and a rerun of `make demo`, which keeps the
warehouse. Writes ``bench/results/quick_start.json`` and the README's quick-start sentence.

Run it with the demo stack stopped or running (``make bench-quick-start``); it deletes the
stack's data. ``make install`` is not timed: on a fresh machine it depends on the network.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "bench" / "results" / "quick_start.json"
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- quick-start:start -->\n).*?(<!-- quick-start:end -->)", re.S)


def _timed(*args: str) -> tuple[float, int, str]:
    started = time.monotonic()
    done = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    sys.stdout.write(done.stdout[-2000:])
    return elapsed, done.returncode, done.stdout


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"


def sentence(result: dict) -> str:
    """The README's quick-start figures, from the committed result."""
    return (
        f"Measured ({result['measured_on']}, 2 cores, `make bench-quick-start`): after `make install`, "
        f"a first `make demo` took {_minutes(result['first_demo_seconds'])}; a rerun, which keeps the "
        f"warehouse, {_minutes(result['rerun_seconds'])}."
    )


def write_readme(result: dict) -> None:
    text = README.read_text()
    new, count = BLOCK.subn(lambda m: m.group(1) + sentence(result) + "\n" + m.group(2), text)
    if count != 1:
        raise SystemExit("README.md needs one <!-- quick-start:start --> / <!-- quick-start:end --> block")
    README.write_text(new)


def main() -> int:
    first, first_status, _ = _timed("demo", "RESET=1")
    rerun, rerun_status, rerun_out = _timed("demo")
    kept = sum("kept the warehouse" in line for line in rerun_out.splitlines())
    result = {
        "measured_on": datetime.date.today().isoformat(),
        "first_demo_seconds": round(first, 1),
        "first_demo_exit": first_status,
        "rerun_seconds": round(rerun, 1),
        "rerun_exit": rerun_status,
        "rerun_kept_lines": kept,
    }
    if first_status != 0 or rerun_status != 0 or kept != 1:
        print(f"quick start failed: {result}", file=sys.stderr)
        return 1
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    write_readme(result)
    print(sentence(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
