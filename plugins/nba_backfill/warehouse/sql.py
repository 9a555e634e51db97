"""Every statement this package sends to BigQuery: a template in ``include/sql/`` and its values.

A ``Statement`` names a template, the identifiers it needs (table ids and columns from the
registries, the hash expression from the hash spec) and the values it binds as typed query
parameters. Python never writes SQL text: ``render`` is the one way from a template to SQL,
the same Jinja render Airflow's ``BigQueryInsertJobOperator`` does for DAG tasks
(``{% include %}`` with ``params``), so a statement reads the same wherever it runs.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SQL_DIR = Path(__file__).resolve().parents[3] / "include" / "sql"
"""Root of the SQL templates; DAGs use it as their ``template_searchpath``."""


@dataclass(frozen=True)
class Statement:
    """One GoogleSQL statement: its template, the names it is rendered with, the values it binds."""

    template: str
    """Path under ``include/sql/``."""
    names: Mapping[str, Any] = field(default_factory=dict)
    """Template parameters (``params.x``): identifiers and registry-derived fragments only."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Query parameters (``@x``): dates, ids, names; bound by BigQuery, never rendered."""

    @property
    def sql(self) -> str:
        return render(self.template, self.names)

    def __str__(self) -> str:
        bound = ", ".join(f"@{k}={v}" for k, v in self.values.items())
        return f"{self.template}({bound})"


@functools.cache
def _environment():
    import jinja2

    return jinja2.Environment(  # noqa: S701 - SQL, not HTML
        loader=jinja2.FileSystemLoader(str(SQL_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, names: Mapping[str, Any]) -> str:
    """The SQL of ``template`` with ``names`` as its ``params``, as Airflow renders it."""
    return _environment().get_template(template).render(params=dict(names))
