"""Near-duplicate text kernels: shingle sets, MinHash band keys, exact Jaccard of candidates.

Sets are CSR: set ``d`` is ``values[starts[d]:starts[d + 1]]``, sorted and without repeats
(uint64 shingle hashes or int64 token ids). Texts come in as the Arrow buffers of a string
column (``offsets`` int64, ``data`` uint8 UTF-8 bytes).

MinHash (Broder 1997): for ``n_bands * rows`` hash functions ``h_k``, the signature of a set
``S`` is ``min h_k(S)``; two sets agree on one coordinate with probability their Jaccard
similarity ``J``. LSH banding (Leskovec, Rajaraman and Ullman, *Mining of Massive
Datasets*, ch. 3): the coordinates are cut into ``n_bands`` bands of ``rows``; a pair is a
candidate when some band agrees entirely, with probability ``1 - (1 - J**rows)**n_bands``.
Only band keys (a 64-bit hash of each band) are kept, never the full signature.

Parallel kernels split their items into one contiguous block per task of about equal work
and write each item's own output slot, so results do not depend on the thread count.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import _exclusive_cumsum, _split_by_work

__all__ = [
    "band_buckets",
    "band_keys",
    "shingle_sets",
    "sorted_set_jaccard",
    "verify_candidates",
    "window_jaccard_pairs",
]

WORD, CHAR = 0, 1

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SPACE = np.uint8(32)

# Fewer items than this per thread: run serially (a parallel region costs milliseconds).
_MIN_ITEMS_PER_TASK = 20_000


@njit(inline="always")
def _fmix64(x):
    """MurmurHash3's 64-bit finaliser: every input bit affects every output bit."""
    x ^= x >> np.uint64(33)
    x *= _M1
    x ^= x >> np.uint64(33)
    x *= _M2
    x ^= x >> np.uint64(33)
    return x


@njit(inline="always")
def _bytes_hash(data, start, end):
    """FNV-1a of ``data[start:end]`` with a final mix: a stable 64-bit shingle hash."""
    h = _FNV_OFFSET
    for i in range(start, end):
        h ^= np.uint64(data[i])
        h *= _FNV_PRIME
    return _fmix64(h)


@njit(inline="always")
def _is_char_start(byte):
    return (byte & np.uint8(0xC0)) != np.uint8(0x80)


@njit(**NJIT_KW)
def _shingle_bounds(data, start, end, kind, size, bounds):
    """Unit boundaries of one text into ``bounds`` (words: start of each word and the end
    of the last, as byte offsets with the separating space excluded; chars: start of each
    code point, then ``end``). Returns the number of units."""
    n_units = 0
    if kind == WORD:
        in_word = False
        for i in range(start, end):
            if data[i] == _SPACE:
                if in_word:
                    bounds[2 * n_units - 1] = i
                    in_word = False
            elif not in_word:
                bounds[2 * n_units] = i
                n_units += 1
                in_word = True
        if in_word:
            bounds[2 * n_units - 1] = end
    else:
        for i in range(start, end):
            if _is_char_start(data[i]):
                bounds[n_units] = i
                n_units += 1
        bounds[n_units] = end
    return n_units


@njit(**NJIT_KW)
def _text_shingles(data, start, end, kind, size, bounds, out, o):
    """Write the raw (unsorted, possibly repeated) shingle hashes of one text from
    ``out[o]`` on; return how many. A text with fewer units than ``size`` is one shingle."""
    n_units = _shingle_bounds(data, start, end, kind, size, bounds)
    if n_units == 0:
        return 0
    if n_units < size:
        if kind == WORD:
            out[o] = _bytes_hash(data, bounds[0], bounds[2 * n_units - 1])
        else:
            out[o] = _bytes_hash(data, start, end)
        return 1
    n = n_units - size + 1
    for k in range(n):
        if kind == WORD:
            out[o + k] = _bytes_hash(data, bounds[2 * k], bounds[2 * (k + size) - 1])
        else:
            out[o + k] = _bytes_hash(data, bounds[k], bounds[k + size])
    return n


@njit(**NJIT_KW)
def _shingle_task(first, last, offsets, data, kind, size, raw_starts, out, n_unique):
    """Texts ``first..last-1``: raw shingles into their slice, sorted and deduplicated in
    place; ``n_unique[d]`` = distinct shingles of text ``d``."""
    longest = 1
    for d in range(first, last):
        longest = max(longest, offsets[d + 1] - offsets[d])
    bounds = np.empty(2 * longest + 2, np.int64)
    for d in range(first, last):
        o = raw_starts[d]
        n = _text_shingles(data, offsets[d], offsets[d + 1], kind, size, bounds, out, o)
        if n > 1:
            out[o : o + n].sort()
        m = 0
        for k in range(n):
            if m == 0 or out[o + k] != out[o + m - 1]:
                out[o + m] = out[o + k]
                m += 1
        n_unique[d] = m


@njit(**PARALLEL_KW)
def _shingle_parallel(bounds, offsets, data, kind, size, raw_starts, out, n_unique):
    for t in prange(bounds.shape[0] - 1):
        _shingle_task(
            bounds[t], bounds[t + 1], offsets, data, kind, size, raw_starts, out, n_unique
        )


@njit(**NJIT_KW)
def _shingle_sets(offsets, data, kind, size, n_tasks):
    n_texts = offsets.shape[0] - 1
    # Upper bound of the shingles of a text: its bytes (>= units >= shingles), at least 1.
    raw_counts = np.empty(n_texts, np.int64)
    for d in range(n_texts):
        raw_counts[d] = max(offsets[d + 1] - offsets[d], 1)
    raw_starts = _exclusive_cumsum(raw_counts)
    out = np.empty(raw_starts[n_texts], np.uint64)
    n_unique = np.zeros(n_texts, np.int64)
    bounds = _split_by_work(raw_counts, n_tasks)
    if n_tasks == 1:
        _shingle_task(0, n_texts, offsets, data, kind, size, raw_starts, out, n_unique)
    else:
        _shingle_parallel(bounds, offsets, data, kind, size, raw_starts, out, n_unique)
    starts = _exclusive_cumsum(n_unique)
    values = np.empty(starts[n_texts], np.uint64)
    for d in range(n_texts):
        values[starts[d] : starts[d + 1]] = out[raw_starts[d] : raw_starts[d] + n_unique[d]]
    return starts, values


@njit(**NJIT_KW)
def _signature_task(first, last, starts, values, mult, add, n_bands, rows, keys):
    """Band keys of sets ``first..last-1``. Hash ``k`` of value ``x`` is the top 32 bits
    of ``mult[k] * fmix64(x) + add[k]`` (mod 2**64: multiply-shift hashing of a mixed
    64-bit value); a band key mixes the ``rows`` minima of its band."""
    n_hashes = n_bands * rows
    minima = np.empty(n_hashes, np.uint64)
    top = np.uint64(32)
    for d in range(first, last):
        minima[:] = np.uint64(0xFFFFFFFFFFFFFFFF)
        for i in range(starts[d], starts[d + 1]):
            # mixed once, so that structured inputs (small ids) hash as well as hashes do
            x = _fmix64(np.uint64(values[i]) ^ _GOLDEN)
            for k in range(n_hashes):
                h = (mult[k] * x + add[k]) >> top
                if h < minima[k]:
                    minima[k] = h
        for band in range(n_bands):
            key = np.uint64(band) * _GOLDEN
            for r in range(rows):
                key = _fmix64(key ^ minima[band * rows + r]) + _GOLDEN
            keys[d, band] = key


@njit(**PARALLEL_KW)
def _signature_parallel(bounds, starts, values, mult, add, n_bands, rows, keys):
    for t in prange(bounds.shape[0] - 1):
        _signature_task(bounds[t], bounds[t + 1], starts, values, mult, add, n_bands, rows, keys)


@njit(**NJIT_KW)
def _band_keys(starts, values, mult, add, n_bands, rows, n_tasks):
    n_sets = starts.shape[0] - 1
    keys = np.empty((n_sets, n_bands), np.uint64)
    work = np.empty(n_sets, np.int64)
    for d in range(n_sets):
        work[d] = starts[d + 1] - starts[d] + 1
    if n_tasks == 1:
        _signature_task(0, n_sets, starts, values, mult, add, n_bands, rows, keys)
    else:
        bounds = _split_by_work(work, n_tasks)
        _signature_parallel(bounds, starts, values, mult, add, n_bands, rows, keys)
    return keys


_DIGIT_BITS = 11
_DIGIT_MASK = np.uint64((1 << _DIGIT_BITS) - 1)


@njit(**NJIT_KW)
def _radix_argsort(keys):
    """Stable argsort of uint64 keys: LSD radix sort, 11-bit digits (the counters stay in
    L1 cache), carrying the keys along so that no pass gathers at random."""
    n = keys.shape[0]
    order = np.arange(n)
    spare = np.empty(n, np.int64)
    current = keys.copy()
    spare_keys = np.empty(n, np.uint64)
    counts = np.empty((1 << _DIGIT_BITS) + 1, np.int64)
    for p in range((64 + _DIGIT_BITS - 1) // _DIGIT_BITS):
        shift = np.uint64(_DIGIT_BITS * p)
        counts[:] = 0
        for i in range(n):
            counts[((current[i] >> shift) & _DIGIT_MASK) + 1] += 1
        if counts.max() == n:  # one digit value: the pass would not move anything
            continue
        for d in range(1 << _DIGIT_BITS):
            counts[d + 1] += counts[d]
        for i in range(n):
            x = current[i]
            d = (x >> shift) & _DIGIT_MASK
            c = counts[d]
            spare[c] = order[i]
            spare_keys[c] = x
            counts[d] = c + 1
        order, spare = spare, order
        current, spare_keys = spare_keys, current
    return order


@njit(**PARALLEL_KW)
def _band_orders(keys, order):
    """``order[b]``: set indices stably sorted by their key in band ``b`` (one task per
    band, each writing its own row)."""
    for b in prange(keys.shape[1]):
        order[b] = _radix_argsort(keys[:, b].copy())


@njit(**NJIT_KW)
def _band_buckets(keys, order, max_bucket):
    """Groups of sets sharing a band key, band by band: runs of 2 to ``max_bucket`` sets.

    Runs longer than ``max_bucket`` are left out; the keys of their sets in that band are
    replaced by a value unique to the set, so those sets neither pair nor count as having
    met in that band. Returns ``(starts, row_set, group_band, capped)`` where ``capped``
    holds ``(band, n_sets)`` of each left-out run.
    """
    n_sets, n_bands = keys.shape
    n_groups = 0
    n_rows = 0
    n_capped = 0
    for b in range(n_bands):
        s = 0
        while s < n_sets:
            key = keys[order[b, s], b]
            e = s + 1
            while e < n_sets and keys[order[b, e], b] == key:
                e += 1
            size = e - s
            if size > max_bucket:
                n_capped += 1
            elif size >= 2:
                n_groups += 1
                n_rows += size
            s = e
    starts = np.empty(n_groups + 1, np.int64)
    row_set = np.empty(n_rows, np.int64)
    group_band = np.empty(n_groups, np.int64)
    capped = np.empty((n_capped, 2), np.int64)
    starts[0] = 0
    g = 0
    r = 0
    c = 0
    unique = np.uint64(1) << np.uint64(63)
    for b in range(n_bands):
        s = 0
        while s < n_sets:
            key = keys[order[b, s], b]
            e = s + 1
            while e < n_sets and keys[order[b, e], b] == key:
                e += 1
            size = e - s
            if size > max_bucket:
                capped[c, 0] = b
                capped[c, 1] = size
                c += 1
                for k in range(s, e):
                    keys[order[b, k], b] = unique | np.uint64(order[b, k])
            elif size >= 2:
                for k in range(s, e):
                    row_set[r] = order[b, k]
                    r += 1
                group_band[g] = b
                g += 1
                starts[g] = r
            s = e
    return starts, row_set, group_band, capped


@njit(inline="always")
def _intersection(values, s1, e1, s2, e2):
    """Size of the intersection of two sorted, repeat-free slices of ``values``."""
    inter = 0
    while s1 < e1 and s2 < e2:
        x = values[s1]
        y = values[s2]
        if x == y:
            inter += 1
            s1 += 1
            s2 += 1
        elif x < y:
            s1 += 1
        else:
            s2 += 1
    return inter


@njit(**NJIT_KW)
def _jaccard(starts, values, i, j):
    s1, e1, s2, e2 = starts[i], starts[i + 1], starts[j], starts[j + 1]
    union_bound = (e1 - s1) + (e2 - s2)
    if union_bound == 0:
        return 0.0
    inter = _intersection(values, s1, e1, s2, e2)
    return inter / (union_bound - inter)


@njit(**NJIT_KW)
def _jaccard_at_least(starts, values, i, j, threshold):
    """Jaccard of sets ``i`` and ``j`` if it is ``>= threshold`` (``threshold > 0``), else
    -1.0. Exact: the value, when returned, is ``inter / union`` in float64, as computed
    naively. The early exits only skip pairs that cannot reach the threshold: ``J <=
    min(n1, n2) / max(n1, n2)``, and the merge stops once the intersection cannot grow to
    the smallest ``m`` with ``m / (n1 + n2 - m) >= threshold`` (division rounds
    monotonically, so both tests agree with the final comparison)."""
    s1, e1, s2, e2 = starts[i], starts[i + 1], starts[j], starts[j + 1]
    n1 = e1 - s1
    n2 = e2 - s2
    total = n1 + n2
    if total == 0 or min(n1, n2) / max(n1, n2) < threshold:
        return -1.0
    # smallest m with m / (total - m) >= threshold, found around its real-valued root
    m = max(int(threshold * total / (1.0 + threshold)) - 1, 0)
    while m <= min(n1, n2) and m / (total - m) < threshold:
        m += 1
    inter = 0
    while s1 < e1 and s2 < e2:
        if inter + min(e1 - s1, e2 - s2) < m:
            return -1.0
        x = values[s1]
        y = values[s2]
        if x == y:
            inter += 1
            s1 += 1
            s2 += 1
        elif x < y:
            s1 += 1
        else:
            s2 += 1
    sim = inter / (total - inter)
    return sim if sim >= threshold else -1.0


@njit(**NJIT_KW)
def _verify_task(first, last, left, right, band, keys, starts, values, threshold, keep, sims):
    for p in range(first, last):
        i = left[p]
        j = right[p]
        keep[p] = False
        n1 = starts[i + 1] - starts[i]
        n2 = starts[j + 1] - starts[j]
        if n1 + n2 == 0 or min(n1, n2) / max(n1, n2) < threshold:
            continue  # cheap size test first: J <= min / max
        # Each pair is verified from the first band it agrees on only.
        first_band = True
        for b in range(band[p]):
            if keys[i, b] == keys[j, b]:
                first_band = False
                break
        if first_band:
            sim = _jaccard_at_least(starts, values, i, j, threshold)
            if sim >= 0.0:
                sims[p] = sim
                keep[p] = True


@njit(**PARALLEL_KW)
def _verify_parallel(bounds, left, right, band, keys, starts, values, threshold, keep, sims):
    for t in prange(bounds.shape[0] - 1):
        _verify_task(
            bounds[t], bounds[t + 1], left, right, band, keys, starts, values, threshold, keep, sims
        )


@njit(**NJIT_KW)
def _verify(left, right, band, keys, starts, values, threshold, n_tasks):
    n = left.shape[0]
    keep = np.zeros(n, np.bool_)
    sims = np.zeros(n, np.float64)
    if n_tasks == 1:
        _verify_task(0, n, left, right, band, keys, starts, values, threshold, keep, sims)
    else:
        bounds = _split_by_work(np.ones(n, np.int64), n_tasks)
        _verify_parallel(bounds, left, right, band, keys, starts, values, threshold, keep, sims)
    return keep, sims


@njit(**NJIT_KW)
def _window_jaccard_task(
    first,
    last,
    time,
    account,
    starts,
    values,
    window,
    threshold,
    min_size,
    include_self,
    fill,
    counts,
    offsets,
    left,
    right,
):
    """Sets ``first..last-1`` against every later set within ``window``: count the similar
    ones into ``counts[i]`` or write them from ``offsets[i]`` on."""
    n = time.shape[0]
    hi = first
    for i in range(first, last):
        if hi <= i:
            hi = i + 1
        while hi < n and time[hi] - time[i] <= window:
            hi += 1
        o = offsets[i] if fill else 0
        size_i = starts[i + 1] - starts[i]
        if size_i < min_size:
            if not fill:
                counts[i] = 0
            continue
        for j in range(i + 1, hi):
            if not include_self and account[j] == account[i]:
                continue
            if starts[j + 1] - starts[j] < min_size:
                continue
            if _jaccard_at_least(starts, values, i, j, threshold) >= 0.0:
                if fill:
                    left[o] = i
                    right[o] = j
                o += 1
        if not fill:
            counts[i] = o


@njit(**PARALLEL_KW)
def _window_jaccard_parallel(bounds, data, filters, fill, counts, offsets, left, right):
    for t in prange(bounds.shape[0] - 1):
        _window_jaccard_task(
            bounds[t], bounds[t + 1], *data, *filters, fill, counts, offsets, left, right
        )


@njit(**NJIT_KW)
def _window_jaccard_pass(bounds, data, filters, fill, counts, offsets, left, right):
    if bounds.shape[0] == 2:
        _window_jaccard_task(0, bounds[1], *data, *filters, fill, counts, offsets, left, right)
    else:
        _window_jaccard_parallel(bounds, data, filters, fill, counts, offsets, left, right)


@njit(**NJIT_KW)
def _window_jaccard_pairs(
    time, account, starts, values, window, threshold, min_size, include_self, n_tasks
):
    n = time.shape[0]
    # Work of set i: its window neighbours times its size (the merge cost).
    work = np.empty(n, np.int64)
    hi = 0
    for i in range(n):
        if hi <= i:
            hi = i + 1
        while hi < n and time[hi] - time[i] <= window:
            hi += 1
        work[i] = 1 + (hi - i - 1) * (starts[i + 1] - starts[i] + 1)
    bounds = _split_by_work(work, n_tasks)
    data = (time, account, starts, values)
    filters = (window, threshold, min_size, include_self)
    counts = np.zeros(n, np.int64)
    none = np.empty(0, np.int64)
    _window_jaccard_pass(bounds, data, filters, False, counts, counts, none, none)
    offsets = _exclusive_cumsum(counts)
    left = np.empty(offsets[n], np.int64)
    right = np.empty(offsets[n], np.int64)
    _window_jaccard_pass(bounds, data, filters, True, counts, offsets, left, right)
    return left, right


# ---------------------------------------------------------------------------- wrappers


def _n_tasks(n_tasks, n_items):
    if n_tasks is None:
        return max(1, min(numba.get_num_threads(), n_items // _MIN_ITEMS_PER_TASK))
    assert n_tasks >= 1, f"n_tasks must be >= 1, got {n_tasks}"
    return int(n_tasks)


def _check_csr(starts, values, dtype):
    assert starts.dtype == np.int64 and starts.ndim == 1 and starts.flags.c_contiguous, (
        "starts must be a C-contiguous 1-D int64 array"
    )
    assert values.dtype == dtype and values.flags.c_contiguous, (
        f"values must be a C-contiguous {np.dtype(dtype).name} array, got {values.dtype}"
    )
    assert starts.shape[0] >= 1 and starts[0] == 0 and starts[-1] == values.shape[0], (
        f"starts must run from 0 to {values.shape[0]}"
    )


def shingle_sets(
    offsets: np.ndarray,
    data: np.ndarray,
    kind: str = "word",
    size: int = 1,
    *,
    n_tasks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Shingle-hash sets of UTF-8 texts, as CSR.

    Parameters
    ----------
    offsets : int64 ndarray, shape (n_texts + 1,)
        Text ``d`` is ``data[offsets[d]:offsets[d + 1]]`` (Arrow large-string offsets).
    data : uint8 ndarray
        UTF-8 bytes of normalised texts: words separated by single spaces.
    kind : {"word", "char"}
        ``"word"``: runs of ``size`` consecutive words (w-shingles); ``"char"``: runs of
        ``size`` consecutive characters (code points), spaces included.
    size : int
        Words or characters per shingle. A text with fewer has one shingle, itself.
    n_tasks : int, optional
        Parallel tasks; the output does not depend on it.

    Returns
    -------
    starts : int64 ndarray, shape (n_texts + 1,)
    values : uint64 ndarray
        Set ``d`` is ``values[starts[d]:starts[d + 1]]``: the distinct 64-bit hashes of its
        shingles (FNV-1a with a MurmurHash3 finaliser), sorted. Empty texts have none.

    Examples
    --------
    >>> import numpy as np
    >>> text = "to be or not to be".encode()
    >>> offsets = np.array([0, len(text)])
    >>> data = np.frombuffer(text, np.uint8)
    >>> starts, values = shingle_sets(offsets, data, "word", 2)
    >>> starts.tolist()  # to be, be or, or not, not to (to be repeats)
    [0, 4]
    >>> shingle_sets(offsets, data, "char", 3)[0].tolist()
    [0, 13]
    """
    assert kind in ("word", "char"), f"kind must be 'word' or 'char', got {kind!r}"
    assert size >= 1, f"size must be >= 1, got {size}"
    assert offsets.dtype == np.int64 and data.dtype == np.uint8
    data = data if data.shape[0] else np.zeros(1, np.uint8)
    return _shingle_sets(
        np.ascontiguousarray(offsets),
        np.ascontiguousarray(data),
        WORD if kind == "word" else CHAR,
        np.int64(size),
        _n_tasks(n_tasks, offsets.shape[0] - 1),
    )


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
        Sets as CSR (see :func:`shingle_sets`).
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
    _check_csr(starts, values, np.uint64)
    mult, add = hash_coefficients(n_bands * rows, seed)
    return _band_keys(
        starts,
        values,
        mult,
        add,
        np.int64(n_bands),
        np.int64(rows),
        _n_tasks(n_tasks, len(starts) - 1),
    )


def verify_candidates(
    left: np.ndarray,
    right: np.ndarray,
    band: np.ndarray,
    keys: np.ndarray,
    starts: np.ndarray,
    values: np.ndarray,
    threshold: float,
    *,
    n_tasks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard of LSH candidate pairs, each pair once.

    Parameters
    ----------
    left, right : int64 ndarray, shape (n_pairs,)
        Set indices of the candidate pairs.
    band : int64 ndarray, shape (n_pairs,)
        The band in which each pair collided. A pair is verified only from the first band
        in which its keys agree; its rows from later bands are dropped (so a pair met in
        several bands is kept once).
    keys : uint64 ndarray, shape (n_sets, n_bands)
        Band keys (see :func:`band_keys`).
    starts, values : ndarray
        The sets as CSR, sorted and repeat-free within each set.
    threshold : float
        Keep pairs with Jaccard ``>= threshold``.
    n_tasks : int, optional
        Parallel tasks; the output does not depend on it.

    Returns
    -------
    keep : bool ndarray, shape (n_pairs,)
    similarity : float64 ndarray, shape (n_pairs,)
        Jaccard similarity ``|A & B| / |A | B|`` (0 for two empty sets), valid where
        ``keep``.

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 3, 6])
    >>> values = np.array([1, 2, 3, 2, 3, 4], dtype=np.uint64)
    >>> keys = np.array([[5, 9], [5, 9]], dtype=np.uint64)
    >>> pair = np.array([0]), np.array([1])
    >>> verify_candidates(*pair, np.array([0]), keys, starts, values, 0.5)
    (array([ True]), array([0.5]))
    >>> verify_candidates(*pair, np.array([1]), keys, starts, values, 0.5)[0]  # seen in band 0
    array([False])
    """
    _check_csr(starts, values, values.dtype)
    return _verify(
        np.ascontiguousarray(left, np.int64),
        np.ascontiguousarray(right, np.int64),
        np.ascontiguousarray(band, np.int64),
        keys,
        starts,
        values,
        float(threshold),
        _n_tasks(n_tasks, left.shape[0]),
    )


def sorted_set_jaccard(starts: np.ndarray, values: np.ndarray, i: int, j: int) -> float:
    """Jaccard similarity of sets ``i`` and ``j`` of a CSR (0 when both are empty).

    Examples
    --------
    >>> import numpy as np
    >>> sorted_set_jaccard(np.array([0, 2, 5]), np.array([1, 4, 1, 2, 4]), 0, 1)
    0.6666666666666666
    """
    return float(_jaccard(starts, values, np.int64(i), np.int64(j)))


def window_jaccard_pairs(
    time: np.ndarray,
    account: np.ndarray,
    starts: np.ndarray,
    values: np.ndarray,
    window: int,
    threshold: float,
    min_size: int = 0,
    include_self: bool = True,
    *,
    n_tasks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of sets within ``window`` of each other whose Jaccard is ``>= threshold``.

    Exact (all pairs in the window are compared), output-sensitive over time-sorted sets:
    a sliding window, so the cost is the number of pairs within the window times the set
    sizes, never all pairs.

    Parameters
    ----------
    time : int64 ndarray, shape (n,)
        Non-decreasing timestamps (microseconds).
    account : int64 ndarray, shape (n,)
        Account code of each set.
    starts, values : ndarray
        The sets as CSR (int64 token ids or uint64 hashes), sorted and repeat-free.
    window : int
        Largest time gap (inclusive), microseconds.
    threshold : float
        Smallest Jaccard kept; two empty sets have Jaccard 0.
    min_size : int
        Sets with fewer elements than this pair with nothing.
    include_self : bool
        Also compare two sets of the same account.
    n_tasks : int, optional
        Parallel tasks; the output does not depend on it.

    Returns
    -------
    left, right : int64 ndarray
        Set indices with ``left < right``, sorted by ``(left, right)``.

    Examples
    --------
    >>> import numpy as np
    >>> time = np.array([0, 5, 100])
    >>> starts = np.array([0, 2, 4, 6])
    >>> values = np.array([1, 2, 1, 2, 1, 2])
    >>> window_jaccard_pairs(time, np.array([0, 1, 2]), starts, values, 10, 0.9)
    (array([0]), array([1]))
    """
    _check_csr(starts, values, values.dtype)
    assert time.dtype == np.int64 and account.dtype == np.int64
    assert time.shape[0] == account.shape[0] == starts.shape[0] - 1
    assert np.all(np.diff(time) >= 0), "time must be non-decreasing"
    return _window_jaccard_pairs(
        np.ascontiguousarray(time),
        np.ascontiguousarray(account),
        starts,
        values,
        np.int64(window),
        float(threshold),
        np.int64(min_size),
        bool(include_self),
        _n_tasks(n_tasks, time.shape[0]),
    )


def band_buckets(
    keys: np.ndarray, max_bucket: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate groups of LSH banding: sets that share a band key, band by band.

    Parameters
    ----------
    keys : uint64 ndarray, shape (n_sets, n_bands)
        Band keys (see :func:`band_keys`). Sets are expected in time order: groups list
        their sets in increasing index, hence time, order. Modified in place where a
        bucket is capped (see below).
    max_bucket : int, optional
        Buckets with more sets are left out (reported in ``capped``) and the keys of their
        sets in that band replaced by values unique to each set, so that
        :func:`verify_candidates` does not count that band as a meeting. ``None``: no cap.

    Returns
    -------
    starts : int64 ndarray, shape (n_groups + 1,)
        Group ``g`` is ``row_set[starts[g]:starts[g + 1]]``; every group has 2 or more sets.
    row_set : int64 ndarray
        Set index of each row, increasing within a group.
    group_band : int64 ndarray, shape (n_groups,)
        The band of each group; groups are ordered by band, then key.
    capped : int64 ndarray, shape (n_capped, 2)
        ``(band, n_sets)`` of every bucket left out.

    Examples
    --------
    >>> import numpy as np
    >>> keys = np.array([[7, 1], [7, 2], [8, 1], [7, 3]], dtype=np.uint64)
    >>> starts, row_set, group_band, capped = band_buckets(keys)
    >>> starts.tolist(), row_set.tolist(), group_band.tolist(), capped.shape
    ([0, 3, 5], [0, 1, 3, 0, 2], [0, 1], (0, 2))
    """
    assert keys.dtype == np.uint64 and keys.ndim == 2
    n_sets, n_bands = keys.shape
    order = np.empty((n_bands, n_sets), np.int64)
    if n_sets:
        _band_orders(keys, order)
    cap = n_sets + 1 if max_bucket is None else max(int(max_bucket), 2)
    return _band_buckets(keys, order, np.int64(cap))
