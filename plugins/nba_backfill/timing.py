"""Where a task's time goes: named phases timed in order, and the process's peak memory.

A processor chunk records read / compute / hash / load / merge / verify; the task logs one
line of them and returns them in its XCom, and the benchmark writes them to its JSON.
"""

from __future__ import annotations

import contextlib
import resource
import time
from collections.abc import Iterator


def peak_rss_mib() -> float:
    """The most resident memory this process has used so far, in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Stopwatch:
    """Seconds per phase, summed when a phase repeats; phases keep the order they first ran in."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def as_dict(self) -> dict[str, float]:
        """Rounded seconds per phase, their total and the peak RSS (``peak_rss_mib``)."""
        return {
            **{f"{name}_seconds": round(value, 3) for name, value in self.seconds.items()},
            "total_seconds": round(sum(self.seconds.values()), 3),
            "peak_rss_mib": peak_rss_mib(),
        }

    def describe(self) -> str:
        """``read 0.41 s, compute 0.20 s, ...; peak RSS 312.5 MiB`` for a log line."""
        phases = ", ".join(f"{name} {value:.2f} s" for name, value in self.seconds.items())
        return f"{phases}; peak RSS {peak_rss_mib()} MiB"
