"""``cd.detect`` end to end: wall time, peak memory, time per stage, clusters, accuracy.

Run ``python -m benchmarks.bench_detect`` (``--sizes 1000000,10000000``, ``--ira`` for the
IRA tweets). Each case runs in a fresh spawned process (peak RSS is its own, reading
included); a warm-up ``detect`` on 20,000 synthetic posts first excludes numba compile
time. The measured call gets the posts and accounts frames already in memory; reading
them is timed apart (``read_s``).

On synthetic data (``cd.datasets.synthetic(n, seed=0)``, cached by
:mod:`benchmarks.bench_traces`) the clustered accounts (``cluster_id != -1``) are
compared with the planted truth: the positives are the ``hidden_state`` and ``spam``
accounts (:data:`cib_detect.datasets.synthetic.COORDINATED_ROLES`). Precision = share
of clustered accounts that are positives; recall = share of positives clustered. The
roles of the clustered accounts are listed too (fans and activists act together in the
open; clustering them is expected, their scores should be low).

The IRA tweets (every account state-run) measure scale and how many accounts end up in
clusters, not precision.
"""

from __future__ import annotations

import argparse
import os
import warnings

import polars as pl

from benchmarks.bench_traces import (
    DEFAULT_LIMIT_GB,
    _sizes,
    ensure_synthetic,
    load_posts,
    quiet_library_log,
    run_guarded,
    source_label,
    synthetic_paths,
)
from benchmarks.harness import print_table, timed

POSITIVE_ROLES = ("hidden_state", "spam")


def _accuracy(clusters: pl.DataFrame, truth: pl.DataFrame) -> dict:
    clustered = clusters.filter(pl.col("cluster_id") != -1).select("account_id")
    labelled = clustered.join(truth.select("account_id", "role"), on="account_id", how="left")
    positives = truth.filter(pl.col("role").is_in(POSITIVE_ROLES)).height
    hits = labelled.filter(pl.col("role").is_in(POSITIVE_ROLES)).height
    roles = labelled.group_by("role").len().sort("len", descending=True)
    return {
        "precision": hits / clustered.height if clustered.height else 0.0,
        "recall": hits / positives if positives else 0.0,
        "positives": positives,
        "clustered_by_role": ", ".join(f"{r} {k}" for r, k in roles.iter_rows()),
    }


def case_detect(source) -> dict:
    """One ``detect`` run on synthetic posts of a size, or on the IRA tweets."""
    import cib_detect as cd

    quiet_library_log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = cd.datasets.synthetic(20_000, seed=1)
        cd.detect(warm.posts, warm.accounts)
        del warm
    load = round(os.getloadavg()[0], 2)
    accounts = truth = None
    posts, read_s = timed(load_posts, source)
    if source != "ira":
        paths = synthetic_paths(int(source))
        accounts = pl.read_parquet(paths["accounts"])
        truth = pl.read_parquet(paths["truth"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result, seconds = timed(cd.detect, posts, accounts)
    clusters = result.clusters
    figures = {
        "posts": posts.height,
        "read_s": read_s,
        "detect_s": seconds,
        "clusters": result.n_clusters,
        "clustered_accounts": clusters.filter(pl.col("cluster_id") != -1).height,
        "accounts": clusters.height,
        "edges": result.edges.height,
        "load_avg": load,
        "timings": dict(result.timings),
    }
    if truth is not None:
        figures.update(_accuracy(clusters, truth))
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[1_000_000, 10_000_000])
    parser.add_argument("--ira", action="store_true", help="also the IRA tweets")
    parser.add_argument("--limit-gb", type=float, default=DEFAULT_LIMIT_GB)
    args = parser.parse_args(argv)
    ensure_synthetic(args.sizes)
    rows, stage_rows = [], []
    for source in [*args.sizes, *(["ira"] if args.ira else [])]:
        figures = run_guarded(case_detect, limit_gb=args.limit_gb, source=source)
        figures["source"] = source_label(figures["source"])
        print(f"done: {figures}", flush=True)
        timings = figures.pop("timings", {})
        rows.append(figures)
        if timings:
            stage_rows.append(
                {"source": figures["source"], **timings, "sum": sum(timings.values())}
            )
    print_table(rows, "cd.detect end to end (default traces, window 60 s)")
    print_table(stage_rows, "cd.detect seconds per stage (Detection.timings)")


if __name__ == "__main__":
    main()
