"""_directed_layout and _directed_fill (cnt's directed edges) against their naive twin."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels.directed import _directed_fill, _directed_layout
from tests.reference import naive_directed_edges, on_one_and_all_threads


@st.composite
def account_pairs(draw):
    """Distinct pairs ``a <= b`` sorted by (a, b), as account_pair_stats gives them, with
    the posts of each side: small weights, and weights up to 2**31 - 1 (the packing's
    32 bits)."""
    n_accounts = draw(st.integers(0, 9))
    if n_accounts == 0:
        return 0, [], [], [], []
    pairs = sorted(
        draw(
            st.sets(
                st.tuples(st.integers(0, n_accounts - 1), st.integers(0, n_accounts - 1))
                .map(sorted)
                .map(tuple),
                max_size=30,
            )
        )
    )
    weight = st.one_of(st.integers(0, 4), st.integers(0, 2**31 - 1))
    weight_a = draw(st.lists(weight, min_size=len(pairs), max_size=len(pairs)))
    weight_b = draw(st.lists(weight, min_size=len(pairs), max_size=len(pairs)))
    return n_accounts, [a for a, _ in pairs], [b for _, b in pairs], weight_a, weight_b


@settings(max_examples=60, deadline=None)
@given(account_pairs(), st.integers(1, 4))
def test_directed_edges_equal_the_naive_edges(data, min_weight):
    n_accounts, *columns = data
    a, b, weight_a, weight_b = (np.array(c, dtype=np.int64) for c in columns)

    def run():
        bounds, n_reversed = _directed_layout(a, b, weight_a, weight_b, n_accounts, min_weight)
        packed = np.empty(bounds[-1], np.int64)
        out = np.empty((3, bounds[-1]), np.int64)
        _directed_fill(a, b, weight_a, weight_b, min_weight, bounds, n_reversed, packed, out)
        return bounds, n_reversed, out

    bounds, n_reversed, out = on_one_and_all_threads(run)
    expected = naive_directed_edges(*columns, min_weight)
    assert [tuple(edge) for edge in out.T.tolist()] == expected
    sources = [s for s, _, _ in expected]
    assert np.diff(bounds).tolist() == [sources.count(c) for c in range(n_accounts)]
    reversed_edges = [s for s, t, _ in expected if t < s]
    assert n_reversed.tolist() == [reversed_edges.count(c) for c in range(n_accounts)]
