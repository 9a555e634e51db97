"""Airflow plugin: the Coverage page in the Airflow UI's navigation (``/coverage/``).

Opened from the navigation, the address bar reads ``/plugin/coverage/coverage/``: Airflow 3.3
mirrors a nav iframe's own path under ``/plugin/<url_route>`` so that framed pages are
deep-linkable (its UI's ``useIframeUrlSync`` hook); a plugin cannot choose that URL. Both it
and ``/plugin/coverage`` show the page.

The page and its API live in ``nba_backfill.ui``; this module only registers them. Every
Airflow process imports plugin modules (task processes included), so the app is built on
its first request, in the api-server, and importing this module costs nothing.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin


class _AppOnFirstRequest:
    """An ASGI app that builds ``nba_backfill.ui.app.create_app()`` when first called."""

    def __init__(self) -> None:
        self._app = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            from nba_backfill.ui.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)


PREFIX = "/coverage"


class _PrefixWithSlash:
    """ASGI middleware: ``/coverage`` redirects to ``/coverage/``.

    The mount serves ``/coverage/...`` only; Airflow's UI catch-all answers ``/coverage``
    itself, so the deep link ``/plugin/coverage/coverage`` framed the whole Airflow UI.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == scope.get("root_path", "") + PREFIX:
            query = scope.get("query_string", b"")
            location = b"coverage/" + (b"?" + query if query else b"")  # relative: any base_url
            await send({"type": "http.response.start", "status": 308, "headers": [(b"location", location)]})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


class CoveragePlugin(AirflowPlugin):
    name = "nba_coverage"
    fastapi_apps = [{"app": _AppOnFirstRequest(), "url_prefix": PREFIX, "name": "NBA backfill coverage"}]
    fastapi_root_middlewares = [
        {"middleware": _PrefixWithSlash, "name": "coverage page: /coverage -> /coverage/"}
    ]
    external_views = [
        {
            "name": "Coverage",
            "href": "/coverage/",
            "url_route": "coverage",
            "destination": "nav",
            "icon": "/coverage/icon.svg",
        }
    ]
