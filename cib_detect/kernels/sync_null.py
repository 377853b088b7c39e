"""Kernel of the sync_activity null model: shared periods and their chance expectation.

Each account is a sorted list of the time bins it was active in (CSR rows, as the cosine
kernel's input). A period is ``bins_per_period`` consecutive bins (an hour of minutes by
default). For a pair of accounts the kernel merges the two rows period by period and
returns the number of periods in which they share a bin (the statistic) and its
expectation when, within every period, each account keeps how many bins it is active in
but its bins fall where the other accounts are active (see
:mod:`cib_detect.traces.sync` and ``docs/temporal_null_models.md``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import _n_tasks, _readonly, _split_by_work

__all__ = ["sync_null_pairs"]

# Candidate pairs per thread below which the kernel runs serially (its serial twin).
_MIN_PAIRS_PER_TASK = 20_000


# _hit and _seek are compiled functions of their own, not inlined by numba: each inlined
# call site costs about 0.05 s of compiling, and LLVM inlines them anyway.
@njit(**NJIT_KW)
def _hit(mass, draws, bins_per_period):
    """P(at least one of ``draws`` distinct bins falls on bins of total weight ``mass``):
    ``1 - prod_{j < draws} (1 - mass / (1 - j / B))`` (successive draws without
    replacement from bins of mean weight ``1 / B``; hypergeometric for uniform weights)."""
    log_miss = 0.0
    for j in range(draws):
        term = 1.0 - mass / (1.0 - j / bins_per_period)
        if term <= 1e-300:
            term = 1e-300
        elif term > 1.0:
            term = 1.0
        log_miss += np.log(term)
    return -np.expm1(log_miss)


@njit(**NJIT_KW)
def _seek(cell_bin, p, e, target):
    """First index in ``p..e`` with ``cell_bin >= target`` (galloping: a light account's
    row against a busy one's costs the light row times a logarithm, not the busy row)."""
    step = 1
    hi = p
    while hi < e and cell_bin[hi] < target:
        p = hi + 1
        hi += step
        step *= 2
    hi = min(hi, e)
    while p < hi:
        mid = (p + hi) // 2
        if cell_bin[mid] < target:
            p = mid + 1
        else:
            hi = mid
    return p


@njit(inline="always", **NJIT_KW)
def _pair(row_starts, cell_bin, cell_weight, cell_total, per, pseudo, a, b):
    """(shared periods, expectation given a, expectation given b) of rows ``a``, ``b``."""
    p, e = row_starts[a], row_starts[a + 1]
    q, f = row_starts[b], row_starts[b + 1]
    shared_periods = 0
    given_a = 0.0
    given_b = 0.0
    while p < e and q < f:
        period_a = cell_bin[p] // per
        period_b = cell_bin[q] // per
        if period_a < period_b:
            p = _seek(cell_bin, p, e, period_b * per)
            continue
        if period_b < period_a:
            q = _seek(cell_bin, q, f, period_a * per)
            continue
        period = period_a
        total = cell_total[p]
        count_a = 0
        count_b = 0
        shared = 0
        weight_a = 0.0
        weight_b = 0.0
        while True:
            in_a = p < e and cell_bin[p] // per == period
            in_b = q < f and cell_bin[q] // per == period
            if not in_a and not in_b:
                break
            if in_a and in_b and cell_bin[p] == cell_bin[q]:
                count_a += 1
                count_b += 1
                shared += 1
                weight_a += cell_weight[p]
                weight_b += cell_weight[q]
                p += 1
                q += 1
            elif in_a and (not in_b or cell_bin[p] < cell_bin[q]):
                count_a += 1
                weight_a += cell_weight[p]
                p += 1
            else:
                count_b += 1
                weight_b += cell_weight[q]
                q += 1
        # the period's weights without the pair: n(t) - [a in t] - [b in t] + pseudo
        others = total - count_a - count_b + pseudo * per
        if others > 0.0:
            mass_a = (weight_a - count_a - shared) / others
            mass_b = (weight_b - count_b - shared) / others
        else:  # nobody else and no pseudo-count: uniform weights
            mass_a = count_a / per
            mass_b = count_b / per
        mass_a = min(max(mass_a, 0.0), 1.0)
        mass_b = min(max(mass_b, 0.0), 1.0)
        # np.int64: counters still typed Literal[int](0) would compile a _hit of their own
        given_a += _hit(mass_a, np.int64(count_b), per)
        given_b += _hit(mass_b, np.int64(count_a), per)
        if shared > 0:
            shared_periods += 1
    return shared_periods, given_a, given_b


@njit(**NJIT_KW)
def _sync_null_task(first, last, row_starts, cell_bin, cell_weight, cell_total, per, pseudo,
                    a, b, periods, expected):  # fmt: skip
    for i in range(first, last):
        x, ga, gb = _pair(row_starts, cell_bin, cell_weight, cell_total, per, pseudo, a[i], b[i])
        periods[i] = x
        expected[i] = max(ga, gb)


@njit(**PARALLEL_KW)
def _sync_null_parallel(bounds, row_starts, cell_bin, cell_weight, cell_total, per, pseudo,
                        a, b, periods, expected):  # fmt: skip
    for t in prange(bounds.shape[0] - 1):
        _sync_null_task(bounds[t], bounds[t + 1], row_starts, cell_bin, cell_weight,
                        cell_total, per, pseudo, a, b, periods, expected)  # fmt: skip


def sync_null_pairs(
    row_starts: np.ndarray,
    cell_bin: np.ndarray,
    cell_active: np.ndarray,
    cell_total: np.ndarray,
    bins_per_period: int,
    a: np.ndarray,
    b: np.ndarray,
    *,
    pseudo: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Shared periods of each pair and their expectation under the within-period null.

    Parameters
    ----------
    row_starts : int64 ndarray, shape (n_rows + 1,)
        Row ``i`` (an account) owns cells ``row_starts[i]:row_starts[i + 1]``.
    cell_bin : int64 ndarray
        The bin of each cell (bins >= 0, increasing within a row; one cell per active bin).
    cell_active : float64 ndarray
        ``n(t)``: accounts active in the cell's bin (all of them, the row's own included).
    cell_total : float64 ndarray
        ``H(P)``: the sum of ``n(t)`` over the bins of the cell's period.
    bins_per_period : int
        ``B``: period ``P`` holds bins ``P * B`` to ``P * B + B - 1``.
    a, b : int64 ndarray
        The pairs' rows.
    pseudo : float, default 1.0
        Active accounts added to every bin of a period's weights.

    Returns
    -------
    periods : int64 ndarray
        Periods in which the pair shares at least one bin.
    expected : float64 ndarray
        ``max(lambda_a, lambda_b)``, ``lambda_a = sum over periods P where both are active
        of 1 - prod_{j < c_b} (1 - S_a / (1 - j / B))``: ``c_b`` is b's active bins in
        ``P`` and ``S_a`` the null weight of a's bins there, ``sum over them of
        (n(t) - [a in t] - [b in t] + pseudo) / (H(P) - c_a - c_b + pseudo * B)`` (``c_a /
        B`` when that denominator is 0).

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 2, 4])
    >>> bins = np.array([0, 61, 0, 70])  # two accounts, bins of minutes, hours of 60
    >>> active = np.array([2.0, 1.0, 2.0, 1.0])
    >>> total = np.array([2.0, 2.0, 2.0, 2.0])
    >>> periods, expected = sync_null_pairs(starts, bins, active, total, 60,
    ...                                     np.array([0]), np.array([1]))
    >>> periods.tolist(), expected.round(4).tolist()
    ([1], [0.0333])
    """
    row_starts, cell_bin = (np.ascontiguousarray(x, np.int64) for x in (row_starts, cell_bin))
    cell_weight = np.ascontiguousarray(cell_active, np.float64) + float(pseudo)
    cell_total = np.ascontiguousarray(cell_total, np.float64)
    a, b = (np.ascontiguousarray(x, np.int64) for x in (a, b))
    args = _readonly(row_starts, cell_bin, cell_weight, cell_total)
    pairs = _readonly(a, b)
    n = a.shape[0]
    periods = np.zeros(n, np.int64)
    expected = np.zeros(n, np.float64)
    work = (*args, np.int64(bins_per_period), np.float64(pseudo), *pairs, periods, expected)
    n_tasks = _n_tasks(None, n, _MIN_PAIRS_PER_TASK)
    if n_tasks > 1:  # a serial run never compiles the parallel kernel
        _sync_null_parallel(_split_by_work(np.ones(n, np.int64), np.int64(n_tasks)), *work)
    else:
        _sync_null_task(np.int64(0), np.int64(n), *work)
    return periods, expected
