"""_sort_int64 (the one sort every kernel compiles) against Python's sorted()."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels._tasks import _sort_int64
from tests.reference import on_one_and_all_threads

int64s = st.integers(-(2**63), 2**63 - 1)
# few distinct values (long runs of equal keys), any int64, and sorted or reversed runs
values = st.one_of(
    st.lists(st.integers(-3, 3), max_size=200),
    st.lists(int64s, max_size=200),
    st.lists(int64s, max_size=200).map(sorted),
    st.lists(int64s, max_size=200).map(lambda x: sorted(x, reverse=True)),
)


@settings(max_examples=200, deadline=None)
@given(values, st.data())
def test_sort_int64_sorts_its_range_and_leaves_the_rest(items, data):
    n = len(items)
    lo = data.draw(st.integers(0, n))
    hi = data.draw(st.integers(lo, n))

    def run():
        a = np.array(items, dtype=np.int64)
        _sort_int64(a, np.int64(lo), np.int64(hi))
        return a

    got = on_one_and_all_threads(run).tolist()
    assert got == items[:lo] + sorted(items[lo:hi]) + items[hi:]


def test_sort_int64_on_large_sorted_reversed_and_constant_arrays():
    rng = np.random.default_rng(0)
    for a in (
        rng.integers(-(2**63), 2**63 - 1, 100_000, dtype=np.int64),
        np.arange(100_000, dtype=np.int64),
        np.arange(100_000, 0, -1, dtype=np.int64),
        np.full(100_000, 7, np.int64),
        rng.integers(0, 5, 100_000).astype(np.int64),
    ):
        expected = np.sort(a)
        _sort_int64(a, 0, a.shape[0])
        assert np.array_equal(a, expected)
