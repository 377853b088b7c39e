"""Quickstart: synthetic posts with planted campaigns -> detect -> summary, files, report."""

import cib_detect as cd

data = cd.datasets.synthetic(50_000, seed=0)  # or cd.read_posts("tweets.csv")
result = cd.detect(data.posts, data.accounts, window="60s")
print(result.summary())
result.write("out/quickstart", posts=data.posts)  # tables, graph, report.html, detection.json
