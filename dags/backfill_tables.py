"""
Two backfill DAGs per analytics table, generated from the table registry
(`plugins/nba_backfill/catalog/registry.py`): `backfill_<table>`, one run per partition
(`nba_backfill.backfill.partition_dag`), and `backfill_range_<table>`, a range of partitions
in chunks (`nba_backfill.backfill.range_dag`).
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context

from nba_backfill.backfill.partition_dag import build_backfill_dag
from nba_backfill.backfill.range_dag import build_range_dag
from nba_backfill.catalog.registry import REGISTRY

_parsing = get_parsing_context().dag_id

for _table in REGISTRY.values():  # sorted by name
    for _dag_id, _build in ((_table.dag_id, build_backfill_dag), (_table.range_dag_id, build_range_dag)):
        # When a task runs, build only its own DAG.
        if not _parsing or _parsing == _dag_id:
            globals()[_dag_id] = _build(_table)
