"""Speed and peak memory of the co-action kernels on synthetic posts.

Run ``python -m benchmarks.bench_kernels`` (``--sizes 1000000`` for a quick run). Every
case runs in a fresh process (peak RSS is its own), compile time excluded by a warm-up
call on a tiny input. The posts: Zipf-distributed key popularity capped at
``max_key_posts`` rows per key (as the library caps viral keys), each key born at a
uniform time over 30 days with its posts decaying exponentially after it (mean
``burst_hours``), and heavy-tailed account activity (Zipf ranks over 100k accounts).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numba
import numpy as np

from benchmarks.harness import print_table, run_case, timed

OUT = Path(__file__).resolve().parent / "out"
DAY_US = 86_400 * 1_000_000


def synthetic_posts(
    n: int,
    *,
    n_accounts: int = 100_000,
    max_key_posts: int = 10_000,
    days: int = 30,
    burst_hours: float = 6.0,
    key_zipf: float = 1.8,
    account_zipf: float = 1.0,
    seed: int = 0,
):
    """Sorted kernel input ``(starts, time, account, post)`` for ``n`` rows (posts)."""
    rng = np.random.default_rng(seed)
    sizes = np.minimum(rng.zipf(key_zipf, size=n), max_key_posts)
    n_keys = int(np.searchsorted(np.cumsum(sizes), n)) + 1
    sizes = sizes[:n_keys]
    sizes[-1] -= sizes.sum() - n
    key = np.repeat(np.arange(n_keys, dtype=np.int64), sizes)
    birth = rng.integers(0, days * DAY_US, n_keys)
    time = birth[key] + rng.exponential(burst_hours * 3600e6, n).astype(np.int64)
    weights = 1.0 / np.arange(1, n_accounts + 1) ** account_zipf
    account = rng.choice(n_accounts, size=n, p=weights / weights.sum())
    account = rng.permutation(n_accounts)[account]  # busy accounts get scattered codes
    order = np.lexsort((time, key))
    key, time, account = key[order], time[order], account[order]
    starts = np.concatenate(([0], np.flatnonzero(key[1:] != key[:-1]) + 1, [n]))
    post = np.arange(n, dtype=np.int64)
    return tuple(np.ascontiguousarray(x, dtype=np.int64) for x in (starts, time, account, post))


def _load(n: int, burst_hours: float):
    path = OUT / f"posts_{n}_{burst_hours:g}h.npz"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        np.savez(path, *synthetic_posts(n, burst_hours=burst_hours))
    with np.load(path) as data:
        return tuple(data[f"arr_{i}"] for i in range(4))


def case_generate(n, burst_hours):
    """Generate and cache the posts (in its own process: the parent's peak RSS would be
    inherited by the measured processes)."""
    starts, *_ = _load(n, burst_hours)
    return {"key_groups": len(starts) - 1}


def _warm_up():
    from cib_detect.kernels.account_pairs import account_pair_stats
    from cib_detect.kernels.pairs import window_pairs

    starts, time, account = np.array([0, 3]), np.array([0, 1, 2]), np.array([0, 1, 0])
    window_pairs(starts, time, account, 1)
    account_pair_stats(starts, time, account, np.arange(3), 2, 1)


def _best_of(repeat, summarise, function, *args, **kwargs):
    """Best wall time of ``repeat`` calls (the machine is shared) with that call's CPU
    seconds, and ``summarise(result)``; each result is dropped before the next call so
    the peak RSS is one call's."""
    best_wall, best_cpu, summary = float("inf"), 0.0, None
    for _ in range(repeat):
        cpu = time.process_time()
        result, wall = timed(function, *args, **kwargs)
        cpu = time.process_time() - cpu
        summary = summarise(result)
        del result
        if wall < best_wall:
            best_wall, best_cpu = wall, cpu
    return summary, best_wall, best_cpu


def case_account_pair_stats(n, threads, min_coactions, burst_hours, repeat=3, window_s=60):
    """Timed ``account_pair_stats`` calls (co-actions aggregated inside the kernel)."""
    from cib_detect.kernels.account_pairs import account_pair_stats

    starts, times, account, post = _load(n, burst_hours)
    numba.set_num_threads(threads)
    _warm_up()
    load = os.getloadavg()[0]
    (n_pairs, n_coactions), seconds, cpu = _best_of(
        repeat,
        lambda stats: (len(stats.account_a), int(stats.n_coactions.sum())),
        account_pair_stats,
        starts,
        times,
        account,
        post,
        100_000,
        window_s * 1_000_000,
        min_coactions=min_coactions,
    )
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "load_avg": load,
        "account_pairs_kept": n_pairs,
        "coactions_kept": n_coactions,
    }


def case_window_pairs(n, threads, burst_hours, repeat=3, window_s=60):
    """Timed ``window_pairs`` calls: post pairs emitted per second."""
    from cib_detect.kernels.pairs import window_pairs

    starts, times, account, _ = _load(n, burst_hours)
    numba.set_num_threads(threads)
    _warm_up()
    load = os.getloadavg()[0]
    n_pairs, seconds, cpu = _best_of(
        repeat,
        lambda pairs: len(pairs[0]),
        window_pairs,
        starts,
        times,
        account,
        window_s * 1_000_000,
    )
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "load_avg": load,
        "post_pairs": n_pairs,
        "M_pairs_per_s": n_pairs / seconds / 1e6,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--burst-hours", type=float, default=6.0)
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per case (best kept)")
    parser.add_argument(
        "--max-window-pairs-rows",
        type=int,
        default=10_000_000,
        help="skip window_pairs above this many rows (its output is 16 bytes per pair)",
    )
    args = parser.parse_args(argv)
    for n in args.sizes:
        run_case(case_generate, n=n, burst_hours=args.burst_hours)
    pair_rows, stats_rows = [], []
    for n in args.sizes:
        for threads in args.threads:
            if n <= args.max_window_pairs_rows:
                pair_rows.append(
                    run_case(
                        case_window_pairs,
                        n=n,
                        threads=threads,
                        burst_hours=args.burst_hours,
                        repeat=args.repeat,
                    )
                )
            for min_coactions in (1, 2):
                stats_rows.append(
                    run_case(
                        case_account_pair_stats,
                        n=n,
                        threads=threads,
                        min_coactions=min_coactions,
                        burst_hours=args.burst_hours,
                        repeat=args.repeat,
                    )
                )
    print_table(pair_rows, "window_pairs (window 60 s)")
    print_table(stats_rows, "account_pair_stats (window 60 s, 100k accounts)")


if __name__ == "__main__":
    main()
