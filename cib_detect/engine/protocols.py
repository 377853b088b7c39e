"""What the engine's runner needs of the posts and of a trace's chunks, in every mode.

In memory, streamed from parquet (``n_chunks``) or on Dask, the same runner
(:class:`cib_detect.engine.runner.TraceRunner`) drives the same chunk work; only these two
objects differ. The implementations: :mod:`cib_detect.engine.memory`,
:mod:`cib_detect.engine.spill` and :mod:`cib_detect.engine.dask`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

import polars as pl

from cib_detect.engine.pair_stats import Chunk, Totals
from cib_detect.traces.registry import Trace

T = TypeVar("T")

__all__ = ["Chunks", "PostsSource"]


class Chunks(Protocol):
    """The key-partitioned chunks of one key trace (one chunk in memory)."""

    #: Sorted distinct account ids; an account's code is its index.
    account_ids: pl.Series

    def map(self, work: Callable[[Chunk], T]) -> list[T]:
        """``work(chunk)`` for every non-empty chunk, in chunk order. On Dask ``work`` runs
        on the workers: it must be picklable and capture little (counts, not ids)."""
        ...

    def pair_totals(self, window_us: int, *, min_coactions: int) -> Totals:
        """The account-pair statistics of every chunk added up, pairs with fewer than
        ``min_coactions`` co-actions left out, with the capped keys and key uses."""
        ...


class PostsSource(Protocol):
    """Posts as the runner and ``detect`` read them besides the traces."""

    #: Column names of the posts.
    columns: list[str]
    #: Number of posts.
    height: int

    @property
    def account_ids(self) -> pl.Series:
        """Sorted distinct account ids (an account's code is its index)."""
        ...

    def minute_resolution(self) -> bool:
        """True when every timestamp falls on a whole minute (archive data)."""
        ...

    def lookup(self, rows, columns: list[str]) -> pl.DataFrame:
        """``columns`` of the posts at ``rows`` (row numbers), in that order."""
        ...

    def score_posts(
        self, columns: list[str], accounts: Iterable[str], *, background=None
    ) -> tuple[pl.DataFrame, object]:
        """The posts the scores read, and ``background`` counted over the posts.

        In memory: every post, and None (the scores count the background from them).
        Streamed or on Dask: the ``columns`` of the posts of ``accounts`` only, and, when
        ``background`` is given (a callable counting a frame, lazy or not, with a
        ``merge(parts)`` method that adds counts of parts up), its count over all posts.
        """
        ...

    def frame(self, columns: list[str]) -> pl.DataFrame:
        """``columns`` of all posts as one DataFrame, in post order, for the traces that
        compare whole accounts (their edge functions read a few columns of every post)."""
        ...

    def chunks(
        self,
        trace: Trace,
        options: dict,
        *,
        n_chunks: int | None,
        max_key_posts: int | None,
        window_us: int,
    ) -> AbstractContextManager[Chunks]:
        """The chunks of a key trace (its keys with ``options``; ``window_us`` for keys that
        link posts within the window), open while in the block."""
        ...
