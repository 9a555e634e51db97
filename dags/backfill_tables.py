"""
One backfill DAG per analytics table, `backfill_<table>`, generated from the table
registry (`plugins/nba_backfill/registry.py`); see `nba_backfill.backfill_dag`.
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context

from nba_backfill.backfill_dag import build_backfill_dag, dag_id_for
from nba_backfill.registry import REGISTRY

_parsing = get_parsing_context().dag_id

for _table in REGISTRY.values():  # sorted by name
    # When a task runs, build only its own DAG.
    if _parsing and _parsing != dag_id_for(_table):
        continue
    globals()[dag_id_for(_table)] = build_backfill_dag(_table)
