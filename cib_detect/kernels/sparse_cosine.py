"""Cosine similarity of the rows of a sparse matrix (accounts x time bins), pair by pair.

Every pair of rows sharing a column, output-sensitive: the cost is the sum over columns of
(rows in the column)^2, never rows^2, and only pairs passing the filters are written.
Similarities are summed in float64 in increasing column order, so results do not depend
on the thread count; parallel work is split into contiguous blocks of rows.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import (
    _MIN_VECTORS_PER_TASK,
    _exclusive_cumsum,
    _n_tasks,
    _readonly,
    _select_top,
    _sort_int64,
    _split_by_work,
)

__all__ = ["sparse_cosine_pairs"]


@njit(inline="always", **NJIT_KW)  # one call site: no compile of its own
def _shared_stats(row_starts, row_cols, row_counts, a, b):
    """Shared columns of rows ``a`` and ``b`` and the sums of each side's counts there."""
    p, e = row_starts[a], row_starts[a + 1]
    q, f = row_starts[b], row_starts[b + 1]
    shared = count_a = count_b = 0
    while p < e and q < f:
        if row_cols[p] == row_cols[q]:
            shared += 1
            count_a += row_counts[p]
            count_b += row_counts[q]
            p += 1
            q += 1
        elif row_cols[p] < row_cols[q]:
            p += 1
        else:
            q += 1
    return shared, count_a, count_b


@njit(inline="always", **NJIT_KW)  # one call site: no compile of its own
def _first_above(sorted_values, lo, hi, x):
    """First index in ``lo..hi`` whose value exceeds ``x`` (``sorted_values[lo:hi]``
    increasing): ``lo + np.searchsorted(sorted_values[lo:hi], x, side="right")``."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if sorted_values[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(**NJIT_KW)
def _sparse_task(
    first,
    last,
    row_starts,
    row_cols,
    row_vals,
    row_counts,
    col_starts,
    col_rows,
    col_vals,
    col_counts,
    min_similarity,
    min_shared,
    top_k,
    fill,
    kept,
    offsets,
    out_b,
    out_sim,
    out_int,
):
    """Rows ``first..last-1`` against every row sharing a column. Count pass: ``kept[a]``
    = partners passing the filters. Fill pass (only rows with ``kept[a] > 0``): write them.
    Only the dot products are accumulated per visit (one scattered write); the shared
    columns of the few kept pairs are counted afterwards by merging the two rows."""
    n_rows = kept.shape[0]
    # np.empty and loops: np.zeros and np.full would compile numba functions of their own
    dot = np.empty(n_rows, np.float64)
    seen = np.empty(n_rows, np.int64)
    shared = np.empty(n_rows if min_shared > 1 else 0, np.int64)
    for b in range(n_rows):
        dot[b] = 0.0
        seen[b] = -1
    for b in range(shared.shape[0]):
        shared[b] = 0
    touched = np.empty(n_rows, np.int64)
    sims = np.empty(n_rows, np.float64)
    partners = np.empty(n_rows, np.int64)
    for a in range(first, last):
        if fill and kept[a] == 0:
            continue
        n_touched = 0
        for p in range(row_starts[a], row_starts[a + 1]):
            c = row_cols[p]
            w_a = row_vals[p]
            lo = col_starts[c]
            hi = col_starts[c + 1]
            if top_k == 0:  # each pair once, from its lower row: skip rows <= a
                lo = _first_above(col_rows, lo, hi, a)
            for q in range(lo, hi):
                b = col_rows[q]
                if b == a:
                    continue
                if seen[b] != a:
                    seen[b] = a
                    touched[n_touched] = b
                    n_touched += 1
                dot[b] += w_a * col_vals[q]
                if min_shared > 1:
                    shared[b] += 1
        n = 0
        for t in range(n_touched):
            b = touched[t]
            if dot[b] >= min_similarity and (min_shared <= 1 or shared[b] >= min_shared):
                sims[n] = dot[b]
                partners[n] = b
                n += 1
            dot[b] = 0.0
            if min_shared > 1:
                shared[b] = 0
        if top_k > 0:
            n = _select_top(sims, partners, np.int64(n), top_k)
        elif fill:
            # Ascending partner order. The partners are distinct: their similarities are
            # parked in ``dot`` (all zero again here) while the partners sort, with the
            # int64 sort of every kernel (an argsort and a fancy-indexed slice
            # assignment would each compile numba code of their own).
            for r in range(n):
                dot[partners[r]] = sims[r]
            _sort_int64(partners, np.int64(0), np.int64(n))
            for r in range(n):
                b = partners[r]
                sims[r] = dot[b]
                dot[b] = 0.0
        if fill:
            o = offsets[a]
            for r in range(n):
                b = partners[r]
                n_shared, count_a, count_b = _shared_stats(row_starts, row_cols, row_counts, a, b)
                out_b[o + r] = b
                out_sim[o + r] = sims[r]
                out_int[0, o + r] = n_shared
                out_int[1, o + r] = count_a
                out_int[2, o + r] = count_b
                out_int[3, o + r] = r + 1
        else:
            kept[a] = n


@njit(**PARALLEL_KW)
def _sparse_parallel(bounds, data, filters, fill, kept, offsets, out_b, out_sim, out_int):
    for t in prange(bounds.shape[0] - 1):
        _sparse_task(
            bounds[t], bounds[t + 1], *data, *filters, fill, kept, offsets, out_b, out_sim, out_int
        )


def _sparse_pass(bounds, data, filters, fill, kept, offsets, out_b, out_sim, out_int):
    """One pass over the rows cut by ``bounds``. Chosen here, not in a compiled caller, so
    that a serial run never compiles the parallel kernel (several times dearer to
    compile) and ``fill`` is never a literal (one specialisation for both passes). A
    serial run calls the task from here: a compiled serial wrapper would inline the task
    and cost about as much to compile again (0.9 s)."""
    if bounds.shape[0] == 2:
        _sparse_task(
            bounds[0],
            bounds[1],
            *data,
            *filters,
            bool(fill),
            kept,
            offsets,
            out_b,
            out_sim,
            out_int,
        )
    else:
        _sparse_parallel(bounds, data, filters, bool(fill), kept, offsets, out_b, out_sim, out_int)


@njit(**NJIT_KW)
def _sparse_work(row_starts, row_cols, col_starts):
    """Work of each row: 1 plus the entries of its columns."""
    n_rows = row_starts.shape[0] - 1
    work = np.empty(n_rows, np.int64)
    for a in range(n_rows):
        work[a] = 1
        for p in range(row_starts[a], row_starts[a + 1]):
            c = row_cols[p]
            work[a] += col_starts[c + 1] - col_starts[c]
    return work


def _sparse_cosine_pairs(
    row_starts,
    row_cols,
    row_vals,
    row_counts,
    col_starts,
    col_rows,
    col_vals,
    col_counts,
    min_similarity,
    min_shared,
    top_k,
    n_tasks,
):
    n_rows = row_starts.shape[0] - 1
    work = _sparse_work(row_starts, row_cols, col_starts)
    bounds = _split_by_work(work, np.int64(n_tasks))
    data = (row_starts, row_cols, row_vals, row_counts, col_starts, col_rows, col_vals, col_counts)
    data = tuple(_readonly(*data))
    filters = (min_similarity, min_shared, top_k)
    kept = np.zeros(n_rows, np.int64)
    no_b = np.empty(0, np.int64)
    no_sim = np.empty(0, np.float64)
    no_int = np.empty((4, 0), np.int64)
    _sparse_pass(bounds, data, filters, False, kept, kept, no_b, no_sim, no_int)
    offsets = _exclusive_cumsum(kept)
    total = offsets[n_rows]
    out_a = np.repeat(np.arange(n_rows, dtype=np.int64), kept)
    work[kept == 0] = 1  # the fill pass skips them
    out_b = np.empty(total, np.int64)
    out_sim = np.empty(total, np.float64)
    out_int = np.empty((4, total), np.int64)
    bounds = _split_by_work(work, np.int64(n_tasks))
    _sparse_pass(bounds, data, filters, True, kept, offsets, out_b, out_sim, out_int)
    return out_a, out_b, out_sim, out_int


# ------------------------------------------------------------------------------ wrapper


def sparse_cosine_pairs(
    row_starts: np.ndarray,
    row_cols: np.ndarray,
    row_vals: np.ndarray,
    row_counts: np.ndarray,
    n_cols: int,
    min_similarity: float = 0.0,
    min_shared: int = 1,
    top_k: int | None = None,
    *,
    n_tasks: int | None = None,
):
    """Cosine similarity of the rows of a sparse matrix with unit-length rows, for every
    pair of rows sharing a column and passing the filters.

    Parameters
    ----------
    row_starts, row_cols : int64 ndarray
        CSR structure: row ``a`` has columns ``row_cols[row_starts[a]:row_starts[a+1]]``,
        strictly increasing.
    row_vals : float64 ndarray
        The entries, each row of unit L2 norm (the dot product is then the cosine).
    row_counts : int64 ndarray
        An integer per entry (e.g. posts in the bin), summed over shared columns.
    n_cols : int
        Number of columns.
    min_similarity : float
        Keep pairs with cosine ``>= min_similarity``.
    min_shared : int
        Keep pairs sharing at least this many columns.
    top_k : int, optional
        Keep, for each row, its ``top_k`` best partners (similarity, then lower index);
        pairs are then reported from both sides (``a > b`` too). ``None``: every pair
        once, ``a < b``.
    n_tasks : int, optional
        Parallel tasks; the output does not depend on it.

    Returns
    -------
    a, b : int64 ndarray
        Row pairs, sorted by ``a`` then rank (``top_k``) or ``b``.
    similarity : float64 ndarray
        Cosine, summed in increasing column order (so equal from both sides).
    shared, count_a, count_b, rank : int64 ndarray
        Shared columns, the sums of ``row_counts`` of ``a`` and of ``b`` over them, and the
        rank of ``b`` among ``a``'s kept partners (1 = best; without ``top_k``, its
        position in increasing ``b`` order).

    Examples
    --------
    >>> import numpy as np
    >>> s = 0.5 ** 0.5
    >>> row_starts, row_cols = np.array([0, 2, 4, 5]), np.array([0, 1, 1, 2, 0])
    >>> row_vals = np.array([s, s, s, s, 1.0])
    >>> a, b, sim, shared, *_ = sparse_cosine_pairs(
    ...     row_starts, row_cols, row_vals, np.ones(5, np.int64), 3)
    >>> a.tolist(), b.tolist(), sim.round(3).tolist(), shared.tolist()
    ([0, 0], [1, 2], [0.5, 0.707], [1, 1])
    """
    n_rows = row_starts.shape[0] - 1
    cols = np.asarray(row_cols, np.int64)
    # column-major copy: rows of each column, increasing
    order = np.argsort(cols, kind="stable")
    row_of_entry = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(row_starts))
    col_rows = np.ascontiguousarray(row_of_entry[order])
    row_vals = np.ascontiguousarray(row_vals, np.float64)
    row_counts = np.ascontiguousarray(row_counts, np.int64)
    col_starts = np.zeros(n_cols + 1, np.int64)
    np.cumsum(np.bincount(cols, minlength=n_cols), out=col_starts[1:])
    out_a, out_b, out_sim, out_int = _sparse_cosine_pairs(
        np.ascontiguousarray(row_starts, np.int64),
        np.ascontiguousarray(cols),
        row_vals,
        row_counts,
        col_starts,
        col_rows,
        np.ascontiguousarray(row_vals[order]),
        np.ascontiguousarray(row_counts[order]),
        float(min_similarity),
        np.int64(min_shared),
        np.int64(0 if top_k is None else top_k),
        _n_tasks(n_tasks, n_rows, _MIN_VECTORS_PER_TASK),
    )
    return out_a, out_b, out_sim, out_int[0], out_int[1], out_int[2], out_int[3]
