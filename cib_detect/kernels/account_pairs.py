"""Per-account-pair co-action statistics, aggregated without materialising post pairs.

Input convention as in :mod:`cib_detect.kernels.pairs`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import (
    _INT64_MAX,
    _check_int64,
    _check_sorted_input,
    _exclusive_cumsum,
    _group_sizes,
    _n_tasks,
    _readonly,
    _sort_int64,
    _split_by_work,
)

__all__ = ["AccountPairStats", "account_pair_stats"]


class AccountPairStats(NamedTuple):
    """Co-action statistics, one row per unordered account pair, sorted by (a, b).

    All fields are int64 arrays of equal length; times are microseconds.
    """

    account_a: np.ndarray
    account_b: np.ndarray
    n_coactions: np.ndarray
    n_keys: np.ndarray
    n_posts_a: np.ndarray
    n_posts_b: np.ndarray
    min_dt: np.ndarray
    sum_dt: np.ndarray


# ------------------------------------------------------------------ account pair stats
#
# Account-major: for each account a, its rows visit their window neighbours; partners
# b > a (b == a with include_self) are aggregated in per-task scratch indexed by a dense
# slot per partner, then emitted sorted by b. A count pass sizes each account's output
# slice (prefix sum), a fill pass writes it.

# Columns of `own`, the account-major table of row attributes: an account's rows are
# read as one 64-byte row each, in order, instead of six scattered loads per row.
_ROW, _LO, _HI, _GROUP, _TIME, _POST, _MULTI = range(7)


@njit(**NJIT_KW)
def _account_layout(account, post, row_starts, rows_of_post, cursor, position, multi):
    """Counting sort of rows by account, rows increasing within an account.

    Fills ``row_starts`` (CSR over accounts), ``position`` (row ``p`` goes to
    ``own[position[p]]``) and ``multi`` (row of a post that has several rows);
    ``row_starts`` and ``rows_of_post`` come in zeroed, ``cursor`` (n_accounts) is
    scratch. The caller allocates: each allocation in a kernel compiles numba's
    ``np.zeros``/``np.empty`` code into it.
    """
    n = account.shape[0]
    n_accounts = cursor.shape[0]
    for p in range(n):
        row_starts[account[p] + 1] += 1
        rows_of_post[post[p]] += 1
    for a in range(n_accounts):
        row_starts[a + 1] += row_starts[a]
        cursor[a] = row_starts[a]
    for p in range(n):
        position[p] = cursor[account[p]]
        cursor[account[p]] += 1
        multi[p] = rows_of_post[post[p]] > 1


@njit(**NJIT_KW)
def _own_task(first, last, starts, time, account, post, multi, window, position, own, work):
    """Rows of groups ``first..last-1`` into ``own``: attributes and the rows ``[lo, hi)``
    of the group within the window (two pointers); adds each row's window to the work of
    its account."""
    for g in range(first, last):
        s = starts[g]
        e = starts[g + 1]
        lo = s
        hi = s
        for i in range(s, e):
            while time[i] - time[lo] > window:
                lo += 1
            if hi <= i:
                hi = i + 1
            while hi < e and time[hi] - time[i] <= window:
                hi += 1
            r = position[i]
            own[r, _ROW] = i
            own[r, _LO] = lo
            own[r, _HI] = hi
            own[r, _GROUP] = g
            own[r, _TIME] = time[i]
            own[r, _POST] = post[i]
            own[r, _MULTI] = multi[i]
            work[account[i]] += hi - lo


@njit(**PARALLEL_KW)
def _own_parallel(bounds, starts, time, account, post, multi, window, position, own, work):
    n_tasks = bounds.shape[0] - 1
    task_work = np.zeros((n_tasks, work.shape[0]), np.int64)
    for t in prange(n_tasks):
        _own_task(
            bounds[t],
            bounds[t + 1],
            starts,
            time,
            account,
            post,
            multi,
            window,
            position,
            own,
            task_work[t],
        )
    for t in range(n_tasks):
        work += task_work[t]


@njit(inline="always", **NJIT_KW)  # no compile of its own (two call sites)
def _grow(array):
    bigger = np.empty(2 * array.shape[0], array.dtype)
    # A loop, not a slice assignment: that one compiles numba's broadcasting error path
    # (shape formatting, string concatenation), about 2 s of a cold start.
    for i in range(array.shape[0]):
        bigger[i] = array[i]
    return bigger


# Columns of a partner's statistics: one 64-byte row per partner slot, so updating a
# partner touches one cache line. Slots are dense in order of first touch, which keeps
# the rows of an account with few partners in L1 (measured faster than rows indexed by
# partner code). The first 8 columns are also the rows of the output block.
_A, _B, _CO, _KEYS, _POSTS_A, _POSTS_B, _MIN_DT, _SUM_DT = range(8)
_LAST_ROW, _LAST_GROUP = _A, _B  # scratch until the slot is written out


@njit(inline="always", **NJIT_KW)  # no compile of its own (two call sites)
def _kept(stats, s, min_coactions, min_posts):
    return (
        stats[s, _CO] >= min_coactions and max(stats[s, _POSTS_A], stats[s, _POSTS_B]) >= min_posts
    )


@njit(**NJIT_KW)
def _account_task(
    first,
    last,
    time,
    account,
    post,
    multi,
    n_post_ids,
    row_starts,
    own,
    min_coactions,
    min_posts,
    include_self,
    fill,
    kept,
    offsets,
    out,
    scratch,
):
    """Pair statistics of accounts ``first..last-1`` with every higher-coded partner.

    Count pass (``fill=False``): ``kept[a]`` = number of partners passing the filters.
    Fill pass: writes them, sorted by partner, to ``out[:, offsets[a]:offsets[a + 1]]``.
    ``scratch`` (:func:`_account_scratch`) is left ready for the next accounts.
    """
    # Partners of the current account get a dense slot on first touch; slot_of[b] = -1
    # means "not a partner yet" and is reset through the touched list. Posts with several
    # rows (several keys) may meet a partner on several keys: their own side is
    # deduplicated through (slot, post) events, the partner side by stamping the partner
    # post with the current account (partner_post_seen).
    slot_of, partner, stats, partner_post_seen = scratch
    event_slot = np.empty(64, np.int64)
    event_post = np.empty(64, np.int64)
    # The count pass computes only what its filters read; with none beyond "one
    # co-action" it just counts partners.
    need_posts = fill or min_posts > 1
    need_co = fill or min_coactions > 1
    for a in range(first, last):
        n_touched = 0
        n_events = 0
        prev_group = -1
        prev_hi = 0
        for r in range(row_starts[a], row_starts[a + 1]):
            p = own[r, _ROW]
            g = own[r, _GROUP]
            tp = own[r, _TIME]
            post_p = own[r, _POST]
            lo = own[r, _LO]
            hi = own[r, _HI]
            # Rows of `a` run in increasing order, so inside one group their windows
            # slide right: a partner row q was met before iff q < the previous hi.
            new_from = prev_hi if g == prev_group else lo
            prev_group = g
            prev_hi = hi
            for q in range(lo, hi):
                b = account[q]
                if b < a or (b == a and (not include_self or post[q] == post_p)):
                    continue
                s = slot_of[b]
                if s < 0:
                    s = n_touched
                    n_touched += 1
                    slot_of[b] = s
                    partner[s] = b
                    stats[s, _LAST_ROW] = -1
                    stats[s, _LAST_GROUP] = -1
                    stats[s, _CO] = 0
                    stats[s, _KEYS] = 0
                    stats[s, _POSTS_A] = 0
                    stats[s, _POSTS_B] = 0
                    stats[s, _MIN_DT] = _INT64_MAX
                    stats[s, _SUM_DT] = 0
                if need_posts:
                    if stats[s, _LAST_ROW] != p:
                        stats[s, _LAST_ROW] = p
                        if own[r, _MULTI]:
                            if n_events == event_slot.shape[0]:
                                event_slot = _grow(event_slot)
                                event_post = _grow(event_post)
                            event_slot[n_events] = s
                            event_post[n_events] = post_p
                            n_events += 1
                        else:
                            stats[s, _POSTS_A] += 1
                    if b != a and q >= new_from:
                        if not multi[q]:
                            stats[s, _POSTS_B] += 1
                        elif partner_post_seen[post[q]] != a:
                            partner_post_seen[post[q]] = a
                            stats[s, _POSTS_B] += 1
                # A self pair is met from both of its rows; count it from the older.
                if need_co and (b != a or q > p):
                    stats[s, _CO] += 1
                if fill:
                    if stats[s, _LAST_GROUP] != g:
                        stats[s, _LAST_GROUP] = g
                        stats[s, _KEYS] += 1
                    if b != a or q > p:
                        dt = abs(time[q] - tp)
                        stats[s, _SUM_DT] += dt
                        if dt < stats[s, _MIN_DT]:
                            stats[s, _MIN_DT] = dt
        if n_events > 0:
            # Distinct (slot, post) events, counted per slot: packed as post * n_touched
            # + slot (below n_post_ids * n_accounts < 2**63, checked by the driver) and
            # sorted, so duplicates are adjacent: in place of the posts (refilled for
            # each account), with the int64 sort of every kernel (_sort_int64).
            keys = event_post
            for k in range(n_events):
                keys[k] = event_post[k] * n_touched + event_slot[k]
            _sort_int64(keys, np.int64(0), np.int64(n_events))
            for k in range(n_events):
                if k == 0 or keys[k] != keys[k - 1]:
                    stats[keys[k] % n_touched, _POSTS_A] += 1
        for s in range(n_touched):
            if partner[s] == a:
                stats[s, _POSTS_B] = stats[s, _POSTS_A]
        if fill:
            o = offsets[a]
            end = offsets[a + 1]
            # Sorting the partner codes (not slots) is cheaper than an argsort; slot_of
            # still maps each back to its slot.
            _sort_int64(partner, np.int64(0), np.int64(n_touched))
            for k in range(n_touched):
                b = partner[k]
                s = slot_of[b]
                if _kept(stats, s, min_coactions, min_posts) and o < end:
                    stats[s, _A] = a
                    stats[s, _B] = b
                    for column in range(8):
                        out[column, o] = stats[s, column]
                    o += 1
            if o != end:
                kept[a] = -1  # the passes disagree: a bug, reported by the driver
        else:
            # A filter that is not needed was not computed: every partner passes it.
            min_co = min_coactions if need_co else 0
            min_po = min_posts if need_posts else 0
            count = 0
            for s in range(n_touched):
                if _kept(stats, s, min_co, min_po):
                    count += 1
            kept[a] = count
        for k in range(n_touched):
            slot_of[partner[k]] = -1


@njit(**NJIT_KW)
def _account_scratch(n_accounts, n_post_ids):
    """One task's scratch for :func:`_account_task` (slot_of, partner, stats, stamps)."""
    return (
        np.full(n_accounts, -1, np.int64),
        np.empty(n_accounts, np.int64),
        np.empty((n_accounts, 8), np.int64),
        np.full(n_post_ids, -1, np.int64),
    )


# Blocks of accounts per task. The cost of an account is not its window visits alone:
# partners with a higher code cost more than lower ones (skipped), so low codes are
# dearer; blocks dealt round-robin give every task a mix (measured: contiguous halves
# split 0.08 s / 0.03 s in the fill pass of co_retweet at 1M posts).
_BLOCKS_PER_TASK = 32


@njit(**PARALLEL_KW)
def _account_parallel(bounds, n_tasks, data, filters, fill, kept, offsets, out):
    for t in prange(n_tasks):
        scratch = _account_scratch(kept.shape[0], data[4])
        for block in range(t, bounds.shape[0] - 1, n_tasks):
            first, last = bounds[block], bounds[block + 1]
            _account_task(first, last, *data, *filters, fill, kept, offsets, out, scratch)


def _account_pass(bounds, n_tasks, data, filters, fill, kept, offsets, out):
    """One pass over the accounts: ``bounds`` cuts them into blocks, task ``t`` of
    ``n_tasks`` takes blocks ``t, t + n_tasks, ...``.

    Chosen here, not in a compiled caller, so that a serial run never compiles the
    parallel kernel (the dearest to compile) and ``fill`` is never a literal (one
    specialisation for both passes). A serial run calls the task from here, not from a
    compiled serial wrapper: numba inlines the task into any compiled caller, so such a
    wrapper costs about as much to compile as the task itself (1.1 s)."""
    if n_tasks == 1:
        # _account_scratch in numpy: not compiled (nor its np.full) for a serial run
        n_accounts, n_post_ids = kept.shape[0], data[4]
        scratch = (
            np.full(n_accounts, -1, np.int64),
            np.empty(n_accounts, np.int64),
            np.empty((n_accounts, 8), np.int64),
            np.full(n_post_ids, -1, np.int64),
        )
        _account_task(
            bounds[0], bounds[-1], *data, *filters, bool(fill), kept, offsets, out, scratch
        )
    else:
        _account_parallel(bounds, np.int64(n_tasks), data, filters, bool(fill), kept, offsets, out)


def _account_count(
    starts, time, account, post, n_post_ids, n_accounts, window, filters, n_tasks, own
):
    """Fill the row table ``own`` and run the count pass; returns the task bounds, the
    data of the passes, ``kept`` and the output offsets of every account.

    The large arrays (``own`` and the output) are allocated by the caller: numpy backs
    large allocations with huge pages, while numba's are faulted in 4 KiB at a time
    (about 0.03 s for the 60 MB output of co_retweet at 1M posts).
    """
    n = account.shape[0]
    row_starts = np.zeros(n_accounts + 1, np.int64)
    position = np.empty(n, np.int64)
    multi = np.empty(n, np.bool_)
    _account_layout(
        account,
        post,
        row_starts,
        np.zeros(n_post_ids, np.int64),
        np.empty(n_accounts, np.int64),
        position,
        multi,
    )
    bounds = _split_by_work(_group_sizes(starts), np.int64(n_tasks))
    work = np.ones(n_accounts, np.int64)  # +1 so empty accounts still cost something
    args = (starts, time, account, post, multi, window, position, own, work)
    if n_tasks == 1:
        _own_task(bounds[0], bounds[-1], *args)
    else:
        _own_parallel(bounds, *args)
    if not multi.any():
        n_post_ids = np.int64(0)  # the partner-post stamps are never read
    n_blocks = 1 if n_tasks == 1 else n_tasks * _BLOCKS_PER_TASK
    bounds = _split_by_work(work, np.int64(n_blocks))
    data = (time, account, post, multi, n_post_ids, row_starts, own)
    kept = np.zeros(n_accounts, np.int64)
    none = np.empty((8, 0), np.int64)
    _account_pass(bounds, n_tasks, data, filters, False, kept, kept, none)
    return bounds, data, kept, _exclusive_cumsum(kept)


def account_pair_stats(
    starts: np.ndarray,
    time: np.ndarray,
    account: np.ndarray,
    post: np.ndarray,
    n_accounts: int,
    window: int,
    min_coactions: int = 1,
    min_posts: int = 1,
    include_self: bool = False,
    *,
    n_tasks: int | None = None,
) -> AccountPairStats:
    """Co-action statistics per account pair, aggregated without materialising post pairs.

    Parameters
    ----------
    starts, time, account : int64 ndarray
        Sorted rows as in :func:`window_pairs`; ``0 <= account < n_accounts``.
    post : int64 ndarray, shape (n,)
        Non-negative post id of each row. A post with several keys (several URLs) has
        several rows sharing its id, account and time; it counts once in ``n_posts_*``.
        Pass ``np.arange(n)`` when every row is its own post.
    n_accounts : int
        Number of account codes.
    window : int
        Largest time gap in microseconds (inclusive), ``>= 0``.
    min_coactions : int, default 1
        Keep a pair only with at least this many co-actions.
    min_posts : int, default 1
        Keep a pair only if ``max(n_posts_a, n_posts_b) >= min_posts``.
    include_self : bool, default False
        Also emit ``a == b`` rows: two different posts of one account on one key within
        the window. Then ``n_posts_a == n_posts_b`` is the number of the account's posts
        that have such a partner (the coordination-network-toolkit self-loop weight) and
        ``n_coactions`` counts unordered row pairs.
    n_tasks : int, optional
        Parallel tasks. The groups are cut into contiguous blocks of about equal work
        for the row table; the accounts into ``32 * n_tasks`` blocks of about equal
        window work, dealt round-robin to the tasks. Default: one per numba thread,
        fewer below ``_MIN_ROWS_PER_TASK`` rows per task; ``1`` runs serially. The
        output does not depend on it.

    Returns
    -------
    AccountPairStats
        A named tuple of int64 arrays, one row per kept pair ``a < b`` (``a <= b`` with
        ``include_self``), sorted by ``(account_a, account_b)``:

        - ``account_a``, ``account_b``: account codes.
        - ``n_coactions``: co-actions, i.e. row pairs (post of ``a``, post of ``b``, key)
          within the window.
        - ``n_keys``: distinct keys (groups) with at least one co-action of the pair.
        - ``n_posts_a``: distinct posts of ``a`` with a co-acting post of ``b``.
        - ``n_posts_b``: distinct posts of ``b`` with a co-acting post of ``a``.
        - ``min_dt``: smallest ``|dt|`` in microseconds.
        - ``sum_dt``: sum of ``|dt|`` over the co-actions, in microseconds (mean =
          ``sum_dt / n_coactions``).

    Notes
    -----
    Account-major and output-sensitive: each account's rows visit their window
    neighbours once per pass (a count pass, then a fill pass into each account's own
    output slice), so time is ``O(n + same-window row pairs)`` plus sorting each
    account's partners, whatever the number of pairs below the thresholds, which are
    never written. Memory: 9 int64 per row (the account-major row table and its CSR
    positions), 1 int64 per post id (ids sparser than about 8 per row are densified
    first), per task 10 int64 per account (partner scratch) and, when some post has
    several rows, 1 int64 per post id; the output is 64 bytes per kept pair. At 10M rows
    and 100k accounts that is about 0.8 GB before the output.

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 4])
    >>> time = np.array([0, 5, 30, 200]) * 1_000_000
    >>> account = np.array([0, 1, 1, 0])
    >>> stats = account_pair_stats(starts, time, account, np.arange(4), 2, 60_000_000)
    >>> stats.account_a, stats.account_b, stats.n_coactions, stats.n_posts_a, stats.n_posts_b
    (array([0]), array([1]), array([2]), array([1]), array([2]))
    >>> stats.min_dt, stats.sum_dt
    (array([5000000]), array([35000000]))
    """
    _check_sorted_input(starts, time, account, window)
    _check_int64("post", post)
    n = time.shape[0]
    assert post.shape[0] == n, f"time has {n} rows but post has {post.shape[0]}"
    assert n_accounts >= 0, f"n_accounts must be >= 0, got {n_accounts}"
    n_post_ids = 0
    if n:
        low, high = account.min(), account.max()
        assert low >= 0 and high < n_accounts, (
            f"account codes must lie in [0, {n_accounts}), got [{low}, {high}]"
        )
        assert post.min() >= 0, f"post ids must be >= 0, got {post.min()}"
        n_post_ids = int(post.max()) + 1
        # Very sparse ids (a few rows of a large posts frame): densify so the scratch
        # stays O(n). Ids up to 8 per row (the size of the row table) are kept: the
        # densifying sort cost more than the scratch it saved.
        if n_post_ids > 8 * n + (1 << 20) or n_post_ids * n_accounts >= 1 << 63:
            post = np.unique(post, return_inverse=True)[1].astype(np.int64).reshape(-1)
            n_post_ids = int(post.max()) + 1
        # The account pass packs (post, partner slot) into one int64.
        assert n_post_ids * n_accounts < 1 << 63, "too many post ids times accounts"
    filters = (np.int64(max(min_coactions, 1)), np.int64(min_posts), bool(include_self))
    n_tasks = _n_tasks(n_tasks, n)
    bounds, data, kept, offsets = _account_count(
        *_readonly(starts, time, account, post),
        np.int64(n_post_ids),
        np.int64(n_accounts),
        np.int64(window),
        filters,
        n_tasks,
        np.empty((n, 8), np.int64),
    )
    out = np.empty((8, offsets[n_accounts]), np.int64)
    _account_pass(bounds, n_tasks, data, filters, True, kept, offsets, out)
    if n_accounts > 0 and kept.min() < 0:
        raise AssertionError("account_pair_stats: count and fill passes disagree")
    return AccountPairStats(*out)
