"""Cosine similarity of the rows of a sparse matrix (accounts x time bins), pair by pair.

Every pair of rows sharing a column, output-sensitive: the cost is the sum over columns of
(rows in the column)^2, never rows^2, and only pairs passing the filters are written.
Similarities are summed in float64 in increasing column order, so results do not depend
on the thread count; parallel work is split into contiguous blocks of rows. A count pass
finds each row's partners and writes them to per-task buffers while they fit; a fill pass
recomputes only the rows that did not fit, once the output's size is known.
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
    """Rows ``first..last-1`` against every row sharing a column.

    Count pass (``fill`` False): ``kept[a]`` = partners passing the filters, for every
    row; the rows are also written, one after the other, into the task's region of the
    buffers, ``offsets[first]:offsets[last]``, while they fit: returns the first row not
    written. Fill pass: the rows with ``kept[a] > 0`` written at ``offsets[a]``.

    A row's partners are a sparse set: ``slot[b]`` is ``b``'s place in ``touched`` when
    ``touched[slot[b]] == b``, and the sums of the pair live at that place. A visit then
    touches one array of the length of the rows at random (``slot``, half the cache lines
    of a dense ``seen`` + ``dot`` + ``shared``); the rest is the few hundred places of
    the row's partners. The dot products are summed in increasing column order, as
    before (the same bits)."""
    n_rows = kept.shape[0]
    # np.empty and loops: np.zeros and np.full would compile numba functions of their own
    slot = np.empty(n_rows, np.int64)
    for b in range(n_rows):
        slot[b] = 0
    touched = np.empty(n_rows, np.int64)
    dot = np.empty(n_rows, np.float64)
    shared = np.empty(n_rows, np.int64)
    sum_a = np.empty(n_rows, np.int64)
    sum_b = np.empty(n_rows, np.int64)
    sims = np.empty(n_rows, np.float64)
    # a kept partner as one sortable int64: its row in the high bits, its place in the low
    keys = np.empty(n_rows, np.int64)
    o = offsets[first]  # count pass: the next free place of the task's region
    stop = last
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
                t = slot[b]
                if t >= n_touched or touched[t] != b:
                    t = n_touched
                    n_touched += 1
                    slot[b] = t
                    touched[t] = b
                    dot[t] = 0.0
                    shared[t] = 0
                    sum_a[t] = 0
                    sum_b[t] = 0
                dot[t] += w_a * col_vals[q]
                shared[t] += 1
                sum_a[t] += row_counts[p]
                sum_b[t] += col_counts[q]
        n_found = 0
        for t in range(n_touched):
            if dot[t] >= min_similarity and (min_shared <= 1 or shared[t] >= min_shared):
                sims[n_found] = dot[t]
                keys[n_found] = (touched[t] << 32) | t
                n_found += 1
        n = n_found if top_k == 0 else min(n_found, top_k)
        if not fill:
            kept[a] = n
            if stop < last or o + n > offsets[last]:  # the region is full: counted only
                stop = min(stop, a)
                continue
        else:
            o = offsets[a]
        if top_k > 0:  # keys order partners as their rows do: ties go to the lower row
            _select_top(sims, keys, np.int64(n_found), top_k)
        else:  # ascending partner order
            _sort_int64(keys, np.int64(0), np.int64(n))
        for r in range(n):
            b = keys[r] >> 32
            t = keys[r] & 0xFFFFFFFF
            out_b[o + r] = b
            out_sim[o + r] = dot[t]
            out_int[0, o + r] = shared[t]
            out_int[1, o + r] = sum_a[t]
            out_int[2, o + r] = sum_b[t]
            out_int[3, o + r] = r + 1
        o += n
    return stop


@njit(**PARALLEL_KW)
def _sparse_parallel(bounds, data, filters, fill, kept, offsets, out_b, out_sim, out_int, stops):
    for t in prange(bounds.shape[0] - 1):
        stops[t] = _sparse_task(
            bounds[t], bounds[t + 1], *data, *filters, fill, kept, offsets, out_b, out_sim, out_int
        )


def _sparse_pass(bounds, data, filters, fill, kept, offsets, out_b, out_sim, out_int):
    """One pass over the rows cut by ``bounds``; returns each task's first row not
    written (count pass). Chosen here, not in a compiled caller, so that a serial run
    never compiles the parallel kernel (several times dearer to compile) and ``fill`` is
    never a literal (one specialisation for both passes). A serial run calls the task
    from here: a compiled serial wrapper would inline the task and cost about as much to
    compile again (0.9 s)."""
    stops = np.empty(bounds.shape[0] - 1, np.int64)
    if bounds.shape[0] == 2:
        stops[0] = _sparse_task(
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
        _sparse_parallel(
            bounds, data, filters, bool(fill), kept, offsets, out_b, out_sim, out_int, stops
        )
    return stops


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


# Places of the count pass's buffers (48 bytes each, written only as used): the rows
# whose partners fit are written in that pass, the others recomputed in a fill pass.
_BUFFER_PAIRS = 1 << 24


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
    # A row's partners are at most its visits (the entries of its columns but its own)
    # over min_shared, the other rows, and top_k: its region in the buffers, scaled down
    # to _BUFFER_PAIRS in all.
    room = (work - 1 - np.diff(row_starts)) // max(int(min_shared), 1)
    room = np.minimum(room, max(n_rows - 1, 0) if top_k == 0 else min(n_rows - 1, top_k))
    if room.sum() > _BUFFER_PAIRS:
        room = room * _BUFFER_PAIRS // room.sum()
    regions = _exclusive_cumsum(room)
    buf_b = np.empty(regions[n_rows], np.int64)
    buf_sim = np.empty(regions[n_rows], np.float64)
    buf_int = np.empty((4, regions[n_rows]), np.int64)
    kept = np.zeros(n_rows, np.int64)
    stops = _sparse_pass(bounds, data, filters, False, kept, regions, buf_b, buf_sim, buf_int)
    offsets = _exclusive_cumsum(kept)
    total = offsets[n_rows]
    out_a = np.repeat(np.arange(n_rows, dtype=np.int64), kept)
    out_b = np.empty(total, np.int64)
    out_sim = np.empty(total, np.float64)
    out_int = np.empty((4, total), np.int64)
    pending = kept.copy()  # rows the count pass could not write
    for t in range(len(stops)):
        first, stop = bounds[t], stops[t]
        start, end = offsets[first], offsets[stop]
        source = regions[first]
        out_b[start:end] = buf_b[source : source + end - start]
        out_sim[start:end] = buf_sim[source : source + end - start]
        out_int[:, start:end] = buf_int[:, source : source + end - start]
        pending[first:stop] = 0
    del buf_b, buf_sim, buf_int
    if pending.any():
        work[pending == 0] = 1  # the fill pass skips them
        bounds = _split_by_work(work, np.int64(n_tasks))
        _sparse_pass(bounds, data, filters, True, pending, offsets, out_b, out_sim, out_int)
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
