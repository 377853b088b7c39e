"""Kernels of the null model: how often keys bring posts together by chance.

Input conventions as in :mod:`cib_detect.kernels.pairs` (rows sorted by key then time,
``starts`` bounding the key groups).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import _n_tasks, _readonly

__all__ = ["expected_keys_table", "group_window_pairs"]

# Each kernel has a serial twin (``prange`` written ``range``), run below
# ``_MIN_ROWS_PER_TASK`` rows of work per thread: a small input then never compiles the
# parallel kernel, several times dearer to compile. The twins compute every output
# element by the same operations in the same order, so their results are identical.

# Account-key rows times grid points per thread below which the expected-keys table is
# computed serially. Measured on 2 cores: 0.4M cells 3.7 ms serial vs 14.9 ms parallel,
# 0.9M 8.2 vs 16.4 ms, 21M 313 vs 273 ms.
_MIN_CELLS_PER_TASK = 2_000_000


@njit(inline="always", **NJIT_KW)
def _group_pairs(starts, time, window, g):
    """Row pairs of group ``g`` within ``window`` (one sweep of a lower bound)."""
    lo = starts[g]
    total = 0
    for i in range(starts[g], starts[g + 1]):
        while time[i] - time[lo] > window:
            lo += 1
        total += i - lo
    return total


# The outputs of these kernels are allocated by their callers: an allocation in a kernel
# compiles numba's np.zeros (and np.empty and a fill) into it.


@njit(**PARALLEL_KW)
def _group_window_pairs(starts, time, window, counts):
    for g in prange(counts.shape[0]):
        counts[g] = _group_pairs(starts, time, window, g)


@njit(**NJIT_KW)
def _group_window_pairs_serial(starts, time, window, counts):
    for g in range(counts.shape[0]):
        counts[g] = _group_pairs(starts, time, window, g)


def group_window_pairs(starts: np.ndarray, time: np.ndarray, window: int) -> np.ndarray:
    """Number of row pairs of each key group that lie within ``window`` (any accounts).

    Examples
    --------
    >>> import numpy as np
    >>> group_window_pairs(np.array([0, 3, 4]), np.array([0, 5, 20, 7]), 10)
    array([1, 0])
    """
    starts, time = _readonly(starts, time)
    parallel = _n_tasks(None, time.shape[0]) > 1
    kernel = _group_window_pairs if parallel else _group_window_pairs_serial
    counts = np.zeros(starts.shape[0] - 1, np.int64)
    kernel(starts, time, np.int64(window), counts)
    return counts


@njit(inline="always", **NJIT_KW)
def _account_row(table, a, ptr, group, count, key_posts, log_miss, total, grid):
    """Fill row ``a`` of the expectation table: a sum over the account's keys."""
    for r in range(ptr[a], ptr[a + 1]):
        g = group[r]
        others = max(key_posts[g] - count[r], 0) / total
        if others <= 0.0:
            continue
        log_unused = np.log1p(-min(others, 1.0))
        for j in range(grid.shape[0]):
            d = grid[j]
            uses = -np.expm1(d * log_unused)
            partner_count = max(1.0, d * others)
            table[a, j] += uses * -np.expm1(count[r] * partner_count * log_miss[g])


@njit(**PARALLEL_KW)
def _expected_keys_table(ptr, group, count, key_posts, log_miss, total, grid, table):
    for a in prange(table.shape[0]):
        _account_row(table, a, ptr, group, count, key_posts, log_miss, total, grid)


@njit(**NJIT_KW)
def _expected_keys_table_serial(ptr, group, count, key_posts, log_miss, total, grid, table):
    for a in range(table.shape[0]):
        _account_row(table, a, ptr, group, count, key_posts, log_miss, total, grid)


def expected_keys_table(
    ptr: np.ndarray,
    group: np.ndarray,
    count: np.ndarray,
    key_posts: np.ndarray,
    pi: np.ndarray,
    grid: np.ndarray,
    *,
    total: float | None = None,
) -> np.ndarray:
    """For every account ``a`` and partner activity ``d`` in ``grid``: the expected number
    of keys of ``a`` on which a partner with ``d`` key uses, drawn by key popularity,
    co-acts with ``a`` by chance.

    Parameters
    ----------
    ptr, group, count : int64 ndarray
        Each account's keys: account ``i`` used group ``group[r]`` ``count[r]`` times for
        ``r`` in ``ptr[i]:ptr[i + 1]``.
    key_posts : int64 ndarray
        Uses (posts) of each key group.
    pi : float64 ndarray
        Per group, the chance that two of its posts taken at random lie within the window.
    grid : float64 ndarray
        Partner activities (key uses) to tabulate, increasing.
    total : float, optional
        All key uses ``N``; default ``key_posts.sum()`` (pass it when ``key_posts`` is
        one chunk of the keys).

    Returns
    -------
    float64 ndarray, shape (n_accounts, len(grid))
        ``sum_k P(partner uses k) * (1 - (1 - pi_k) ** (count_a * count_partner))`` with
        ``P(partner uses k) = 1 - (1 - m_k / N) ** d``, ``m_k`` the uses of ``k`` by
        others than ``a``, ``N`` all uses, and ``count_partner = max(1, d * m_k / N)``.

    Examples
    --------
    >>> import numpy as np
    >>> table = expected_keys_table(np.array([0, 1, 2]), np.array([0, 0]), np.array([1, 1]),
    ...                             np.array([2]), np.array([1.0]), np.array([1.0]))
    >>> table.round(3).tolist()
    [[0.5], [0.5]]
    """
    with np.errstate(divide="ignore"):
        log_miss = np.log1p(-np.minimum(pi, 1.0))
    total = float(key_posts.sum()) if total is None else float(total)
    grid = np.ascontiguousarray(grid, np.float64)
    ptr, group, count, key_posts, log_miss, grid = _readonly(
        ptr, group, count, key_posts, log_miss, grid
    )
    parallel = _n_tasks(None, group.shape[0] * grid.shape[0], _MIN_CELLS_PER_TASK) > 1
    kernel = _expected_keys_table if parallel else _expected_keys_table_serial
    table = np.zeros((ptr.shape[0] - 1, grid.shape[0]), np.float64)
    kernel(ptr, group, count, key_posts, log_miss, max(total, 1.0), grid, table)
    return table
