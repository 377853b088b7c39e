"""Null model and p-values: kernels against naive twins, p-values against permutations."""

import itertools
import math

import numba
import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cib_detect.graph.significance import (
    account_key_lists,
    bh_qvalues,
    conditional_poisson_pvalue,
)
from cib_detect.kernels.null import expected_keys_table, group_window_pairs


def naive_group_window_pairs(starts, time, window):
    return [
        sum(
            1
            for i in range(s, e)
            for j in range(i + 1, e)
            if abs(int(time[i]) - int(time[j])) <= window
        )
        for s, e in itertools.pairwise(starts)
    ]


def naive_expected_keys_table(ptr, group, count, key_posts, pi, grid):
    total = float(key_posts.sum())
    table = np.zeros((len(ptr) - 1, len(grid)))
    for a in range(len(ptr) - 1):
        for r in range(ptr[a], ptr[a + 1]):
            g = group[r]
            others = max(key_posts[g] - count[r], 0) / total
            for j, d in enumerate(grid):
                uses = 1 - (1 - others) ** d
                partner = max(1.0, d * others)
                table[a, j] += uses * (1 - (1 - pi[g]) ** (count[r] * partner))
    return table


groups = st.lists(st.lists(st.integers(0, 300), min_size=1, max_size=8), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(groups=groups, window=st.integers(0, 100))
def test_group_window_pairs_equals_the_naive_count(groups, window):
    time = np.array([t for g in groups for t in sorted(g)], dtype=np.int64)
    starts = np.cumsum([0] + [len(g) for g in groups]).astype(np.int64)
    assert group_window_pairs(starts, time, window).tolist() == naive_group_window_pairs(
        starts, time, window
    )


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5)), min_size=1, max_size=40),
    pi=st.lists(st.floats(0, 1), min_size=6, max_size=6),
)
def test_expected_keys_table_equals_the_naive_formula_with_any_thread_count(rows, pi):
    account = np.array([a for a, _ in rows], dtype=np.int64)
    group = np.array([g for _, g in rows], dtype=np.int64)
    order = np.lexsort((np.zeros(len(rows)), group))
    account, group = account[order], group[order]
    key_posts = np.bincount(group, minlength=6).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(key_posts)]).astype(np.int64)
    ptr, grp, count = account_key_lists(starts, account, 5)
    grid = np.array([1.0, 2.0, 5.0, 40.0])
    pi = np.array(pi)
    expected = naive_expected_keys_table(ptr, grp, count, key_posts, pi, grid)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = expected_keys_table(ptr, grp, count, key_posts, pi, grid)
    finally:
        numba.set_num_threads(threads)
    every = expected_keys_table(ptr, grp, count, key_posts, pi, grid)
    np.testing.assert_allclose(one, expected, rtol=1e-9, atol=1e-12)
    assert np.array_equal(one, every)


def test_account_key_lists_counts_each_account_key_pair():
    starts = np.array([0, 3, 5])
    account = np.array([2, 0, 2, 0, 1])
    ptr, group, count = account_key_lists(starts, account, 3)
    listed = {
        (a, int(group[r])): int(count[r]) for a in range(3) for r in range(ptr[a], ptr[a + 1])
    }
    assert listed == {(0, 0): 1, (0, 1): 1, (1, 1): 1, (2, 0): 2}


def test_conditional_pvalue_matches_its_definition():
    lam = np.array([0.3, 2.0, 7.5])
    for x in [0, 1, 2, 3, 5, 9]:
        got = conditional_poisson_pvalue(np.full(3, x), lam)
        if x <= 2:
            assert (got == 1).all()
            continue
        definition = [
            sum(stats.poisson.pmf(k, m) for k in range(x, 200))
            / (1 - stats.poisson.pmf(0, m) - stats.poisson.pmf(1, m))
            for m in lam
        ]
        np.testing.assert_allclose(got, np.minimum(definition, 1), rtol=1e-9)


def test_bh_qvalues_equal_the_step_up_definition():
    rng = np.random.default_rng(3)
    p = rng.uniform(size=50) ** 3
    q = bh_qvalues(p)
    m = len(p)
    for i in range(m):
        expected = min(min(p[j] * m / (np.sum(p <= p[j])) for j in range(m) if p[j] >= p[i]), 1)
        assert math.isclose(q[i], expected, rel_tol=1e-12)


def test_poisson_pvalue_is_conservative_against_a_timestamp_permutation():
    """The timing half of the null, brute force: two accounts with one post on each of
    25 keys; every key's times are dealt out at random among its posts. The empirical
    P(X >= x | X >= 2) must not fall below the analytic p-value by more than noise."""
    rng = np.random.default_rng(11)
    n_keys, window = 25, 60
    key_times = [
        np.sort(rng.uniform(0, 3600 * rng.uniform(0.05, 4), size=rng.integers(3, 12)))
        for _ in range(n_keys)
    ]
    pi = np.array(
        [
            np.mean(
                [abs(t[i] - t[j]) <= window for i in range(len(t)) for j in range(i + 1, len(t))]
            )
            for t in key_times
        ]
    )
    lam = pi.sum()
    reps = 20_000
    x = np.zeros(reps, dtype=np.int64)
    for t in key_times:
        # posts 0 and 1 of the key belong to the pair; who gets which time is random
        picks = np.argsort(rng.uniform(size=(reps, len(t))), axis=1)[:, :2]
        x += np.abs(t[picks[:, 0]] - t[picks[:, 1]]) <= window
    assert abs(x.mean() - lam) < 4 * x.std() / np.sqrt(reps)
    selected = x >= 2
    for threshold in range(3, 8):
        empirical = np.mean(x[selected] >= threshold)
        analytic = conditional_poisson_pvalue([threshold], [lam])[0]
        noise = 3 * np.sqrt(max(empirical * (1 - empirical), 1e-4) / selected.sum())
        assert analytic >= empirical - noise, (threshold, analytic, empirical)


def test_key_trace_pvalues_are_one_below_three_keys():
    from contextlib import ExitStack
    from datetime import datetime, timedelta, timezone

    from cib_detect.engine.memory import MemoryPosts
    from cib_detect.engine.runner import TraceRunner
    from cib_detect.traces.registry import TRACES

    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    rows = [("a", "k1", 0), ("b", "k1", 5), ("a", "k2", 100), ("b", "k2", 103)]
    rows += [("a", f"x{i}", 1000 * i) for i in range(10)]
    posts = pl.DataFrame(
        {
            "post_id": [str(i) for i in range(len(rows))],
            "account_id": [r[0] for r in rows],
            "timestamp": [t0 + timedelta(seconds=r[2]) for r in rows],
            "repost_of": [r[1] for r in rows],
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )
    with ExitStack() as stack:
        runner = TraceRunner(MemoryPosts(posts), stack, max_key_posts=None)
        edges = runner.edges(
            TRACES["co_repost"], {}, window_us=60_000_000, min_coactions=1, pvalues=True
        )
    assert edges.select("n_keys", "p_value").rows() == [(2, 1.0)]
