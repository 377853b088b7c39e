"""X (Twitter) API v2: raw responses with includes, and twarc2's CSV -> detect -> report.

Accounts come from the responses' ``includes.users`` (a government's grey check becomes
the label "government organization"). Run from the repository root:
``python examples/platform_x.py [OUT_DIR]``.
"""

import sys

import cib_detect as cd

out = sys.argv[1] if len(sys.argv) > 1 else "out/x"

posts = cd.read_posts("tests/data/twitter_v2_responses.jsonl")  # format="twitter_v2", sniffed
accounts = cd.read_accounts("tests/data/twitter_v2_responses.jsonl", format="twitter_v2")
print(posts.select("post_id", "account_id", "repost_of", "reply_to", "hashtags", "urls"))
print(accounts.select("account_id", "username", "label", "followers"))

# twarc2 csv of the same tweets reads to the same canonical columns
csv = cd.read_posts("tests/data/twarc2.csv")  # format="twarc_csv", sniffed
print(f"twarc2 csv: {csv.height} posts, same ids: {set(csv['post_id']) == set(posts['post_id'])}")

# three tweets show the mapping, not coordination: detect says what it could test and why
# there is no cluster, and still writes every table and the report
result = cd.detect(posts, accounts, seed_accounts=["1001"])
print(result.summary())
paths = result.write(out, posts=posts)
print(f"wrote {len(paths)} files to {out}")
