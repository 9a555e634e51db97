"""Every DAG in dags/ imports cleanly and follows the project's conventions."""

from __future__ import annotations

import pytest
from airflow.dag_processing.dagbag import DagBag

from local_stack.config import REPO_ROOT
from nba_backfill import settings


def load_dag_bag() -> DagBag:
    return DagBag(dag_folder=str(REPO_ROOT / "dags"))


@pytest.fixture(scope="module")
def dag_bag() -> DagBag:
    return load_dag_bag()


def test_no_import_errors(dag_bag):
    assert dag_bag.import_errors == {}


def test_the_dags_are_there(dag_bag):
    assert "provision_warehouse" in dag_bag.dag_ids


@pytest.mark.parametrize("dag_id", sorted(load_dag_bag().dag_ids))
def test_dag_conventions(dag_bag, dag_id):
    dag = dag_bag.dags[dag_id]
    assert dag.tags, "every DAG is tagged"
    assert dag.doc_md, "every DAG documents itself (module docstring as doc_md)"
    assert dag.catchup is False, "catchup is off unless a deployment turns it on"
    for task in dag.tasks:
        # The test session sets NBA_TASK_RETRIES=0; test_settings checks production's 3.
        assert task.retries >= min(1, settings.TASK_RETRIES), f"{task.task_id}: tasks retry"
        assert task.owner == "nba-data", f"{task.task_id}: owner comes from DEFAULT_TASK_ARGS"


@pytest.mark.parametrize("dag_id", sorted(load_dag_bag().dag_ids))
def test_every_dag_serializes_as_the_dag_processor_stores_it(dag_bag, dag_id):
    # The dag-processor serializes each DAG; a failure there is an import error for the
    # whole file (every DAG in it disappears from the UI), which a plain DagBag load misses.
    from airflow.serialization.serialized_objects import DagSerialization

    assert DagSerialization.to_dict(dag_bag.dags[dag_id])["dag"]["dag_id"] == dag_id
