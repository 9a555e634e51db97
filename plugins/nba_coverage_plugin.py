"""Airflow plugin: the Coverage page in the Airflow UI's navigation (``/coverage/``).

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


class CoveragePlugin(AirflowPlugin):
    name = "nba_coverage"
    fastapi_apps = [{"app": _AppOnFirstRequest(), "url_prefix": "/coverage", "name": "NBA backfill coverage"}]
    external_views = [
        {
            "name": "Coverage",
            "href": "/coverage/",
            "url_route": "coverage",
            "destination": "nav",
            "icon": "/coverage/icon.svg",
        }
    ]
