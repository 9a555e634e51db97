"""``data_hash`` spec v1: one canonical serialization, rendered as Python and as GoogleSQL.

A row's hash lets reprocessing skip rows whose data did not change, so the SQL path
(an UPDATE in BigQuery) and the processor path (Python) must agree to the bit. Both are
generated here from the same rules; nothing else in the code base spells out a hash.

Inputs
    The table's key columns, then every other data column, in registry order; never the
    processing metadata (``data_hash``, ``hash_spec_version``, ``processed_at``, ``run_id``,
    ``run_type``). Distinct rows get distinct hashes and any change of data changes the
    hash. The old pipeline's template hashed only ``game_id|team_abbr|game_date``: a key
    never changes, so that hash could never notice changed data.

Pipeline
    ordered columns -> canonical text of each value -> joined with ``|``
    -> MD5 of the UTF-8 bytes -> lowercase hex -> first 16 characters

Canonical text of a value, by BigQuery type
    NULL     ``\\N`` (a backslash and N). A STRING ``\\N`` is escaped to ``\\\\N``, so
             the two never meet.
    STRING   the value with ``\\`` escaped as ``\\\\`` and ``|`` as ``\\|``, so a separator
             inside a value cannot move a column boundary: ('a|b','c') != ('a','b|c').
    INT64    base-10 digits with a leading ``-`` if negative.
    FLOAT64  never the float-to-string rendering (it differs between engines). The value is
             scaled by 10^6 and rounded half away from zero (BigQuery ``ROUND``), both in
             IEEE double arithmetic on each side, and written as that integer:
             0.1 + 0.2 -> ``300000``, 1.5 -> ``1500000``, -0.0 -> ``0``.
             |x| >= 9e12 (the scaled value would leave INT64): ``!`` and the rounded
             integer itself, e.g. 1e15 -> ``!1000000000000000``; |x| >= 9.2e18: ``!oor``.
             NaN -> ``NaN``, +/-infinity -> ``Inf`` / ``-Inf``.
    BOOL     ``true`` / ``false``.
    DATE     ISO 8601, ``YYYY-MM-DD``.

Three renderings, one spec
    ``row_hash`` (one row, Python: the reference), ``frame_hashes`` (a whole polars frame:
    the canonical text is built column-at-a-time, only the MD5 runs per row) and
    ``hash_sql`` (GoogleSQL). Tests hold all three equal, edge cases included.

Version
    Rows record the spec version that hashed them (``hash_spec_version``). The SQL path
    rehashes rows whose version is older than ``VERSION``, such as the old pipeline's
    key-only hashes, not only rows without a hash.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

VERSION = 1
HASH_LENGTH = 16
HASH_PATTERN = r"^[0-9a-f]{16}$"
SEPARATOR = "|"
NULL_TEXT = "\\N"
FLOAT_SCALE = 10**6
# Beyond this the scaled float no longer fits INT64 (9.22e18).
FLOAT_SCALED_LIMIT = 9e12
# Beyond this even the unscaled float does not.
FLOAT_INT_LIMIT = 9.2e18

HASHABLE_TYPES = ("STRING", "INT64", "FLOAT64", "BOOL", "DATE")


@dataclass(frozen=True)
class HashColumn:
    name: str
    type: str

    def __post_init__(self) -> None:
        if self.type not in HASHABLE_TYPES:
            raise ValueError(f"hash column {self.name!r}: type {self.type!r} is not one of {HASHABLE_TYPES}")
        if not self.name.isidentifier():
            raise ValueError(f"hash column {self.name!r} is not a plain column name")


# -- Python ---------------------------------------------------------------------------------


def canonical_text(value: Any, column_type: str) -> str:
    """The canonical text of one value under spec v1."""
    if value is None:
        return NULL_TEXT
    if column_type == "STRING":
        return str(value).replace("\\", "\\\\").replace(SEPARATOR, "\\" + SEPARATOR)
    if column_type == "INT64":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"INT64 value {value!r} is not an int")
        return str(value)
    if column_type == "FLOAT64":
        return _float_text(float(value))
    if column_type == "BOOL":
        return "true" if value else "false"
    if column_type == "DATE":
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    raise ValueError(f"unknown column type {column_type!r}")


def _round_half_away(x: float) -> int:
    # Decimal(x) is the exact value of the double, so the tie-break sees true halves only.
    return int(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _float_text(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if abs(x) >= FLOAT_INT_LIMIT:
        return "!oor"
    if abs(x) >= FLOAT_SCALED_LIMIT:
        return f"!{_round_half_away(x)}"
    return str(_round_half_away(x * FLOAT_SCALE))


def row_text(row: Mapping[str, Any], columns: Sequence[HashColumn]) -> str:
    return SEPARATOR.join(canonical_text(row[c.name], c.type) for c in columns)


def row_hash(row: Mapping[str, Any], columns: Sequence[HashColumn]) -> str:
    """``data_hash`` of one row: the columns' canonical text, MD5, first 16 hex chars."""
    return hashlib.md5(row_text(row, columns).encode("utf-8")).hexdigest()[:HASH_LENGTH]


# -- polars (vectorised) -------------------------------------------------------------------


def _frame_value_text(column: HashColumn):
    import polars as pl

    ref = pl.col(column.name)
    if column.type == "STRING":
        text = ref.str.replace_all("\\", "\\\\", literal=True).str.replace_all(
            SEPARATOR, "\\" + SEPARATOR, literal=True
        )
    elif column.type in ("INT64", "BOOL", "DATE"):
        # polars renders these exactly as the spec does: digits, true/false, YYYY-MM-DD.
        text = ref.cast(pl.String)
    elif column.type == "FLOAT64":
        x = ref.cast(pl.Float64)
        # Rounding to 0 decimals half away from zero is exact on doubles, like BigQuery ROUND.
        scaled = (x * FLOAT_SCALE).round(0, mode="half_away_from_zero").cast(pl.Int64, strict=False)
        text = (
            pl.when(x.abs() < FLOAT_SCALED_LIMIT)
            .then(scaled.cast(pl.String))
            .when(x.is_nan())
            .then(pl.lit("NaN"))
            .when(x.is_infinite())
            .then(pl.when(x > 0).then(pl.lit("Inf")).otherwise(pl.lit("-Inf")))
            .when(x.abs() < FLOAT_INT_LIMIT)
            .then(
                pl.lit("!")
                + x.round(0, mode="half_away_from_zero").cast(pl.Int64, strict=False).cast(pl.String)
            )
            .when(x.abs() >= FLOAT_INT_LIMIT)
            .then(pl.lit("!oor"))
        )  # NULL matches no branch and stays NULL
    else:
        raise ValueError(f"unknown column type {column.type!r}")
    return text.fill_null(NULL_TEXT)


def frame_texts(frame, columns: Sequence[HashColumn]):
    """The canonical row texts of a polars frame, as a String series (``row_text`` per row)."""
    import polars as pl

    if not columns:
        raise ValueError("a hash needs at least one column")
    return frame.select(
        pl.concat_str([_frame_value_text(c) for c in columns], separator=SEPARATOR).alias("text")
    ).to_series()


def frame_hashes(frame, columns: Sequence[HashColumn]):
    """``row_hash`` of every row of a polars frame, as a String series named ``data_hash``."""
    import polars as pl

    md5 = hashlib.md5
    texts = frame_texts(frame, columns).cast(pl.Binary).to_list()  # UTF-8 bytes
    # MD5 is the one step without a vectorised form here; one C call per row.
    return pl.Series("data_hash", [md5(t).hexdigest()[:HASH_LENGTH] for t in texts], dtype=pl.String)


# -- GoogleSQL ------------------------------------------------------------------------------

_SQL_NULL = "'\\\\N'"  # the SQL literal of the two characters \N


def _sql_value_text(column: HashColumn, alias: str) -> str:
    ref = f"{alias}.{column.name}" if alias else column.name
    if column.type == "STRING":
        text = f"replace(replace({ref}, '\\\\', '\\\\\\\\'), '|', '\\\\|')"
    elif column.type == "INT64":
        text = f"cast({ref} as string)"
    elif column.type == "FLOAT64":
        text = (
            f"case when {ref} is null then null when is_nan({ref}) then 'NaN'"
            f" when is_inf({ref}) then if({ref} > 0, 'Inf', '-Inf')"
            f" when abs({ref}) < {FLOAT_SCALED_LIMIT:.0f}"
            f" then cast(cast(round({ref} * {FLOAT_SCALE}.0) as int64) as string)"
            f" when abs({ref}) < {FLOAT_INT_LIMIT:.0f}"
            f" then concat('!', cast(cast(round({ref}) as int64) as string))"
            " else '!oor' end"
        )
    elif column.type == "BOOL":
        text = f"case {ref} when true then 'true' when false then 'false' end"
    elif column.type == "DATE":
        # CAST zero-pads years below 1000 (0001-01-01) as Python does; format_date's %Y does not.
        text = f"cast({ref} as string)"
    else:
        raise ValueError(f"unknown column type {column.type!r}")
    return f"coalesce({text}, {_SQL_NULL})"


def hash_sql(columns: Sequence[HashColumn], alias: str = "") -> str:
    """A GoogleSQL expression equal to ``row_hash`` for every row."""
    if not columns:
        raise ValueError("a hash needs at least one column")
    # ARRAY_TO_STRING rather than CONCAT: every element is already non-NULL, so the two are
    # equal, and the emulator mistranslates CONCAT with many arguments.
    parts = ", ".join(_sql_value_text(c, alias) for c in columns)
    return f"substr(to_hex(md5(array_to_string([{parts}], '{SEPARATOR}'))), 1, {HASH_LENGTH})"
