"""Kernel of the sync_activity null model: shared periods and their chance expectation.

Each account is a sorted list of the time bins it was active in (CSR rows, as the cosine
kernel's input). A period is ``bins_per_period`` consecutive bins (an hour of minutes by
default). For a pair of accounts the kernel walks the periods both are active in, in
increasing order, and returns the number of periods in which they share a bin (the
statistic) and its expectation when, within every period, each account keeps how many
bins it is active in but its bins fall where the other accounts are active (see
:mod:`cib_detect.traces.sync` and ``docs/temporal_null_models.md``).

The rows are first cut into runs of one period each (:func:`_period_runs`). A pair then
costs b's periods, each looked up in a map of a's periods (pairs come grouped by a), or
a galloping merge when b is much busier than a.
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
def _masses(total, weight_a, weight_b, count_a, count_b, shared, per, pseudo):
    """Null weight of a's bins and of b's bins in a period both are active in."""
    # the period's weights without the pair: n(t) - [a in t] - [b in t] + pseudo
    others = total - count_a - count_b + pseudo * per
    if others > 0.0:
        mass_a = (weight_a - count_a - shared) / others
        mass_b = (weight_b - count_b - shared) / others
    else:  # nobody else and no pseudo-count: uniform weights
        mass_a = count_a / per
        mass_b = count_b / per
    return min(max(mass_a, 0.0), 1.0), min(max(mass_b, 0.0), 1.0)


@njit(**NJIT_KW)
def _period_runs(row_starts, cell_bin, cell_weight, cell_total, per, pseudo):
    """Each row's cells cut into runs of one period: ``row_runs`` (row ``i`` owns runs
    ``row_runs[i]:row_runs[i + 1]``), ``run_starts`` (run ``r`` holds cells
    ``run_starts[r]:run_starts[r + 1]``), and per run its period, the sum of its cells'
    weights in bin order (as a pair's walk summed them), the period's total and the
    run's term of the expectation as side b against an a with one bin there, not shared.
    That a is the common case (most accounts post once in an hour): the term is computed
    once per run instead of once per pair, by the same expressions, so to the same bits
    (side a's terms are kept per task, see ``_MEMO_RUNS``). A pair then walks periods
    and divides no bin by ``per``."""
    n_rows = row_starts.shape[0] - 1
    n_cells = cell_bin.shape[0]
    cell_period = np.empty(n_cells, np.int64)
    for p in range(n_cells):
        cell_period[p] = cell_bin[p] // per
    n_runs = 0
    for i in range(n_rows):
        for p in range(row_starts[i], row_starts[i + 1]):
            if p == row_starts[i] or cell_period[p] != cell_period[p - 1]:
                n_runs += 1
    row_runs = np.empty(n_rows + 1, np.int64)
    run_starts = np.empty(n_runs + 1, np.int64)
    run_period = np.empty(n_runs, np.int64)
    run_weight = np.empty(n_runs, np.float64)
    run_total = np.empty(n_runs, np.float64)
    r = 0
    for i in range(n_rows):
        row_runs[i] = r
        for p in range(row_starts[i], row_starts[i + 1]):
            if p == row_starts[i] or cell_period[p] != cell_period[p - 1]:
                run_starts[r] = p
                run_period[r] = cell_period[p]
                run_weight[r] = 0.0
                run_total[r] = cell_total[p]
                r += 1
            run_weight[r - 1] += cell_weight[p]
    row_runs[n_rows] = n_runs
    run_starts[n_runs] = n_cells
    lone_b = np.empty(n_runs, np.float64)
    one = np.int64(1)
    none = np.int64(0)
    for r in range(n_runs):
        count = run_starts[r + 1] - run_starts[r]
        _, mass = _masses(run_total[r], 0.0, run_weight[r], one, count, none, per, pseudo)
        lone_b[r] = _hit(mass, one, per)
    return row_runs, run_starts, run_period, run_weight, run_total, lone_b


# given_a's term depends on a's run, b's bins in the period and the shared ones only: a
# task keeps it for the runs of the current a (the first _MEMO_RUNS of them), for up to
# _MEMO_COUNTS bins of b and fewer than _MEMO_SHARED shared, and reuses it for a's other
# partners active in that period (most of a's partners are).
_MEMO_RUNS = 1 << 16
_MEMO_COUNTS = 4
_MEMO_SHARED = 4


@njit(inline="always", **NJIT_KW)
def _period(runs, cell_bin, per, pseudo, r, s, memo, memo_row, x, r_local):
    """(shared a bin?, term given a, term given b) of the period of a's run ``r`` (the
    ``r_local``-th of row ``x``) and b's run ``s`` (the same period)."""
    _, run_starts, _, run_weight, run_total, lone_b = runs
    p, p_end = run_starts[r], run_starts[r + 1]
    q, q_end = run_starts[s], run_starts[s + 1]
    count_a = p_end - p
    count_b = q_end - q
    shared = 0
    while p < p_end and q < q_end:
        if cell_bin[p] == cell_bin[q]:
            shared += 1
            p += 1
            q += 1
        elif cell_bin[p] < cell_bin[q]:
            p += 1
        else:
            q += 1
    k = -1
    if r_local < _MEMO_RUNS and count_b <= _MEMO_COUNTS and shared < _MEMO_SHARED:
        k = (r_local * _MEMO_COUNTS + count_b - 1) * _MEMO_SHARED + shared
    if k >= 0 and memo_row[k] == x:
        given_a = memo[k]
    else:
        mass_a, _ = _masses(run_total[r], run_weight[r], run_weight[s], count_a, count_b,
                            np.int64(shared), per, pseudo)  # fmt: skip
        given_a = _hit(mass_a, count_b, per)
        if k >= 0:
            memo[k] = given_a
            memo_row[k] = x
    if shared == 0 and count_a == 1:
        given_b = lone_b[s]
    else:
        _, mass_b = _masses(run_total[r], run_weight[r], run_weight[s], count_a, count_b,
                            np.int64(shared), per, pseudo)  # fmt: skip
        given_b = _hit(mass_b, count_a, per)
    return shared > 0, given_a, given_b


# A pair whose b has more than this many times a's periods is merged by galloping
# through b; otherwise b's periods are looked up in a's (a dense map of periods).
_SKEW = 4


@njit(**NJIT_KW)
def _sync_null_task(first, last, runs, period_rank, n_periods, cell_bin, per, pseudo, a, b,
                    periods, expected):  # fmt: skip
    """Pairs ``first..last-1``. The pairs come sorted by ``a``: ``run_of[k]`` is the run
    of the current ``a`` in period rank ``k`` (or -1), set once per ``a``, so that a pair
    costs b's periods, not both rows'. Either way the common periods are summed in
    increasing order (the same bits)."""
    row_runs, run_period = runs[0], runs[2]
    run_of = np.empty(n_periods, np.int64)
    for k in range(n_periods):
        run_of[k] = -1
    most_runs = 0
    for i in range(first, last):
        most_runs = max(most_runs, row_runs[a[i] + 1] - row_runs[a[i]])
    n_memo = min(most_runs, _MEMO_RUNS) * _MEMO_COUNTS * _MEMO_SHARED
    memo = np.empty(n_memo, np.float64)
    memo_row = np.empty(n_memo, np.int64)  # the row whose term memo[k] holds
    for k in range(n_memo):
        memo_row[k] = -1
    current = -1
    for i in range(first, last):
        x = a[i]
        y = b[i]
        r, e = row_runs[x], row_runs[x + 1]
        s, f = row_runs[y], row_runs[y + 1]
        n_shared = 0
        given_a = 0.0
        given_b = 0.0
        if f - s > _SKEW * (e - r):  # a light a against a busy b
            first_run = r
            while r < e and s < f:
                if run_period[r] < run_period[s]:
                    r = _seek(run_period, r, e, run_period[s])
                elif run_period[s] < run_period[r]:
                    s = _seek(run_period, s, f, run_period[r])
                else:
                    hit, term_a, term_b = _period(runs, cell_bin, per, pseudo, r, s, memo,
                                                  memo_row, x, r - first_run)  # fmt: skip
                    n_shared += hit
                    given_a += term_a
                    given_b += term_b
                    r += 1
                    s += 1
        else:
            if x != current:
                if current >= 0:
                    for t in range(row_runs[current], row_runs[current + 1]):
                        run_of[period_rank[t]] = -1
                for t in range(r, e):
                    run_of[period_rank[t]] = t
                current = x
            for t in range(s, f):
                u = run_of[period_rank[t]]
                if u >= 0:
                    hit, term_a, term_b = _period(runs, cell_bin, per, pseudo, u, t, memo,
                                                  memo_row, x, u - r)  # fmt: skip
                    n_shared += hit
                    given_a += term_a
                    given_b += term_b
        periods[i] = n_shared
        expected[i] = max(given_a, given_b)


@njit(**PARALLEL_KW)
def _sync_null_parallel(bounds, runs, period_rank, n_periods, cell_bin, per, pseudo, a, b,
                        periods, expected):  # fmt: skip
    for t in prange(bounds.shape[0] - 1):
        _sync_null_task(bounds[t], bounds[t + 1], runs, period_rank, n_periods, cell_bin, per,
                        pseudo, a, b, periods, expected)  # fmt: skip


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
    per = np.int64(bins_per_period)
    pseudo = np.float64(pseudo)
    runs = _period_runs(*_readonly(row_starts, cell_bin, cell_weight, cell_total), per, pseudo)
    run_period = runs[2]
    # dense period numbers for the per-task map: offsets from the first, or ranks when
    # the periods are sparse (tiny periods over months)
    first = run_period.min() if len(run_period) else 0
    n_periods = int(run_period.max() - first + 1) if len(run_period) else 0
    if n_periods <= len(run_period):
        period_rank = run_period - first
    else:
        distinct, period_rank = np.unique(run_period, return_inverse=True)
        n_periods = len(distinct)
    runs = tuple(_readonly(*runs))
    period_rank, cell_bin = _readonly(period_rank.astype(np.int64), cell_bin)
    pairs = _readonly(a, b)
    n = a.shape[0]
    periods = np.zeros(n, np.int64)
    expected = np.zeros(n, np.float64)
    work = (runs, period_rank, np.int64(n_periods), cell_bin, per, pseudo, *pairs, periods,
            expected)  # fmt: skip
    n_tasks = _n_tasks(None, n, _MIN_PAIRS_PER_TASK)
    if n_tasks > 1:  # a serial run never compiles the parallel kernel
        cost = np.diff(runs[0])  # a pair costs about b's periods
        bounds = _split_by_work(cost[b], np.int64(n_tasks))
        _sync_null_parallel(bounds, *work)
    else:
        _sync_null_task(np.int64(0), np.int64(n), *work)
    return periods, expected
