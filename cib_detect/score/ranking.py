"""Order of clusters for every listing of a result: the summary, the report, the export."""

from __future__ import annotations

import polars as pl

from cib_detect.cluster import NOISE

__all__ = ["clusters_best_first"]


def clusters_best_first(scores: pl.DataFrame) -> pl.DataFrame:
    """Cluster scores without the noise label, by score, then size (both descending),
    then cluster id; NaN sorts above every number in polars, so it counts as missing.

    A frame without a ``cluster_id`` column (no cluster scores at all) gives an empty
    frame.

    Examples
    --------
    >>> import polars as pl
    >>> scores = pl.DataFrame({"cluster_id": [-1, 0, 1, 2], "score": [0.9, 0.2, float("nan"), 0.5]})
    >>> clusters_best_first(scores)["cluster_id"].to_list()
    [2, 0, 1]
    """
    if "cluster_id" not in scores.columns:
        return scores.clear()
    scores = scores.filter(pl.col("cluster_id") != NOISE)
    by = [
        pl.col(c).fill_nan(None) if scores.schema[c].is_float() else pl.col(c)
        for c in ("score", "size")
        if c in scores.columns
    ]
    return scores.sort(
        [*by, "cluster_id"], descending=[*(True for _ in by), False], nulls_last=True
    )
