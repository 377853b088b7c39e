"""Speed, peak memory and recall of the similarity traces.

Run ``python -m benchmarks.bench_similarity`` (``--cases text`` / ``ira`` / ``temporal`` /
``recall`` for a part). Each case runs in a fresh process (its peak RSS is its own), with
numba compilation excluded by a warm-up call on a tiny input.

- ``co_similar_text`` on 1M synthetic posts (``cib_detect.datasets.synthetic``) with a
  1-hour window, and on the IRA tweets (2.46M real tweets, minute resolution) if
  ``../shared/data/ira/ira_tweets.parquet`` is present.
- Recall of MinHash LSH against the exact windowed all-pairs Jaccard
  (:func:`cib_detect.kernels.verify.window_jaccard_pairs`, itself tested against a
  brute-force twin) on a sample: some days from the middle of each data set.
- ``sync_activity`` and ``activity_profile`` on 1M posts by 100k accounts (heavy-tailed
  activity, diurnal schedules in several time zones, 50 planted groups on a shared
  schedule).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl

from benchmarks.harness import print_table, run_case, timed

OUT = Path(__file__).resolve().parent / "out"
IRA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ira" / "ira_tweets.parquet"


def _synthetic_posts(n: int) -> pl.DataFrame:
    path = OUT / f"synthetic_{n}.parquet"
    if not path.exists():
        import cib_detect as cd

        OUT.mkdir(exist_ok=True)
        cd.datasets.synthetic(n, seed=0).posts.write_parquet(path)
    return pl.read_parquet(path)


def _ira_posts() -> pl.DataFrame:
    import cib_detect as cd

    return cd.read_posts(IRA)


def _schedule_posts(n_posts: int, n_accounts: int, seed: int = 0) -> pl.DataFrame:
    """Posts of accounts with lognormal activity, each in waking hours of its time zone
    over 30 days; 50 groups of 20 accounts post in the same minutes."""
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0, 1.2, n_accounts)
    account = rng.choice(n_accounts, n_posts, p=activity / activity.sum())
    offset_h = rng.choice([-8, -5, 0, 1, 3, 8, 9], n_accounts)[account]
    day = rng.integers(0, 30, n_posts)
    hour = np.clip(rng.normal(14, 4, n_posts), 6, 23.99)
    seconds = day * 86_400 + (hour - offset_h) * 3600
    planted = rng.choice(n_accounts, (50, 20), replace=False)
    slots = rng.integers(0, 30 * 86_400, (50, 40))
    extra_account, extra_time = [], []
    for group in range(50):
        for member in planted[group]:
            extra_account.append(np.full(40, member))
            extra_time.append(slots[group] + rng.integers(0, 90, 40))
    account = np.concatenate([account, *extra_account])
    seconds = np.concatenate([seconds, *extra_time]).astype(np.int64)
    t0 = datetime(2024, 4, 15, tzinfo=timezone.utc)
    return pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(len(account))],
            "account_id": [f"a{a:06d}" for a in account],
            "timestamp": pl.Series(seconds * 1_000_000).cast(pl.Datetime("us", "UTC"))
            + (t0 - datetime(1970, 1, 1, tzinfo=timezone.utc)),
        }
    )


def _warm_up():
    import cib_detect as cd

    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    posts = pl.DataFrame(
        {
            "post_id": [str(i) for i in range(30)],
            "account_id": [f"a{i % 5}" for i in range(30)],
            "timestamp": [t0 + timedelta(minutes=i) for i in range(30)],
            "text": ["one two three four five six"] * 30,
        }
    )
    for trace, options in (
        ("co_similar_text", {}),
        ("sync_activity", {"min_posts": 1}),
        ("activity_profile", {"min_posts": 2}),
    ):
        cd.co_action_edges(posts, trace=trace, window="1h", **options)


def case_co_similar_text(source: str, window: str = "1h") -> dict:
    import cib_detect as cd

    posts = _ira_posts() if source == "ira" else _synthetic_posts(int(source))
    _warm_up()
    cpu = time.process_time()
    edges, wall = timed(cd.co_action_edges, posts, trace="co_similar_text", window=window)
    return {
        "posts": len(posts),
        "wall_s": round(wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "edges": len(edges),
        "near_duplicate_pairs": int(edges["n_coactions"].sum()),
    }


def case_recall(source: str, days: int, window: str = "1h") -> dict:
    """MinHash LSH pairs against the exact windowed all-pairs Jaccard on a sample."""
    import cib_detect as cd
    from cib_detect._params import duration_microseconds
    from cib_detect.kernels.shingles import shingle_sets
    from cib_detect.kernels.verify import window_jaccard_pairs
    from cib_detect.traces import similarity

    posts = _ira_posts() if source == "ira" else _synthetic_posts(int(source))
    first = posts["timestamp"].median()  # the busy middle of the period
    posts = posts.filter(pl.col("timestamp").is_between(first, first + timedelta(days=days)))
    window_us = duration_microseconds(window, name="window", function="bench")
    _warm_up()
    found, wall_lsh = timed(
        lambda: similarity.similar_pairs(
            posts,
            window_us=window_us,
            max_key_posts=cd._config.DEFAULT_MAX_KEY_POSTS,
            function="bench",
        )
    )
    docs, _ = similarity._documents(posts, "bench")
    offsets, data = similarity._string_buffers(docs["norm"])
    starts, values = shingle_sets(offsets, data, "word", 1)
    sizes = np.diff(starts)
    keep = sizes >= similarity.DEFAULT_MIN_SHINGLES
    values = values[np.repeat(keep, sizes)]
    starts = np.concatenate([[0], np.cumsum(sizes[keep])]).astype(np.int64)
    docs = docs.filter(pl.Series(keep))
    (left, right), wall_exact = timed(
        window_jaccard_pairs,
        np.ascontiguousarray(docs["time_us"].to_numpy()),
        np.ascontiguousarray(docs["account_code"].to_numpy().astype(np.int64)),
        starts,
        values,
        window_us,
        similarity.DEFAULT_THRESHOLD,
        0,
        False,
    )
    exact = set(zip(left.tolist(), right.tolist(), strict=True))
    lsh = set(zip(found.i.tolist(), found.j.tolist(), strict=True))
    return {
        "posts": len(posts),
        "days": days,
        "exact_pairs": len(exact),
        "lsh_pairs": len(lsh),
        "recall": round(len(lsh & exact) / max(len(exact), 1), 5),
        "false": len(lsh - exact),
        "wall_lsh_s": round(wall_lsh, 2),
        "wall_exact_s": round(wall_exact, 2),
    }


def case_temporal(trace: str, n_posts: int, n_accounts: int) -> dict:
    import cib_detect as cd

    posts = _schedule_posts(n_posts, n_accounts)
    _warm_up()
    cpu = time.process_time()
    edges, wall = timed(cd.co_action_edges, posts, trace=trace)
    counts = posts.group_by("account_id").len()
    min_posts = 5 if trace == "sync_activity" else 20
    return {
        "trace": trace,
        "posts": len(posts),
        "accounts": n_accounts,
        "accounts_kept": int((counts["len"] >= min_posts).sum()),
        "wall_s": round(wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "edges": len(edges),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", nargs="+", default=["text", "ira", "recall", "temporal"], help="parts to run"
    )
    args = parser.parse_args()
    if "text" in args.cases:
        print_table(
            [run_case(case_co_similar_text, source="1000000")], "co_similar_text, 1-hour window"
        )
    if "ira" in args.cases and IRA.exists():
        print_table([run_case(case_co_similar_text, source="ira")], "co_similar_text on IRA tweets")
    if "recall" in args.cases:
        rows = [run_case(case_recall, source="1000000", days=3)]
        if IRA.exists():
            rows.append(run_case(case_recall, source="ira", days=14))
        print_table(rows, "MinHash LSH recall against exact windowed Jaccard (threshold 0.5)")
    if "temporal" in args.cases:
        print_table(
            [
                run_case(case_temporal, trace=trace, n_posts=1_000_000, n_accounts=100_000)
                for trace in ("sync_activity", "activity_profile")
            ],
            "temporal traces, 1M posts, 100k accounts",
        )


if __name__ == "__main__":
    main()
