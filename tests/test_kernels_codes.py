"""_first_seen_codes against its naive twin."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels.codes import _first_seen_codes
from tests.reference import naive_first_seen_codes, on_one_and_all_threads


@st.composite
def hashes(draw):
    """Few or many distinct values (past the table's first doubling at 512), some whose
    low bits collide (multiples of the table sizes) or at the top of the uint64 range."""
    n_distinct = draw(st.sampled_from([1, 3, 50, 700]))
    stride = draw(st.sampled_from([1, 1024, 2**32, 2**53 + 1]))
    offset = draw(st.sampled_from([0, 2**64 - 1 - 700 * (2**53 + 1)]))
    picks = draw(st.lists(st.integers(0, n_distinct - 1), max_size=1500))
    return np.array([offset + p * stride for p in picks], dtype=np.uint64)


@settings(max_examples=40, deadline=None)
@given(hashes())
def test_first_seen_codes_equal_the_naive_codes(values):
    def run():
        codes = np.empty(len(values), np.int64)
        first_rows = _first_seen_codes(values, codes)
        return codes, first_rows

    codes, first_rows = on_one_and_all_threads(run)
    expected_codes, expected_first = naive_first_seen_codes(values.tolist())
    assert codes.tolist() == expected_codes
    assert first_rows.dtype == np.int64 and first_rows.tolist() == expected_first
