"""TikTok: Research API videos -> detect -> the planted campaign, its sounds and hashtags, report.

The fixture (``tests/data/tiktok_videos.jsonl``, written by
``tests/data/make_platform_fixtures.py``) holds 100 organic accounts and one undisclosed
campaign of 8 accounts registered in GB, US and DE that ride a trending sound and topic
hashtag twice a working day for four weeks, posting within seconds of each other on
Beijing office hours and falling silent over China's Labour Day holiday: its evidence names
the sounds, the hashtags, the claimed regions and the clock. Run from the repository root:
``python examples/platform_tiktok.py [OUT_DIR]``.
"""

import sys

import polars as pl

import cib_detect as cd

SOURCE = "tests/data/tiktok_videos.jsonl"
out = sys.argv[1] if len(sys.argv) > 1 else "out/tiktok"

posts = cd.read_posts(SOURCE, format="tiktok")  # music_id -> sound_id, effect_ids, ...
accounts = cd.read_accounts(SOURCE, format="tiktok")  # region_code -> location
result = cd.detect(posts, accounts)  # co_sound and co_effect run where the posts have them
print(result.summary(top=3))

for cluster in result.cluster_scores.iter_rows(named=True):
    members = result.clusters.filter(pl.col("cluster_id") == cluster["cluster_id"])
    print(f"\ncluster {cluster['cluster_id']}: {', '.join(sorted(members['account_id']))}")
    print(f"undisclosed {cluster['undisclosed']:.2f}; {cluster['evidence']}")
    # what its accounts shared, trace by trace: the sounds and the hashtags
    inside = result.edges.filter(
        pl.col("account_a").is_in(members["account_id"].implode())
        & pl.col("account_b").is_in(members["account_id"].implode())
    )
    for trace in ("co_sound", "co_hashtag"):
        shared = cd.co_action_evidence(posts, trace=trace, pairs=inside)
        top = (
            shared.group_by("key")
            .agg(pl.len().alias("co_actions"))
            .sort("co_actions", "key", descending=[True, False])
        )
        print(f"  {trace}: {top.height} keys, e.g. {', '.join(top['key'].head(6))}")

paths = result.write(out, posts=posts)  # tables, graph, report.html, detection.json
print(f"\nwrote {len(paths)} files to {out} (open {out}/report.html)")
