"""The README cannot drift from the code.

- Every command in its shell blocks is checked by the real parser that will read it: ours
  (``nba-coverage``, ``nba-pools``, the sample data), Airflow's CLI, the Makefile's targets; DAG
  ids must exist and conf keys must be params of that DAG. A command of any other kind fails
  the test until it is checked here too.
- Its settings table lists exactly the ``NBA_*`` variables the code and the tests read.
- Each figure block equals what its committed benchmark result renders to (``bench/readme_figures``),
  and no timing is typed by hand outside those blocks.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest

from local_stack.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
import readme_figures

README = (REPO_ROOT / "README.md").read_text()
SHELL_BLOCK = re.compile(r"```(?:bash|sh|shell|console)\n(.*?)```", re.S)


def _commands() -> list[str]:
    lines = []
    for block in SHELL_BLOCK.findall(README):
        for raw in block.splitlines():
            line = raw.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


COMMANDS = _commands()


def _makefile_targets() -> set[str]:
    text = (REPO_ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):", text, re.M))


def _dags() -> dict[str, set[str]]:
    """Every DAG id the deployment serves, with its params."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    assert not bag.import_errors, bag.import_errors
    return {dag_id: set(dag.params) for dag_id, dag in bag.dags.items()}


@pytest.fixture(scope="module")
def dags() -> dict[str, set[str]]:
    return _dags()


def _without_redirect(words: list[str]) -> list[str]:
    return words[: words.index(">")] if ">" in words else words


def test_the_readme_has_the_two_commands_first():
    first = SHELL_BLOCK.search(README).group(1).split()
    assert first == ["make", "demo", "make", "test"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_shell_command_parses(command, dags):
    words = _without_redirect(shlex.split(command))
    program, args = words[0], words[1:]
    if program == "make":
        targets = [a for a in args if "=" not in a]
        assert set(targets) <= _makefile_targets(), f"unknown make target in {command!r}"
        settings = [a.split("=")[0] for a in args if "=" in a]
        makefile = (REPO_ROOT / "Makefile").read_text()
        assert all(f"$({name})" in makefile for name in settings), f"unknown make variable in {command!r}"
    elif program == "nba-coverage" or words[:3] == ["python", "-m", "nba_backfill.coverage"]:
        from nba_backfill.coverage.__main__ import _parser

        _parser().parse_args(args if program == "nba-coverage" else words[3:])
    elif program == "nba-pools":
        from nba_backfill.warehouse.pools import _parser

        _parser().parse_args(args)
    elif words[:3] == ["python", "-m", "local_stack.sample_data"]:
        from local_stack.sample_data.__main__ import parser

        parser().parse_args(words[3:])
    elif program == "source":
        assert args == [".local/env.sh"]
        from local_stack import write_env_file

        assert "env.sh" in write_env_file.__doc__
    elif program == "airflow":
        _check_airflow(args, dags)
    else:
        pytest.fail(f"the README's command {command!r} is of a kind this test does not check yet")


def _check_airflow(args: list[str], dags: dict[str, set[str]]) -> None:
    from airflow.cli.cli_parser import get_parser

    parsed = get_parser().parse_args(args)
    dag_id = getattr(parsed, "dag_id", None)
    if dag_id is not None:
        assert dag_id in dags, f"no DAG {dag_id!r}; DAGs: {sorted(dags)}"
    for option in ("conf", "dag_run_conf"):
        conf = getattr(parsed, option, None)
        if conf:
            keys = set(json.loads(conf))
            assert keys <= dags[dag_id], f"{dag_id} has no params {keys - dags[dag_id]}"


def _names(pattern: str, paths: list[Path]) -> set[str]:
    found = set()
    for path in paths:
        for file in [path] if path.is_file() else path.rglob("*"):
            if (
                file.is_file()
                and file.suffix in {".py", ".yaml", ".sh", ""}
                and "__pycache__" not in file.parts
            ):
                found |= set(re.findall(pattern, file.read_text(errors="ignore")))
    return found


# An NBA_ name right after an underscore is a connection id (AIRFLOW_CONN_NBA_ALERTS), not a setting.
SETTING = r"(?<![A-Za-z0-9_])NBA_[A-Z0-9_]*[A-Z0-9]"


def test_the_settings_table_lists_every_variable_the_code_reads():
    code = [REPO_ROOT / p for p in ("plugins", "local_stack", "dags", "tests", "bench", "Makefile", ".ci")]
    code.append(REPO_ROOT / "docker-compose.yaml")
    read = _names(SETTING, code)
    table = set(re.findall(r"^\| `(NBA_[A-Z0-9_]+)` \|", README, re.M))

    assert table == read, f"missing from the table: {read - table}; not read anywhere: {table - read}"
    assert len(read) > 25


def test_each_row_of_the_settings_table_says_default_and_who_reads_it():
    rows = re.findall(r"^\| `NBA_[A-Z0-9_]+` \|(.*)\|$", README, re.M)
    for row in rows:
        default, read_by, meaning = (cell.strip() for cell in row.split(" | ", 2))
        assert default and read_by and meaning, row
        assert read_by in {"DAGs, CLI", "`make up`", "tests"}, row


@pytest.mark.parametrize("block", sorted(readme_figures.BLOCKS))
def test_each_figure_block_is_its_committed_result(block):
    assert readme_figures.read_block(block) == readme_figures.render(block)


# A timing or ratio typed by hand: "3 min", "51.1 s", "~25 min", "21.6x", "2 hours".
FIGURE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:s|ms|sec|secs|seconds?|min|mins|minutes?|h|hours?|x|\u00d7)(?![\w-])"
)


def test_no_figure_is_typed_outside_the_blocks():
    text = README
    for block in readme_figures.BLOCKS:
        text = text.replace(readme_figures.read_block(block), "")
    typed = [m.group(0) for m in FIGURE.finditer(text)]
    assert typed == [], f"figures typed by hand in README.md (put them in a benchmark result): {typed}"


def test_the_readme_is_short_and_speaks_of_itself_only():
    assert len(README.splitlines()) <= 300
    for word in ("seed", "Session 42", "session42"):
        assert word.lower() not in README.lower(), word
