"""Co-action kernels against their naive twins, plus invariants of the co-action network."""

from typing import NamedTuple

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cib_detect.kernels import _tasks
from cib_detect.kernels.account_pairs import account_pair_stats
from cib_detect.kernels.pairs import flagged_partners, group_starts, window_pairs
from tests.reference import (
    naive_account_pair_stats,
    naive_flagged_partners,
    naive_window_pairs,
    sort_posts,
)

EPOCH_2024_US = 1_704_067_200_000_000


class Posts(NamedTuple):
    """Unsorted rows: one per (post, key); a post's rows share its account and time."""

    key: np.ndarray
    time: np.ndarray
    account: np.ndarray
    post: np.ndarray
    n_accounts: int

    def take(self, rows):
        return self._replace(
            key=self.key[rows],
            time=self.time[rows],
            account=self.account[rows],
            post=self.post[rows],
        )


@st.composite
def posts(draw, max_posts=30):
    """Few keys, accounts and distinct times, so ties, equal timestamps and an account
    posting twice on a key are common; sometimes posts with several keys, sometimes
    sparse post ids."""
    n_posts = draw(st.integers(0, max_posts))
    n_keys = draw(st.integers(1, 6))
    n_accounts = draw(st.integers(1, 7))
    span = draw(st.sampled_from([0, 3, 20, 100, 10**9]))
    offset = draw(st.sampled_from([0, EPOCH_2024_US]))
    max_keys_per_post = draw(st.sampled_from([1, 1, 3]))
    post_account = draw(arrays(np.int64, n_posts, elements=st.integers(0, n_accounts - 1)))
    post_time = draw(arrays(np.int64, n_posts, elements=st.integers(0, span))) + offset
    key_sets = draw(
        st.lists(
            st.lists(
                st.integers(0, n_keys - 1), min_size=1, max_size=max_keys_per_post, unique=True
            ),
            min_size=n_posts,
            max_size=n_posts,
        )
    )
    post = np.repeat(np.arange(n_posts, dtype=np.int64), [len(keys) for keys in key_sets])
    key = np.array([k for keys in key_sets for k in keys], dtype=np.int64)
    post_id_step = draw(st.sampled_from([1, 1, 1_000_003]))
    return Posts(key, post_time[post], post_account[post], post * post_id_step, n_accounts)


windows = st.sampled_from([0, 1, 2, 5, 10, 50])
# None: the default (serial on inputs this small); 2, 3: the parallel path, blocks of work
tasks = st.sampled_from([None, 1, 2, 3])


def stats_dict(stats):
    """AccountPairStats -> {(a, b): (n_coactions, n_keys, n_posts_a, n_posts_b, min, sum)}."""
    rows = zip(*(column.tolist() for column in stats), strict=True)
    return {(a, b): tuple(rest) for a, b, *rest in rows}


def kernel_stats(data, window, **options):
    starts, time, account, order = sort_posts(data.key, data.time, data.account)
    post = np.ascontiguousarray(data.post[order])
    return account_pair_stats(starts, time, account, post, data.n_accounts, window, **options)


def kernel_pairs(data, window, include_self=False, n_tasks=None):
    """window_pairs as a set of (older, newer) original row indices."""
    starts, time, account, order = sort_posts(data.key, data.time, data.account)
    left, right = window_pairs(starts, time, account, window, include_self, n_tasks=n_tasks)
    return set(zip(order[left].tolist(), order[right].tolist(), strict=True))


# ------------------------------------------------------------------------ vs reference


@settings(max_examples=80, deadline=None)
@given(posts(), windows, st.booleans(), tasks)
def test_window_pairs_equal_the_naive_pairs(data, window, include_self, n_tasks):
    expected = naive_window_pairs(data.key, data.time, data.account, window, include_self)
    assert kernel_pairs(data, window, include_self, n_tasks) == expected


@settings(max_examples=40, deadline=None)
@given(posts(), windows, st.booleans(), tasks)
def test_window_pairs_are_ordered_by_group_then_left_then_right(
    data, window, include_self, n_tasks
):
    starts, time, account, _ = sort_posts(data.key, data.time, data.account)
    left, right = window_pairs(starts, time, account, window, include_self, n_tasks=n_tasks)
    assert left.dtype == right.dtype == np.int64
    assert np.all(left < right)
    group = np.searchsorted(starts, np.arange(len(time)), side="right") - 1
    assert np.array_equal(group[left], group[right])
    assert np.array_equal(np.lexsort((right, left)), np.arange(len(left)))
    assert len(set(zip(left.tolist(), right.tolist(), strict=True))) == len(left)


@settings(max_examples=120, deadline=None)
@given(posts(), windows, st.booleans(), st.integers(0, 3), st.integers(0, 3), tasks)
def test_account_pair_stats_equal_the_naive_stats(
    data, window, include_self, min_coactions, min_posts, n_tasks
):
    stats = kernel_stats(
        data,
        window,
        min_coactions=min_coactions,
        min_posts=min_posts,
        include_self=include_self,
        n_tasks=n_tasks,
    )
    assert all(column.dtype == np.int64 for column in stats)
    expected = naive_account_pair_stats(
        data.key,
        data.time,
        data.account,
        data.post,
        window,
        min_coactions,
        min_posts,
        include_self,
    )
    assert stats_dict(stats) == expected
    # one row per pair, sorted by (a, b)
    assert len(stats.account_a) == len(expected)
    assert np.array_equal(np.lexsort((stats.account_b, stats.account_a)), np.arange(len(expected)))


@settings(max_examples=40, deadline=None)
@given(posts(), windows, st.booleans())
def test_total_coactions_equal_the_number_of_window_pairs(data, window, include_self):
    # every row its own post, so window_pairs' self pairs are different posts too
    data = data._replace(post=np.arange(len(data.key), dtype=np.int64))
    stats = kernel_stats(data, window, include_self=include_self)
    assert stats.n_coactions.sum() == len(kernel_pairs(data, window, include_self))


# -------------------------------------------------------------------------- invariants


@settings(max_examples=40, deadline=None)
@given(posts(), windows, st.booleans())
def test_pairs_have_a_below_b_and_self_pairs_only_when_asked(data, window, include_self):
    stats = kernel_stats(data, window, include_self=include_self)
    if include_self:
        assert np.all(stats.account_a <= stats.account_b)
        is_self = stats.account_a == stats.account_b
        assert np.array_equal(stats.n_posts_a[is_self], stats.n_posts_b[is_self])
    else:
        assert np.all(stats.account_a < stats.account_b)
        pairs = np.array(sorted(kernel_pairs(data, window)), dtype=np.int64).reshape(-1, 2)
        assert np.all(data.account[pairs[:, 0]] != data.account[pairs[:, 1]])


@settings(max_examples=50, deadline=None)
@given(posts(), windows, windows, st.booleans())
def test_stats_are_monotone_in_window(data, window_1, window_2, include_self):
    small, large = sorted((window_1, window_2))
    narrow = stats_dict(kernel_stats(data, small, include_self=include_self))
    wide = stats_dict(kernel_stats(data, large, include_self=include_self))
    assert set(narrow) <= set(wide)
    for pair, (n_co, n_keys, posts_a, posts_b, min_dt, sum_dt) in narrow.items():
        w_co, w_keys, w_posts_a, w_posts_b, w_min_dt, w_sum_dt = wide[pair]
        assert w_co >= n_co and w_keys >= n_keys and w_sum_dt >= sum_dt
        assert w_posts_a >= posts_a and w_posts_b >= posts_b and w_min_dt <= min_dt
    assert kernel_pairs(data, small, include_self) <= kernel_pairs(data, large, include_self)


@settings(max_examples=40, deadline=None)
@given(posts(), windows, st.booleans(), st.randoms(use_true_random=False))
def test_stats_are_invariant_to_input_row_order(data, window, include_self, random):
    shuffle = list(range(len(data.key)))
    random.shuffle(shuffle)
    shuffle = np.array(shuffle, dtype=np.int64)
    shuffled = data.take(shuffle)
    original = stats_dict(kernel_stats(data, window, include_self=include_self))
    assert stats_dict(kernel_stats(shuffled, window, include_self=include_self)) == original

    def unordered(pairs, rows):
        return {frozenset((int(rows[i]), int(rows[j]))) for i, j in pairs}

    identity = np.arange(len(data.key))
    assert unordered(kernel_pairs(data, window, include_self), identity) == unordered(
        kernel_pairs(shuffled, window, include_self), shuffle
    )


@settings(max_examples=40, deadline=None)
@given(posts(), windows, st.booleans(), st.randoms(use_true_random=False))
def test_stats_follow_an_account_relabelling(data, window, include_self, random):
    relabel = list(range(data.n_accounts))
    random.shuffle(relabel)
    relabel = np.array(relabel, dtype=np.int64)
    before = stats_dict(kernel_stats(data, window, include_self=include_self))
    after = stats_dict(
        kernel_stats(
            data._replace(account=relabel[data.account]), window, include_self=include_self
        )
    )
    mapped = {}
    for (a, b), (n_co, n_keys, posts_a, posts_b, min_dt, sum_dt) in before.items():
        new_a, new_b = int(relabel[a]), int(relabel[b])
        if new_a > new_b:
            new_a, new_b, posts_a, posts_b = new_b, new_a, posts_b, posts_a
        mapped[(new_a, new_b)] = (n_co, n_keys, posts_a, posts_b, min_dt, sum_dt)
    assert after == mapped


@settings(max_examples=20, deadline=None)
@given(posts(max_posts=300), windows, st.booleans(), st.integers(1, 3))
def test_output_is_identical_with_one_thread_and_all_threads(
    data, window, include_self, min_coactions
):
    options = {"min_coactions": min_coactions, "include_self": include_self}
    starts, time, account, _ = sort_posts(data.key, data.time, data.account)
    all_threads = numba.get_num_threads()
    outputs = []
    for threads in (1, all_threads):
        numba.set_num_threads(threads)
        try:
            for n_tasks in (None, 1, 2, 3):
                stats = kernel_stats(data, window, n_tasks=n_tasks, **options)
                pairs = window_pairs(starts, time, account, window, include_self, n_tasks=n_tasks)
                outputs.append(stats + pairs)
        finally:
            numba.set_num_threads(all_threads)
    for output in outputs[1:]:
        for got, expected in zip(output, outputs[0], strict=True):
            assert np.array_equal(got, expected)


def test_default_tasks_use_every_thread_on_large_inputs():
    rng = np.random.default_rng(0)
    n = 4 * _tasks._MIN_ROWS_PER_TASK
    data = Posts(
        key=rng.integers(0, 50, n),
        time=rng.integers(0, 10**9, n),
        account=rng.integers(0, 1000, n),
        post=np.arange(n, dtype=np.int64),
        n_accounts=1000,
    )
    window = 10**6
    default = kernel_stats(data, window, min_coactions=2)
    serial = kernel_stats(data, window, min_coactions=2, n_tasks=1)
    assert len(default.account_a) > 0
    for got, expected in zip(default, serial, strict=True):
        assert np.array_equal(got, expected)
    assert kernel_pairs(data, window) == kernel_pairs(data, window, n_tasks=1)


def kernel_flagged(data, flagged, window, n_tasks=None):
    """flagged_partners as a set of (flagged, partner) original row indices."""
    starts, time, account, order = sort_posts(data.key, data.time, data.account)
    row, partner = flagged_partners(starts, time, account, flagged[order], window, n_tasks=n_tasks)
    return set(zip(order[row].tolist(), order[partner].tolist(), strict=True))


@settings(max_examples=80, deadline=None)
@given(posts(), windows, tasks, st.randoms(use_true_random=False))
def test_flagged_partners_equal_the_naive_partners(data, window, n_tasks, random):
    flagged = np.array([random.random() < 0.4 for _ in data.key], dtype=bool)
    expected = naive_flagged_partners(data.key, data.time, data.account, flagged, window)
    assert kernel_flagged(data, flagged, window, n_tasks) == expected


@settings(max_examples=20, deadline=None)
@given(posts(max_posts=300), windows, st.randoms(use_true_random=False))
def test_flagged_partners_are_identical_with_one_thread_and_all_threads(data, window, random):
    flagged = np.array([random.random() < 0.5 for _ in data.key], dtype=bool)
    starts, time, account, order = sort_posts(data.key, data.time, data.account)
    all_threads = numba.get_num_threads()
    outputs = []
    for threads in (1, all_threads):
        numba.set_num_threads(threads)
        try:
            for n_tasks in (None, 1, 2, 3):
                outputs.append(
                    flagged_partners(starts, time, account, flagged[order], window, n_tasks=n_tasks)
                )
        finally:
            numba.set_num_threads(all_threads)
    for output in outputs[1:]:
        for got, expected in zip(output, outputs[0], strict=True):
            assert np.array_equal(got, expected)


# ------------------------------------------------------------------ hand-computed cases


def test_empty_input_gives_empty_outputs():
    empty = np.zeros(0, dtype=np.int64)
    starts = np.zeros(1, dtype=np.int64)
    left, right = window_pairs(starts, empty, empty, 10)
    assert left.shape == right.shape == (0,)
    stats = account_pair_stats(starts, empty, empty, empty, 0, 10, include_self=True)
    assert all(column.shape == (0,) and column.dtype == np.int64 for column in stats)
    assert np.array_equal(group_starts(empty), [0])


def test_window_zero_pairs_only_equal_timestamps():
    # one key; accounts 0, 1, 2 at t = 5, 5, 6
    starts = np.array([0, 3])
    time = np.array([5, 5, 6])
    account = np.array([0, 1, 2])
    left, right = window_pairs(starts, time, account, 0)
    assert left.tolist() == [0] and right.tolist() == [1]
    stats = account_pair_stats(starts, time, account, np.arange(3), 3, 0)
    assert stats_dict(stats) == {(0, 1): (1, 1, 1, 1, 0, 0)}


def test_self_pairs_count_posts_with_a_partner_like_the_toolkit():
    # Account 0 posts 3 times on key 0 at t = 0, 10, 100 (window 20): posts at 0 and 10
    # have a partner, so the self-loop weight is 2 and there is 1 post pair. Account 1
    # posts once, at t = 15: it co-acts with both of account 0's first two posts.
    starts = np.array([0, 4])
    time = np.array([0, 10, 15, 100])
    account = np.array([0, 0, 1, 0])
    post = np.arange(4)
    stats = stats_dict(account_pair_stats(starts, time, account, post, 2, 20, include_self=True))
    assert stats == {
        (0, 0): (1, 1, 2, 2, 10, 10),
        (0, 1): (2, 1, 2, 1, 5, 20),
    }
    assert set(stats_dict(account_pair_stats(starts, time, account, post, 2, 20))) == {(0, 1)}


def test_minimum_filters_drop_weak_pairs():
    # key 0: accounts 0, 1, 2 within the window; key 1: accounts 0, 1 again
    starts = np.array([0, 3, 5])
    time = np.array([0, 1, 2, 50, 51])
    account = np.array([0, 1, 2, 0, 1])
    args = (starts, time, account, np.arange(5), 3, 5)
    assert stats_dict(account_pair_stats(*args)) == {
        (0, 1): (2, 2, 2, 2, 1, 2),
        (0, 2): (1, 1, 1, 1, 2, 2),
        (1, 2): (1, 1, 1, 1, 1, 1),
    }
    assert set(stats_dict(account_pair_stats(*args, min_coactions=2))) == {(0, 1)}
    assert set(stats_dict(account_pair_stats(*args, min_posts=2))) == {(0, 1)}


def test_a_post_with_several_keys_counts_once_in_n_posts():
    # Post 7 of account 0 and post 9 of account 1 share URLs u and v, 3 s apart; account
    # 0's post 8 shares only v. Sorted rows: key u: (7, 9); key v: (7, 8, 9).
    starts = np.array([0, 2, 5])
    time = np.array([0, 3, 0, 1, 3])
    account = np.array([0, 1, 0, 0, 1])
    post = np.array([7, 9, 7, 8, 9])
    stats = stats_dict(account_pair_stats(starts, time, account, post, 2, 5, include_self=True))
    assert stats == {
        (0, 0): (1, 1, 2, 2, 1, 1),  # posts 7 and 8 on v
        (0, 1): (3, 2, 2, 1, 2, 3 + 3 + 2),  # (7, 9) on u and v, (8, 9) on v
    }


def test_group_starts_marks_each_run_of_equal_keys():
    assert group_starts(np.array([7])).tolist() == [0, 1]
    assert group_starts(np.array([1, 1, 2, 4, 4])).tolist() == [0, 2, 3, 5]


def test_wrong_dtype_is_rejected():
    with pytest.raises(AssertionError, match="int64"):
        window_pairs(np.array([0, 1]), np.array([0.0]), np.array([0]), 1)
