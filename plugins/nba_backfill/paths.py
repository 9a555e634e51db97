"""Files that ship next to the package, found relative to it (never the working directory)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = PROJECT_ROOT / "include" / "sql"
"""Root of the SQL templates; DAGs use it as their ``template_searchpath``."""
