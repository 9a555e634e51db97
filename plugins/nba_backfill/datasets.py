"""The BigQuery datasets of the platform; the project comes from the connection."""

from __future__ import annotations

RAW = "nba_raw"
"""Scraped source data: schedule, box scores, prop lines."""

ANALYTICS = "nba_analytics"
"""The analytics tables this package backfills."""

MONITORING = "nba_monitoring"
"""This package's own records: backfill log, coverage history."""

ALL = (RAW, ANALYTICS, MONITORING)
