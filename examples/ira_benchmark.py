"""The IRA benchmark: ``cd.detect`` on 2.46 million real tweets of Russian IRA accounts.

The data (FiveThirtyEight / Linvill & Warren, 2,839 accounts, 2012-2018; see
``../shared/data/README.md``) has minute-resolution timestamps, so the window is 60 s,
and no retweet ids: reposts show only through duplicated text. Every account is
state-run, so the run measures scale, how many accounts end up in clusters and how the
clusters look, not precision. Run from the repository root:
``python examples/ira_benchmark.py``; the Detection is written to ``out/ira/``.
The figures of one run are in ``docs/ira.md``.
"""

import sys
import time
import warnings
from pathlib import Path

import polars as pl

import cib_detect as cd

DATA = Path("../shared/data/ira/ira_tweets.parquet")
OUT = Path("out/ira")
N_ACCOUNTS = 2_839  # accounts in the release
TOP = 5  # clusters whose evidence is printed

if not DATA.is_file():
    sys.exit(
        f"IRA tweets not found at {DATA} (run from the repository root, with the shared "
        "data checked out next to it)"
    )

start = time.perf_counter()
posts = cd.read_posts(DATA)
read_s = time.perf_counter() - start
n_posting = posts["account_id"].n_unique()
print(f"read {posts.height:,} posts of {n_posting:,} accounts in {read_s:.1f} s")

start = time.perf_counter()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = cd.detect(posts, window="60s")
detect_s = time.perf_counter() - start
for warning in caught:
    print(f"  warning: {warning.message}")

print(f"\ndetect: {detect_s:.1f} s; seconds per stage:")
for stage, seconds in result.timings.items():
    print(f"  {stage:<24} {seconds:8.2f}")

clusters = result.clusters.filter(pl.col("cluster_id") != -1)
sizes = clusters.group_by("cluster_id").len().sort("len", descending=True)["len"].to_list()
print(f"\nedges: {result.edges.height:,}")
print(f"clusters: {result.n_clusters}")
print(
    f"accounts in clusters: {clusters.height:,} of {N_ACCOUNTS:,} "
    f"({clusters.height / N_ACCOUNTS:.1%}; {result.n_accounts:,} accounts posted)"
)
print(f"cluster sizes (largest first): {sizes}")

print("\n" + result.summary(top=TOP))
top = result.cluster_scores.sort("score", descending=True, nulls_last=True).head(TOP)
for row in top.iter_rows(named=True):
    print(f"\n-- cluster {row['cluster_id']} ({row['size']} accounts, score {row['score']:.3f})")
    print(row["evidence"])

start = time.perf_counter()
paths = result.write(OUT, posts=posts)
print(f"\nwrote {len(paths)} files to {OUT}/ in {time.perf_counter() - start:.1f} s")
