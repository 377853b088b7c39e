"""Posts held in memory: the one-chunk case of the engine."""

from __future__ import annotations

from contextlib import contextmanager

import polars as pl

from cib_detect import _config
from cib_detect.encode import encode_keyed, indexed_posts
from cib_detect.engine.pair_stats import Chunk, Totals, chunk_pair_stats
from cib_detect.traces.registry import Trace

__all__ = ["MemoryChunks", "MemoryPosts", "off_minute_counts"]


def off_minute_counts(frame: pl.DataFrame | pl.LazyFrame) -> tuple[int, int]:
    """Posts, and posts whose time is not on a whole minute (streamed when lazy)."""
    minute = 60 * _config.MICROSECONDS
    off_minute = (pl.col("timestamp").dt.epoch("us") % minute != 0).sum()
    return frame.lazy().select(pl.len(), off_minute).collect(engine="streaming").row(0)


def on_minutes(frame: pl.DataFrame | pl.LazyFrame) -> bool:
    """True when there are posts and every timestamp falls on a whole minute."""
    n, off = off_minute_counts(frame)
    return n > 0 and off == 0


class MemoryChunks:
    """A whole trace as one chunk: nothing to add up, so ``min_coactions`` applies
    inside the kernel and pairs below it are never materialised."""

    def __init__(self, chunk: Chunk, account_ids: pl.Series) -> None:
        self.chunk = chunk
        self.account_ids = account_ids

    def map(self, work):
        """``[work(chunk)]``."""
        return [work(self.chunk)]

    def pair_totals(self, window_us: int, *, min_coactions: int) -> Totals:
        """The kernel's pair statistics of the one chunk."""
        stats = chunk_pair_stats(
            self.chunk, len(self.account_ids), window_us, min_coactions=min_coactions
        )
        return Totals(stats.edges, stats.capped, stats.uses, stats.n_keys)


class MemoryPosts:
    """Posts held in a DataFrame; account codes are assigned once for every trace."""

    def __init__(self, posts: pl.DataFrame) -> None:
        self.posts = posts
        self.columns = posts.columns
        self.height = posts.height
        self.indexed, self.account_ids = indexed_posts(posts)

    def minute_resolution(self) -> bool:
        """True when every timestamp falls on a whole minute (archive data)."""
        return on_minutes(self.posts)

    def lookup(self, rows, columns) -> pl.DataFrame:
        """``columns`` of the posts at ``rows``, in that order."""
        return self.posts.select(columns)[pl.Series(rows)]

    def score_posts(self, columns, accounts, *, background=None):
        """Every post; the scores count the background from them."""
        return self.posts, None

    def frame(self, columns: list[str]) -> pl.DataFrame:
        """``columns`` of the posts."""
        return self.posts.select(columns)

    @contextmanager
    def chunks(self, trace: Trace, options: dict, *, n_chunks, max_key_posts, window_us):
        """The trace's keys, encoded once, as one chunk."""
        keyed = trace.key_frame(
            self.indexed, self.columns, options, window_us=window_us, max_key_posts=max_key_posts
        )
        encoded = encode_keyed(keyed, max_key_posts=max_key_posts, dedupe=trace.multi_key)
        yield MemoryChunks(Chunk(encoded), self.account_ids)
