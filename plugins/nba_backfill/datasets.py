"""The BigQuery datasets of the platform; the project and location come from the connection.

Each name can be changed per deployment (``NBA_DATASET_RAW``, ``NBA_DATASET_ANALYTICS``,
``NBA_DATASET_MONITORING``), for example to run a staging copy beside production in one
project. Read at import; a name that is not a plain BigQuery dataset id is refused.
"""

from __future__ import annotations

import os
import re

_DATASET_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,1023}")


def _dataset(variable: str, default: str) -> str:
    name = os.environ.get(variable, default).strip()
    if not _DATASET_ID.fullmatch(name):
        raise ValueError(f"{variable}={name!r} is not a BigQuery dataset id (letters, digits, underscores)")
    return name


RAW = _dataset("NBA_DATASET_RAW", "nba_raw")
"""Scraped source data: schedule, box scores, prop lines."""

ANALYTICS = _dataset("NBA_DATASET_ANALYTICS", "nba_analytics")
"""The analytics tables this package backfills."""

MONITORING = _dataset("NBA_DATASET_MONITORING", "nba_monitoring")
"""This package's own records: backfill log, coverage history."""

ALL = (RAW, ANALYTICS, MONITORING)
