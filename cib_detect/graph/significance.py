"""How unlikely is each co-action pattern by chance? p-values against a null model.

The null model (for every key-based trace)
------------------------------------------
Each account keeps its own activity: how many posts it made on the trace (its key uses
``d``) and, for the account we condition on, exactly which keys it used and how often.
What the null breaks is the link between accounts: a partner's key uses are drawn by key
popularity (``m_k / N``, the share of all uses that went to key ``k``), and the times of
a key's posts are dealt out at random among them, so a key keeps its popularity and its
life cycle (a viral post's burst, a hashtag's daily rhythm). Two given posts of key ``k``
then fall within the window with probability

    pi_k = W_k / C(n_k, 2)

(``n_k`` posts of the key, ``W_k`` of its post pairs lying within the window), and the
expected number of keys on which account ``a`` (``c_k`` uses of each of its keys) and a
partner with ``d`` uses co-act by chance is

    lambda_a(d) = sum over keys k of a of  P(partner uses k) * P(co-act | both use k)
    P(partner uses k) = 1 - (1 - m_k / N) ** d,   m_k = uses of k by others than a
    P(co-act | both use k) = 1 - (1 - pi_k) ** (c_k * max(1, d * m_k / N)).

For a pair the larger of ``lambda_a(d_b)`` and ``lambda_b(d_a)`` is used (conditioning on
either side; the larger is the conservative choice). ``lambda_a`` is tabulated for every
account on a geometric grid of partner activities and read at the next grid point up,
which can only overstate it; cost is proportional to the (account, key) uses times the
grid size, whatever the number of pairs.

Viral posts and trending hashtags are popular and bursty, so chance explains two accounts
meeting on them; keys that only a small group ever uses, and uses within seconds, are what
the null cannot explain.

The statistic and the p-value
-----------------------------
The statistic is the number of distinct keys on which the pair acted together, counted
at most once per post of either side: ``x = min(n_keys, n_posts_a, n_posts_b)``.
Repetition across keys, not many posts on one key, is the signature of coordination
(Giglietto et al. 2020; Keller et al. 2020); and one pair of posts that happen to share
three hashtags is one event, not three (the null deals keys out independently, real
posts bundle them). Only pairs that co-acted on at least two keys are tested (one shared
key is always possible by chance), so the p-value is conditional on that selection:

    p = P(X >= x | X >= 2) = P(Pois(lambda) >= x) / P(Pois(lambda) >= 2),

and ``p = 1`` for ``x <= 2``: a pair needs three keys to stand out. Under the null,
conditional p-values are uniform among the selected pairs, so the Benjamini-Hochberg
family is the selected pairs only.

``X`` is a sum of independent Bernoulli variables; the Poisson tail bounds that
Poisson-binomial tail from above for ``x >= lambda + 1`` (Hoeffding 1956). The tests in
``tests/test_significance.py`` compare these p-values with brute-force permutations.

Limits
------
The null draws keys by global popularity; communities of interest (fans of one team, one
language) share keys more often than that. On the synthetic data, fans reacting to one
live event get about 2-4 % of their co-repost edges below p = 0.01 (all roles together
stay near 1 %); Benjamini-Hochberg keeps them out of clusters. A burst of many keys
shared by a crowd at one moment is, to this model, as surprising as a campaign's burst:
the context (the event) is what tells them apart, and the scores look at it.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from cib_detect.kernels.null import expected_keys_table, group_window_pairs

# Partner activities are tabulated on a geometric grid (25 % steps).
_GRID_RATIO = 1.25


__all__ = [
    "account_key_lists",
    "bh_qvalues",
    "conditional_poisson_pvalue",
    "edge_pvalues",
    "expected_table",
    "partner_grid",
]


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


def conditional_poisson_pvalue(observed, expected, *, selected_from: int = 2) -> np.ndarray:
    """``P(X >= observed | X >= selected_from)`` for ``X ~ Poisson(expected)``; 1 below.

    Only pairs with at least ``selected_from`` co-acted keys are tested (fewer can be
    chance whatever the model), so the p-value is conditional on that selection.
    ``expected`` is floored at 1e-12, which can only raise a p-value.

    Examples
    --------
    >>> conditional_poisson_pvalue([1, 2, 3], [0.5, 0.5, 0.5]).round(4)
    array([1.    , 1.    , 0.1595])
    """
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.maximum(np.asarray(expected, dtype=np.float64), 1e-12)
    tail = stats.poisson.sf(observed - 1, expected)
    selected = stats.poisson.sf(selected_from - 1, expected)
    ratio = np.divide(tail, selected, out=np.ones_like(tail), where=selected > 0)
    return np.clip(np.where(observed <= selected_from, 1.0, ratio), 0.0, 1.0)


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


def partner_grid(uses: np.ndarray) -> np.ndarray:
    """Partner activities at which expectations are tabulated: ``1.25 ** j`` up to the
    busiest account's key uses."""
    top = max(int(uses.max(initial=1)), 1)
    return _GRID_RATIO ** np.arange(int(np.log(top) / np.log(_GRID_RATIO)) + 2)


def expected_table(
    encoded, n_accounts: int, window_us: int, grid: np.ndarray, total: float
) -> np.ndarray:
    """Expected chance-shared keys of every account (rows) with a partner of each grid
    activity (columns), summed over the keys of ``encoded``.

    A sum over keys, so the table of key-partitioned chunks is the sum of the chunks'
    tables when ``total`` (all key uses) and ``grid`` are those of the whole data.
    """
    key_posts = np.diff(encoded.starts)
    within = group_window_pairs(encoded.starts, encoded.time, window_us)
    all_pairs = key_posts * (key_posts - 1) / 2
    pi = np.divide(within, all_pairs, out=np.zeros(len(within)), where=all_pairs > 0)
    ptr, group, count = account_key_lists(encoded.starts, encoded.account, n_accounts)
    return expected_keys_table(ptr, group, count, key_posts, pi, grid, total=total)


def edge_pvalues(
    edges: pl.DataFrame, code_a, code_b, table: np.ndarray, uses: np.ndarray, grid: np.ndarray
) -> pl.DataFrame:
    """``edges`` with ``expected_keys`` (lambda) and ``p_value``; ``code_a`` / ``code_b``
    index the rows of ``table`` and ``uses`` of each edge's accounts."""
    # The table is increasing in the partner's activity: reading it at the next grid
    # point up can only overstate the expectation (a conservative p-value).
    column_for_b = np.searchsorted(grid, uses[code_b], side="left")
    column_for_a = np.searchsorted(grid, uses[code_a], side="left")
    expected = np.maximum(table[code_a, column_for_b], table[code_b, column_for_a])
    observed = edges.select(pl.min_horizontal("n_keys", "n_posts_a", "n_posts_b")).to_series()
    p_value = conditional_poisson_pvalue(observed.to_numpy(), expected)
    return edges.with_columns(
        pl.Series("expected_keys", expected, dtype=pl.Float64),
        pl.Series("p_value", p_value, dtype=pl.Float64),
    )
