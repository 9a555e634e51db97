"""The column of every table the package knows: a name, a BigQuery type, and whether it is REQUIRED."""

from __future__ import annotations

from dataclasses import dataclass

COLUMN_TYPES = ("STRING", "INT64", "FLOAT64", "BOOL", "DATE", "TIMESTAMP")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False  # REQUIRED in the DDL; key columns always are


def columns_from_spec(spec: str) -> tuple[Column, ...]:
    """``"name TYPE, name TYPE"`` -> columns; keeps the table definitions readable."""
    columns = []
    for part in spec.split(","):
        name, kind = part.split()
        columns.append(Column(name, kind))
    return tuple(columns)
