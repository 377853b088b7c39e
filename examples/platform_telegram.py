"""Telegram: two channels' desktop exports (result.json) -> forwards as reposts -> report.

A directory of exports reads as one table; a forward's source and text make its
``repost_of``, so two channels forwarding one message co-repost. Run from the repository
root: ``python examples/platform_telegram.py [OUT_DIR]``.
"""

import sys

import cib_detect as cd

out = sys.argv[1] if len(sys.argv) > 1 else "out/telegram"

posts = cd.read_posts("tests/data/telegram")  # every result.json below, format="telegram"
accounts = cd.read_accounts("tests/data/telegram", format="telegram")
print(posts.select("post_id", "account_id", "timestamp", "repost_of", "reply_to", "urls"))

forwards = cd.co_action_edges(posts, trace="co_repost", window="60s")
print("channels forwarding the same message within a minute:")
print(forwards.select("account_a", "account_b", "n_coactions", "min_dt"))

result = cd.detect(posts, accounts)
print(result.summary())
paths = result.write(out, posts=posts)
print(f"wrote {len(paths)} files to {out}")
