"""`python -m cib_detect.demo`: the main job on an embedded synthetic default.

Generates 50,000 synthetic posts with planted hidden state campaigns, a spam botnet,
fans of a live event, activists and disclosed state media; runs :func:`cib_detect.detect`;
prints the top clusters with their evidence and how they match the planted truth.
"""

from __future__ import annotations

import argparse
import time

import polars as pl

import cib_detect as cd


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000, help="synthetic posts (50000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    data = cd.datasets.synthetic(args.posts, seed=args.seed)
    generated = time.perf_counter() - start
    print(
        f"synthetic data: {data.posts.height:,} posts by {data.accounts.height:,} accounts "
        f"({generated:.1f} s); planted groups:"
    )
    planted = data.truth.filter(pl.col("group").is_not_null()).group_by("role", "group").len()
    for role, group, size in planted.sort("role", "group").rows():
        print(f"  {group:<24} {role:<13} {size:>4} accounts")

    start = time.perf_counter()
    result = cd.detect(data.posts, data.accounts)
    print(f"\ndetect: {time.perf_counter() - start:.1f} s\n")
    print(result.summary(top=10))
    if result.cluster_scores.height:
        top = result.cluster_scores.row(0, named=True)
        print(f"\nevidence of the top cluster ({top['cluster_id']}):\n{top['evidence']}")

    print("\nclusters against the planted truth:")
    labels = result.clusters.filter(pl.col("cluster_id") >= 0).join(data.truth, on="account_id")
    table = (
        labels.group_by("cluster_id")
        .agg(
            pl.len().alias("size"),
            pl.col("role").mode().first().alias("role"),
            pl.col("group").mode().first().alias("group"),
            (pl.col("role").n_unique() == 1).alias("pure"),
        )
        .join(result.cluster_scores.select("cluster_id", "score"), on="cluster_id")
        .sort("score", descending=True)
    )
    for cluster, size, role, group, pure, score in table.rows():
        print(
            f"  cluster {cluster:>3}: {size:>4} accounts, score {score:.2f}, "
            f"{role} {group or ''}{'' if pure else ' (mixed)'}"
        )
    hidden = data.truth.filter(pl.col("role") == "hidden_state")
    found = hidden.join(labels.select("account_id"), on="account_id").height
    print(f"\nhidden-state accounts found: {found} of {hidden.height}")


if __name__ == "__main__":
    main()
