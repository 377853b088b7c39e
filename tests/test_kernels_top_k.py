"""dense_top_k and simhash_top_k against their naive twins."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cib_detect.kernels.top_k import dense_top_k, simhash_top_k
from tests.reference import on_one_and_all_threads
from tests.reference_similarity import naive_dense_top_k, naive_simhash_top_k

tasks = st.sampled_from([None, 1, 2, 3])
min_similarities = st.sampled_from([-1.0, 0.0, 0.5, 0.9])


@st.composite
def profiles(draw, max_rows=24):
    """Unit rows; coordinates from a few values, so that equal rows and equal similarities
    (ties in the ranking) are common. (Not near-duplicates within float32 rounding: there
    dense_top_k's float32 candidates can miss a float64-better row, as documented.)"""
    n = draw(st.integers(0, max_rows))
    d = draw(st.integers(1, 5))
    x = draw(arrays(np.float64, (n, d), elements=st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])))
    x[:, 0] += (x == 0).all(axis=1)  # no zero rows
    # rows of one direction made equal before they are normalised: [2, 2] and [3, 3]
    # scaled to unit length differ in the last bit, a near-tie within float32 rounding
    x /= x.max(axis=1, keepdims=True)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def check(output, expected, k):
    neighbours, similarity = output
    assert neighbours.dtype == np.int64 and similarity.dtype == np.float64
    assert neighbours.shape == similarity.shape == (len(expected[0]), k)
    assert neighbours.tolist() == expected[0]
    assert np.array_equal(similarity, np.array(expected[1]).reshape(-1, k), equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(profiles(), st.integers(1, 4), min_similarities, st.sampled_from([1, 3, 1024]), tasks)
def test_dense_top_k_equals_the_naive_top_k(x, k, min_similarity, block_rows, n_tasks):
    output = on_one_and_all_threads(
        lambda: dense_top_k(x, k, min_similarity, block_rows=block_rows, n_tasks=n_tasks)
    )
    check(output, naive_dense_top_k(x, k, min_similarity), k)


@settings(max_examples=40, deadline=None)
@given(
    profiles(),
    st.integers(1, 4),
    min_similarities,
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(0, 5),
    tasks,
)
def test_simhash_top_k_equals_the_naive_top_k(x, k, min_similarity, n_tables, reach, seed, n_tasks):
    def run():
        return simhash_top_k(
            x, k, min_similarity, n_tables=n_tables, reach=reach, seed=seed, n_tasks=n_tasks
        )

    output = on_one_and_all_threads(run)
    check(output, naive_simhash_top_k(x, k, min_similarity, n_tables, reach, seed), k)
