"""``hash_sql`` in GoogleSQL's reference evaluator (ZetaSQL) equals Python's ``row_hash``.

The emulator's DuckDB is one engine; ZetaSQL's evaluator is the GoogleSQL reference, so the
SQL path's hash is checked against both (the DuckDB side is tests/integration/test_hash_parity.py).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local_stack.googlesql import GoogleSql
from nba_backfill.catalog.hash_spec import HashColumn, hash_sql, row_hash
from tests.hash_vectors import decode_row, load_vectors

COLUMNS, VECTORS = load_vectors()


@pytest.fixture(scope="module")
def googlesql() -> GoogleSql:
    return GoogleSql()


def _evaluated(googlesql: GoogleSql, columns, row: dict) -> str:
    return googlesql.evaluate(hash_sql(columns), {c.name: (c.type, row[c.name]) for c in columns})


@pytest.mark.parametrize("vector", VECTORS, ids=[v["case"] for v in VECTORS])
def test_googlesql_reproduces_the_committed_vectors(googlesql, vector):
    row = decode_row(vector["row"], COLUMNS)
    assert _evaluated(googlesql, COLUMNS, row) == vector["data_hash"] == row_hash(row, COLUMNS)


def test_a_date_below_year_1000_is_rendered_with_four_digits(googlesql):
    # format_date('%Y-%m-%d') would give '1-01-01' here; the spec writes 0001-01-01.
    import datetime

    cols = [HashColumn("d", "DATE")]
    assert googlesql.evaluate("cast(d as string)", {"d": ("DATE", datetime.date(1, 1, 1))}) == "0001-01-01"
    assert _evaluated(googlesql, cols, {"d": datetime.date(1, 1, 1)}) == row_hash(
        {"d": datetime.date(1, 1, 1)}, cols
    )


_ties = st.integers(-(10**9), 10**9).map(lambda n: (n + 0.5) / 10**6)  # x.5 after scaling
_edges = st.sampled_from([0.0, -0.0, 8.999999e12, 9e12, -9e12, 9.2e18, -9.2e18, 1.7e308, 5e-324])
_row = st.fixed_dictionaries(
    {
        "s": st.none() | st.text(alphabet=st.sampled_from("ab|\\N é\x00ć📈")),
        "i": st.none() | st.integers(-(2**63), 2**63 - 1),
        "f": st.none() | st.floats(allow_nan=True, allow_infinity=True) | _ties | _edges,
        "b": st.none() | st.booleans(),
        "d": st.none() | st.dates(),
    }
)


@settings(max_examples=150, deadline=None)
@given(_row)
def test_googlesql_equals_python_for_any_row(row):
    assert _evaluated(_shared(), COLUMNS, row) == row_hash(row, COLUMNS)


_instance: list[GoogleSql] = []


def _shared() -> GoogleSql:
    if not _instance:
        _instance.append(GoogleSql())
    return _instance[0]
