"""The exit-code contract of our commands: 0 and 1 are verdicts only, everything else has its own
code and one line, and a command prints only its own output (noise goes to the CLI log).

The console scripts run as a user runs them: installed in the venv, from a directory outside
the checkout, without ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from local_stack.config import REPO_ROOT
from nba_backfill import console
from nba_backfill.console import BadRequest, Unreachable, run_command, say

BIN = Path(sys.executable).parent


@pytest.fixture
def cli_log(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    return tmp_path / "airflow" / "logs" / "nba-cli.log"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="demo-cmd")
    parser.add_argument("--n", type=int, default=0)
    return parser


def _command(outcome):
    def main(args: argparse.Namespace) -> int:
        print("library chatter on stdout")
        print("library chatter on stderr", file=sys.stderr)
        logging.getLogger("airflow.something").warning("Skipping masking for a secret")
        warnings.warn("graphviz is deprecated", DeprecationWarning, stacklevel=1)
        say(f"report n={args.n}")
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return main


@pytest.mark.parametrize("verdict", [0, 1])
def test_a_verdict_prints_only_the_commands_own_output(verdict, cli_log, capsys):
    assert run_command("demo-cmd", _parser, _command(verdict), ["--n", "7"]) == verdict

    out, err = capsys.readouterr()
    assert out == "report n=7\n"
    assert err == ""
    noise = cli_log.read_text()
    for line in ("library chatter on stdout", "library chatter on stderr", "Skipping masking", "graphviz"):
        assert line in noise


@pytest.mark.parametrize(
    ("raised", "code", "line"),
    [
        (
            BadRequest("--from-date 2021-13-01 is not a date"),
            2,
            "demo-cmd: --from-date 2021-13-01 is not a date",
        ),
        (
            Unreachable("BigQuery at http://127.0.0.1:1 did not answer"),
            3,
            "demo-cmd: BigQuery at http://127.0.0.1:1",
        ),
        (KeyboardInterrupt(), 130, "demo-cmd: interrupted"),
    ],
)
def test_each_way_to_fail_has_its_own_code_and_one_line(raised, code, line, cli_log, capsys):
    assert run_command("demo-cmd", _parser, _command(raised), []) == code

    out, err = capsys.readouterr()
    assert out == "report n=0\n"
    assert err.startswith(line) and err.count("\n") == 1, err


def test_a_bug_is_one_line_and_its_traceback_is_in_the_log(cli_log, capsys):
    assert run_command("demo-cmd", _parser, _command(ZeroDivisionError("division by zero")), []) == 4

    _, err = capsys.readouterr()
    assert err == f"demo-cmd: internal error: ZeroDivisionError: division by zero (traceback in {cli_log})\n"
    assert "Traceback (most recent call last)" in cli_log.read_text()
    assert "ZeroDivisionError: division by zero" in cli_log.read_text()


def test_a_bad_setting_met_while_building_the_parser_is_one_line(cli_log, capsys):
    def parser() -> argparse.ArgumentParser:
        raise BadRequest("NBA_DML_CONCURRENCY='x' must be a whole number >= 1")

    assert run_command("demo-cmd", parser, _command(0), []) == 2
    assert capsys.readouterr().err == "demo-cmd: NBA_DML_CONCURRENCY='x' must be a whole number >= 1\n"


def test_usage_errors_exit_2_through_argparse(cli_log, capsys):
    with pytest.raises(SystemExit) as exited:
        run_command("demo-cmd", _parser, _command(0), ["--bogus"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_a_command_run_by_another_writes_to_the_same_terminal(cli_log, capsys):
    def outer(_: argparse.Namespace) -> int:
        say("outer before")
        inner = run_command("inner-cmd", _parser, _command(1), ["--n", "2"])
        say("outer after")
        return inner

    assert run_command("outer-cmd", _parser, outer, []) == 1
    assert capsys.readouterr().out == "outer before\nreport n=2\nouter after\n"
    assert not console._terminal


# -- the installed commands, as a user runs them -------------------------------------------


def _user_shell(tmp_path: Path, **env: str) -> dict[str, str]:
    """The environment of a shell after `source .local/env.sh`: the venv's bin on PATH, no PYTHONPATH."""
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("NBA_")}
    return {**clean, "PATH": f"{BIN}{os.pathsep}{clean['PATH']}", "AIRFLOW_HOME": str(tmp_path), **env}


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=tmp_path, env=_user_shell(tmp_path, **env), capture_output=True, text=True, timeout=120
    )


def test_nba_pools_prints_the_pools_from_any_directory(tmp_path):
    from nba_backfill.warehouse.pools import pool_definitions

    done = _run(["nba-pools"], tmp_path, NBA_DML_CONCURRENCY="3")

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    pools = json.loads(done.stdout)
    assert pools.keys() == pool_definitions().keys()
    assert {p["slots"] for p in pools.values()} == {3}


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (["nba-coverage", "--from-date", "2021-13-01"], {}, "nba-coverage: from_date: "),
        (["nba-coverage", "--tables", "nope"], {}, "nba-coverage: unknown table 'nope'"),
        (["nba-coverage", "--as-of", "yesterday"], {}, "nba-coverage: --as-of 'yesterday' is not a date"),
        (["nba-coverage"], {"NBA_DML_CONCURRENCY": "x"}, "nba-coverage: NBA_DML_CONCURRENCY='x' must be"),
        (
            [sys.executable, "-m", "nba_backfill.coverage"],
            {"NBA_DATASET_RAW": "no-such!"},
            "nba-coverage: NBA_DATASET_RAW='no-such!' is not a BigQuery dataset id",
        ),
        (["nba-pools"], {"NBA_DML_CONCURRENCY": "0"}, "nba-pools: NBA_DML_CONCURRENCY='0' must be"),
        (
            [sys.executable, "-m", "local_stack", "status"],
            {"NBA_WAREHOUSE": "bogus"},
            "python -m local_stack: NBA_WAREHOUSE='bogus' is not one of emulator, bigquery",
        ),
        (
            [sys.executable, "-m", "local_stack", "status"],
            {"NBA_AIRFLOW_PORT": "80a"},
            "python -m local_stack: NBA_AIRFLOW_PORT='80a' is not a TCP port number",
        ),
    ],
)
def test_a_bad_request_or_setting_is_one_line_and_exit_2_from_every_entry_point(args, env, line, tmp_path):
    done = _run(args, tmp_path, **env)

    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert done.stderr.startswith(line) and done.stderr.count("\n") == 1, done.stderr


def test_make_status_with_a_bad_setting_is_one_line_not_a_traceback(tmp_path):
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "status"],
        cwd=REPO_ROOT,
        env={**os.environ, "NBA_WAREHOUSE": "bogus"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2
    ours = [line for line in done.stderr.splitlines() if not line.startswith("make")]
    assert ours == [
        "python -m local_stack: NBA_WAREHOUSE='bogus' is not one of emulator, bigquery: 'emulator' runs "
        "the local BigQuery emulator, 'bigquery' uses real BigQuery through Application Default Credentials."
    ]
