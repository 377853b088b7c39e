"""The null models that give each trace's edges p-values, by name.

A trace names its null model in its declaration (:mod:`cib_detect.traces.registry`); the
engine looks it up here. Each model takes the trace's chunks (one in memory; see
:class:`cib_detect.engine.protocols.Chunks`), their added-up pair statistics and the edge
table, and returns the edges with ``expected_keys`` and ``p_value``.

- ``"key_popularity"`` (every key trace): accounts keep their own activity, a partner's
  keys are drawn by key popularity and a key's post times by its own life cycle
  (:mod:`cib_detect.graph.significance` has the model, its statistic and its limits). Its
  expectation table is a sum over keys, so it is summed over the chunks.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import polars as pl

from cib_detect.graph.significance import edge_pvalues, expected_table, partner_grid

__all__ = ["NULL_MODELS", "key_popularity_pvalues"]


def _table_rows(chunk, *, n_accounts, window_us, grid, total, tested) -> np.ndarray:
    # module level: Dask ships it to the workers
    return expected_table(chunk.encoded, n_accounts, window_us, grid, total)[tested]


def key_popularity_pvalues(chunks, totals, edges: pl.DataFrame, window_us: int) -> pl.DataFrame:
    """``edges`` of a key trace with ``expected_keys`` and ``p_value``.

    Parameters
    ----------
    chunks : cib_detect.engine.protocols.Chunks
        The trace's chunks (their key uses and times make the expectation).
    totals : cib_detect.engine.pair_stats.Totals
        Their pair statistics added up (by code, aligned with ``edges``) and key uses.
    edges : polars.DataFrame
        The labelled edge table of ``totals.edges``.
    window_us : int
        The co-action window in microseconds.
    """
    if edges.height == 0:
        return edges.with_columns(
            pl.lit(None, pl.Float64).alias("expected_keys"),
            pl.lit(None, pl.Float64).alias("p_value"),
        )
    uses = totals.uses
    code_a = totals.edges.get_column("code_a").to_numpy()
    code_b = totals.edges.get_column("code_b").to_numpy()
    tested = np.union1d(code_a, code_b)
    grid = partner_grid(uses)
    work = partial(
        _table_rows,
        n_accounts=len(uses),
        window_us=window_us,
        grid=grid,
        total=float(uses.sum()),
        tested=tested,
    )
    table = sum(chunks.map(work))
    at_a, at_b = np.searchsorted(tested, code_a), np.searchsorted(tested, code_b)
    return edge_pvalues(edges, at_a, at_b, table, uses[tested], grid)


#: Null models by the name a trace declares.
NULL_MODELS = {"key_popularity": key_popularity_pvalues}
