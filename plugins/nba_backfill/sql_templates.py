"""Render the SQL templates of ``include/sql`` outside Airflow, exactly as Airflow would.

DAGs let ``BigQueryInsertJobOperator`` render them (``{% include %}`` with ``params``);
tests and tools call ``render`` with the same template and the same params.
"""

from __future__ import annotations

from typing import Any

from nba_backfill.paths import SQL_DIR


def render(template: str, params: dict[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(  # noqa: S701 - SQL, not HTML
        loader=jinja2.FileSystemLoader(str(SQL_DIR)), undefined=jinja2.StrictUndefined
    )
    return env.get_template(template).render(params=params)
