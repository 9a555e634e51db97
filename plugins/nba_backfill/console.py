"""How our commands meet a terminal: their own output only, and exit codes that mean one thing.

0 and 1 are verdicts (COMPLETE or not; healthy or not), so a script can act on them. Anything
else that ends a command has its own code and one line on stderr:

======  ==========================================================================
0       verdict: every table COMPLETE (every service healthy)
1       verdict: gaps (a service not healthy)
2       bad request or bad setting: the line names what to change; nothing changed
3       the warehouse (or a service of the local stack) could not be reached
4       a bug: the traceback is in ``$AIRFLOW_HOME/logs/nba-cli.log``
130     interrupted
======  ==========================================================================

While a command runs, whatever libraries print or log (Airflow's logging, deprecation
warnings) goes to that log file, not to the terminal: commands write with ``say`` and
``complain``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

EXIT_YES, EXIT_NO, EXIT_BAD_REQUEST, EXIT_UNREACHABLE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


class BadRequest(ValueError):
    """A request or a setting the command cannot act on; the message says what to change."""


class Unreachable(RuntimeError):
    """The warehouse, or a service the command needs, did not answer."""


# The terminal's streams while a command runs; nested commands (a test calling main) stack.
_terminal: list[tuple[TextIO, TextIO]] = []


def log_path() -> Path:
    home = Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow")
    return home / "logs" / "nba-cli.log"


def say(*lines: object) -> None:
    """Write to the user's stdout (the report, the JSON)."""
    out = _terminal[-1][0] if _terminal else sys.stdout
    print(*lines, sep="\n", file=out, flush=True)


def complain(line: str) -> None:
    """One line to the user's stderr."""
    err = _terminal[-1][1] if _terminal else sys.stderr
    print(line, file=err, flush=True)


def output_stream() -> TextIO:
    """The user's stdout, for writers that stream (``--keys``)."""
    return _terminal[-1][0] if _terminal else sys.stdout


@contextlib.contextmanager
def _everything_else_to(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        root = logging.getLogger()
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        saved_handlers, saved_level = root.handlers[:], root.level
        root.handlers = [handler]
        root.setLevel(logging.INFO)
        # A command run by another (the demo prints coverage reports) writes to the same terminal.
        _terminal.append(_terminal[-1] if _terminal else (sys.stdout, sys.stderr))
        try:
            with (
                contextlib.redirect_stdout(log),
                contextlib.redirect_stderr(log),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("default")  # shown once each, in the log
                warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: (
                    log.write(warnings.formatwarning(message, category, filename, lineno, line))
                )
                yield
        finally:
            _terminal.pop()
            root.handlers, root.level = saved_handlers, saved_level


def run_command(
    prog: str,
    parser: Callable[[], argparse.ArgumentParser],
    main: Callable[[argparse.Namespace], int],
    argv: list[str] | None = None,
) -> int:
    """Parse ``argv`` and run ``main`` under the exit-code contract; returns the exit code.

    Usage errors exit 2 through argparse (and ``--help`` 0) before anything is redirected.
    """
    try:
        args = parser().parse_args(argv)
    except BadRequest as exc:  # a bad setting met while building the parser
        complain(f"{prog}: {exc}")
        return EXIT_BAD_REQUEST
    log = log_path()
    try:
        with _everything_else_to(log):
            try:
                return main(args)
            except BadRequest as exc:
                complain(f"{prog}: {exc}")
                return EXIT_BAD_REQUEST
            except Unreachable as exc:
                complain(f"{prog}: {exc}")
                return EXIT_UNREACHABLE
            except KeyboardInterrupt:
                complain(f"{prog}: interrupted")
                return EXIT_INTERRUPTED
            except Exception as exc:
                traceback.print_exc()  # into the log
                complain(f"{prog}: internal error: {type(exc).__name__}: {exc} (traceback in {log})")
                return EXIT_BUG
    except OSError as exc:  # the log itself cannot be written: say so rather than hide output
        complain(f"{prog}: cannot write {log}: {exc}")
        return EXIT_BAD_REQUEST
