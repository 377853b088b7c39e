"""Near-duplicate groups: connected components of the verified candidate pairs.

Grouping needs the components of the graph of pairs with Jaccard ``>= threshold``, not
every such pair. :func:`link_bands` walks the candidates of LSH bands with union-find
forests and verifies a pair only when its two sets are not yet in one component of the
forest: in a campaign's hundreds of near-copies most candidates join sets already joined,
and are skipped without a merge of their shingles. The components are exactly those of
the verified graph, whatever the order of the candidates and however the bands are shared
among forests (a skipped pair would only add an edge inside a component), so
:func:`component_roots` of the merged forests does not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import _MIN_SETS_PER_TASK, _check_csr, _n_tasks, _readonly
from cib_detect.kernels.minhash import BUCKET_BITS
from cib_detect.kernels.verify import _jaccard_at_least

__all__ = ["component_roots", "link_bands", "new_forests"]

_BUCKET_MASK = np.uint64((1 << BUCKET_BITS) - 1)
# Forests (one int64 and one scratch per set each) are at most this many, whatever the
# thread count: each costs 16 bytes a set.
_MAX_FORESTS = 8


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
def _union(parent, x, y):
    """Join the components of ``x`` and ``y``; the smaller root stays root."""
    rx = _find(parent, x)
    ry = _find(parent, y)
    if rx < ry:
        parent[ry] = rx
    elif ry < rx:
        parent[rx] = ry


@njit(**NJIT_KW)
def _link_runs(order, sorted_keys, max_bucket, data, parent, mark, work, capped):
    """Every bucket of one band. Returns (verified pairs, capped buckets).

    ``sorted_keys`` is sorted on its low :data:`~cib_detect.kernels.minhash.BUCKET_BITS`
    bits only: a run of equal low bits is one bucket but for rare collisions, whose run
    is regrouped in place by the full key (each key's members gathered in turn, in their
    order: a run holds one or two keys, and no sort is compiled). A bucket's members are
    in increasing set order, hence time order; its pairs by different accounts within
    ``window`` whose sets are in different components and have Jaccard >= threshold are
    linked. The bucket's components are followed with a small local union-find over its
    members (seeded from the forest through ``mark``, all -1 between buckets), so that
    the pairs of a bucket whose members are already joined cost no random access.

    One function on purpose: every compiled callee costs its own compile on first use."""
    time, account, window, starts, values, threshold = data
    at, who, local, roots = work[0], work[1], work[2], work[3]
    n = order.shape[0]
    n_checked = 0
    n_capped = 0
    s = 0
    while s < n:
        low = sorted_keys[s] & _BUCKET_MASK
        e = s + 1
        mixed = False
        while e < n and sorted_keys[e] & _BUCKET_MASK == low:
            mixed = mixed or sorted_keys[e] != sorted_keys[s]
            e += 1
        if mixed:
            run_order = order[s:e].copy()
            run_keys = sorted_keys[s:e].copy()
            done = np.empty(e - s, np.bool_)
            for a in range(e - s):
                done[a] = False
            o = s
            for a in range(e - s):
                if not done[a]:
                    for c in range(a, e - s):
                        if not done[c] and run_keys[c] == run_keys[a]:
                            order[o] = run_order[c]
                            sorted_keys[o] = run_keys[c]
                            done[c] = True
                            o += 1
        u = s
        while u < e:
            v = u + 1
            while v < e and sorted_keys[v] == sorted_keys[u]:
                v += 1
            size = v - u
            if size > max_bucket:
                capped[n_capped] = size
                n_capped += 1
            elif size >= 2:
                for a in range(size):
                    d = order[u + a]
                    at[a] = time[d]
                    who[a] = account[d]
                    r = _find(parent, d)
                    roots[a] = r
                    if mark[r] < 0:
                        mark[r] = a
                    local[a] = mark[r]
                for a in range(size):
                    mark[roots[a]] = -1
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
                        n_checked += 1
                        i = order[u + a]
                        j = order[u + c]
                        if _jaccard_at_least(starts, values, i, j, threshold) >= 0.0:
                            _union(parent, i, j)
                            local[y] = x
            u = v
        s = e
    return n_checked, n_capped


@njit(**NJIT_KW)
def _link_task(task, n_tasks, orders, sorted_keys, max_bucket, data, forests, marks, capped,
               n_capped, checked):  # fmt: skip
    """Bands ``task, task + n_tasks, ...`` into forest ``task``."""
    work = np.empty((4, min(max_bucket, orders.shape[1])), np.int64)
    for b in range(task, orders.shape[0], n_tasks):
        checked[b], n_capped[b] = _link_runs(
            orders[b], sorted_keys[b], max_bucket, data, forests[task], marks[task], work,
            capped[b],
        )  # fmt: skip


@njit(**PARALLEL_KW)
def _link_parallel(orders, sorted_keys, max_bucket, data, forests, marks, capped, n_capped,
                   checked):  # fmt: skip
    n_tasks = forests.shape[0]
    for t in prange(n_tasks):
        _link_task(t, n_tasks, orders, sorted_keys, max_bucket, data, forests, marks, capped,
                   n_capped, checked)  # fmt: skip


@njit(**NJIT_KW)
def _merged_roots(forests):
    parent = forests[0]
    for t in range(1, forests.shape[0]):
        for x in range(parent.shape[0]):
            if forests[t, x] != x:
                _union(parent, x, _find(forests[t], x))
    out = np.empty(parent.shape[0], np.int64)
    for x in range(parent.shape[0]):
        out[x] = _find(parent, x)
    return out


def new_forests(
    n_sets: int, n_bands: int, n_forests: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Empty union-find forests for :func:`link_bands`, each ``arange(n_sets)``, with their
    scratch (all -1).

    ``n_forests`` defaults to one per thread, but at most 8, at most ``n_bands`` and one
    per 20,000 sets (a small input never compiles the parallel kernel). The components
    do not depend on it.

    Examples
    --------
    >>> forests, marks = new_forests(3, n_bands=1)
    >>> forests.tolist(), marks.tolist()
    ([[0, 1, 2]], [[-1, -1, -1]])
    """
    if n_forests is None:
        n_forests = min(_n_tasks(None, n_sets, _MIN_SETS_PER_TASK), _MAX_FORESTS, n_bands)
    n = max(1, int(n_forests))
    forests = np.empty((n, n_sets), np.int64)
    forests[:] = np.arange(n_sets, dtype=np.int64)
    return forests, np.full((n, n_sets), -1, np.int64)


def link_bands(
    orders: np.ndarray,
    sorted_keys: np.ndarray,
    max_bucket: int,
    time: np.ndarray,
    account: np.ndarray,
    window: int,
    starts: np.ndarray,
    values: np.ndarray,
    threshold: float,
    forests: np.ndarray,
    marks: np.ndarray,
) -> tuple[int, list[np.ndarray]]:
    """Join the components of the near-duplicates of some LSH bands' buckets.

    A bucket is the sets with one key in a band; its candidates are its pairs by different
    accounts at most ``window`` apart, and a candidate is verified (Jaccard ``>=
    threshold``) unless its sets are already in one component of the forest the band is
    linked into. Band ``b`` of the call goes to forest ``b % len(forests)``; the forests
    link their bands in parallel. Call again with more bands and the same forests; then
    :func:`component_roots`.

    Parameters
    ----------
    orders, sorted_keys : ndarray, shape (n_bands, n_sets)
        The bands' keys sorted stably on their low bits
        (:func:`~cib_detect.kernels.minhash.band_sorts`): set indices (int64) and their
        keys (uint64). Sets are in time order. A run of colliding low bits is regrouped
        by the full key in place.
    max_bucket : int
        Buckets with more sets are left out.
    time, account : int64 ndarray, shape (n_sets,)
        Non-decreasing time (microseconds) and account code of each set.
    window : int
        Largest time gap of a candidate, microseconds.
    starts, values : ndarray
        The sets as CSR (int64 starts, sorted uint64 values without repeats).
    threshold : float
        Smallest Jaccard similarity of a link, in (0, 1].
    forests, marks : int64 ndarray, shape (n_forests, n_sets)
        From :func:`new_forests`; ``forests`` is updated in place, ``marks`` is scratch
        (all -1, and left so).

    Returns
    -------
    n_checked : int
        Candidates whose Jaccard was computed (depends on the number of forests).
    capped : list of int64 ndarray
        Per band, the sizes of its buckets left out.

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 3, 6, 9])
    >>> values = np.array([1, 2, 3, 1, 2, 4, 7, 8, 9], np.uint64)
    >>> keys = np.array([[5, 5, 6]], np.uint64)
    >>> forests, marks = new_forests(3, n_bands=1)
    >>> link_bands(np.array([[0, 1, 2]]), keys, 10, np.zeros(3, np.int64), np.arange(3),
    ...            0, starts, values, 0.5, forests, marks)
    (1, [array([], dtype=int64)])
    >>> component_roots(forests).tolist()
    [0, 0, 2]
    """
    _check_csr(starts, values, np.uint64)
    n_bands, n = orders.shape
    assert sorted_keys.shape == (n_bands, n) and time.shape == account.shape == (n,)
    assert forests.shape == marks.shape and forests.shape[1] == n
    max_bucket = max(int(max_bucket), 2)
    capped = np.empty((n_bands, n // (max_bucket + 1) + 1), np.int64)
    n_capped = np.zeros(n_bands, np.int64)
    checked = np.zeros(n_bands, np.int64)
    data = (
        *_readonly(np.ascontiguousarray(time, np.int64), np.ascontiguousarray(account, np.int64)),
        np.int64(window),
        *_readonly(starts, values),
        float(threshold),
    )
    args = (
        # writable: a run of colliding keys is regrouped in place
        np.ascontiguousarray(orders, np.int64),
        np.ascontiguousarray(sorted_keys, np.uint64),
        np.int64(max_bucket),
        data,
        forests,
        marks,
        capped,
        n_capped,
        checked,
    )
    if forests.shape[0] == 1:  # a serial run never compiles the parallel kernel
        _link_task(np.int64(0), np.int64(1), *args)
    else:
        _link_parallel(*args)
    return int(checked.sum()), [capped[b, : n_capped[b]].copy() for b in range(n_bands)]


def component_roots(forests: np.ndarray) -> np.ndarray:
    """The root (smallest index) of every set's component in the union of the forests
    (the first is merged into, in place).

    Examples
    --------
    >>> import numpy as np
    >>> component_roots(np.array([[0, 0, 2, 3], [0, 1, 1, 3]])).tolist()
    [0, 0, 0, 3]
    """
    return _merged_roots(forests)
