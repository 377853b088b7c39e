"""One runner for every trace in every mode: edges, their p-values, the co-actions behind them.

:func:`cib_detect.co_action_edges`, :func:`cib_detect.co_action_evidence` and
:func:`cib_detect.detect` all run traces through :class:`TraceRunner`. For a key trace it
opens the trace's chunks from the posts source (one chunk in memory, spilled chunks with
``n_chunks``, shuffled chunks on Dask), adds their pair statistics up, tests the edges
against the trace's null model and finds the co-actions of chosen pairs, with the same
chunk work in every mode. Similarity and profile traces run their own edge function on
posts in memory.
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import partial

import polars as pl

from cib_detect.engine.pair_stats import EVENT_SCHEMA, merge_capped, pair_events, report_capped
from cib_detect.engine.progress import Progress
from cib_detect.engine.protocols import Chunks, PostsSource
from cib_detect.graph.null_models import NULL_MODELS
from cib_detect.traces.registry import Trace
from cib_detect.traces.tables import label_pairs

__all__ = ["TraceRunner"]


class TraceRunner:
    """Runs traces on one posts source; chunks stay open in ``stack`` until it closes.

    Parameters
    ----------
    source : PostsSource
        Where the posts are (:func:`cib_detect.engine.sources.open_posts`).
    stack : contextlib.ExitStack
        Holds every opened trace's chunks (a spill directory, persisted Dask rows).
    max_key_posts : int or None
        Keys with more posts are left out and reported.
    n_chunks : int or None
        Chunks per key trace (streamed and Dask modes).
    progress : Progress, optional
        Shows the chunks of each trace as they are done (:mod:`cib_detect.engine.progress`).
    """

    def __init__(
        self,
        source: PostsSource,
        stack: ExitStack,
        *,
        max_key_posts,
        n_chunks=None,
        progress: Progress | None = None,
    ) -> None:
        self.source = source
        self.stack = stack
        self.max_key_posts = max_key_posts
        self.n_chunks = n_chunks
        self.progress = progress if progress is not None else Progress(False, desc="")
        self._chunks: dict[str, Chunks] = {}
        #: What each tested trace could test (:meth:`edges` with ``pvalues``), by name.
        self.tests: dict[str, dict] = {}

    def chunks(self, trace: Trace, options: dict, *, window_us: int) -> Chunks:
        """The chunks of a key trace, opened on first use (one set per trace: a trace
        runs with one window)."""
        if trace.name not in self._chunks:
            self._chunks[trace.name] = self.stack.enter_context(
                self.source.chunks(
                    trace,
                    options,
                    n_chunks=self.n_chunks,
                    max_key_posts=self.max_key_posts,
                    window_us=window_us,
                )
            )
        return self._chunks[trace.name]

    def edges(
        self, trace: Trace, options: dict, *, window_us: int, min_coactions: int, pvalues: bool
    ) -> pl.DataFrame:
        """The trace's edge table: pairs with at least ``min_coactions`` co-actions and,
        with ``pvalues``, ``expected_keys`` and ``p_value`` from the trace's null model."""
        if trace.kind != "key":
            edges = trace.edges(
                self.frame(trace),
                window_us=window_us,
                min_weight=min_coactions,
                max_key_posts=self.max_key_posts,
                **options,
            )
            if pvalues:
                self.tests[trace.name] = _what_was_compared(edges)
            return edges
        chunks = self.chunks(trace, options, window_us=window_us)
        with self.progress.chunks(chunks, trace.name):
            totals = chunks.pair_totals(window_us, min_coactions=min_coactions)
        report_capped(trace.name, totals.capped, self.max_key_posts)
        edges = label_pairs(totals.edges, chunks.account_ids)
        if not pvalues:
            return edges
        edges = NULL_MODELS[trace.null_model](chunks, totals, edges, window_us)
        self.tests[trace.name] = _what_was_tested(totals, edges)
        return edges

    def frame(self, trace: Trace) -> pl.DataFrame:
        """The columns of every post that a similarity or profile trace reads."""
        columns = self.source.columns
        read = ["post_id", "account_id", "timestamp", *trace.columns_read(columns)]
        return self.source.frame([c for c in dict.fromkeys(read) if c in columns])

    def explain(self, trace: Trace, options: dict, pairs: pl.DataFrame, *, window_us: int):
        """Evidence of a similarity or profile trace for the id pairs ``pairs``
        (``account_a < account_b``): its evidence function's rows."""
        return trace.evidence(
            self.frame(trace),
            pairs=pairs,
            window_us=window_us,
            max_key_posts=self.max_key_posts,
            **options,
        )

    def events(
        self, trace: Trace, options: dict, codes: pl.DataFrame, *, window_us: int
    ) -> pl.DataFrame:
        """Co-actions of the account pairs ``codes`` (``code_a < code_b``) on a key trace,
        gathered from every chunk (:data:`~cib_detect.engine.pair_stats.EVENT_SCHEMA`)."""
        chunks = self.chunks(trace, options, window_us=window_us)
        work = partial(
            pair_events, n_accounts=len(chunks.account_ids), pairs=codes, window_us=window_us
        )
        frames = [frame for frame in chunks.map(work) if frame.height]
        return pl.concat(frames) if frames else pl.DataFrame(schema=EVENT_SCHEMA)

    def report_capped(self, trace: Trace, options: dict, *, window_us: int) -> None:
        """Warn about the keys of a key trace that ``max_key_posts`` leaves out."""
        capped = self.chunks(trace, options, window_us=window_us).map(_capped)
        report_capped(trace.name, merge_capped(capped), self.max_key_posts)

    def codes(self, trace: Trace, options: dict, pairs: pl.DataFrame, *, window_us: int):
        """Account codes ``code_a``, ``code_b`` of the id pairs ``pairs`` whose accounts
        both have posts (``account_a < account_b``)."""
        ids = self.chunks(trace, options, window_us=window_us).account_ids
        known = pairs.filter(
            pl.col("account_a").is_in(ids.implode()) & pl.col("account_b").is_in(ids.implode())
        )
        return pl.DataFrame(
            {
                "code_a": ids.search_sorted(known["account_a"]),
                "code_b": ids.search_sorted(known["account_b"]),
            },
            schema={"code_a": pl.Int64, "code_b": pl.Int64},
        )


def _capped(chunk) -> pl.DataFrame:
    # module level: Dask ships it to the workers
    return chunk.encoded.capped


def _what_was_compared(edges: pl.DataFrame) -> dict:
    """What a profile trace tested: the accounts of its candidate pairs (it has no keys)."""
    accounts = pl.concat([edges.get_column("account_a"), edges.get_column("account_b")])
    return {
        "accounts": accounts.n_unique(),
        "keys": None,
        "capped_keys": 0,
        "pairs_tested": edges.height,
        "pairs_3_keys": int((edges.get_column("p_value") < 1).sum()),
        "min_p_value": edges.get_column("p_value").min() if edges.height else None,
    }


def _what_was_tested(totals, edges: pl.DataFrame) -> dict:
    """Accounts and keys a trace saw, the pairs it tested and the smallest p-value."""
    shared = edges.select(pl.min_horizontal("n_keys", "n_posts_a", "n_posts_b") >= 3).to_series()
    return {
        "accounts": int((totals.uses > 0).sum()),
        "keys": int(totals.n_keys),
        "capped_keys": totals.capped.height,
        "pairs_tested": edges.height,
        "pairs_3_keys": int(shared.sum()),
        "min_p_value": edges.get_column("p_value").min() if edges.height else None,
    }
