"""Top-k cosine neighbours of dense unit rows (activity profiles), exact or approximate.

- :func:`dense_top_k`: exact, in row blocks (float32 matrix products, never the full
  n x n), re-ranked in float64.
- :func:`simhash_top_k`: approximate for many rows: random-hyperplane signatures
  (Charikar 2002), rows sorted by signature, each compared with its sorted neighbours.

Both score their candidates in float64 in a fixed order, so results do not depend on the
thread count; the scoring is split into contiguous blocks of rows.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import (
    _MIN_VECTORS_PER_TASK,
    _n_tasks,
    _readonly,
    _select_top,
    _split_by_work,
)

__all__ = ["dense_top_k", "simhash_top_k"]


@njit(**NJIT_KW)
def _dot64(x, a, b):
    total = 0.0
    for k in range(x.shape[1]):
        total += x[a, k] * x[b, k]
    return total


@njit(**NJIT_KW)
def _rerank_task(first, last, x, candidates, k, min_similarity, out_b, out_sim):
    """Exact float64 similarities of each row's candidates, best ``k`` ranked (-1 pads)."""
    m = candidates.shape[1]
    sims = np.empty(m, np.float64)
    partners = np.empty(m, np.int64)
    for a in range(first, last):
        n = 0
        for q in range(m):
            b = candidates[a, q]
            if b < 0 or b == a:
                continue
            duplicate = False
            for r in range(n):
                if partners[r] == b:
                    duplicate = True
                    break
            if duplicate:
                continue
            s = _dot64(x, a, b)
            if s >= min_similarity:
                sims[n] = s
                partners[n] = b
                n += 1
        n = _select_top(sims, partners, n, k)
        for r in range(k):
            out_b[a, r] = partners[r] if r < n else -1
            out_sim[a, r] = sims[r] if r < n else np.nan


@njit(**PARALLEL_KW)
def _rerank_parallel(bounds, x, candidates, k, min_similarity, out_b, out_sim):
    for t in prange(bounds.shape[0] - 1):
        _rerank_task(bounds[t], bounds[t + 1], x, candidates, k, min_similarity, out_b, out_sim)


def _rerank(x, candidates, k, min_similarity, n_tasks):
    """Driver in Python: a serial run never compiles the parallel kernel (several times
    dearer to compile); serial and parallel runs share one specialisation of the task."""
    n = x.shape[0]
    out_b = np.empty((n, k), np.int64)
    out_sim = np.empty((n, k), np.float64)
    args = (*_readonly(x, candidates), k, min_similarity, out_b, out_sim)
    if n_tasks == 1 or n == 0:
        _rerank_task(np.int64(0), np.int64(n), *args)
    else:
        bounds = _split_by_work(np.ones(n, np.int64), np.int64(n_tasks))
        _rerank_parallel(bounds, *args)
    return out_b, out_sim


@njit(**NJIT_KW)
def _simhash_codes(projected):
    n, bits = projected.shape
    codes = np.zeros(n, np.uint64)
    for i in range(n):
        code = np.uint64(0)
        for b in range(bits):
            if projected[i, b] >= 0:
                code |= np.uint64(1) << np.uint64(b)
        codes[i] = code
    return codes


@njit(**NJIT_KW)
def _neighbour_candidates(order, reach, candidates, column):
    """Row ``order[p]`` gets the rows ``order[p - reach .. p + reach]`` as candidates,
    written from ``candidates[:, column]`` on."""
    n = order.shape[0]
    for p in range(n):
        a = order[p]
        c = column
        for q in range(p - reach, p + reach + 1):
            if q != p:
                candidates[a, c] = order[q] if 0 <= q < n else -1
                c += 1


# ----------------------------------------------------------------------------- wrappers


def dense_top_k(
    profiles: np.ndarray,
    k: int,
    min_similarity: float = -1.0,
    *,
    block_rows: int = 1024,
    n_tasks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k cosine neighbours of unit-length rows, in row blocks.

    Each block of ``block_rows`` rows is multiplied with all rows in float32 (memory
    ``block_rows * n`` floats, never ``n * n``); the best ``2k + 8`` candidates of each
    row are then re-scored in float64 and ranked, so ranks do not depend on float32
    rounding or on the thread count. (Only when more than ``2k + 8`` rows lie within
    float32 rounding, about 1e-7, of a row's ``k``-th neighbour can a float64-better one be
    missed, e.g. among near-duplicate profiles.)

    Parameters
    ----------
    profiles : float64 ndarray, shape (n, d)
        Rows of unit L2 norm.
    k : int
        Neighbours per row.
    min_similarity : float
        Neighbours below it are left out.
    block_rows : int
        Rows per matrix-product block.
    n_tasks : int, optional
        Parallel tasks of the re-ranking; the output does not depend on it.

    Returns
    -------
    neighbours : int64 ndarray, shape (n, k)
        Row indices, best first (similarity, then lower index); -1 where a row has fewer.
    similarity : float64 ndarray, shape (n, k)
        Cosine similarities; NaN where ``neighbours`` is -1.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    >>> nb, sim = dense_top_k(x, 1)
    >>> nb.ravel().tolist(), sim.ravel().round(2).tolist()
    ([1, 0, 1], [0.8, 0.8, 0.6])
    """
    x64 = np.ascontiguousarray(profiles, np.float64)
    n = x64.shape[0]
    x32 = x64.astype(np.float32)
    m = min(max(n - 1, 0), 2 * k + 8)
    candidates = np.full((n, max(m, 1)), -1, np.int64)
    if m > 0:
        for start in range(0, n, block_rows):
            stop = min(start + block_rows, n)
            block = x32[start:stop] @ x32.T
            block[np.arange(stop - start), np.arange(start, stop)] = -np.inf
            part = np.argpartition(-block, m - 1, axis=1)[:, :m]
            candidates[start:stop] = part
    return _rerank(
        x64,
        candidates,
        np.int64(k),
        float(min_similarity),
        _n_tasks(n_tasks, n, _MIN_VECTORS_PER_TASK),
    )


def simhash_top_k(
    profiles: np.ndarray,
    k: int,
    min_similarity: float = -1.0,
    *,
    n_tables: int = 8,
    reach: int = 16,
    seed: int = 0,
    n_tasks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate top-k cosine neighbours: random-hyperplane (SimHash) sorting.

    For each of ``n_tables`` tables, rows get a 64-bit signature (the signs of 64 random
    projections, Charikar 2002), are sorted by it, and each row takes the ``reach`` rows
    before and after it in that order as candidates: rows with close signatures point the
    same way. The candidates are scored exactly (float64) and ranked as in
    :func:`dense_top_k`. Cost ``O(n * n_tables * reach * d)``.

    Parameters
    ----------
    profiles : float64 ndarray, shape (n, d)
        Rows of unit L2 norm.
    k, min_similarity
        As in :func:`dense_top_k`.
    n_tables, reach : int
        Sorted orders, and neighbours taken on each side in each order.
    seed : int
        Seed of the projections.
    n_tasks : int, optional
        Parallel tasks of the scoring; the output does not depend on it.

    Returns
    -------
    neighbours, similarity : ndarray, shape (n, k)
        As in :func:`dense_top_k`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    >>> simhash_top_k(x, 1)[0].ravel().tolist()
    [1, 0, 1]
    """
    x64 = np.ascontiguousarray(profiles, np.float64)
    n, d = x64.shape
    rng = np.random.default_rng(seed)
    width = 2 * reach
    candidates = np.full((n, max(n_tables * width, 1)), -1, np.int64)
    for table in range(n_tables):
        planes = rng.standard_normal((d, 64))
        codes = _simhash_codes(x64 @ planes)
        order = np.argsort(codes, kind="stable").astype(np.int64)
        _neighbour_candidates(order, reach, candidates, table * width)
    return _rerank(
        x64,
        candidates,
        np.int64(k),
        float(min_similarity),
        _n_tasks(n_tasks, n, _MIN_VECTORS_PER_TASK),
    )
