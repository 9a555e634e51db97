"""Every statement the package sends lives in include/sql/; Python carries names and values only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nba_backfill.warehouse.sql import SQL_DIR, Statement, render

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "plugins" / "nba_backfill"
# A statement's shape: a verb and the clause that must follow it.
SQL_TEXT = re.compile(
    r"\b(select\b.*\bfrom|update\b.*\bset|delete\s+from|merge\b.*\busing|insert\s+into|create\s+(or\s+replace\s+)?(table|view|schema))\b",
    re.IGNORECASE | re.DOTALL,
)


def _strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a module, docstrings left out (they may quote SQL to explain it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    found = []
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            found.append((node.lineno, text))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings | parts
        ):
            found.append((node.lineno, node.value))
    return found


def _sources() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *(ROOT / "dags").glob("*.py")])


def test_no_sql_text_in_the_packages_python():
    hits = [
        f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}"
        for path in _sources()
        for line, text in _strings(path)
        if SQL_TEXT.search(text)
    ]
    assert hits == []


def test_the_scan_finds_sql_text_where_there_is_some(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""select a from b is fine in a docstring."""\nQ = f"select * from `{t}` where x"\n')
    assert [line for line, text in _strings(module) if SQL_TEXT.search(text)] == [2]


def _templates_named_in_code() -> set[str]:
    return {
        text
        for path in _sources()
        for _, text in _strings(path)
        if re.fullmatch(r"[a-z_]+/[a-z_]+\.sql", text)
    }


def test_every_template_the_code_names_exists_and_every_template_is_used():
    named = _templates_named_in_code()
    on_disk = {str(p.relative_to(SQL_DIR)) for p in SQL_DIR.rglob("*.sql")}
    assert named - on_disk == set(), "named in code, missing in include/sql"
    assert on_disk - named == set(), "in include/sql, used by no code"


def test_a_statement_renders_its_names_and_leaves_values_to_bigquery():
    statement = Statement(
        "backfill/partition_rows.sql", {"table_id": "nba_analytics.t"}, {"game_date": "2021-11-15"}
    )
    assert "`nba_analytics.t`" in statement.sql
    assert "@game_date" in statement.sql and "2021-11-15" not in statement.sql
    assert str(statement) == "backfill/partition_rows.sql(@game_date=2021-11-15)"


def test_a_missing_name_fails_the_render_instead_of_rendering_nothing():
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="table_id"):
        render("backfill/partition_rows.sql", {})


def test_a_nan_is_refused_before_anything_is_loaded():
    from nba_backfill.warehouse.client import UnloadableRow, load_rows

    rows = [{"game_id": "g1", "points_line": 21.5}, {"game_id": "g2", "points_line": float("nan")}]
    with pytest.raises(UnloadableRow) as refused:
        load_rows(
            "nba_raw.odds_player_points_props",
            rows,
            [("game_id", "STRING"), ("points_line", "FLOAT64")],
            client=object(),
        )
    assert str(refused.value) == (
        "load into nba_raw.odds_player_points_props: row 1 has a non-finite float in points_line "
        "(points_line=nan); BigQuery's JSON loader refuses NaN and infinity, so nothing was loaded"
    )
