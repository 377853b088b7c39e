"""link_band (union-find over the verified pairs of each LSH bucket) against a naive twin:
every bucket pair with Jaccard >= threshold as an edge, components by breadth-first search."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels.components import NO_BUCKET, component_roots, link_band
from cib_detect.kernels.minhash import band_sorts
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
def banded(draw):
    """Sets in time order with accounts and few distinct band keys, so buckets form."""
    sets = draw(st.lists(st.frozensets(st.integers(0, 9), max_size=6), min_size=1, max_size=25))
    n = len(sets)
    n_bands = draw(st.integers(1, 4))
    keys = draw(st.lists(st.lists(st.integers(0, 3), min_size=n, max_size=n), min_size=n_bands,
                         max_size=n_bands))  # fmt: skip
    time = sorted(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)))
    account = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    return sets, keys, time, account


def _naive_band_roots(sets, keys, time, account, window, threshold, max_bucket):
    """Every pair sharing a key in some band whose bucket has <= max_bucket sets, by
    different accounts within the window, as a candidate of the naive components."""
    pairs = []
    for row in keys:
        for i, j in itertools.combinations(range(len(sets)), 2):
            if (row[i] == row[j] and row.count(row[i]) <= max_bucket
                    and account[i] != account[j] and abs(time[i] - time[j]) <= window):  # fmt: skip
                pairs.append((i, j))
    return _naive_roots(sets, pairs, threshold)


@settings(max_examples=150, deadline=None)
@given(banded(), st.integers(0, 60), st.sampled_from([0.34, 0.5, 1.0]), st.sampled_from([2, 3, 30]))
def test_link_band_components_equal_those_of_every_verified_bucket_pair(
    case, window, threshold, max_bucket
):
    sets, keys, time, account = case
    starts, values = _csr(sets)
    n, n_bands = len(sets), len(keys)
    parent, mark = np.arange(n, dtype=np.int64), np.full(n, -1, np.int64)
    buckets = np.full((n, n_bands), NO_BUCKET, np.uint32)
    for b, row in enumerate(keys):
        order, sorted_keys = band_sorts(np.array([row], np.uint64))
        _, capped = link_band(order[0], sorted_keys[0], b, max_bucket, buckets,
                              np.array(time, np.int64), np.array(account, np.int64), window,
                              starts, values, threshold, parent, mark)  # fmt: skip
        sizes = [row.count(k) for k in set(row)]
        assert sorted(capped.tolist()) == sorted(s for s in sizes if s > max_bucket)
        # sets share a bucket number in a band exactly when they share a kept bucket
        for i, j in itertools.combinations(range(n), 2):
            same = row[i] == row[j] and row.count(row[i]) <= max_bucket
            assert same == (buckets[i, b] == buckets[j, b] != NO_BUCKET)
    assert (mark == -1).all()
    expected = _naive_band_roots(sets, keys, time, account, window, threshold, max_bucket)
    assert component_roots(parent).tolist() == expected
