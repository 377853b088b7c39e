"""link_candidates (union-find over verified candidates) against a naive twin: every
candidate pair with Jaccard >= threshold as an edge, components by breadth-first search."""

import numba
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels.components import component_roots, link_candidates
from tests.reference_similarity import jaccard


def _naive_roots(sets, pairs, threshold):
    neighbours = {d: set() for d in range(len(sets))}
    for i, j in pairs:
        if sets[i] | sets[j] and jaccard(sets[i], sets[j]) >= threshold:
            neighbours[i].add(j)
            neighbours[j].add(i)
    roots = [-1] * len(sets)
    for start in range(len(sets)):
        if roots[start] >= 0:
            continue
        seen, todo = {start}, [start]
        while todo:
            node = todo.pop()
            for other in neighbours[node] - seen:
                seen.add(other)
                todo.append(other)
        for node in seen:
            roots[node] = min(seen)
    return roots


def _csr(sets):
    starts = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    values = np.array([v for s in sets for v in sorted(s)], dtype=np.uint64)
    return starts, values


@st.composite
def candidates(draw):
    sets = draw(st.lists(st.frozensets(st.integers(0, 9), max_size=6), min_size=1, max_size=25))
    n = len(sets)
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80).map(
            lambda ps: [(i, j) for i, j in ps if i != j]
        )
    )
    return sets, pairs


def _linked(sets, pairs, threshold):
    starts, values = _csr(sets)
    parent = np.arange(len(sets), dtype=np.int64)
    left = np.array([i for i, _ in pairs], np.int64)
    right = np.array([j for _, j in pairs], np.int64)
    # one band: no candidate counts as met in an earlier band
    keys = np.zeros((len(sets), 1), np.uint64)
    link_candidates(left, right, np.zeros(len(pairs), np.int64), keys, starts, values,
                    threshold, parent)  # fmt: skip
    return component_roots(parent).tolist()


@settings(max_examples=150, deadline=None)
@given(candidates(), st.sampled_from([0.1, 0.34, 0.5, 0.9, 1.0]))
def test_components_equal_those_of_every_verified_candidate(case, threshold):
    sets, pairs = case
    assert _linked(sets, pairs, threshold) == _naive_roots(sets, pairs, threshold)


@settings(max_examples=40, deadline=None)
@given(candidates(), st.sampled_from([0.34, 0.5]))
def test_the_order_of_the_candidates_and_the_thread_count_do_not_matter(case, threshold):
    sets, pairs = case
    expected = _linked(sets, pairs, threshold)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert _linked(sets, pairs[::-1], threshold) == expected
    finally:
        numba.set_num_threads(threads)


def test_a_pair_met_in_an_earlier_band_is_not_verified_again():
    starts, values = _csr([{1, 2, 3}, {1, 2, 3}])
    keys = np.array([[7, 8], [7, 9]], np.uint64)  # the sets agree on band 0
    parent = np.arange(2, dtype=np.int64)
    checked = link_candidates(np.array([0]), np.array([1]), np.array([1]), keys, starts,
                              values, 0.5, parent)  # fmt: skip
    assert checked == 0 and component_roots(parent).tolist() == [0, 1]
    checked = link_candidates(np.array([0]), np.array([1]), np.array([0]), keys, starts,
                              values, 0.5, parent)  # fmt: skip
    assert checked == 1 and component_roots(parent).tolist() == [0, 0]
