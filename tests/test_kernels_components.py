"""link_bands (union-find forests over the verified pairs of each LSH bucket) against a
naive twin: every bucket pair with Jaccard >= threshold as an edge, components by
breadth-first search."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels.components import component_roots, link_bands, new_forests
from cib_detect.kernels.minhash import band_sorts
from tests.reference import on_one_and_all_threads
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


# Band keys with collisions on the low BUCKET_BITS bits (1 and 2**33 + 1, 0 and 2**40),
# so that runs holding two buckets are split by the full key.
KEYS = [0, 1, 3, 2**33 + 1, 2**40]


@st.composite
def banded(draw):
    """Sets in time order with accounts and few distinct band keys, so buckets form."""
    sets = draw(st.lists(st.frozensets(st.integers(0, 9), max_size=6), min_size=1, max_size=25))
    n = len(sets)
    n_bands = draw(st.integers(1, 5))
    keys = draw(st.lists(st.lists(st.sampled_from(KEYS), min_size=n, max_size=n),
                         min_size=n_bands, max_size=n_bands))  # fmt: skip
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
@given(banded(), st.integers(0, 60), st.sampled_from([0.34, 0.5, 1.0]), st.sampled_from([2, 3, 30]),
       st.integers(1, 3), st.sampled_from([None, 1, 2, 3]))  # fmt: skip
def test_link_bands_components_equal_those_of_every_verified_bucket_pair(
    case, window, threshold, max_bucket, per_call, n_forests
):
    sets, keys, time, account = case
    starts, values = _csr(sets)
    n, n_bands = len(sets), len(keys)

    def run():
        forests, marks = new_forests(n, n_bands, n_forests)
        capped = []
        for first in range(0, n_bands, per_call):  # bands a few per call, as detect does
            order, sorted_keys = band_sorts(np.array(keys[first : first + per_call], np.uint64))
            _, sizes = link_bands(order, sorted_keys, max_bucket, np.array(time, np.int64),
                                  np.array(account, np.int64), window, starts, values,
                                  threshold, forests, marks)  # fmt: skip
            capped.extend(sorted(band.tolist()) for band in sizes)
        assert (marks == -1).all()
        return component_roots(forests), capped

    roots, capped = on_one_and_all_threads(run)
    assert capped == [sorted(c for c in map(row.count, set(row)) if c > max_bucket) for row in keys]
    assert roots.tolist() == _naive_band_roots(
        sets, keys, time, account, window, threshold, max_bucket
    )


def test_component_roots_merge_the_forests():
    forests = np.array([[0, 0, 2, 3, 4], [0, 1, 1, 3, 3], [0, 1, 2, 2, 4]])
    assert component_roots(forests).tolist() == [0, 0, 0, 0, 0]
