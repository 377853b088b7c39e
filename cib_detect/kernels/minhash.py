"""MinHash band keys of sets, and their sort within each band.

Sets are CSR: set ``d`` is ``values[starts[d]:starts[d + 1]]``, sorted and without
repeats (uint64 shingle hashes from :mod:`cib_detect.kernels.shingles`, or int64 ids).

MinHash (Broder 1997): for ``n_bands * rows`` hash functions ``h_k``, the signature of a set
``S`` is ``min h_k(S)``; two sets agree on one coordinate with probability their Jaccard
similarity ``J``. LSH banding (Leskovec, Rajaraman and Ullman, *Mining of Massive
Datasets*, ch. 3): the coordinates are cut into ``n_bands`` bands of ``rows``; a pair is a
candidate when some band agrees entirely, with probability ``1 - (1 - J**rows)**n_bands``.
Only band keys (a 64-bit hash of each band) are kept, never the full signature; the
candidates are checked exactly by :func:`cib_detect.kernels.components.link_bands`.

Parallel kernels split their items into one contiguous block per task of about equal work
(or one task per band) and write each item's own output slot, so results do not depend on
the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._mix import _GOLDEN, _fmix64
from cib_detect.kernels._tasks import (
    _MIN_SETS_PER_TASK,
    _check_csr,
    _n_tasks,
    _readonly,
    _split_by_work,
)

__all__ = ["band_key_rows", "band_keys", "band_sorts", "hash_coefficients"]


@njit(**NJIT_KW)
def _signature_task(first, last, starts, values, mult, add, first_band, rows, keys):
    """Band keys of sets ``first..last-1`` in bands ``first_band..first_band+len(keys)-1``
    into ``keys[band - first_band, set]`` (band-major). Hash ``k`` of value ``x`` is the
    top 32 bits of ``mult[k] * fmix64(x) + add[k]`` (mod 2**64: multiply-shift hashing of
    a mixed 64-bit value; ``mult``, ``add`` are those of these bands); a band key mixes
    the ``rows`` minima of its band and the band's number."""
    n_bands = keys.shape[0]
    n_hashes = n_bands * rows
    minima = np.empty(n_hashes, np.uint64)
    top = np.uint64(32)
    for d in range(first, last):
        for k in range(n_hashes):
            minima[k] = np.uint64(0xFFFFFFFFFFFFFFFF)
        for i in range(starts[d], starts[d + 1]):
            # mixed once, so that structured inputs (small ids) hash as well as hashes do
            x = _fmix64(np.uint64(values[i]) ^ _GOLDEN)
            for k in range(n_hashes):
                # min(), not a conditional store: the loop vectorises (1.5x faster)
                minima[k] = min(minima[k], (mult[k] * x + add[k]) >> top)
        for band in range(n_bands):
            key = np.uint64(first_band + band) * _GOLDEN
            for r in range(rows):
                key = _fmix64(key ^ minima[band * rows + r]) + _GOLDEN
            keys[band, d] = key


@njit(**PARALLEL_KW)
def _signature_parallel(bounds, starts, values, mult, add, first_band, rows, keys):
    for t in prange(bounds.shape[0] - 1):
        _signature_task(bounds[t], bounds[t + 1], starts, values, mult, add, first_band, rows, keys)


def _band_key_rows(starts, values, mult, add, first_band, last_band, rows, n_tasks):
    """Driver in Python: a serial run never compiles the parallel kernel (several times
    dearer to compile); serial and parallel runs share one specialisation of the task."""
    n_sets = starts.shape[0] - 1
    keys = np.empty((last_band - first_band, n_sets), np.uint64)
    lo, hi = first_band * rows, last_band * rows
    args = (*_readonly(starts, values, mult[lo:hi], add[lo:hi]), np.int64(first_band), rows)
    if n_tasks == 1:
        _signature_task(np.int64(0), np.int64(n_sets), *args, keys)
    else:
        bounds = _split_by_work(np.diff(starts) + 1, np.int64(n_tasks))
        _signature_parallel(bounds, *args, keys)
    return keys


#: Bits of a band key that :func:`band_sorts` sorts on. The buckets of a band are runs of
#: equal low bits; two keys of 64 random bits share their low 33 with probability 2**-33,
#: about 2,500 colliding pairs among 6.6 million sets, which the run's reader splits by
#: the full key (:mod:`cib_detect.kernels.components`). Three radix passes instead of six.
BUCKET_BITS = 33
_DIGIT_BITS = 11
_DIGIT_MASK = np.uint64((1 << _DIGIT_BITS) - 1)


@njit(**NJIT_KW)
def _radix_sort(keys, order, sorted_keys):
    """Stable argsort of uint64 keys on their low :data:`BUCKET_BITS` bits into ``order``
    and the keys in that order into ``sorted_keys`` (both of the length of ``keys``;
    ``sorted_keys`` may be ``keys``): LSD radix sort, 11-bit digits (the counters stay in
    L1 cache), carrying the keys along so that no pass gathers at random.

    Explicit loops only: whole-array assignment, ``np.arange`` or ``ndarray.max`` would
    compile numba's shape-check and error-formatting code into every caller.
    """
    n = keys.shape[0]
    for i in range(n):
        order[i] = i
        sorted_keys[i] = keys[i]
    current = order
    current_keys = sorted_keys
    spare = np.empty(n, np.int64)
    spare_keys = np.empty(n, np.uint64)
    swapped = False
    n_counts = (1 << _DIGIT_BITS) + 1
    counts = np.empty(n_counts, np.int64)
    for p in range((BUCKET_BITS + _DIGIT_BITS - 1) // _DIGIT_BITS):
        shift = np.uint64(_DIGIT_BITS * p)
        for d in range(n_counts):
            counts[d] = 0
        for i in range(n):
            counts[((current_keys[i] >> shift) & _DIGIT_MASK) + 1] += 1
        most = 0
        for d in range(n_counts):
            if counts[d] > most:
                most = counts[d]
        if most == n:  # one digit value: the pass would not move anything
            continue
        for d in range(1 << _DIGIT_BITS):
            counts[d + 1] += counts[d]
        for i in range(n):
            x = current_keys[i]
            d = (x >> shift) & _DIGIT_MASK
            c = counts[d]
            spare[c] = current[i]
            spare_keys[c] = x
            counts[d] = c + 1
        current, spare = spare, current
        current_keys, spare_keys = spare_keys, current_keys
        swapped = not swapped
    if swapped:  # the last pass wrote the scratch arrays
        for i in range(n):
            order[i] = current[i]
            sorted_keys[i] = current_keys[i]


@njit(**PARALLEL_KW)
def _band_sorts_parallel(keys, order, sorted_keys):
    """Rows of a band-major ``keys`` stably sorted: one task per band, each writing its
    own rows."""
    for b in prange(keys.shape[0]):
        _radix_sort(keys[b], order[b], sorted_keys[b])


# ----------------------------------------------------------------------------- wrappers


def bands_per_step() -> int:
    """How many bands to key and sort together: two per thread, so every thread has a
    band to sort while memory holds the keys of a few bands only."""
    return 2 * get_num_threads()


def band_sorts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every row of band-major keys stably sorted on the keys' low :data:`BUCKET_BITS`
    bits (bands in parallel): equal keys end up in one run, in increasing index.

    Parameters
    ----------
    keys : uint64 ndarray, shape (n_bands, n_sets)
        Band keys, one band a row (see :func:`band_key_rows`).

    Returns
    -------
    order : int64 ndarray, shape (n_bands, n_sets)
        ``order[b]``: set indices by the low bits of their key in band ``b``, equal low
        bits in increasing index.
    sorted_keys : uint64 ndarray, shape (n_bands, n_sets)
        ``keys[b, order[b]]``.

    Examples
    --------
    >>> import numpy as np
    >>> high = 2**40  # above the sorted bits: keys 1 and high + 1 share a run
    >>> order, sorted_keys = band_sorts(np.array([[7, high + 1, 7, 1]], dtype=np.uint64))
    >>> order.tolist(), (sorted_keys % high).tolist()
    ([[1, 3, 0, 2]], [[1, 1, 7, 7]])
    """
    assert keys.dtype == np.uint64 and keys.ndim == 2 and keys.flags.c_contiguous
    n_bands, n_sets = keys.shape
    order = np.empty((n_bands, n_sets), np.int64)
    sorted_keys = np.empty((n_bands, n_sets), np.uint64)
    if n_sets:
        keys = _readonly(keys)[0]
        if n_bands > 1 and _n_tasks(None, n_sets, _MIN_SETS_PER_TASK) > 1:
            _band_sorts_parallel(keys, order, sorted_keys)
        else:
            # Serially, band by band from here: a compiled loop would inline the sort and
            # cost about as much to compile again (0.4 s).
            for b in range(n_bands):
                _radix_sort(keys[b], order[b], sorted_keys[b])
    return order, sorted_keys


def hash_coefficients(n_hashes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers (odd) and addends of the ``n_hashes`` MinHash functions, from ``seed``."""
    rng = np.random.default_rng(seed)
    mult = rng.integers(0, 2**63, n_hashes, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    add = rng.integers(0, 2**63, n_hashes, dtype=np.uint64)
    return mult, add


def band_keys(
    starts: np.ndarray,
    values: np.ndarray,
    n_bands: int,
    rows: int,
    seed: int = 0,
    *,
    n_tasks: int | None = None,
) -> np.ndarray:
    """MinHash band keys of shingle sets.

    Parameters
    ----------
    starts, values : ndarray
        Sets as CSR (see :func:`~cib_detect.kernels.shingles.shingle_sets`).
    n_bands, rows : int
        Bands and MinHash values per band (``n_bands * rows`` hash functions).
    seed : int
        Seed of the hash functions: the same seed gives the same keys.
    n_tasks : int, optional
        Parallel tasks; the output does not depend on it.

    Returns
    -------
    keys : uint64 ndarray, shape (n_sets, n_bands)
        ``keys[d, b]``: 64-bit hash of band ``b`` of the signature of set ``d``. Two sets
        have equal keys in a band with probability ``J ** rows`` (up to 2**-64 hash
        collisions). An empty set's keys are those of the all-maximum signature.

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 3, 6, 8])
    >>> values = np.array([1, 2, 3, 1, 2, 3, 7, 9], dtype=np.uint64)
    >>> keys = band_keys(starts, values, n_bands=4, rows=2)
    >>> bool((keys[0] == keys[1]).all()), bool((keys[0] == keys[2]).any())
    (True, False)
    """
    return np.ascontiguousarray(
        band_key_rows(starts, values, 0, n_bands, n_bands, rows, seed, n_tasks=n_tasks).T
    )


def band_key_rows(
    starts: np.ndarray,
    values: np.ndarray,
    first_band: int,
    last_band: int,
    n_bands: int,
    rows: int,
    seed: int = 0,
    *,
    n_tasks: int | None = None,
) -> np.ndarray:
    """MinHash band keys of shingle sets in some of the bands, band-major.

    Parameters
    ----------
    starts, values : ndarray
        Sets as CSR (see :func:`~cib_detect.kernels.shingles.shingle_sets`).
    first_band, last_band : int
        The bands ``first_band..last_band-1`` of ``0..n_bands-1``.
    n_bands, rows : int
        Bands of the whole signature and MinHash values per band.
    seed : int
        Seed of the hash functions: the same seed gives the same keys.
    n_tasks : int, optional
        Parallel tasks; the output does not depend on it.

    Returns
    -------
    keys : uint64 ndarray, shape (last_band - first_band, n_sets)
        ``keys[b - first_band, d]`` equals ``band_keys(...)[d, b]``: bands computed a few at a
        time are those of the whole signature.

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 3, 6, 8])
    >>> values = np.array([1, 2, 3, 1, 2, 3, 7, 9], dtype=np.uint64)
    >>> whole = band_keys(starts, values, n_bands=4, rows=2)
    >>> bool((band_key_rows(starts, values, 1, 3, 4, 2) == whole[:, 1:3].T).all())
    True
    """
    _check_csr(starts, values, np.uint64)
    assert 0 <= first_band <= last_band <= n_bands, "bands must lie in 0..n_bands"
    mult, add = hash_coefficients(n_bands * rows, seed)
    return _band_key_rows(
        starts,
        values,
        mult,
        add,
        int(first_band),
        int(last_band),
        np.int64(rows),
        _n_tasks(n_tasks, len(starts) - 1, _MIN_SETS_PER_TASK),
    )
