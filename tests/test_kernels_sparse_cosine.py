"""sparse_cosine_pairs against its naive twin: every pair of rows sharing a column."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels import sparse_cosine
from cib_detect.kernels.sparse_cosine import sparse_cosine_pairs
from tests.reference import on_one_and_all_threads
from tests.reference_similarity import naive_sparse_cosine_pairs

tasks = st.sampled_from([None, 1, 2, 3])
# repeated values give equal similarities, so ties in the ranking are common
values = st.one_of(st.sampled_from([0.25, 0.5, 1.0, 1 / 3]), st.floats(0.01, 1.0))
rows = st.integers(1, 8).flatmap(
    lambda n_cols: st.tuples(
        st.just(n_cols),
        st.lists(
            st.dictionaries(
                st.integers(0, n_cols - 1), st.tuples(values, st.integers(1, 4)), max_size=n_cols
            ),
            max_size=14,
        ),
    )
)


@settings(max_examples=60, deadline=None)
@given(
    rows,
    st.sampled_from([-1.0, 0.0, 0.1, 0.3, 0.5]),
    st.integers(0, 3),
    st.sampled_from([None, 1, 2, 5]),
    tasks,
    # buffer places of the count pass: all rows written there, none, or some (the rest
    # recomputed by the fill pass)
    st.sampled_from([None, 0, 3]),
)
def test_sparse_cosine_pairs_equal_the_naive_pairs(
    data, min_similarity, min_shared, top_k, n_tasks, buffer_pairs
):
    n_cols, matrix = data
    cells = [(a, c, *matrix[a][c]) for a in range(len(matrix)) for c in sorted(matrix[a])]
    row_starts = np.concatenate([[0], np.cumsum([len(r) for r in matrix])]).astype(np.int64)
    cols = np.array([c for _, c, _, _ in cells], dtype=np.int64)
    vals = np.array([v for _, _, v, _ in cells], dtype=np.float64)
    counts = np.array([n for _, _, _, n in cells], dtype=np.int64)
    default = sparse_cosine._BUFFER_PAIRS
    if buffer_pairs is not None:
        sparse_cosine._BUFFER_PAIRS = buffer_pairs
    try:
        output = on_one_and_all_threads(
            lambda: sparse_cosine_pairs(
                row_starts,
                cols,
                vals,
                counts,
                n_cols,
                min_similarity,
                min_shared,
                top_k,
                n_tasks=n_tasks,
            )
        )
    finally:
        sparse_cosine._BUFFER_PAIRS = default
    assert all(column.dtype == np.int64 for i, column in enumerate(output) if i != 2)
    assert output[2].dtype == np.float64
    got = list(zip(*(column.tolist() for column in output), strict=True))
    assert got == naive_sparse_cosine_pairs(matrix, min_similarity, min_shared, top_k)
