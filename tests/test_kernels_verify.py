"""verify_candidates against its naive twin: exact Jaccard, each pair from its first band."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels.verify import verify_candidates
from tests.reference import on_one_and_all_threads
from tests.reference_similarity import naive_verify_candidates

tasks = st.sampled_from([None, 1, 2, 3])
thresholds = st.one_of(
    st.sampled_from([0.1, 0.2, 0.25, 1 / 3, 0.5, 0.6, 2 / 3, 0.75, 0.8, 1.0]),
    st.floats(0.01, 1.0),
)


@st.composite
def candidates(draw):
    """Sets of few elements (so that similarities hit the thresholds exactly), band keys
    with few values (so that pairs meet in several bands), and candidate pairs ``i < j``
    with a band each."""
    n_sets = draw(st.integers(2, 12))
    n_bands = draw(st.integers(1, 5))
    sets = draw(
        st.lists(st.frozensets(st.integers(0, 9), max_size=7), min_size=n_sets, max_size=n_sets)
    )
    keys = draw(
        st.lists(
            st.lists(st.integers(0, 2), min_size=n_bands, max_size=n_bands),
            min_size=n_sets,
            max_size=n_sets,
        )
    )
    pair = st.tuples(st.integers(0, n_sets - 1), st.integers(0, n_sets - 1)).filter(
        lambda p: p[0] < p[1]
    )
    pairs = draw(st.lists(st.tuples(pair, st.integers(0, n_bands - 1)), max_size=30))
    return sets, keys, [(i, j, band) for (i, j), band in pairs]


@settings(max_examples=60, deadline=None)
@given(candidates(), thresholds, st.sampled_from([np.int64, np.uint64]), tasks)
def test_verify_candidates_equal_the_naive_verification(data, threshold, dtype, n_tasks):
    sets, keys, pairs = data
    starts = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    values = np.array([v for s in sets for v in sorted(s)], dtype=dtype)
    key_array = np.array(keys, dtype=np.uint64)
    left, right, band = np.array(pairs, dtype=np.int64).reshape(-1, 3).T.copy()
    keep, sims = on_one_and_all_threads(
        lambda: verify_candidates(
            left, right, band, key_array, starts, values, threshold, n_tasks=n_tasks
        )
    )
    assert keep.dtype == np.bool_ and sims.dtype == np.float64
    expected = naive_verify_candidates(pairs, keys, sets, threshold)
    assert keep.tolist() == [kept for kept, _ in expected]
    # exact: the float64 of |A & B| / |A | B|, bit for bit
    assert sims[keep].tolist() == [s for kept, s in expected if kept]
