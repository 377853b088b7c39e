"""How :func:`cib_detect.detect` runs its key traces: on posts in memory, or in chunks.

Both runners answer the same three questions, so ``detect`` does not care where the
posts are: the edges of a trace with their p-values (:meth:`edges`), the co-actions
behind chosen account pairs (:meth:`events`) and columns of chosen posts
(:meth:`lookup`). :class:`ChunkedTraces` runs each trace over key-partitioned chunks
(:mod:`cib_detect.chunked`) in three passes: pair statistics and key uses; the null
model's expectation table, which needs the key uses of the whole data; the evidence.
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import partial

import numpy as np
import polars as pl

from cib_detect import chunked
from cib_detect.encode import encode_keyed, indexed_posts
from cib_detect.graph.significance import (
    edge_pvalues,
    expected_table,
    key_trace_pvalues,
    partner_grid,
)
from cib_detect.traces.co_action import (
    TraceData,
    encode_trace,
    label_pairs,
    pair_events,
    pair_stats_frame,
    report_capped,
)
from cib_detect.traces.keys import KEY_TRACES, MULTI_KEY_TRACES

__all__ = ["ChunkedTraces", "MemoryTraces"]

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


def _labelled_events(data: TraceData, codes: pl.DataFrame, window_us: int) -> pl.DataFrame:
    events = pair_events(data, codes, window_us)
    key = data.encoded.keys.gather(events["group"]).cast(pl.String).alias("key")
    return events.with_columns(key).select(list(_EVENT_SCHEMA)).cast(_EVENT_SCHEMA)


class MemoryTraces:
    """Traces of a posts DataFrame held in memory."""

    def __init__(self, posts: pl.DataFrame, window_us: int, max_key_posts, function: str):
        self.posts = posts
        self.window_us = window_us
        self.max_key_posts = max_key_posts
        self.function = function
        self.indexed = indexed_posts(posts)
        self.account_ids = self.indexed[1]
        self.data: dict[str, TraceData] = {}

    def edges(self, trace: str) -> pl.DataFrame:
        """Edges of ``trace`` with two or more co-actions, with ``p_value``."""
        data = encode_trace(
            self.posts,
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
        return _labelled_events(self.data[trace], codes, self.window_us)

    def lookup(self, rows, columns) -> pl.DataFrame:
        """``columns`` of the posts at ``rows``, in that order."""
        return self.posts.select(columns)[pl.Series(rows)]


# -- chunk work: module-level functions, so that Dask can ship them to workers -------------


def _chunk_stats(rows, *, n_accounts, window_us, multi, max_key_posts):
    return chunked.chunk_pair_stats(
        rows, n_accounts, window_us, dedupe=multi, max_key_posts=max_key_posts
    )[1]


def _table_rows(rows, *, n_accounts, window_us, multi, max_key_posts, grid, total, tested):
    encoded = encode_keyed(rows, max_key_posts=max_key_posts, dedupe=multi)
    return expected_table(encoded, n_accounts, window_us, grid, total)[tested]


def _chunk_events(rows, *, account_ids, window_us, multi, max_key_posts, codes):
    encoded = encode_keyed(rows, max_key_posts=max_key_posts, dedupe=multi)
    data = TraceData("", encoded, account_ids, pl.Series(dtype=pl.String))
    return _labelled_events(data, codes, window_us)


class ChunkedTraces:
    """Traces run chunk by chunk over key-partitioned posts.

    ``open_chunks(trace)`` returns a context manager yielding the chunks of one trace
    (an object whose ``map(work)`` runs ``work(rows)`` on each chunk); they stay open in
    ``stack`` until ``detect`` is done with the evidence.
    """

    def __init__(
        self,
        posts: pl.LazyFrame,
        account_ids: pl.Series,
        open_chunks,
        stack: ExitStack,
        window_us: int,
        max_key_posts,
    ):
        self.posts = posts
        self.account_ids = account_ids
        self.open_chunks = open_chunks
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
        chunks = self.stack.enter_context(self.open_chunks(trace))
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
            _chunk_events, account_ids=self.account_ids, codes=codes, **self._options(trace)
        )
        return _concat(self.chunks[trace].map(work), schema=_EVENT_SCHEMA)

    def lookup(self, rows, columns) -> pl.DataFrame:
        """As :meth:`MemoryTraces.lookup`, by one streaming pass over the posts."""
        wanted = pl.DataFrame({"post_row": np.asarray(rows, dtype=np.int64)}).with_row_index(
            "order"
        )
        found = (
            self.posts.with_row_index("post_row")
            .with_columns(pl.col("post_row").cast(pl.Int64))
            .join(wanted.lazy(), on="post_row", how="inner")
            .select("order", *columns)
            .collect(engine="streaming")
        )
        return found.sort("order").drop("order")


def _concat(frames, schema) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def chunked_traces(posts: pl.LazyFrame, *, n_chunks: int, spill_dir, stack, window_us,
                   max_key_posts) -> ChunkedTraces:  # fmt: skip
    """:class:`ChunkedTraces` over a parquet spill on this machine."""
    frame, account_ids = indexed_posts(posts)
    columns = posts.collect_schema().names()

    def open_chunks(trace: str):
        keyed = KEY_TRACES[trace](frame, columns)
        return chunked.local_chunks(
            keyed, n_chunks, multi=trace in MULTI_KEY_TRACES, spill_dir=spill_dir
        )

    return ChunkedTraces(posts, account_ids, open_chunks, stack, window_us, max_key_posts)
