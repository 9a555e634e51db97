"""data_hash spec v1 in Python: the committed vectors and the properties the spec promises."""

from __future__ import annotations

import datetime
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nba_backfill.catalog.hash_spec import (
    HASH_PATTERN,
    VERSION,
    HashColumn,
    canonical_text,
    frame_hashes,
    hash_sql,
    row_hash,
)
from nba_backfill.warehouse.frames import frame
from tests.hash_vectors import decode_row, load_vectors

COLUMNS, VECTORS = load_vectors()


@pytest.mark.parametrize("vector", VECTORS, ids=[v["case"] for v in VECTORS])
def test_python_reproduces_the_committed_vectors(vector):
    row = decode_row(vector["row"], COLUMNS)
    assert row_hash(row, COLUMNS) == vector["data_hash"]


def test_vectors_are_for_this_spec_version():
    assert VERSION == 1


def test_hash_is_16_lowercase_hex():
    assert re.fullmatch(HASH_PATTERN, row_hash({"a": "x"}, [HashColumn("a", "STRING")]))


def test_a_separator_inside_a_value_cannot_move_a_column_boundary():
    cols = [HashColumn("a", "STRING"), HashColumn("b", "STRING")]
    assert row_hash({"a": "a|b", "b": "c"}, cols) != row_hash({"a": "a", "b": "b|c"}, cols)
    assert row_hash({"a": "a\\", "b": "|c"}, cols) != row_hash({"a": "a\\|", "b": "c"}, cols)


def test_null_differs_from_every_string_including_the_sentinel():
    col = [HashColumn("a", "STRING")]
    hashes = {row_hash({"a": v}, col) for v in (None, "\\N", "", "None", "null")}
    assert len(hashes) == 5


def test_floats_use_a_fixed_scale_with_ties_away_from_zero():
    assert canonical_text(0.1 + 0.2, "FLOAT64") == "300000"
    assert canonical_text(-0.0, "FLOAT64") == "0"
    assert canonical_text(2.5e-6, "FLOAT64") == "3"  # 2.5 scaled: half away from zero
    assert canonical_text(-2.5e-6, "FLOAT64") == "-3"
    assert canonical_text(1e15, "FLOAT64") == "!1000000000000000"
    assert canonical_text(float("nan"), "FLOAT64") == "NaN"
    assert canonical_text(float("-inf"), "FLOAT64") == "-Inf"


def test_bool_and_date_render_like_bigquery():
    assert canonical_text(True, "BOOL") == "true"
    assert canonical_text(datetime.date(2021, 11, 7), "DATE") == "2021-11-07"


def test_any_change_of_a_value_changes_the_hash():
    cols = [HashColumn("game_id", "STRING"), HashColumn("points", "INT64"), HashColumn("pace", "FLOAT64")]
    base = {"game_id": "0022100001", "points": 110, "pace": 98.25}
    changed = [{**base, "points": 111}, {**base, "pace": 98.2501}, {**base, "game_id": "0022100002"}]
    assert row_hash(base, cols) not in {row_hash(r, cols) for r in changed}


def test_bad_columns_are_refused():
    with pytest.raises(ValueError, match="not one of"):
        HashColumn("x", "TIMESTAMP")
    with pytest.raises(ValueError, match="not a plain column name"):
        HashColumn("x; drop table t", "STRING")
    with pytest.raises(ValueError, match="at least one column"):
        hash_sql([])


# -- the vectorised rendering equals the reference, row for row ---------------------------


def test_frame_hashes_reproduce_every_committed_vector():
    rows = [decode_row(v["row"], COLUMNS) for v in VECTORS]
    assert frame_hashes(frame(rows, COLUMNS), COLUMNS).to_list() == [v["data_hash"] for v in VECTORS]


_MIXED = [
    HashColumn("s", "STRING"),
    HashColumn("i", "INT64"),
    HashColumn("f", "FLOAT64"),
    HashColumn("b", "BOOL"),
    HashColumn("d", "DATE"),
]
_ties = st.integers(-(10**9), 10**9).map(lambda n: (n + 0.5) / 10**6)  # x.5 after scaling
_row = st.fixed_dictionaries(
    {
        "s": st.none() | st.text(alphabet=st.sampled_from("ab|\\N é")),
        "i": st.none() | st.integers(-(2**63), 2**63 - 1),
        "f": st.none() | st.floats(allow_nan=True, allow_infinity=True) | _ties,
        "b": st.none() | st.booleans(),
        "d": st.none() | st.dates(),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_row, min_size=1, max_size=20))
def test_frame_hashes_equal_row_hash_for_any_rows(rows):
    expected = [row_hash(r, _MIXED) for r in rows]
    assert frame_hashes(frame(rows, _MIXED), _MIXED).to_list() == expected


def test_frame_hashes_agree_on_float_edges():
    edges = [0.5e-6, -0.5e-6, 2.5e-6, 0.49999999999999994e-6, -0.0, 8.999999e12, 9e12, -9e12, 1e15, 9.3e18]
    cols = [HashColumn("f", "FLOAT64")]
    rows = [{"f": x} for x in [*edges, math.nan, math.inf, -math.inf, None]]
    assert frame_hashes(frame(rows, cols), cols).to_list() == [row_hash(r, cols) for r in rows]
