"""Fusion: one account graph over every trace, keeping each trace's columns.

Each trace tests a pair of accounts on its own null model (``p_value`` per trace, see
:mod:`cib_detect.graph.significance`). The fused p-value combines them with Simes'
method: ``p = min_i T * p_(i) / i`` over the ``T`` traces computed (a trace on which the
pair never co-acted counts as ``p = 1``). Simes' test is valid when the traces are
positively dependent (Sarkar 2008), as co_url and co_domain are; Fisher's method,
which assumes independence, would overstate the evidence of traces that see the same
posts twice. Benjamini-Hochberg q-values are then computed over the fused edges that were
tested (``p_value < 1``; a pair below the selection threshold of every trace is not a
test and gets ``q_value`` 1).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cib_detect.graph.significance import bh_qvalues

__all__ = ["PER_TRACE_COLUMNS", "fuse"]

#: Columns of every trace's edge table that the fused table keeps, as ``{trace}_{name}``.
PER_TRACE_COLUMNS = ("n_coactions", "n_keys", "min_dt", "mean_dt", "expected_keys", "p_value")

# -log10 of the smallest p-value a float64 holds; fused weights are capped there.
_MAX_WEIGHT = 300.0


def fuse(per_trace: dict[str, pl.DataFrame], *, significant_p: float = 0.01) -> pl.DataFrame:
    """Combine per-trace edge tables into one fused edge table.

    Parameters
    ----------
    per_trace : dict of str to polars.DataFrame
        Edge tables with p-values (``account_a``, ``account_b``, ``p_value`` and the
        :data:`PER_TRACE_COLUMNS` that exist), one per trace that was computed.
    significant_p : float
        Per-trace p-value below which a trace counts in ``n_significant_traces``.

    Returns
    -------
    polars.DataFrame
        One row per account pair: ``account_a``, ``account_b``, ``weight``
        (``-log10 p_value``, capped at 300), ``p_value`` (Simes), ``q_value``
        (Benjamini-Hochberg), ``n_traces`` (traces with a co-action),
        ``n_significant_traces``, ``n_coactions`` (all traces), ``min_dt`` (seconds, all
        traces), ``traces`` (names, comma-separated, most significant first) and
        ``{trace}_{column}`` for every trace and kept column (null where the pair did not
        co-act on the trace). Sorted by ``p_value`` then pair.

    Examples
    --------
    >>> import polars as pl
    >>> a = pl.DataFrame({"account_a": ["x"], "account_b": ["y"], "n_coactions": [5],
    ...                   "min_dt": [1.0], "p_value": [0.001]})
    >>> b = pl.DataFrame({"account_a": ["x", "x"], "account_b": ["y", "z"], "n_coactions": [2, 1],
    ...                   "min_dt": [3.0, 9.0], "p_value": [0.004, 1.0]})
    >>> fused = fuse({"co_repost": a, "co_url": b})
    >>> fused.select("account_a", "account_b", "p_value", "n_traces", "traces").rows()
    [('x', 'y', 0.002, 2, 'co_repost,co_url'), ('x', 'z', 1.0, 1, 'co_url')]
    """
    n_traces = len(per_trace)
    key = ["account_a", "account_b"]
    if n_traces == 0:
        return pl.DataFrame(schema={"account_a": pl.String, "account_b": pl.String})
    long = pl.concat(
        [
            edges.select(
                *key,
                pl.lit(trace).alias("trace"),
                *[
                    pl.col(c).cast(pl.Float64)
                    for c in PER_TRACE_COLUMNS
                    if c in edges.columns and c != "p_value"
                ],
                pl.col("p_value").cast(pl.Float64),
            )
            for trace, edges in per_trace.items()
        ],
        how="diagonal",
    )
    # Integer pair ids and one global sort make the per-pair work vectorised.
    pair_ids = long.group_by(key).agg().with_row_index("pair")
    long = long.join(pair_ids, on=key).sort("pair", "p_value", "trace")
    pair = long.get_column("pair").to_numpy()
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    rank = np.arange(len(pair)) - np.repeat(starts, np.diff(np.r_[starts, len(pair)])) + 1
    simes = (
        np.minimum.reduceat(n_traces * long.get_column("p_value").to_numpy() / rank, starts)
        if len(pair)
        else np.empty(0)  # no trace found a pair: reduceat takes no empty input
    )
    fused = long.group_by("pair", maintain_order=True).agg(
        pl.first("account_a"),
        pl.first("account_b"),
        pl.len().cast(pl.Int64).alias("n_traces"),
        (pl.col("p_value") < significant_p).sum().cast(pl.Int64).alias("n_significant_traces"),
        pl.col("n_coactions").sum().cast(pl.Int64).alias("n_coactions"),
        pl.col("min_dt").min().alias("min_dt"),
        pl.col("trace").str.join(",").alias("traces"),
    )
    fused = fused.with_columns(pl.Series("p_value", np.minimum(simes, 1.0))).drop("pair")
    for trace, edges in per_trace.items():
        kept = [c for c in PER_TRACE_COLUMNS if c in edges.columns]
        fused = fused.join(
            edges.select(*key, *(pl.col(c).alias(f"{trace}_{c}") for c in kept)),
            on=key,
            how="left",
        )
    p = fused.get_column("p_value").to_numpy()
    weight = np.minimum(-np.log10(np.maximum(p, 1e-300)), _MAX_WEIGHT)
    tested = p < 1.0
    q = np.ones_like(p)
    q[tested] = bh_qvalues(p[tested])
    return (
        fused.with_columns(pl.Series("weight", weight), pl.Series("q_value", q))
        .select(
            *key,
            "weight",
            "p_value",
            "q_value",
            "n_traces",
            "n_significant_traces",
            "n_coactions",
            "min_dt",
            "traces",
            *sorted(c for c in fused.columns if _is_trace_col(c, per_trace)),
        )
        .sort("p_value", *key)
    )


def _is_trace_col(column: str, per_trace) -> bool:
    return any(column.startswith(f"{trace}_") for trace in per_trace)
