"""Exact Jaccard similarity of pairs of sets: every pair in a time window, and the bounded
test of one pair that the near-duplicate grouping uses (:mod:`cib_detect.kernels.components`).

Sets are CSR: set ``d`` is ``values[starts[d]:starts[d + 1]]``, sorted and without
repeats (uint64 shingle hashes or int64 token ids). Similarities are ``|A & B| / |A | B|``
in float64, exactly as computed naively; early exits only skip pairs that cannot reach the
threshold.

Parallel kernels split their pairs (or sets) into one contiguous block per task of about
equal work and write each item's own output slot, so results do not depend on the thread
count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import (
    _MIN_SETS_PER_TASK,
    _check_csr,
    _exclusive_cumsum,
    _n_tasks,
    _readonly,
    _split_by_work,
)

__all__ = ["window_jaccard_pairs"]


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
def _window_jaccard_serial(bounds, data, filters, fill, counts, offsets, left, right):
    # bounds[0] (== 0), not a literal 0: one specialisation of the task for both.
    _window_jaccard_task(bounds[0], bounds[1], *data, *filters, fill, counts, offsets, left, right)


def _window_jaccard_pass(bounds, data, filters, fill, counts, offsets, left, right):
    """One pass, chosen here, not in a compiled caller: a serial run never compiles the
    parallel kernel and ``fill`` is never a literal (one specialisation for both passes)."""
    run = _window_jaccard_serial if bounds.shape[0] == 2 else _window_jaccard_parallel
    run(bounds, data, filters, bool(fill), counts, offsets, left, right)


@njit(**NJIT_KW)
def _window_work(time, starts, window):
    """Work of set i: its window neighbours times its size (the merge cost)."""
    n = time.shape[0]
    work = np.empty(n, np.int64)
    hi = 0
    for i in range(n):
        if hi <= i:
            hi = i + 1
        while hi < n and time[hi] - time[i] <= window:
            hi += 1
        work[i] = 1 + (hi - i - 1) * (starts[i + 1] - starts[i] + 1)
    return work


def _window_jaccard_pairs(
    time, account, starts, values, window, threshold, min_size, include_self, n_tasks
):
    n = time.shape[0]
    time, account, starts, values = _readonly(time, account, starts, values)
    bounds = _split_by_work(_window_work(time, starts, window), np.int64(n_tasks))
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


# ----------------------------------------------------------------------------- wrappers


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
        _n_tasks(n_tasks, time.shape[0], _MIN_SETS_PER_TASK),
    )
