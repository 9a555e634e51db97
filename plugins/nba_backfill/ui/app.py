"""The Coverage page: a FastAPI app the Airflow api-server mounts at ``/coverage``.

Mounted apps get no authentication from Airflow, so every route here depends on Airflow's
own security dependencies: the caller's JWT (the UI's ``_token`` cookie or a bearer token)
must resolve to a user, and the auth manager must allow the action.

    GET  /coverage/icon.svg       the navigation icon (public)
    GET  /coverage/               the page (DAG read access; a browser without a session is
                                  sent to Airflow's login and back)
    GET  /coverage/api/coverage   its data: cards, per-date states, gaps (DAG read access)
    GET  /coverage/api/dates/{table}/{date}  one date measured now, with its problem keys
    POST /coverage/api/repairs    start a repair (run access on that table's DAG): a backfill of
                                  per-date runs or one range run, created through Airflow's
                                  REST API as the caller; a paused DAG is unpaused first (its
                                  runs would sit queued forever), and the answer says so
    GET  /coverage/api/progress   repairs and verifications running or ended in the last day, with
                                  done / total game dates and an ETA (read from Airflow's REST API
                                  as the caller)
    POST /coverage/api/verifications  start a verification of tables over a range (run access on
                                  the verification DAG); one already running for the same request
                                  is answered instead of a second
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

PAGE = Path(__file__).with_name("page.html")
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" fill="currentColor">'
    '<rect x="1" y="1" width="4" height="4" rx="1"/><rect x="6" y="1" width="4" height="4" rx="1"/>'
    '<rect x="11" y="1" width="4" height="4" rx="1" opacity=".4"/><rect x="1" y="6" width="4" height="4" rx="1"/>'
    '<rect x="6" y="6" width="4" height="4" rx="1" opacity=".4"/><rect x="11" y="6" width="4" height="4" rx="1"/>'
    '<rect x="1" y="11" width="4" height="4" rx="1"/><rect x="6" y="11" width="4" height="4" rx="1"/></svg>'
)
BACKFILL_API = "/api/v2/backfills"
DATE_KEYS = 50
"""Problem keys of each kind listed when a date is opened on the page."""
DAG_API = "/api/v2/dags/{dag_id}"


class VerificationRequest(BaseModel):
    tables: list[str] | None = None
    """Default: every table."""
    from_date: datetime.date | None = None
    to_date: datetime.date | None = None
    reason: str = ""
    """Shown in the answer and as the run's note, e.g. the repair that ended."""
    stale_days: int | None = Field(None, ge=0)
    """Newest days of the range recomputed from raw data for stale rows (default: the DAG's)."""
    after_repair: str | None = None
    """``<dag_id>:<backfill or run id>`` of the repair it follows: at most one verification
    per repair, however many pages ask (its run id is derived from it)."""


class RepairRequest(BaseModel):
    table: str
    from_date: datetime.date
    to_date: datetime.date
    kind: Literal["backfill", "range"] = "backfill"
    reprocess_behavior: Literal["completed", "failed", ""] = "failed"
    mode: Literal["sql", "processor"] = "processor"


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


def _may_run(user, *dag_ids: str) -> bool:
    """Whether ``user`` may start runs of the DAGs and unpause them."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    return all(
        get_auth_manager().is_authorized_dag(
            method=method, access_entity=entity, details=DagDetails(id=dag_id), user=user
        )
        for dag_id in dag_ids
        for method, entity in (("POST", DagAccessEntity.RUN), ("PUT", None))
    )


def _may_repair(user, table_name: str) -> bool:
    """Whether ``user`` may start runs of both of the table's DAGs (per-date and range)."""
    from nba_backfill.catalog.registry import REGISTRY

    table = REGISTRY[table_name]
    return _may_run(user, table.dag_id, table.range_dag_id)


def _login_url(next_url: str) -> str:
    """Airflow's login page, sending the browser back to ``next_url`` afterwards."""
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager().get_url_login(next_url=next_url)


async def _reader(request: Request, caller: Annotated[tuple, Depends(_caller)]) -> None:
    _security().requires_access_dag("GET")(request, caller[0])


def _validated(request: RepairRequest):
    """The repair a request stands for, or a 422 that says what is wrong; nothing is created."""
    from nba_backfill.catalog.partitions import InvalidGameDate, parse_game_date
    from nba_backfill.catalog.registry import REGISTRY
    from nba_backfill.coverage.repairs import Repair

    table = REGISTRY.get(request.table)
    if table is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            f"unknown table {request.table!r}; known: {', '.join(REGISTRY)}",
        )
    try:
        first = parse_game_date(request.from_date.isoformat(), table)
        last = parse_game_date(request.to_date.isoformat(), table)
    except InvalidGameDate as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from None
    if first > last:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, f"from_date {first} is after to_date {last}"
        )
    if request.kind == "backfill" and not request.reprocess_behavior:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            "a per-date backfill needs reprocess_behavior completed or failed",
        )
    behavior = request.reprocess_behavior if request.kind == "backfill" else ""
    return Repair(table.name, first, last, behavior, 0, kind=request.kind, mode=request.mode)


async def _ensure_unpaused(client, dag_id: str, headers: dict) -> bool:
    """Unpause ``dag_id`` as the caller if it is paused; True if it was. 409 if Airflow refuses."""
    dag = await client.get(DAG_API.format(dag_id=dag_id), headers=headers)
    if dag.status_code >= 400:
        raise HTTPException(dag.status_code, f"Airflow could not read {dag_id}: {_detail(dag)}")
    if not dag.json().get("is_paused"):
        return False
    unpaused = await client.patch(DAG_API.format(dag_id=dag_id), json={"is_paused": False}, headers=headers)
    if unpaused.status_code >= 400:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"{dag_id} is paused and Airflow refused to unpause it for you ({_detail(unpaused)}): its runs "
            f"would never start. Unpause it in the DAG list (or `airflow dags unpause {dag_id}`), then repair.",
        )
    return True


def _run_id_after(repair: str) -> str:
    """The verification run id that follows ``repair``: one per repair, whoever asks."""
    import hashlib

    return f"after_repair__{hashlib.sha256(repair.encode()).hexdigest()[:16]}"


def _same_request(run_conf: dict, conf: dict) -> bool:
    return all(run_conf.get(k) == v for k, v in conf.items())


def _self_client(request: Request):
    """An HTTP client on this api-server: the page's actions go through Airflow's REST API."""
    import httpx

    return httpx.AsyncClient(base_url=f"{request.url.scheme}://{request.url.netloc}", timeout=60)


def _detail(response) -> str:
    if not response.content:
        return response.reason_phrase
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        return response.text
    return detail if isinstance(detail, str) else str(detail)


def create_app() -> FastAPI:
    app = FastAPI(title="NBA backfill coverage", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/icon.svg")
    def icon() -> Response:  # the navigation entry's icon: public, like Airflow's own assets
        return Response(ICON, media_type="image/svg+xml")

    @app.get("/", response_class=HTMLResponse)
    async def page(request: Request) -> Response:
        try:
            caller = await _caller(request)
        except HTTPException as exc:
            if exc.status_code != status.HTTP_401_UNAUTHORIZED:
                raise
            # A browser without a session logs in first and comes back here.
            return RedirectResponse(_login_url(str(request.url)), status_code=status.HTTP_303_SEE_OTHER)
        await _reader(request, caller)  # 403 for a user who may not read DAGs
        return HTMLResponse(PAGE.read_text(encoding="utf-8"))

    @app.get("/api/coverage", dependencies=[Depends(_reader)])
    def coverage(caller: Annotated[tuple, Depends(_caller)]) -> dict:
        from nba_backfill import settings
        from nba_backfill.ui.data import coverage_page_data
        from nba_backfill.warehouse.client import warehouse_client

        data = coverage_page_data(warehouse_client())
        for table in data["tables"]:
            table["can_repair"] = _may_repair(caller[0], table["table"])
        data["verify_dag_id"] = settings.VERIFY_DAG_ID
        data["can_verify"] = _may_run(caller[0], settings.VERIFY_DAG_ID)
        return data

    @app.get("/api/progress", dependencies=[Depends(_reader)])
    async def progress(request: Request, caller: Annotated[tuple, Depends(_caller)]) -> dict:
        from nba_backfill import clock, settings
        from nba_backfill.catalog.registry import TABLES
        from nba_backfill.ui.data import cached_game_dates
        from nba_backfill.ui.progress import AirflowReader, AirflowRefused, in_flight
        from nba_backfill.warehouse.client import warehouse_client

        game_dates = cached_game_dates(warehouse_client())
        async with _self_client(request) as client:
            api = AirflowReader(client, {"Authorization": f"Bearer {caller[1]}"})
            try:
                found = await in_flight(api, TABLES, settings.VERIFY_DAG_ID, game_dates, clock.now())
            except AirflowRefused as exc:
                raise HTTPException(exc.status_code, f"Airflow refused: {exc}") from None
        return {**found, "as_of": clock.now().isoformat()}

    @app.post("/api/verifications", status_code=status.HTTP_201_CREATED)
    async def verification(
        body: VerificationRequest,
        request: Request,
        response: Response,
        caller: Annotated[tuple, Depends(_caller)],
    ) -> dict:
        from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity

        from nba_backfill import clock, settings
        from nba_backfill.coverage import CoverageRequestError, plan

        user, token = caller
        dag_id = settings.VERIFY_DAG_ID
        _security().requires_access_dag("POST", DagAccessEntity.RUN, param_dag_id=dag_id)(request, user)
        try:
            tables, ranges = plan(body.tables or None, body.from_date, body.to_date, now=clock.now())
        except CoverageRequestError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from None
        first = min(start for start, _ in ranges.values())
        last = max(end for _, end in ranges.values())
        conf = {
            "tables": [t.name for t in tables],
            "from_date": str(body.from_date or first),
            "to_date": str(body.to_date or last),
        }
        if body.stale_days is not None:
            conf["stale_days"] = body.stale_days
        headers = {"Authorization": f"Bearer {token}"}
        async with _self_client(request) as client:
            runs = await client.get(
                f"{DAG_API.format(dag_id=dag_id)}/dagRuns",
                params={"state": ["queued", "running"], "limit": 50},
                headers=headers,
            )
            if runs.status_code >= 400:
                raise HTTPException(
                    runs.status_code, f"Airflow could not list {dag_id} runs: {_detail(runs)}"
                )
            same = [r for r in runs.json()["dag_runs"] if _same_request(r.get("conf") or {}, conf)]
            if same:
                response.status_code = status.HTTP_200_OK
                return {
                    "id": same[0]["dag_run_id"],
                    "dag_id": dag_id,
                    "created": False,
                    **conf,
                    "message": f"already verifying: run {same[0]['dag_run_id']} of {dag_id}",
                }
            unpaused = await _ensure_unpaused(client, dag_id, headers)
            run = {"logical_date": None, "conf": conf}
            if body.after_repair:
                run["dag_run_id"] = _run_id_after(body.after_repair)
            if body.reason:
                run["note"] = body.reason
            created = await client.post(f"{DAG_API.format(dag_id=dag_id)}/dagRuns", json=run, headers=headers)
        if created.status_code == status.HTTP_409_CONFLICT and body.after_repair:
            response.status_code = status.HTTP_200_OK  # another page asked first
            return {
                "id": run["dag_run_id"],
                "dag_id": dag_id,
                "created": False,
                **conf,
                "message": f"already verified after that repair: run {run['dag_run_id']} of {dag_id}",
            }
        if created.status_code >= 400:
            raise HTTPException(created.status_code, f"Airflow refused the verification: {_detail(created)}")
        run_id = created.json()["dag_run_id"]
        from nba_backfill.catalog.registry import REGISTRY

        what = "every table" if len(tables) == len(REGISTRY) else ", ".join(conf["tables"])
        why = f" ({body.reason})" if body.reason else ""
        note = f"; {dag_id} was paused: unpaused it, so its nightly runs start again too" if unpaused else ""
        return {
            "id": run_id,
            "dag_id": dag_id,
            "created": True,
            **conf,
            "unpaused": unpaused,
            "message": f"verifying {what} {conf['from_date']}..{conf['to_date']}{why}: run {run_id} of {dag_id}{note}",
        }

    @app.get("/api/dates/{table_name}/{game_date}", dependencies=[Depends(_reader)])
    def date_detail(table_name: str, game_date: datetime.date) -> dict:
        """One date measured now: its state, figures and problem keys (the first 50 of each kind)."""
        from nba_backfill.catalog.partitions import InvalidGameDate, parse_game_date
        from nba_backfill.catalog.registry import REGISTRY
        from nba_backfill.coverage.measure import measure_table
        from nba_backfill.coverage.staleness import check_coverages
        from nba_backfill.warehouse.client import warehouse_client

        table = REGISTRY.get(table_name)
        if table is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown table {table_name!r}")
        try:
            day = parse_game_date(game_date.isoformat(), table)
        except InvalidGameDate as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from None
        client = warehouse_client()
        coverage = measure_table(table, day, day, client, parity_sample=0, key_limit=DATE_KEYS)
        # The date recomputed from today's raw data too: a stale date says so here as well.
        check_coverages([table], [coverage], 1, client)
        (figures,) = coverage.dates or [None]
        found = coverage.staleness
        keys = {problem: [key.describe() for key in keys] for problem, keys in coverage.problem_keys.items()}
        keys["stale"] = list(found.keys)
        return {
            "table": table.name,
            "game_date": str(day),
            "state": figures.state if figures else "no_games",
            "expected": figures.expected if figures else 0,
            "present": figures.present if figures else 0,
            "hashed": figures.hashed if figures else 0,
            "stale": figures.stale if figures else 0,
            "stale_error": found.error,
            "stale_note": (
                f"recomputed from today's raw data, reading {', '.join(table.upstream)} as stored "
                "(the nightly check also judges them as their reprocess will write them)"
                if table.upstream
                else "recomputed from today's raw data"
            ),
            "keys": {problem: listed for problem, listed in keys.items() if listed},
        }

    @app.post("/api/repairs", status_code=status.HTTP_201_CREATED)
    async def repair(
        body: RepairRequest, request: Request, caller: Annotated[tuple, Depends(_caller)]
    ) -> dict:
        from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity

        user, token = caller
        wanted = _validated(body)
        dag_id = wanted.dag_id
        _security().requires_access_dag("POST", DagAccessEntity.RUN, param_dag_id=dag_id)(request, user)
        headers = {"Authorization": f"Bearer {token}"}
        async with _self_client(request) as client:
            unpaused = await _ensure_unpaused(client, dag_id, headers)
            if wanted.kind == "range":
                created = await client.post(
                    f"{DAG_API.format(dag_id=dag_id)}/dagRuns",
                    json={"logical_date": None, "conf": wanted.conf},
                    headers=headers,
                )
            else:
                created = await client.post(
                    BACKFILL_API,
                    json={
                        "dag_id": dag_id,
                        "from_date": f"{wanted.from_date}T00:00:00Z",
                        "to_date": f"{wanted.to_date}T00:00:00Z",
                        "reprocess_behavior": wanted.reprocess_behavior,
                        "max_active_runs": 4,
                    },
                    headers=headers,
                )
        if created.status_code >= 400:
            raise HTTPException(created.status_code, f"Airflow refused the repair: {_detail(created)}")
        made = created.json()
        started = (
            f"run {made['dag_run_id']} of {dag_id} started"
            if wanted.kind == "range"
            else f"backfill #{made['id']} started"
        )
        span = f"{wanted.from_date}..{wanted.to_date}"
        how = f"{wanted.mode} path" if wanted.kind == "range" else f"reprocess {wanted.reprocess_behavior}"
        note = f"; {dag_id} was paused: unpaused it so the runs can start" if unpaused else ""
        return {
            "id": made["dag_run_id"] if wanted.kind == "range" else made["id"],
            "kind": wanted.kind,
            "dag_id": dag_id,
            "from_date": str(wanted.from_date),
            "to_date": str(wanted.to_date),
            "reprocess_behavior": wanted.reprocess_behavior,
            "mode": wanted.mode,
            "unpaused": unpaused,
            "message": f"{started}: {dag_id} {span} ({how}){note}",
            "command": wanted.command,
        }

    return app
