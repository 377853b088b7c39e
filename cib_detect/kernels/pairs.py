"""Windowed co-action kernels: the post pairs of every key (and the shared convention).

Input convention (built by ``cib_detect.encode``): rows sorted stably by (key, time), so
group ``g`` (one trace key) is the row range ``starts[g]:starts[g + 1]`` and ``time`` is
non-decreasing inside it. ``time`` is int64 microseconds, ``account`` int64 codes
``0..n_accounts - 1``. A *co-action* is two different rows ``i != j`` of one group with
``|time[i] - time[j]| <= window`` (inclusive) by different accounts (by the same account,
different posts, when ``include_self``).

Every kernel is output-sensitive: cost grows with rows plus pairs inside the window, never
with all pairs of a group. Work is split into one task per thread, each a contiguous block
of groups (or accounts) of about equal estimated work, run by ``prange`` over the tasks:
with heavy-tailed keys and accounts an equal-count split leaves a thread idle, and
``numba.set_parallel_chunksize`` had no measurable effect on numba 0.68's ``omp`` layer.
Each task writes its own output slice, so results do not depend on the thread count.
Inputs below ``_MIN_ROWS_PER_TASK`` rows per thread run on one task without entering the
thread pool (a parallel region costs milliseconds on a busy machine).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import (
    _check_int64,
    _check_sorted_input,
    _exclusive_cumsum,
    _group_sizes,
    _group_starts,
    _n_tasks,
    _readonly,
    _split_by_work,
)

__all__ = ["flagged_partners", "group_starts", "window_pairs"]


# ----------------------------------------------------------------------- window pairs


@njit(**NJIT_KW)
def _pairs_task(first, last, starts, time, account, window, include_self, counts, offsets, pairs):
    """Groups ``first..last-1``: count their co-actions into ``counts`` (``pairs`` empty),
    or write them as ``pairs[0]`` (left), ``pairs[1]`` (right) from ``offsets[g]`` on.
    Two pointers per group: cost is rows plus pairs in the window."""
    fill = pairs.shape[1] > 0
    for g in range(first, last):
        s = starts[g]
        e = starts[g + 1]
        out = offsets[g] if fill else 0
        hi = s
        for i in range(s, e):
            if hi <= i:
                hi = i + 1
            while hi < e and time[hi] - time[i] <= window:
                hi += 1
            if include_self and not fill:
                out += hi - i - 1
                continue
            a = account[i]
            for j in range(i + 1, hi):
                if include_self or account[j] != a:
                    if fill:
                        pairs[0, out] = i
                        pairs[1, out] = j
                    out += 1
        if not fill:
            counts[g] = out


@njit(**PARALLEL_KW)
def _pairs_parallel(bounds, starts, time, account, window, include_self, counts, offsets, pairs):
    for t in prange(bounds.shape[0] - 1):
        _pairs_task(
            bounds[t],
            bounds[t + 1],
            starts,
            time,
            account,
            window,
            include_self,
            counts,
            offsets,
            pairs,
        )


def _pass(task, parallel, bounds, starts, args, counts, offsets, pairs):
    """One pass of ``task`` over the groups cut by ``bounds``: serial for one block,
    else ``parallel`` (its ``prange`` twin).

    Chosen here, not in a compiled caller, so that a serial run never compiles the
    parallel kernel (parallel compilation is several times dearer)."""
    if bounds.shape[0] == 2:
        task(bounds[0], bounds[1], starts, *args, counts, offsets, pairs)
    else:
        parallel(bounds, starts, *args, counts, offsets, pairs)


def _count_fill(task, parallel, starts, args, n_tasks):
    """A count pass (``counts`` per group), then a fill pass into ``pairs`` (2, n_pairs)."""
    sizes = _group_sizes(starts)
    counts = np.zeros(sizes.shape[0], np.int64)
    no_pairs = np.empty((2, 0), np.int64)
    bounds = _split_by_work(sizes, np.int64(n_tasks))
    _pass(task, parallel, bounds, starts, args, counts, counts, no_pairs)
    offsets = _exclusive_cumsum(counts)
    pairs = np.empty((2, offsets[-1]), np.int64)
    # The fill pass knows each group's exact cost: rows + emitted pairs.
    bounds = _split_by_work(sizes + counts, np.int64(n_tasks))
    _pass(task, parallel, bounds, starts, args, counts, offsets, pairs)
    return pairs


def group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Boundaries of runs of equal keys in a sorted key array.

    Parameters
    ----------
    sorted_keys : int64 ndarray, shape (n,)
        Key codes, sorted (equal keys adjacent).

    Returns
    -------
    starts : int64 ndarray, shape (n_groups + 1,)
        Group ``g`` is ``sorted_keys[starts[g]:starts[g + 1]]``; ``[0]`` for empty input.

    Examples
    --------
    >>> import numpy as np
    >>> group_starts(np.array([3, 3, 5, 9, 9, 9]))
    array([0, 2, 3, 6])
    """
    _check_int64("sorted_keys", sorted_keys)
    return _group_starts(*_readonly(sorted_keys))


def window_pairs(
    starts: np.ndarray,
    time: np.ndarray,
    account: np.ndarray,
    window: int,
    include_self: bool = False,
    *,
    n_tasks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every co-action (pair of posts on one key within ``window``), once.

    Parameters
    ----------
    starts : int64 ndarray, shape (n_groups + 1,)
        Key-group boundaries of the sorted rows; every group non-empty.
    time : int64 ndarray, shape (n,)
        Timestamps in microseconds, non-decreasing inside each group.
    account : int64 ndarray, shape (n,)
        Account codes.
    window : int
        Largest time gap in microseconds (inclusive), ``>= 0``.
    include_self : bool, default False
        Also pair two different posts of the same account.
    n_tasks : int, optional
        Parallel tasks (contiguous blocks of about equal work). Default: one per numba
        thread, fewer below ``_MIN_ROWS_PER_TASK`` rows per task; ``1`` runs serially.
        The output does not depend on it.

    Returns
    -------
    left, right : int64 ndarray, shape (n_pairs,)
        Row indices into the sorted arrays with ``left < right`` (``left`` is the older
        post, ties in sorted order), ordered by group, then ``left``, then ``right``
        (hence lexicographically by ``(left, right)``).

    Notes
    -----
    A count pass then a fill pass over groups, each ``O(n + same-window pairs)`` time;
    memory is the output (16 bytes per pair) plus ``O(n_groups)``.

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 3, 5])
    >>> time = np.array([0, 10, 100, 5, 5]) * 1_000_000  # seconds -> microseconds
    >>> account = np.array([0, 1, 0, 2, 2])
    >>> window_pairs(starts, time, account, 60_000_000)
    (array([0]), array([1]))
    >>> window_pairs(starts, time, account, 60_000_000, include_self=True)
    (array([0, 3]), array([1, 4]))
    """
    _check_sorted_input(starts, time, account, window)
    starts, time, account = _readonly(starts, time, account)
    args = (time, account, np.int64(window), bool(include_self))
    pairs = _count_fill(
        _pairs_task, _pairs_parallel, starts, args, _n_tasks(n_tasks, time.shape[0])
    )
    return pairs[0], pairs[1]


# -------------------------------------------------------------------- flagged partners


@njit(**NJIT_KW)
def _flagged_task(first, last, starts, time, account, flagged, window, counts, offsets, pairs):
    """Groups ``first..last-1``: count (``pairs`` empty) or write the window partners of
    their flagged rows; two pointers per group as in ``_pairs_task``."""
    fill = pairs.shape[1] > 0
    for g in range(first, last):
        s = starts[g]
        e = starts[g + 1]
        out = offsets[g] if fill else 0
        lo = s
        hi = s
        for i in range(s, e):
            while time[i] - time[lo] > window:
                lo += 1
            if hi <= i:
                hi = i + 1
            while hi < e and time[hi] - time[i] <= window:
                hi += 1
            if not flagged[i]:
                continue
            a = account[i]
            for j in range(lo, hi):
                if account[j] != a:
                    if fill:
                        pairs[0, out] = i
                        pairs[1, out] = j
                    out += 1
        if not fill:
            counts[g] = out


@njit(**PARALLEL_KW)
def _flagged_parallel(bounds, starts, time, account, flagged, window, counts, offsets, pairs):
    for t in prange(bounds.shape[0] - 1):
        _flagged_task(
            bounds[t], bounds[t + 1], starts, time, account, flagged, window, counts, offsets, pairs
        )


def flagged_partners(
    starts: np.ndarray,
    time: np.ndarray,
    account: np.ndarray,
    flagged: np.ndarray,
    window: int,
    *,
    n_tasks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every co-action partner of the flagged rows, from the flagged row's side.

    Used to count distinct posts exactly when a post's keys fall in several chunks
    (:mod:`cib_detect.engine.pair_stats`): only those posts are flagged, so the cost follows their
    co-actions, not all of them.

    Parameters
    ----------
    starts, time, account, window
        Sorted rows as in :func:`window_pairs`.
    flagged : bool ndarray, shape (n,)
        Rows whose partners are wanted.
    n_tasks : int, optional
        As in :func:`window_pairs`; the output does not depend on it.

    Returns
    -------
    row, partner : int64 ndarray, shape (n_pairs,)
        One entry per (flagged row, row of another account in its group within the
        window), ordered by group, then ``row``, then ``partner``. Two flagged rows that
        co-act appear twice, once from each side.

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 3])
    >>> time = np.array([0, 10, 100]) * 1_000_000
    >>> account = np.array([0, 1, 2])
    >>> flagged_partners(starts, time, account, np.array([False, True, False]), 60_000_000)
    (array([1]), array([0]))
    """
    _check_sorted_input(starts, time, account, window)
    flagged = np.ascontiguousarray(flagged, dtype=np.bool_)
    assert flagged.shape == time.shape, f"flagged has shape {flagged.shape}, time {time.shape}"
    starts, time, account, flagged = _readonly(starts, time, account, flagged)
    args = (time, account, flagged, np.int64(window))
    n_tasks = _n_tasks(n_tasks, time.shape[0])
    pairs = _count_fill(_flagged_task, _flagged_parallel, starts, args, n_tasks)
    return pairs[0], pairs[1]
