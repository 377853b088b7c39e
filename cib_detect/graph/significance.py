"""How unlikely is each co-action pattern by chance? p-values against a null model.

The null model (for every key-based trace)
------------------------------------------
Accounts keep everything about their own activity on every key: which keys they used and
how often, and every key keeps the set of times at which it was used (its popularity and
its life cycle: a viral post's burst, a hashtag's daily rhythm). What the null model
breaks is *who posted when* within a key: the key's timestamps are dealt out to its posts
at random, independently for every key. Under that null, two given posts of a key fall
within the window with probability

    pi_k = W_k / C(n_k, 2),

where ``n_k`` is the number of posts of key ``k`` and ``W_k`` the number of its post pairs
that do lie within the window. Accounts ``a`` and ``b`` with ``c_a`` and ``c_b`` posts on
``k`` co-act on it with probability ``q_k = 1 - (1 - pi_k) ** (c_a * c_b)``, and the
number of keys they co-act on, ``X``, is a sum of independent Bernoulli(q_k) over the
keys both used, with mean ``lambda = sum q_k``.

The statistic is the number of distinct keys on which the pair acted together, counted
at most once per post of either side: ``x = min(n_keys, n_posts_a, n_posts_b)``.
Repetition across keys, not many posts on one key, is the signature of coordination
(Giglietto et al. 2020; Keller et al. 2020); and one pair of posts that happen to share
three hashtags is one event, not three (the null deals keys out independently, real
posts bundle them). Since ``x <= n_keys``, the cap only makes the test more
conservative. The p-value is conditional on
the pair being an edge at all (``X >= 1``), because only pairs that co-acted are ever
tested:

    p = P(X >= x | X >= 1) = P(Pois(lambda) >= x) / P(Pois(lambda) >= 1).

The Poisson tail bounds the Poisson-binomial one from above for ``x >= lambda + 1``
(Hoeffding 1956) and its ``P(X >= 1)`` from below, so the p-value errs on the
conservative side. A single shared key never makes an edge significant (``p = 1``).
Multiple testing over all edges is controlled with Benjamini-Hochberg q-values.

Several keys can be one occasion: fans reposting three posts of a live match within
seconds of each other co-act on three keys, but once. For edges that could be significant
the statistic is therefore also capped by the number of *occasions*, groups of the pair's
co-actions less than ``occasion_gap_us`` (an hour) apart, counted from the post pairs.

Computing ``lambda`` costs, per edge, a merge of the two accounts' key lists: the model
only ever looks at pairs that co-acted, so it stays output-sensitive.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from cib_detect.kernels.null import expected_keys_table, group_window_pairs

# Partner activities are tabulated on a geometric grid (25 % steps).
_GRID_RATIO = 1.25
# Co-actions less than an hour apart are one occasion (a live event, one tasking burst).
DEFAULT_OCCASION_GAP_US = 3600 * 1_000_000
# Edges whose key-count p-value is above this cannot become significant by counting
# occasions (that only lowers the statistic), so their occasions are not counted.
_REFINE_BELOW = 0.05

__all__ = ["account_key_lists", "bh_qvalues", "conditional_poisson_pvalue", "key_trace_pvalues"]


def account_key_lists(starts: np.ndarray, account: np.ndarray, n_accounts: int):
    """Each account's keys and how often it used them, as CSR arrays (ptr, group, count).

    Examples
    --------
    >>> import numpy as np
    >>> ptr, group, count = account_key_lists(np.array([0, 3, 4]), np.array([1, 0, 1, 1]), 2)
    >>> ptr.tolist(), group.tolist(), count.tolist()
    ([0, 1, 3], [0, 0, 1], [1, 2, 1])
    """
    sizes = np.diff(starts)
    group_of_row = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    order = np.lexsort((group_of_row, account))
    acc, grp = account[order], group_of_row[order]
    if len(acc):
        new = np.empty(len(acc), bool)
        new[0] = True
        new[1:] = (acc[1:] != acc[:-1]) | (grp[1:] != grp[:-1])
        first = np.flatnonzero(new)
        count = np.diff(np.append(first, len(acc))).astype(np.int64)
        acc, grp = acc[first], grp[first]
    else:
        count = np.zeros(0, np.int64)
    ptr = np.zeros(n_accounts + 1, np.int64)
    np.cumsum(np.bincount(acc, minlength=n_accounts), out=ptr[1:])
    return ptr, np.ascontiguousarray(grp, np.int64), count


def conditional_poisson_pvalue(observed, expected) -> np.ndarray:
    """``P(X >= observed | X >= 1)`` for ``X ~ Poisson(expected)``.

    Examples
    --------
    >>> conditional_poisson_pvalue([1, 3], [0.5, 0.5]).round(4)
    array([1.    , 0.0366])
    """
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.maximum(np.asarray(expected, dtype=np.float64), 1e-300)
    tail = stats.poisson.sf(observed - 1, expected)
    at_least_one = -np.expm1(-expected)
    return np.clip(np.where(observed <= 1, 1.0, tail / at_least_one), 0.0, 1.0)


def bh_qvalues(pvalues) -> np.ndarray:
    """Benjamini-Hochberg q-values (the smallest FDR at which each test is rejected).

    Examples
    --------
    >>> bh_qvalues([0.01, 0.04, 0.03, 0.5]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.5]
    """
    p = np.asarray(pvalues, dtype=np.float64)
    n = len(p)
    if n == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order] * n / np.arange(1, n + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def key_trace_pvalues(
    data, edges: pl.DataFrame, window_us: int, *, occasion_gap_us: int = DEFAULT_OCCASION_GAP_US
):
    """Expected shared keys and p-value of every edge of one key-based trace.

    Parameters
    ----------
    data : cib_detect.traces.co_action.TraceData
        The trace's posts as the kernels saw them (capped keys already left out).
    edges : polars.DataFrame
        The trace's edge table (``account_a``, ``account_b``, ``n_keys``, ``n_posts_*``).
    window_us : int
        The co-action window in microseconds.
    occasion_gap_us : int
        Co-actions of a pair less than this apart (microseconds) form one occasion.

    Returns
    -------
    polars.DataFrame
        ``edges`` with ``expected_keys`` (lambda), ``n_occasions`` (for edges that could
        be significant; null for the others, which have ``p_value`` 1 or near it) and
        ``p_value`` added.
    """
    encoded, account_ids = data.encoded, data.account_ids
    key_posts = np.diff(encoded.starts)
    within = group_window_pairs(encoded.starts, encoded.time, window_us)
    all_pairs = key_posts * (key_posts - 1) / 2
    pi = np.divide(within, all_pairs, out=np.zeros(len(within)), where=all_pairs > 0)
    ptr, group, count = account_key_lists(encoded.starts, encoded.account, len(account_ids))
    uses = np.bincount(encoded.account, minlength=len(account_ids))
    grid = _GRID_RATIO ** np.arange(
        int(np.log(max(uses.max(initial=1), 1)) / np.log(_GRID_RATIO)) + 2
    )
    table = expected_keys_table(ptr, group, count, key_posts, pi, grid)
    code_a = account_ids.search_sorted(edges.get_column("account_a")).to_numpy()
    code_b = account_ids.search_sorted(edges.get_column("account_b")).to_numpy()
    # The table is increasing in the partner's activity: reading it at the next grid
    # point up can only overstate the expectation (a conservative p-value).
    column_for_b = np.searchsorted(grid, uses[code_b], side="left")
    column_for_a = np.searchsorted(grid, uses[code_a], side="left")
    expected = np.maximum(table[code_a, column_for_b], table[code_b, column_for_a])
    observed = edges.select(pl.min_horizontal("n_keys", "n_posts_a", "n_posts_b")).to_series()
    observed = observed.to_numpy().copy()
    p_value = conditional_poisson_pvalue(observed, expected)
    # Only edges that could be significant pay for counting their occasions.
    candidates = np.flatnonzero(p_value < _REFINE_BELOW)
    n_occasions = np.full(len(edges), -1, np.int64)
    if len(candidates):
        n_occasions[candidates] = occasion_counts(
            data, code_a[candidates], code_b[candidates], window_us, occasion_gap_us
        )
        observed[candidates] = np.minimum(observed[candidates], n_occasions[candidates])
        p_value = conditional_poisson_pvalue(observed, expected)
    return edges.with_columns(
        pl.Series("expected_keys", expected, dtype=pl.Float64),
        pl.Series("n_occasions", n_occasions, dtype=pl.Int64).replace(-1, None),
        pl.Series("p_value", p_value, dtype=pl.Float64),
    )


def occasion_counts(data, code_a, code_b, window_us: int, gap_us: int) -> np.ndarray:
    """Number of separate occasions on which each pair co-acted.

    The co-actions of a pair, ordered by time, start a new occasion whenever they are more
    than ``gap_us`` after the previous one: fans reposting three posts of one live match
    co-act on three keys but on one occasion.
    """
    from cib_detect.traces.co_action import pair_events

    pairs = pl.DataFrame(
        {"code_a": code_a, "code_b": code_b}, schema=[("code_a", pl.Int64), ("code_b", pl.Int64)]
    )
    events = pair_events(data, pairs, window_us)
    per_pair = (
        events.select("code_a", "code_b", pl.min_horizontal("time_a", "time_b").alias("t"))
        .sort("code_a", "code_b", "t")
        .with_columns(
            (pl.col("t").diff().over("code_a", "code_b") > gap_us).fill_null(True).alias("new")
        )
        .group_by("code_a", "code_b")
        .agg(pl.col("new").sum().cast(pl.Int64).alias("n_occasions"))
    )
    counted = pairs.with_row_index("i").join(per_pair, on=["code_a", "code_b"], how="left")
    return counted.sort("i").get_column("n_occasions").fill_null(0).to_numpy()
