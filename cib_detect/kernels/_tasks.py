"""Shared pieces of the kernels: work splitting, prefix sums, ranking, input checks.

See :mod:`cib_detect.kernels.pairs` for the input convention of the pair kernels.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit

from cib_detect._config import NJIT_KW

_INT64_MAX = np.iinfo(np.int64).max

# Fewer items than these per thread: run serially (a parallel region costs milliseconds).
_MIN_ROWS_PER_TASK = 50_000  # posts of the pair kernels
_MIN_SETS_PER_TASK = 20_000  # texts, sets or candidate pairs of the text kernels
_MIN_VECTORS_PER_TASK = 2_000  # rows of the cosine kernels


@njit(**NJIT_KW)
def _group_starts(sorted_keys):
    n = sorted_keys.shape[0]
    n_groups = 1 if n > 0 else 0
    for i in range(1, n):
        if sorted_keys[i] != sorted_keys[i - 1]:
            n_groups += 1
    starts = np.empty(n_groups + 1, np.int64)
    starts[0] = 0
    g = 1
    for i in range(1, n):
        if sorted_keys[i] != sorted_keys[i - 1]:
            starts[g] = i
            g += 1
    starts[n_groups] = n
    return starts


def _split_by_work(work, n_tasks):
    """Cut ``range(len(work))`` into ``n_tasks`` contiguous blocks of about equal total work.

    Returns ``bounds`` (int64[n_tasks + 1]); task ``t`` owns items ``bounds[t]:bounds[t+1]``.
    Cut ``t`` falls where the running total crosses ``t / n_tasks`` of the work, an item
    going to the block holding its midpoint; no item is split, so blocks differ by at most
    about the heaviest item. ``work`` is int64 and ``>= 0``.

    In numpy, not a kernel (one less to compile on first use): cut ``t`` is the number of
    items whose doubled midpoint ``2 * done + work[i]`` (``done`` the work before item
    ``i``), times ``n_tasks``, is at most ``2 * total * t``; those values never decrease,
    so a binary search finds it. One int64 array of the length of ``work`` is allocated.
    """
    n_tasks = int(n_tasks)
    work = np.asarray(work, np.int64)
    n = work.shape[0]
    midpoints = np.cumsum(work)
    total = int(midpoints[-1]) if n else 0
    midpoints *= 2
    midpoints -= work
    midpoints *= n_tasks
    bounds = np.empty(n_tasks + 1, np.int64)
    bounds[0] = 0
    targets = 2 * total * np.arange(1, n_tasks, dtype=np.int64)
    bounds[1:n_tasks] = np.searchsorted(midpoints, targets, side="right")
    bounds[n_tasks] = n
    return bounds


def _group_sizes(starts):
    """Rows of each group: ``np.diff(starts)`` (int64), in numpy, not a kernel."""
    return np.diff(starts)


def _exclusive_cumsum(counts):
    """``[0, c0, c0 + c1, ...]`` (int64) of int64 counts, in numpy, not a kernel."""
    offsets = np.empty(counts.shape[0] + 1, np.int64)
    offsets[0] = 0
    np.cumsum(counts, out=offsets[1:])
    return offsets


_SMALL_SORT = 15  # ranges of at most this many items are insertion-sorted


@njit(**NJIT_KW)
def _sort_int64(a, lo, hi):
    """Sort ``a[lo:hi]`` (int64) in place: ``a[lo:hi].sort()``, without numba's quicksort.

    numba's sort is a family of small generic functions (a partition, an insertion sort,
    a driver keeping its stack in a list ...) compiled for each dtype and each of sort and
    argsort, 1.4 s on first use. This is the same algorithm (median of three, the pivot
    parked at the end, the larger part pushed, insertion sort below ``_SMALL_SORT``) in
    one function: ``O(n log n)`` on sorted, reversed and constant runs, a stack of at most
    ``log2(n)`` ranges. The kernels sort only int64 (uint64 keys are mapped to int64 of
    the same order, see :mod:`cib_detect.kernels.shingles`), so this compiles once if
    called with ``np.int64`` bounds: numba compiles a callee for the types it meets while
    inferring the caller, and a counter still typed ``Literal[int](0)`` there would get a
    specialisation of its own (0.9 s each).
    """
    stack = np.empty(128, np.int64)  # (low, high) pairs, inclusive bounds
    stack[0] = lo
    stack[1] = hi - 1
    n = 1
    while n > 0:
        n -= 1
        low = stack[2 * n]
        high = stack[2 * n + 1]
        while high - low >= _SMALL_SORT:
            mid = (low + high) >> 1
            if a[mid] < a[low]:
                a[low], a[mid] = a[mid], a[low]
            if a[high] < a[mid]:
                a[high], a[mid] = a[mid], a[high]
            if a[mid] < a[low]:
                a[low], a[mid] = a[mid], a[low]
            pivot = a[mid]
            a[high], a[mid] = a[mid], a[high]
            i = low
            j = high - 1
            while True:
                while i < high and a[i] < pivot:
                    i += 1
                while j >= low and pivot < a[j]:
                    j -= 1
                if i >= j:
                    break
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
            a[i], a[high] = a[high], a[i]
            if high - i > i - low:  # push the larger part, go on with the smaller
                if high > i:
                    stack[2 * n] = i + 1
                    stack[2 * n + 1] = high
                    n += 1
                high = i - 1
            else:
                if i > low:
                    stack[2 * n] = low
                    stack[2 * n + 1] = i - 1
                    n += 1
                low = i + 1
        for i in range(low + 1, high + 1):
            v = a[i]
            j = i
            while j > low and v < a[j - 1]:
                a[j] = a[j - 1]
                j -= 1
            a[j] = v


@njit(inline="always", **NJIT_KW)  # one call site: no compile of its own
def _better(sim_x, b_x, sim_y, b_y):
    """Ranking order: higher similarity first, then lower partner index."""
    return sim_x > sim_y or (sim_x == sim_y and b_x < b_y)


@njit(**NJIT_KW)
def _select_top(sims, partners, n, k):
    """Reorder ``sims[:n]``/``partners[:n]`` so the best ``min(n, k)`` come first, ranked."""
    m = min(n, k)
    for r in range(m):  # selection: k is small
        best = r
        for q in range(r + 1, n):
            if _better(sims[q], partners[q], sims[best], partners[best]):
                best = q
        sims[r], sims[best] = sims[best], sims[r]
        partners[r], partners[best] = partners[best], partners[r]
    return m


def _n_tasks(n_tasks, n_rows, min_rows=None):
    """One task per thread, or fewer so each has at least ``min_rows`` rows (default
    ``_MIN_ROWS_PER_TASK``)."""
    if n_tasks is None:
        min_rows = _MIN_ROWS_PER_TASK if min_rows is None else min_rows
        return max(1, min(numba.get_num_threads(), n_rows // min_rows))
    assert n_tasks >= 1, f"n_tasks must be >= 1, got {n_tasks}"
    return int(n_tasks)


def _readonly(*arrays):
    """Read-only views of the input arrays (no copy).

    numba compiles a kernel once per argument type, and a read-only array (a zero-copy
    view of polars or Arrow memory) is another type than a writable one: passing every
    input read-only gives each kernel one specialisation whatever its caller holds.
    """
    views = []
    for array in arrays:
        view = array.view()
        view.flags.writeable = False
        views.append(view)
    return views


def _check_int64(name, array):
    assert isinstance(array, np.ndarray), f"{name} must be a numpy array, got {type(array)}"
    assert array.dtype == np.int64, f"{name} must be int64, got {array.dtype}"
    assert array.ndim == 1, f"{name} must be 1-D, got {array.ndim}-D"
    assert array.flags.c_contiguous, f"{name} must be C-contiguous"


def _check_sorted_input(starts, time, account, window):
    for name, array in (("starts", starts), ("time", time), ("account", account)):
        _check_int64(name, array)
    n = time.shape[0]
    assert account.shape[0] == n, f"time has {n} rows but account has {account.shape[0]}"
    assert starts.shape[0] >= 1, "starts needs at least one entry (n_groups + 1)"
    assert starts[0] == 0 and starts[-1] == n, f"starts must run from 0 to {n}"
    assert window >= 0, f"window must be >= 0 microseconds, got {window}"


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
