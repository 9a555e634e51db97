"""Why a per-date DAG has not written its newest partition: asked of Airflow's REST API.

A paused DAG never creates its nightly run, and a failed run never writes; in both cases
waiting hours for the partition only delays the alert. Tasks cannot read the metadata
database in Airflow 3, so the nightly verification asks the public REST API through the
HTTP connection ``nba_airflow_api`` (host = the api-server's URL, login and password of a
user that may read DAGs; a read-only role is enough). Without that connection nothing can
be told early and the verification waits, as before, and logs why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

log = logging.getLogger(__name__)

CONN_ID = "nba_airflow_api"
TIMEOUT_SECONDS = 20


class AirflowApiUnavailable(RuntimeError):
    """The connection is missing, or the api-server did not answer as expected."""


def late_reasons(partitions: Mapping[str, str]) -> dict[str, str]:
    """For ``{dag_id: partition key}``, the DAGs that will not write it without a person's help.

    ``paused`` (no run will start) and ``failed`` (its run for the partition failed) are
    definite; a DAG whose run is queued or running, or has none yet while unpaused, is just
    late and is left out. Raises ``AirflowApiUnavailable`` when Airflow cannot be asked.
    """
    if not partitions:
        return {}
    session, base = _session()
    reasons = {}
    for dag_id, key in partitions.items():
        dag = _get(session, f"{base}/api/v2/dags/{dag_id}")
        if dag.get("is_paused"):
            reasons[dag_id] = (
                f"{dag_id} is paused, so its run for {key} will never start; "
                f"unpause it: airflow dags unpause {dag_id}"
            )
            continue
        runs = _get(
            session,
            f"{base}/api/v2/dags/{dag_id}/dagRuns",
            params={"order_by": "-run_after", "limit": 25},
        )["dag_runs"]
        mine = [r for r in runs if r.get("partition_key") == key]
        if mine and all(r["state"] == "failed" for r in mine):
            reasons[dag_id] = (
                f"its run for {key} failed ({mine[0]['dag_run_id']}); read its task logs, fix the cause, "
                f"then clear the run: airflow tasks clear {dag_id} --only-failed --yes"
            )
    return reasons


def _session():
    import requests
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(CONN_ID)
    except Exception as exc:  # the SDK raises its own "not found" type
        raise AirflowApiUnavailable(f"no connection {CONN_ID!r}: {exc}") from None
    base = (conn.host or "").rstrip("/")
    if not base.startswith(("http://", "https://")):
        base = f"{conn.schema or 'http'}://{base}{f':{conn.port}' if conn.port else ''}"
    session = requests.Session()
    token = session.post(
        f"{base}/auth/token",
        json={"username": conn.login, "password": conn.password},
        timeout=TIMEOUT_SECONDS,
    )
    if token.status_code >= 400:
        raise AirflowApiUnavailable(f"{base}/auth/token refused {conn.login!r}: {token.status_code}")
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session, base


def _get(session, url: str, params: dict | None = None) -> dict:
    response = session.get(url, params=params, timeout=TIMEOUT_SECONDS)
    if response.status_code >= 400:
        raise AirflowApiUnavailable(f"GET {url}: {response.status_code} {response.text[:200]}")
    return response.json()
