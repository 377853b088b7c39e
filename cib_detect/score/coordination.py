"""How strongly each cluster acts together: the ``coordination`` score and its parts.

Each part is in [0, 1] and computed from the cluster's internal backbone edges:

- ``significance``: ``1 - exp(-w / 10)`` for the median fused weight ``w = -log10 p``
  (a median p-value of 1e-10 gives 0.63);
- ``synchrony``: ``exp(-dt / 60)`` for the median smallest gap ``dt`` (seconds) between
  paired posts: a minute apart gives 0.37, seconds apart close to 1;
- ``duplication``: share of internal edges significant on a content trace (identical or
  near-identical text: ``co_text``, ``co_similar_text``);
- ``breadth``: distinct traces significant somewhere in the cluster, over 3 (capped at 1):
  a cluster that reposts, links and writes alike is more than one coincidence;
- ``density``: internal edges over possible pairs.

``coordination`` is their weighted mean (0.35, 0.2, 0.15, 0.15, 0.15): significance
leads because it is the one part calibrated against chance.
"""

from __future__ import annotations

import polars as pl

__all__ = ["CONTENT_TRACES", "cluster_coordination"]

CONTENT_TRACES = ("co_text", "co_similar_text")
_WEIGHTS = {
    "significance": 0.35,
    "synchrony": 0.2,
    "duplication": 0.15,
    "breadth": 0.15,
    "density": 0.15,
}


def internal_edges(edges: pl.DataFrame, clusters: pl.DataFrame) -> pl.DataFrame:
    """Edges whose two accounts are in the same cluster, with its ``cluster_id``."""
    labels = clusters.filter(pl.col("cluster_id") >= 0)
    return (
        edges.join(labels, left_on="account_a", right_on="account_id")
        .join(
            labels.rename({"cluster_id": "cluster_b"}), left_on="account_b", right_on="account_id"
        )
        .filter(pl.col("cluster_id") == pl.col("cluster_b"))
        .drop("cluster_b")
    )


def cluster_coordination(
    edges: pl.DataFrame, clusters: pl.DataFrame, *, significant_p: float = 0.01
) -> pl.DataFrame:
    """Coordination score and its parts for every cluster.

    Parameters
    ----------
    edges : polars.DataFrame
        Backbone edges of the fused table (``weight``, ``min_dt``, ``{trace}_p_value``).
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (-1 = none).
    significant_p : float
        Per-trace p-value under which a trace counts as significant for an edge.

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``size``, ``n_edges``, ``significance``, ``synchrony``,
        ``duplication``, ``breadth``, ``density``, ``coordination``, ``traces``
        (significant traces, most edges first), sorted by ``cluster_id``.

    Examples
    --------
    >>> import polars as pl
    >>> edges = pl.DataFrame({"account_a": ["a", "a", "b"], "account_b": ["b", "c", "c"],
    ...     "weight": [20.0, 20.0, 20.0], "min_dt": [2.0, 2.0, 2.0],
    ...     "co_repost_p_value": [1e-20, 1e-20, 1e-20]})
    >>> clusters = pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, 0]})
    >>> row = cluster_coordination(edges, clusters).row(0, named=True)
    >>> round(row["coordination"], 3), row["density"], row["traces"]
    (0.696, 1.0, 'co_repost')
    """
    trace_p = [c for c in edges.columns if c.endswith("_p_value")]
    traces = [c.removesuffix("_p_value") for c in trace_p]
    inside = internal_edges(edges, clusters)
    sizes = (
        clusters.filter(pl.col("cluster_id") >= 0)
        .group_by("cluster_id")
        .agg(pl.len().cast(pl.Int64).alias("size"))
    )
    significant = {t: (pl.col(f"{t}_p_value") < significant_p).fill_null(False) for t in traces}
    content = [significant[t] for t in CONTENT_TRACES if t in significant]
    per_cluster = inside.group_by("cluster_id").agg(
        pl.len().cast(pl.Int64).alias("n_edges"),
        pl.col("weight").median().alias("median_weight"),
        pl.col("min_dt").median().alias("median_min_dt"),
        (pl.any_horizontal(content) if content else pl.lit(False)).mean().alias("duplication"),
        *[significant[t].sum().alias(f"n_{t}") for t in traces],
    )
    scored = sizes.join(per_cluster, on="cluster_id", how="left").with_columns(
        pl.col("n_edges").fill_null(0),
        (1 - (-pl.col("median_weight").fill_null(0) / 10).exp()).alias("significance"),
        (-pl.col("median_min_dt").fill_null(float("inf")) / 60).exp().alias("synchrony"),
        pl.col("duplication").fill_null(0.0),
        (pl.sum_horizontal([(pl.col(f"n_{t}") > 0).cast(pl.Int64) for t in traces]) / 3)
        .clip(upper_bound=1.0)
        .alias("breadth")
        if traces
        else pl.lit(0.0).alias("breadth"),
        (pl.col("n_edges") / (pl.col("size") * (pl.col("size") - 1) / 2)).alias("density"),
    )
    scored = scored.with_columns(
        pl.sum_horizontal([pl.col(name) * w for name, w in _WEIGHTS.items()]).alias("coordination"),
        _trace_list(traces).alias("traces"),
    )
    return scored.select("cluster_id", "size", "n_edges", *_WEIGHTS, "coordination", "traces").sort(
        "cluster_id"
    )


def _trace_list(traces: list[str]) -> pl.Expr:
    """Names of the traces significant in the cluster, most edges first."""
    if not traces:
        return pl.lit("")
    counts = pl.concat_list([pl.struct(n=pl.col(f"n_{t}"), t=pl.lit(t)) for t in traces])
    by_count = pl.element().sort_by(pl.element().struct.field("n"), descending=True)
    return counts.list.eval(
        by_count.filter(by_count.struct.field("n") > 0).struct.field("t")
    ).list.join(",")
