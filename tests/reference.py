"""Naive, obviously correct twins of the numba kernels, for tests only.

They work on unsorted ``(key, time, account)`` rows, loop over all pairs of rows and
aggregate with dicts and sets. Slow on purpose: read them as the specification. At the end,
:func:`on_one_and_all_threads`, which runs a kernel with 1 thread and with all threads.
"""

from __future__ import annotations

from collections import defaultdict

import numba
import numpy as np


def sort_posts(key, time, account):
    """Sort rows stably by (key, time) into the kernels' input.

    Returns ``(starts, time_sorted, account_sorted, order)`` where ``order[r]`` is the
    original row of sorted row ``r``.
    """
    key = np.asarray(key, dtype=np.int64)
    order = np.lexsort((time, key))  # lexsort is stable: ties keep input order
    sorted_key = key[order]
    boundaries = np.flatnonzero(sorted_key[1:] != sorted_key[:-1]) + 1
    starts = np.concatenate(([0], boundaries, [key.shape[0]])) if key.shape[0] else np.zeros(1)
    return (
        np.ascontiguousarray(starts, dtype=np.int64),
        np.ascontiguousarray(np.asarray(time, dtype=np.int64)[order]),
        np.ascontiguousarray(np.asarray(account, dtype=np.int64)[order]),
        order,
    )


def _co_actions(key, time, account, post, window, include_self):
    """Yield ``(i, j, dt)`` for every unordered co-action, ``i < j`` original rows."""
    n = len(key)
    for i in range(n):
        for j in range(i + 1, n):
            if key[i] != key[j]:
                continue
            dt = abs(int(time[i]) - int(time[j]))
            if dt > window:
                continue
            if account[i] == account[j] and (not include_self or post[i] == post[j]):
                continue
            yield i, j, dt


def naive_window_pairs(key, time, account, window, include_self=False):
    """Every co-action as ``(older, newer)`` original row indices (ties: lower row first),
    every row its own post. Returns a set of tuples.
    """
    pairs = set()
    rows = range(len(key))
    for i, j, _ in _co_actions(key, time, account, rows, window, include_self):
        older, newer = (i, j) if (time[i], i) <= (time[j], j) else (j, i)
        pairs.add((older, newer))
    return pairs


def naive_account_pair_stats(
    key, time, account, post, window, min_coactions=1, min_posts=1, include_self=False
):
    """Per account pair ``(a, b)`` with ``a < b`` (``a <= b`` with ``include_self``):
    ``(n_coactions, n_keys, n_posts_a, n_posts_b, min_dt, sum_dt)`` as a dict, only for
    pairs with ``n_coactions >= min_coactions`` and ``max(n_posts_a, n_posts_b) >=
    min_posts``. Rows sharing a ``post`` id are one post (with several keys).
    """
    pairs = defaultdict(lambda: {"dts": [], "keys": set(), "posts_a": set(), "posts_b": set()})
    for i, j, dt in _co_actions(key, time, account, post, window, include_self):
        a, b = int(account[i]), int(account[j])
        row_a, row_b = i, j
        if a > b:
            a, b, row_a, row_b = b, a, j, i
        record = pairs[(a, b)]
        record["dts"].append(dt)
        record["keys"].add(int(key[i]))
        record["posts_a"].add(int(post[row_a]))
        record["posts_b"].add(int(post[row_b]))
    stats = {}
    for (a, b), record in pairs.items():
        if a == b:
            # Self pair: the posts of a that have another post of a as partner.
            n_posts_a = n_posts_b = len(record["posts_a"] | record["posts_b"])
        else:
            n_posts_a, n_posts_b = len(record["posts_a"]), len(record["posts_b"])
        n_coactions = len(record["dts"])
        if n_coactions >= min_coactions and max(n_posts_a, n_posts_b) >= min_posts:
            stats[(a, b)] = (
                n_coactions,
                len(record["keys"]),
                n_posts_a,
                n_posts_b,
                min(record["dts"]),
                sum(record["dts"]),
            )
    return stats


# ---------------------------------------------------------------- XXH64 (the hash kernel)

_M = (1 << 64) - 1
_P1, _P2, _P3, _P4, _P5 = (
    0x9E3779B185EBCA87,
    0xC2B2AE3D27D4EB4F,
    0x165667B19E3779F9,
    0x85EBCA77C2B2AE63,
    0x27D4EB2F165667C5,
)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc: int, lane: int) -> int:
    return (_rotl((acc + lane * _P2) & _M, 31) * _P1) & _M


def xxh64_reference(data: bytes, seed: int = 0) -> int:
    n, i = len(data), 0
    if n >= 32:
        acc = [(seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed, (seed - _P1) & _M]
        while i + 32 <= n:
            for lane in range(4):
                start = i + 8 * lane
                acc[lane] = _round(acc[lane], int.from_bytes(data[start : start + 8], "little"))
            i += 32
        h = (_rotl(acc[0], 1) + _rotl(acc[1], 7) + _rotl(acc[2], 12) + _rotl(acc[3], 18)) & _M
        for value in acc:
            h = (((h ^ _round(0, value)) * _P1) + _P4) & _M
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while i + 8 <= n:
        h ^= _round(0, int.from_bytes(data[i : i + 8], "little"))
        h = (_rotl(h, 27) * _P1 + _P4) & _M
        i += 8
    if i + 4 <= n:
        h ^= (int.from_bytes(data[i : i + 4], "little") * _P1) & _M
        h = (_rotl(h, 23) * _P2 + _P3) & _M
        i += 4
    while i < n:
        h ^= (data[i] * _P5) & _M
        h = (_rotl(h, 11) * _P1) & _M
        i += 1
    h ^= h >> 33
    h = (h * _P2) & _M
    h ^= h >> 29
    h = (h * _P3) & _M
    return h ^ (h >> 32)


def naive_flagged_partners(key, time, account, flagged, window):
    """Every (flagged row, row of another account on its key within ``window``) as a set
    of original row index tuples."""
    n = len(key)
    return {
        (i, j)
        for i in range(n)
        if flagged[i]
        for j in range(n)
        if key[i] == key[j]
        and account[i] != account[j]
        and abs(int(time[i]) - int(time[j])) <= window
    }


def naive_first_seen_codes(hashes):
    """Codes ``0, 1, ...`` of the distinct values in order of first appearance, and the
    first row of each: ``(codes, first_rows)`` as lists."""
    code_of = {}
    codes, first_rows = [], []
    for row, value in enumerate(hashes):
        if value not in code_of:
            code_of[value] = len(code_of)
            first_rows.append(row)
        codes.append(code_of[value])
    return codes, first_rows


def naive_directed_edges(a, b, weight_a, weight_b, min_weight):
    """Directed edges of account pairs ``a <= b``: ``a -> b`` weighs ``weight_a``, ``b -> a``
    (``a != b``) ``weight_b``; edges lighter than ``min_weight`` are left out. Returns the
    ``(source, target, weight)`` triples sorted."""
    edges = []
    for x, y, w_x, w_y in zip(a, b, weight_a, weight_b, strict=True):
        if w_x >= min_weight:
            edges.append((int(x), int(y), int(w_x)))
        if x != y and w_y >= min_weight:
            edges.append((int(y), int(x), int(w_y)))
    return sorted(edges)


# ----------------------------------------------------------------------------- threads


def _identical(x, y) -> bool:
    if isinstance(x, tuple | list):
        return len(x) == len(y) and all(_identical(u, v) for u, v in zip(x, y, strict=True))
    if isinstance(x, np.ndarray):
        return x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    return type(x) is type(y) and x == y


def on_one_and_all_threads(run):
    """``run()`` with ``numba.set_num_threads(1)`` and with all of numba's threads;
    asserts the two outputs are identical, bit for bit, and returns the first."""
    all_threads = numba.config.NUMBA_NUM_THREADS
    before = numba.get_num_threads()
    outputs = []
    for threads in (1, all_threads):
        numba.set_num_threads(threads)
        try:
            outputs.append(run())
        finally:
            numba.set_num_threads(before)
    assert _identical(outputs[0], outputs[1]), f"1 thread and {all_threads} threads differ"
    return outputs[0]
