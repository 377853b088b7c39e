"""Near-duplicate groups: connected components of the verified candidate pairs.

Grouping needs the components of the graph of pairs with Jaccard ``>= threshold``, not
every such pair. :func:`link_band` walks the candidates of one LSH band with a union-find
and verifies a pair only when its two sets are not yet in one component: in a campaign's
hundreds of near-copies most candidates join sets already joined, and are skipped without
a merge of their shingles. The components are exactly those of the verified graph,
whatever the order of the candidates (a skipped pair would only add an edge inside a
component).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cib_detect._config import NJIT_KW
from cib_detect.kernels._tasks import _check_csr, _readonly
from cib_detect.kernels.verify import _jaccard_at_least

__all__ = ["NO_BUCKET", "component_roots", "link_band"]

#: Bucket number of a set in a band where it shares its key with no other set, or where
#: its bucket was left out (capped): it meets nobody there.
NO_BUCKET = np.uint32(0xFFFFFFFF)


@njit(**NJIT_KW)
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        up = parent[x]
        parent[x] = root
        x = up
    return root


@njit(**NJIT_KW)
def _link_band(
    order, sorted_keys, band, max_bucket, buckets, time, account, window, starts, values,
    threshold, parent, mark, capped,
):  # fmt: skip
    """Buckets (runs of equal ``sorted_keys``) of one band: number them in
    ``buckets[:, band]``, and link every pair of a bucket by different accounts within
    ``window`` whose sets are in different components, did not share a bucket in an
    earlier band and have Jaccard >= threshold. Returns (checked pairs, capped runs).

    A bucket's components are followed with a small local union-find over its members
    (seeded from the global one through ``mark``, all -1 between calls), so that the
    pairs of a bucket whose members are already joined cost no random access."""
    n = order.shape[0]
    m_max = min(max_bucket, n)
    doc = np.empty(m_max, np.int64)
    at = np.empty(m_max, np.int64)
    who = np.empty(m_max, np.int64)
    local = np.empty(m_max, np.int64)
    roots = np.empty(m_max, np.int64)
    n_checked = 0
    n_capped = 0
    g = 0
    s = 0
    while s < n:
        key = sorted_keys[s]
        e = s + 1
        while e < n and sorted_keys[e] == key:
            e += 1
        size = e - s
        if size > max_bucket:
            capped[n_capped] = size
            n_capped += 1
        elif size >= 2:
            for a in range(size):
                d = order[s + a]  # equal keys in increasing index: time order
                doc[a] = d
                at[a] = time[d]
                who[a] = account[d]
                buckets[d, band] = g
                r = _find(parent, d)
                roots[a] = r
                if mark[r] < 0:
                    mark[r] = a
                local[a] = mark[r]
            for a in range(size):
                mark[roots[a]] = -1
            g += 1
            hi = 0
            for a in range(size):
                if hi <= a:
                    hi = a + 1
                while hi < size and at[hi] - at[a] <= window:
                    hi += 1
                for c in range(a + 1, hi):
                    if who[c] == who[a]:
                        continue
                    x = _find(local, a)
                    y = _find(local, c)
                    if x == y:
                        continue
                    i = doc[a]
                    j = doc[c]
                    met_before = False  # verified from the first band they share only
                    for k in range(band):
                        if buckets[i, k] == buckets[j, k] and buckets[i, k] != NO_BUCKET:
                            met_before = True
                            break
                    if met_before:
                        continue
                    n_checked += 1
                    if _jaccard_at_least(starts, values, i, j, threshold) >= 0.0:
                        ri = _find(parent, i)
                        rj = _find(parent, j)
                        if ri < rj:
                            parent[rj] = ri
                        else:
                            parent[ri] = rj
                        local[y] = x
        s = e
    return n_checked, n_capped


@njit(**NJIT_KW)
def _roots(parent):
    out = np.empty(parent.shape[0], np.int64)
    for x in range(parent.shape[0]):
        out[x] = _find(parent, x)
    return out


def link_band(
    order: np.ndarray,
    sorted_keys: np.ndarray,
    band: int,
    max_bucket: int,
    buckets: np.ndarray,
    time: np.ndarray,
    account: np.ndarray,
    window: int,
    starts: np.ndarray,
    values: np.ndarray,
    threshold: float,
    parent: np.ndarray,
    mark: np.ndarray,
) -> tuple[int, np.ndarray]:
    """Join the components of the near-duplicates of one LSH band's buckets.

    The candidates of a bucket (sets with one key in the band) are its pairs by different
    accounts at most ``window`` apart; a candidate is verified (Jaccard ``>= threshold``)
    unless its sets are already in one component or shared a bucket in an earlier band.
    Bands are linked one after another, ``0, 1, ...``; the components do not depend on the
    order.

    Parameters
    ----------
    order, sorted_keys : ndarray, shape (n_sets,)
        The band's keys sorted stably (:func:`~cib_detect.kernels.minhash.band_sorts`):
        set indices (int64) and their keys (uint64). Sets are in time order.
    band : int
        The band's number: column of ``buckets``.
    max_bucket : int
        Buckets with more sets are left out (their sets keep :data:`NO_BUCKET`).
    buckets : uint32 ndarray, shape (n_sets, n_bands)
        Bucket number of each set in each band, :data:`NO_BUCKET` where it meets no other
        set; column ``band`` is filled here (start with all :data:`NO_BUCKET`).
    time, account : int64 ndarray, shape (n_sets,)
        Non-decreasing time (microseconds) and account code of each set.
    window : int
        Largest time gap of a candidate, microseconds.
    starts, values : ndarray
        The sets as CSR (int64 starts, sorted uint64 values without repeats).
    threshold : float
        Smallest Jaccard similarity of a link, in (0, 1].
    parent : int64 ndarray, shape (n_sets,)
        Union-find forest, updated in place (start with ``np.arange(n_sets)``); a root is
        the smallest index of its component.
    mark : int64 ndarray, shape (n_sets,)
        Scratch, all -1 (and left so).

    Returns
    -------
    n_checked : int
        Candidates whose Jaccard was computed.
    capped : int64 ndarray
        Sizes of the buckets left out.

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 3, 6, 9])
    >>> values = np.array([1, 2, 3, 1, 2, 4, 7, 8, 9], np.uint64)
    >>> keys = np.array([5, 5, 6], np.uint64)
    >>> buckets = np.full((3, 1), NO_BUCKET)
    >>> parent, mark = np.arange(3), np.full(3, -1)
    >>> link_band(np.arange(3), keys, 0, 10, buckets, np.zeros(3, np.int64), np.arange(3),
    ...           0, starts, values, 0.5, parent, mark)
    (1, array([], dtype=int64))
    >>> component_roots(parent).tolist(), buckets[:, 0].tolist()
    ([0, 0, 2], [0, 0, 4294967295])
    """
    _check_csr(starts, values, np.uint64)
    n = order.shape[0]
    assert sorted_keys.shape == (n,) and time.shape == account.shape == parent.shape == (n,)
    assert buckets.dtype == np.uint32 and buckets.shape[0] == n and 0 <= band < buckets.shape[1]
    max_bucket = max(int(max_bucket), 2)
    capped = np.empty(n // (max_bucket + 1) + 1, np.int64)
    args = _readonly(
        np.ascontiguousarray(order, np.int64),
        np.ascontiguousarray(sorted_keys, np.uint64),
    )
    data = _readonly(
        np.ascontiguousarray(time, np.int64),
        np.ascontiguousarray(account, np.int64),
    )
    n_checked, n_capped = _link_band(
        *args, np.int64(band), np.int64(max_bucket), buckets, *data, np.int64(window),
        *_readonly(starts, values), float(threshold), parent, mark, capped,
    )  # fmt: skip
    return int(n_checked), capped[:n_capped].copy()


def component_roots(parent: np.ndarray) -> np.ndarray:
    """The root (smallest index) of every set's component."""
    return _roots(parent)
