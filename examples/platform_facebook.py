"""Facebook link shares: CrowdTangle (API / CooRnet, dashboard CSV) and Meta Content Library.

The same two link shares in the CrowdTangle layouts, and Meta Content Library posts, read
to the canonical columns; co_url on them is coordinated link sharing (Giglietto et al.
2020). Run from the repository root: ``python examples/platform_facebook.py [OUT_DIR]``.
"""

import sys

import polars as pl

import cib_detect as cd

out = sys.argv[1] if len(sys.argv) > 1 else "out/facebook"

api = cd.read_posts("tests/data/crowdtangle_api.csv")  # format="crowdtangle", sniffed
dashboard = cd.read_posts("tests/data/crowdtangle_dashboard.csv")  # EST/CET -> UTC
library = cd.read_posts("tests/data/meta_content_library.jsonl")  # "meta_content_library"
print(api.select("post_id", "account_id", "timestamp", "urls"))
print(dashboard.select("post_id", "account_id", "timestamp", "urls"))
print(library.select("post_id", "account_id", "timestamp", "urls", "account_type"))

shares = cd.co_action_edges(api, trace="co_url", window="60s")
print("pages sharing the same link within a minute:")
print(shares.select("account_a", "account_b", "n_coactions", "min_dt"))

posts = pl.concat([api, library], how="diagonal_relaxed")
accounts = cd.read_accounts("tests/data/crowdtangle_api.csv", format="crowdtangle")
result = cd.detect(posts, accounts)
print(result.summary())
paths = result.write(out, posts=posts)
print(f"wrote {len(paths)} files to {out}")
