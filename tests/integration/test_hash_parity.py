"""Python and GoogleSQL give the same data_hash, on the emulator through the real client."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nba_backfill.catalog.hash_spec import HashColumn
from nba_backfill.catalog.hash_spec import row_hash as python_hash
from tests.hash_vectors import decode_row, load_vectors, sql_hashes

pytestmark = pytest.mark.integration

COLUMNS, VECTORS = load_vectors()


def test_sql_reproduces_the_committed_vectors(scratch_dataset, bq):
    rows = [decode_row(v["row"], COLUMNS) for v in VECTORS]
    assert sql_hashes(scratch_dataset, COLUMNS, rows, bq) == [v["data_hash"] for v in VECTORS]


TRICKY_TEXT = st.sampled_from(
    ["|", "\\", "\\N", "a|b", "Dončić", "Jokić", "Schröder", "", " ", "'", '"', "\n"]
)
TEXT = st.one_of(st.none(), TRICKY_TEXT, st.text(max_size=12))
INTS = st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1))
TRICKY_FLOATS = st.sampled_from(
    [
        0.1 + 0.2,
        1e15,
        -0.0,
        0.0,
        2.5e-6,
        -2.5e-6,
        0.5e-6,
        1.0000005,
        123.4567895,
        9e12,
        9.2e18,
        1e300,
        -1e-300,
    ]
)
FLOATS = st.one_of(st.none(), TRICKY_FLOATS, st.floats(allow_nan=True, allow_infinity=True))
BOOLS = st.one_of(st.none(), st.booleans())
DATES = st.one_of(
    st.none(), st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 1, 1))
)
ROW = st.fixed_dictionaries(
    {"s": TEXT, "t": TEXT, "i": INTS, "f": FLOATS, "g": FLOATS, "b": BOOLS, "d": DATES}
)
RANDOM_COLUMNS = [
    HashColumn("s", "STRING"),
    HashColumn("t", "STRING"),
    HashColumn("i", "INT64"),
    HashColumn("f", "FLOAT64"),
    HashColumn("g", "FLOAT64"),
    HashColumn("b", "BOOL"),
    HashColumn("d", "DATE"),
]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=50, max_size=120))
def test_python_equals_sql_for_random_rows(rows, scratch_dataset, bq):
    """Each example is one load and one query over many rows, so the run stays cheap."""
    assert sql_hashes(scratch_dataset, RANDOM_COLUMNS, rows, bq) == [
        python_hash(r, RANDOM_COLUMNS) for r in rows
    ]
