"""Read Twitter/X information-operations archive CSVs (the samples in ../shared/data).

The samples hold random tweets of the Iran, Russia (IRA) and Venezuela releases: good to
see how the archive reader maps the columns (hashed screen names, minute-resolution
``tweet_time``), too sparse to find coordination (random samples destroy co-activity).
Run from the repository root: ``python examples/io_archive.py``.
"""

import time
import warnings
from pathlib import Path

import polars as pl

import cib_detect as cd

SAMPLES = Path("../shared/data/io_archive_samples")

for path in sorted(SAMPLES.glob("*.csv")):
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # real releases repeat a few rows: drop them, counted in a DroppedRowsWarning
        posts = cd.read_posts(path, format="twitter_io", on_duplicate="drop")
        accounts = cd.read_accounts(path, format="twitter_io")  # profiles at the latest tweet
    seconds = time.perf_counter() - start
    for warning in caught:
        print(f"  ({path.name}: {warning.message})")
    span = posts.select(pl.col("timestamp").min().alias("first"), pl.col("timestamp").max())
    print(
        f"{path.name:<22} {posts.height:>6,} posts  {accounts.height:>5,} accounts  "
        f"{span.item(0, 0):%Y-%m-%d} .. {span.item(0, 1):%Y-%m-%d}  ({seconds:.2f} s)"
    )

posts = cd.read_posts(SAMPLES / "russian_unseen.csv", format="twitter_io")
print("\ncanonical columns:", posts.columns)
print(posts.select("post_id", "account_id", "timestamp", "text").head(3))

result = cd.detect(posts)  # minute-resolution times: windows under 60 s are raised to 60 s
print("\n" + result.summary())
for warning in result.warnings:
    print("warning:", warning)
