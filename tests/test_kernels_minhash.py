"""hash_coefficients, band_keys, band_key_rows and band_sorts against their naive twins."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cib_detect.kernels.minhash import (
    BUCKET_BITS,
    band_key_rows,
    band_keys,
    band_sorts,
    hash_coefficients,
)
from tests.reference import on_one_and_all_threads
from tests.reference_similarity import (
    naive_band_keys,
    naive_hash_coefficients,
)

tasks = st.sampled_from([None, 1, 2, 3])
# small ids and full-width hashes: both kinds of set element the kernels see
elements = st.one_of(st.integers(0, 20), st.integers(0, 2**64 - 1))
sets = st.lists(st.frozensets(elements, max_size=8), max_size=20)


def csr(sets):
    starts = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    values = np.array([v for s in sets for v in sorted(s)], dtype=np.uint64)
    return starts, values


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 40), st.integers(0, 2**32))
def test_hash_coefficients_equal_the_naive_draws(n_hashes, seed):
    mult, add = on_one_and_all_threads(lambda: hash_coefficients(n_hashes, seed))
    assert mult.dtype == add.dtype == np.uint64
    assert (mult.tolist(), add.tolist()) == naive_hash_coefficients(n_hashes, seed)
    assert np.all(mult % 2 == 1)


@settings(max_examples=50, deadline=None)
@given(sets, st.integers(1, 6), st.integers(1, 4), st.integers(0, 3), tasks)
def test_band_keys_equal_the_naive_keys(sets, n_bands, rows, seed, n_tasks):
    starts, values = csr(sets)
    keys = on_one_and_all_threads(
        lambda: band_keys(starts, values, n_bands, rows, seed, n_tasks=n_tasks)
    )
    assert keys.dtype == np.uint64 and keys.shape == (len(sets), n_bands)
    mult, add = naive_hash_coefficients(n_bands * rows, seed)
    assert keys.tolist() == naive_band_keys(sets, mult, add, n_bands, rows)


# few distinct keys so that buckets form; values in every radix digit of a uint64
bucket_keys = st.integers(0, 6).flatmap(
    lambda n_bands: arrays(
        np.uint64,
        st.tuples(st.integers(0, 25), st.just(n_bands)),
        elements=st.sampled_from([0, 1, 7, 2**11, 2**33 + 1, 2**40 + 3, 2**63, 2**64 - 1]),
    )
)


def test_equal_sets_share_every_key_and_disjoint_sets_none():
    starts, values = csr([{1, 2, 3}, {3, 2, 1}, {7, 9}])
    keys = band_keys(starts, values, n_bands=8, rows=2)
    assert np.array_equal(keys[0], keys[1]) and not np.any(keys[0] == keys[2])


@settings(max_examples=50, deadline=None)
@given(sets, st.integers(1, 6), st.integers(1, 4), st.integers(0, 3), tasks, st.data())
def test_band_key_rows_equal_the_naive_keys_of_their_bands(
    sets, n_bands, rows, seed, n_tasks, data
):
    first = data.draw(st.integers(0, n_bands))
    last = data.draw(st.integers(first, n_bands))
    starts, values = csr(sets)
    keys = on_one_and_all_threads(
        lambda: band_key_rows(starts, values, first, last, n_bands, rows, seed, n_tasks=n_tasks)
    )
    assert keys.dtype == np.uint64 and keys.shape == (last - first, len(sets))
    mult, add = naive_hash_coefficients(n_bands * rows, seed)
    expected = naive_band_keys(sets, mult, add, n_bands, rows)
    assert keys.tolist() == [[row[b] for row in expected] for b in range(first, last)]


@settings(max_examples=60, deadline=None)
@given(bucket_keys.map(lambda keys: np.ascontiguousarray(keys.T)))
def test_band_sorts_equal_a_stable_sort_of_each_band_on_the_low_bits(keys):
    order, sorted_keys = on_one_and_all_threads(lambda: band_sorts(keys))
    assert order.dtype == np.int64 and sorted_keys.dtype == np.uint64
    low = (1 << BUCKET_BITS) - 1
    for b, row in enumerate(keys.tolist()):
        # Python's sort is stable
        expected = sorted(range(len(row)), key=lambda d: row[d] & low)
        assert order[b].tolist() == expected
        assert sorted_keys[b].tolist() == [row[d] for d in expected]
