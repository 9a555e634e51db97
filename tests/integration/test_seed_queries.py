"""The seeds' monitoring SQL runs unchanged against our tables.

The queries are read from the handoff documents themselves (``../shared/seeds``), not
copied: the only change is the project/dataset prefix (``nba_data.analytics.`` ->
``nba-props-platform.nba_analytics.``). Statements that write (the seeds' key-only hash
UPDATE) are not monitoring and are left out.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from local_stack.adhoc import run_query
from local_stack.config import REPO_ROOT
from nba_backfill.catalog.registry import REGISTRY

# Beside the checkout on this project's machines and in CI; elsewhere, point NBA_ORIGIN_QUERIES_DIR at them.
SEEDS = Path(os.environ.get("NBA_ORIGIN_QUERIES_DIR", REPO_ROOT.parent / "shared" / "seeds"))

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not SEEDS.is_dir(),
        reason=f"the seed handoff documents are not at {SEEDS} (set NBA_ORIGIN_QUERIES_DIR)",
    ),
]


def seed_queries() -> list[tuple[str, str]]:
    queries = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
        blocks += [b.replace("\\`", "`") for b in re.findall(r'bq query [^"]*"(.*?)"', text, re.S)]
        for block in blocks:
            for statement in re.split(r";\s*(?:\n|$)", block):
                body = re.sub(r"--[^\n]*", "", statement).strip()
                if re.match(r"(select|with)\b", body, re.I):
                    sql = statement.replace("`nba_data.analytics.", "`nba-props-platform.nba_analytics.")
                    label = " ".join(body.split())[:70]
                    queries.append((f"{path.name[:3]}: {label}", sql))
    return queries


QUERIES = seed_queries() if SEEDS.exists() else []


def test_the_seed_documents_hold_the_monitoring_queries():
    assert len(QUERIES) >= 10


@pytest.mark.parametrize(("label", "sql"), QUERIES, ids=[label for label, _ in QUERIES])
def test_seed_query_runs_unchanged(loaded_warehouse, bq, label, sql):
    rows = list(run_query(sql, client=bq))
    if "COUNT(" in sql.upper() and "GROUP BY" not in sql.upper() and "missing_date" not in sql:
        assert rows, label


def test_the_seeds_status_query_reports_our_real_counts(loaded_warehouse, bq):
    """Appendix A of the correction document, read back against what we loaded."""
    sql = next(sql for label, sql in QUERIES if "15294 as expected_rows" in sql)
    got = {row.table_name: row.current_rows for row in run_query(sql, client=bq)}
    expected = {name: loaded_warehouse[entry.table_id] for name, entry in REGISTRY.items()}
    assert got == expected
