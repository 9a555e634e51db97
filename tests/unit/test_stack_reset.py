"""`make reset` deletes the stack's data and nothing else; `make demo RESET=1` resets first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from local_stack.__main__ import STATE
from local_stack.config import REPO_ROOT

KEPT = ("wasmtime-cache", "test-stack", "test-stack-clock")


def _state_dir(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    for name in (*STATE, *KEPT):
        if name.endswith(".sh"):
            state.mkdir(parents=True, exist_ok=True)
            (state / name).write_text("export X=1\n")
        else:
            (state / name / "inner").mkdir(parents=True)
            (state / name / "inner" / "data").write_text("rows")
    return state


def _stack_env(state: Path) -> dict[str, str]:
    # Ports nobody uses: this stack's `down` must find nothing of the real stacks.
    ports = {"NBA_BQ_EMULATOR_PORT": "9350", "NBA_BQ_EMULATOR_GRPC_PORT": "9360", "NBA_AIRFLOW_PORT": "8380"}
    return {**os.environ, **ports, "NBA_STATE_DIR": str(state), "NBA_ALERT_RECEIVER_PORT": "9370"}


def test_reset_deletes_the_stacks_data_and_keeps_the_analyzer_cache(tmp_path):
    state = _state_dir(tmp_path)

    done = subprocess.run(
        [sys.executable, "-m", "local_stack", "reset"],
        env=_stack_env(state),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in state.iterdir()) == sorted(KEPT)
    assert (state / "wasmtime-cache" / "inner" / "data").read_text() == "rows"
    assert f"reset: deleted {', '.join(STATE)} in {state}" in done.stdout
    assert done.stderr == ""


def test_a_second_reset_says_there_was_nothing(tmp_path):
    state = tmp_path / "empty"
    state.mkdir()

    done = subprocess.run(
        [sys.executable, "-m", "local_stack", "reset"],
        env=_stack_env(state),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "reset: deleted nothing (no state)" in done.stdout


def test_make_reset_and_demo_reset_call_it():
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "reset", "demo", "RESET=1"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.returncode == 0, dry.stderr
    assert "-m local_stack reset" in dry.stdout
    assert "-m local_stack demo --reset" in dry.stdout
    plain = subprocess.run(
        ["make", "-n", "--no-print-directory", "demo"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "-m local_stack demo" in plain.stdout and "--reset" not in plain.stdout
