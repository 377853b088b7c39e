"""Where :func:`cib_detect.detect` reads posts and runs its key traces.

A *posts source* answers what ``detect`` needs of the posts besides the traces: their
columns and account ids, whether times have minute resolution, chosen rows (for the
evidence) and, streamed or on Dask, the posts of chosen accounts and the narrative's
background counts (for the scores). :class:`MemoryPosts` holds a DataFrame,
:class:`LazyPosts` scans a parquet file or LazyFrame, ``cib_detect.dask_backend.DaskPosts``
keeps them on a Dask cluster.

A *trace runner* gives the edges of a trace with their p-values (:meth:`edges`) and the
co-actions behind chosen account pairs (:meth:`events`). :class:`MemoryTraces` runs on a
DataFrame; :class:`ChunkedTraces` runs each trace over key-partitioned chunks
(:mod:`cib_detect.chunked`, on this machine or on Dask) in three passes: pair statistics
and key uses; the null model's expectation table, which needs the key uses of the whole
data; the evidence.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from functools import partial

import numpy as np
import polars as pl

from cib_detect import _config, chunked
from cib_detect.encode import encode_keyed, indexed_posts
from cib_detect.graph.significance import (
    edge_pvalues,
    expected_table,
    key_trace_pvalues,
    partner_grid,
)
from cib_detect.score.government import narrative_background
from cib_detect.traces.co_action import (
    TraceData,
    encode_trace,
    label_pairs,
    pair_events,
    pair_stats_frame,
    report_capped,
)
from cib_detect.traces.keys import MULTI_KEY_TRACES

__all__ = ["ChunkedTraces", "LazyPosts", "MemoryPosts", "MemoryTraces"]

# A pair needs two co-actions to be significant (one shared key has p = 1), so single
# co-actions are never kept.
_MIN_COACTIONS = 2

_EVENT_SCHEMA = {
    "code_a": pl.Int64,
    "code_b": pl.Int64,
    "post_a": pl.Int64,
    "post_b": pl.Int64,
    "key": pl.String,
    "time_a": pl.Int64,
    "time_b": pl.Int64,
}


def off_minute_counts(frame: pl.DataFrame | pl.LazyFrame) -> tuple[int, int]:
    """Posts, and posts whose time is not on a whole minute (streamed when lazy)."""
    minute = 60 * _config.MICROSECONDS
    off_minute = (pl.col("timestamp").dt.epoch("us") % minute != 0).sum()
    return frame.lazy().select(pl.len(), off_minute).collect(engine="streaming").row(0)


def _on_minutes(frame: pl.DataFrame | pl.LazyFrame) -> bool:
    n, off = off_minute_counts(frame)
    return n > 0 and off == 0


class MemoryPosts:
    """Posts held in memory."""

    def __init__(self, posts: pl.DataFrame) -> None:
        self.frame = posts
        self.columns = posts.columns
        self.height = posts.height

    def minute_resolution(self) -> bool:
        """True when every timestamp falls on a whole minute (archive data)."""
        return _on_minutes(self.frame)

    def lookup(self, rows, columns) -> pl.DataFrame:
        """``columns`` of the posts at ``rows``, in that order."""
        return self.frame.select(columns)[pl.Series(rows)]


class LazyPosts:
    """Posts scanned from a parquet file or directory, or a LazyFrame."""

    def __init__(self, posts: pl.LazyFrame, *, spill_dir=None) -> None:
        self.frame = posts
        self.spill_dir = spill_dir
        self.columns = posts.collect_schema().names()
        self.indexed = indexed_posts(posts)
        self.account_ids = self.indexed[1]
        self.height = posts.select(pl.len()).collect(engine="streaming").item()

    def minute_resolution(self) -> bool:
        """True when every timestamp falls on a whole minute (archive data)."""
        return _on_minutes(self.frame)

    def lookup(self, rows, columns) -> pl.DataFrame:
        """``columns`` of the posts at ``rows``, in that order: one streaming pass."""
        wanted = pl.DataFrame({"post_row": np.asarray(rows, dtype=np.int64)}).with_row_index(
            "order"
        )
        found = (
            self.frame.with_row_index("post_row")
            .with_columns(pl.col("post_row").cast(pl.Int64))
            .join(wanted.lazy(), on="post_row", how="inner")
            .select("order", *columns)
            .collect(engine="streaming")
        )
        return found.sort("order").drop("order")

    def collect(self, columns, *, accounts) -> pl.DataFrame:
        """``columns`` of the posts of ``accounts``, loaded (streaming scan)."""
        mine = pl.col("account_id").is_in(sorted(accounts))
        return self.frame.filter(mine).select(columns).collect(engine="streaming")

    def narrative_background(self, excluded) -> tuple[pl.DataFrame, int]:
        """:func:`cib_detect.score.government.narrative_background`, streamed."""
        return narrative_background(self.frame, excluded)

    @contextmanager
    def chunks(self, trace: str, *, n_chunks: int):
        """The chunks of ``trace`` (:func:`cib_detect.chunked.trace_chunks`), spilled
        under ``spill_dir``."""
        with chunked.trace_chunks(
            self.frame, trace, n_chunks=n_chunks, spill_dir=self.spill_dir, indexed=self.indexed
        ) as (chunks, _):
            yield chunks


class MemoryTraces:
    """Traces of posts held in memory."""

    def __init__(self, posts: MemoryPosts, window_us: int, max_key_posts, function: str):
        self.posts = posts
        self.window_us = window_us
        self.max_key_posts = max_key_posts
        self.function = function
        self.indexed = indexed_posts(posts.frame)
        self.account_ids = self.indexed[1]
        self.data: dict[str, TraceData] = {}

    def edges(self, trace: str) -> pl.DataFrame:
        """Edges of ``trace`` with two or more co-actions, with ``p_value``."""
        data = encode_trace(
            self.posts.frame,
            trace,
            max_key_posts=self.max_key_posts,
            function=self.function,
            indexed=self.indexed,
        )
        self.data[trace] = data
        edges = pair_stats_frame(data, self.window_us, min_coactions=_MIN_COACTIONS)
        return key_trace_pvalues(data, edges, self.window_us)

    def events(self, trace: str, codes: pl.DataFrame) -> pl.DataFrame:
        """Co-actions of the account pairs ``codes`` (``code_a < code_b``) on ``trace``;
        ``post_*`` are post rows, ``key`` the trace key as text."""
        encoded = self.data[trace].encoded
        return pair_events(encoded, len(self.account_ids), codes, self.window_us)


# -- chunk work: module-level functions, so that Dask can ship them to workers -------------


def _chunk_stats(rows, *, n_accounts, window_us, multi, max_key_posts):
    return chunked.chunk_pair_stats(
        rows, n_accounts, window_us, dedupe=multi, max_key_posts=max_key_posts
    )[1]


def _table_rows(rows, *, n_accounts, window_us, multi, max_key_posts, grid, total, tested):
    encoded = encode_keyed(rows, max_key_posts=max_key_posts, dedupe=multi)
    return expected_table(encoded, n_accounts, window_us, grid, total)[tested]


def _chunk_events(rows, *, n_accounts, window_us, multi, max_key_posts, codes):
    encoded = encode_keyed(rows, max_key_posts=max_key_posts, dedupe=multi)
    return pair_events(encoded, n_accounts, codes, window_us).cast(_EVENT_SCHEMA)


class ChunkedTraces:
    """Traces run chunk by chunk over key-partitioned posts.

    ``posts.chunks(trace, n_chunks=...)`` is a context manager yielding the chunks of one
    trace (an object whose ``map(work)`` runs ``work(rows)`` on each chunk and whose
    ``pair_totals`` adds their pair statistics up); they stay open in ``stack`` until
    ``detect`` is done with the evidence.
    """

    def __init__(self, posts, n_chunks, stack: ExitStack, window_us: int, max_key_posts) -> None:
        self.posts = posts
        self.account_ids = posts.account_ids
        self.n_chunks = n_chunks
        self.stack = stack
        self.window_us = window_us
        self.max_key_posts = max_key_posts
        self.chunks: dict[str, object] = {}

    def _options(self, trace: str) -> dict:
        return {
            "window_us": self.window_us,
            "multi": trace in MULTI_KEY_TRACES,
            "max_key_posts": self.max_key_posts,
        }

    def edges(self, trace: str) -> pl.DataFrame:
        """As :meth:`MemoryTraces.edges`, in three passes over the chunks."""
        chunks = self.stack.enter_context(self.posts.chunks(trace, n_chunks=self.n_chunks))
        self.chunks[trace] = chunks
        n_accounts = len(self.account_ids)
        options = self._options(trace)
        totals = chunks.pair_totals(
            partial(_chunk_stats, n_accounts=n_accounts, **options),
            n_accounts,
            min_coactions=_MIN_COACTIONS,
        )
        report_capped(trace, totals.capped, self.max_key_posts)
        combined, uses = totals.edges, totals.uses
        edges = label_pairs(combined, self.account_ids)
        if edges.height == 0:
            return edges.with_columns(
                pl.lit(None, pl.Float64).alias("expected_keys"),
                pl.lit(None, pl.Float64).alias("p_value"),
            )
        code_a, code_b = combined["code_a"].to_numpy(), combined["code_b"].to_numpy()
        tested = np.union1d(code_a, code_b)
        grid = partner_grid(uses)
        work = partial(
            _table_rows,
            n_accounts=n_accounts,
            grid=grid,
            total=float(uses.sum()),
            tested=tested,
            **options,
        )
        table = sum(chunks.map(work))
        at_a, at_b = np.searchsorted(tested, code_a), np.searchsorted(tested, code_b)
        return edge_pvalues(edges, at_a, at_b, table, uses[tested], grid)

    def events(self, trace: str, codes: pl.DataFrame) -> pl.DataFrame:
        """As :meth:`MemoryTraces.events`, gathered from every chunk."""
        work = partial(
            _chunk_events,
            n_accounts=len(self.account_ids),
            codes=codes,
            **self._options(trace),
        )
        return _concat(self.chunks[trace].map(work), schema=_EVENT_SCHEMA)


def _concat(frames, schema) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)
