"""Bluesky: post views, an author feed with reposts and Jetstream events -> detect -> report.

Run from the repository root: ``python examples/platform_bluesky.py [OUT_DIR]``.
"""

import sys

import polars as pl

import cib_detect as cd

out = sys.argv[1] if len(sys.argv) > 1 else "out/bluesky"

views = cd.read_posts("tests/data/bluesky_posts.jsonl")  # format="bluesky", sniffed
feed = cd.read_posts("tests/data/bluesky_feed.json")  # reposts from reason.by become posts
events = cd.read_posts("tests/data/bluesky_jetstream.jsonl")  # only created posts and reposts
posts = pl.concat([views, feed, events], how="diagonal_relaxed").unique(
    "post_id", keep="first", maintain_order=True
)
print(posts.select("post_id", "account_id", "repost_of", "reply_to", "hashtags", "urls"))
accounts = cd.read_accounts("tests/data/bluesky_posts.jsonl", format="bluesky")

result = cd.detect(posts, accounts)  # co_repost, co_reply, co_hashtag, co_url, co_media...
print(result.summary())
paths = result.write(out, posts=posts)
print(f"wrote {len(paths)} files to {out}")
