"""The Coverage page: a FastAPI app the Airflow api-server mounts at ``/coverage``.

Mounted apps get no authentication from Airflow, so every route here depends on Airflow's
own security dependencies: the caller's JWT (the UI's ``_token`` cookie or a bearer token)
must resolve to a user, and the auth manager must allow the action.

    GET  /coverage/icon.svg       the navigation icon (public)
    GET  /coverage/               the page (DAG read access)
    GET  /coverage/api/coverage   its data: cards, per-date states, gaps (DAG read access)
    POST /coverage/api/repairs    start a repair backfill (run access on that table's DAG),
                                  created through Airflow's REST API as the caller
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

PAGE = Path(__file__).with_name("page.html")
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" fill="currentColor">'
    '<rect x="1" y="1" width="4" height="4" rx="1"/><rect x="6" y="1" width="4" height="4" rx="1"/>'
    '<rect x="11" y="1" width="4" height="4" rx="1" opacity=".4"/><rect x="1" y="6" width="4" height="4" rx="1"/>'
    '<rect x="6" y="6" width="4" height="4" rx="1" opacity=".4"/><rect x="11" y="6" width="4" height="4" rx="1"/>'
    '<rect x="1" y="11" width="4" height="4" rx="1"/><rect x="6" y="11" width="4" height="4" rx="1"/></svg>'
)
BACKFILL_API = "/api/v2/backfills"


class RepairRequest(BaseModel):
    table: str
    from_date: datetime.date
    to_date: datetime.date
    reprocess_behavior: Literal["completed", "failed"]


def _security():
    # Imported on first use: only the api-server serves these routes, while every Airflow
    # process imports plugin modules.
    from airflow.api_fastapi.core_api import security

    return security


async def _caller(request: Request) -> tuple[object, str]:
    """The user Airflow resolves the caller's JWT to (401/403 if none), and that JWT."""
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN

    security = _security()
    bearer = await security.bearer_scheme(request)
    user = await security.get_user(request, None, bearer)
    if bearer and bearer.scheme.lower() == "bearer":
        return user, bearer.credentials
    return user, request.cookies[COOKIE_NAME_JWT_TOKEN]


async def _reader(request: Request, caller: Annotated[tuple, Depends(_caller)]) -> None:
    _security().requires_access_dag("GET")(request, caller[0])


def _validated(repair: RepairRequest) -> tuple[str, datetime.date, datetime.date]:
    """The DAG and dates of a repair, or a 422 that says what is wrong; nothing is created."""
    from nba_backfill.catalog.partitions import InvalidGameDate, parse_game_date
    from nba_backfill.catalog.registry import REGISTRY

    table = REGISTRY.get(repair.table)
    if table is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            f"unknown table {repair.table!r}; known: {', '.join(REGISTRY)}",
        )
    try:
        first = parse_game_date(repair.from_date.isoformat(), table)
        last = parse_game_date(repair.to_date.isoformat(), table)
    except InvalidGameDate as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from None
    if first > last:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, f"from_date {first} is after to_date {last}"
        )
    return table.dag_id, first, last


def create_app() -> FastAPI:
    app = FastAPI(title="NBA backfill coverage", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/icon.svg")
    def icon() -> Response:  # the navigation entry's icon: public, like Airflow's own assets
        return Response(ICON, media_type="image/svg+xml")

    @app.get("/", response_class=HTMLResponse, dependencies=[Depends(_reader)])
    def page() -> str:
        return PAGE.read_text(encoding="utf-8")

    @app.get("/api/coverage", dependencies=[Depends(_reader)])
    def coverage() -> dict:
        from nba_backfill.ui.data import coverage_page_data
        from nba_backfill.warehouse.client import warehouse_client

        return coverage_page_data(warehouse_client())

    @app.post("/api/repairs", status_code=status.HTTP_201_CREATED)
    async def repair(
        body: RepairRequest, request: Request, caller: Annotated[tuple, Depends(_caller)]
    ) -> dict:
        import httpx
        from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity

        user, token = caller
        dag_id, first, last = _validated(body)
        _security().requires_access_dag("POST", DagAccessEntity.RUN, param_dag_id=dag_id)(request, user)
        payload = {
            "dag_id": dag_id,
            "from_date": f"{first}T00:00:00Z",
            "to_date": f"{last}T00:00:00Z",
            "reprocess_behavior": body.reprocess_behavior,
            "max_active_runs": 4,
        }
        origin = f"{request.url.scheme}://{request.url.netloc}"
        async with httpx.AsyncClient(base_url=origin, timeout=60) as client:
            created = await client.post(
                BACKFILL_API, json=payload, headers={"Authorization": f"Bearer {token}"}
            )
        if created.status_code >= 400:
            detail = created.json().get("detail", created.text) if created.content else created.reason_phrase
            raise HTTPException(created.status_code, f"Airflow refused the backfill: {detail}")
        backfill = created.json()
        return {
            "id": backfill["id"],
            "dag_id": dag_id,
            "from_date": str(first),
            "to_date": str(last),
            "reprocess_behavior": body.reprocess_behavior,
            "command": (
                f"airflow backfill create --dag-id {dag_id} --from-date {first} --to-date {last} "
                f"--reprocess-behavior {body.reprocess_behavior}"
            ),
        }

    return app
