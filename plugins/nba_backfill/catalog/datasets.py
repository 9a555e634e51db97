"""The BigQuery datasets of the platform; the project and location come from the connection.

Each name can be changed per deployment (``NBA_DATASET_RAW``, ``NBA_DATASET_ANALYTICS``,
``NBA_DATASET_MONITORING``; see ``settings``).
"""

from __future__ import annotations

from nba_backfill import settings

RAW = settings.DATASET_RAW
"""Scraped source data: schedule, box scores, prop lines."""

ANALYTICS = settings.DATASET_ANALYTICS
"""The analytics tables this package backfills."""

MONITORING = settings.DATASET_MONITORING
"""This package's own records: backfill log, coverage history."""

ALL = (RAW, ANALYTICS, MONITORING)
