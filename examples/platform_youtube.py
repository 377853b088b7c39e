"""YouTube comments: Data API commentThreads and a flat comments CSV whose reply and URL
columns are empty for most rows -> detect -> report.

A reply answers its parent comment, a top-level comment the video. Run from the repository
root: ``python examples/platform_youtube.py [OUT_DIR]``.
"""

import sys

import cib_detect as cd

out = sys.argv[1] if len(sys.argv) > 1 else "out/youtube"

threads = cd.read_posts("tests/data/youtube_comment_threads.json")  # format="youtube"
flat = cd.read_posts("tests/data/youtube_comments.csv")  # empty isReplyTo, empty urls: fine
print(threads.select("post_id", "account_id", "reply_to", "video_id"))
print(flat.select("post_id", "account_id", "reply_to", "urls"))

accounts = cd.read_accounts("tests/data/youtube_comment_threads.json", format="youtube")
result = cd.detect(threads, accounts)  # co_reply: commenting on the same video or comment
print(result.summary())
paths = result.write(out, posts=threads)
print(f"wrote {len(paths)} files to {out}")
