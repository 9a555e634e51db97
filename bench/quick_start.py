"""The quick start, timed: `make demo RESET=1` (the stack's data deleted first, so the demo does
everything a first run does after `make install`) and a rerun of `make demo`, which keeps the
warehouse. Writes ``bench/results/quick_start.json`` and the README's quick-start sentence.

Run it with the demo stack stopped or running (``make bench-quick-start``); it deletes the
stack's data. ``make install`` is not timed: on a fresh machine it depends on the network.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from readme_figures import RESULTS, quick_start_sentence, write_block

ROOT = Path(__file__).resolve().parents[1]
RESULT = RESULTS / "quick_start.json"
MAKE = shutil.which("make") or "make"


def _timed(*args: str) -> tuple[float, int, str]:
    started = time.monotonic()
    done = subprocess.run([MAKE, "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    sys.stdout.write(done.stdout[-2000:])
    return elapsed, done.returncode, done.stdout


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
    write_block("quick-start", quick_start_sentence(result))
    print(quick_start_sentence(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
