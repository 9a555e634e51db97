"""The README's `nba-coverage` commands, run as a user runs them, against the test stack.

Each is the installed console script, run from outside the checkout without ``PYTHONPATH``.
It must reach a verdict (exit 0 or 1: never a crash or a usage error) and print nothing on
stderr. They run as of the test world's day (``--as-of``). The commands over the whole
history are left to the parser check in ``tests/deployment/test_readme.py``; every other one
runs here.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.as_of import AS_OF_DATE
from tests.deployment.test_readme import COMMANDS

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
CHEAP = [c for c in COMMANDS if c.startswith("nba-coverage ") and "--to-date" in c]


def test_the_readme_has_commands_to_run():
    assert len(CHEAP) >= 3, CHEAP


@pytest.mark.parametrize("command", CHEAP)
def test_each_readme_command_reaches_a_verdict_and_prints_only_its_own_output(
    command, loaded_warehouse, tmp_path
):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"

    # As of the test world's day, never the machine's (tests/as_of.py).
    args = [*shlex.split(command), "--as-of", str(AS_OF_DATE)]

    done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)

    assert done.returncode in (0, 1), (done.returncode, done.stderr[-2000:])
    assert done.stderr == ""
    assert done.stdout.strip(), "a verdict is printed"
