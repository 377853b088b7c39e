"""The tables every trace returns: edges, evidence, and account-pair statistics by code."""

from __future__ import annotations

import numpy as np
import polars as pl

from cib_detect import _config

__all__ = ["EDGE_SCHEMA", "EVIDENCE_SCHEMA", "PARTIAL_SCHEMA", "label_pairs"]

#: Columns of the edge table returned by :func:`cib_detect.co_action_edges`.
EDGE_SCHEMA = {
    "account_a": pl.String,
    "account_b": pl.String,
    "n_coactions": pl.Int64,
    "n_keys": pl.Int64,
    "n_posts_a": pl.Int64,
    "n_posts_b": pl.Int64,
    "min_dt": pl.Float64,
    "mean_dt": pl.Float64,
}

#: Columns of the evidence table returned by :func:`cib_detect.co_action_evidence`.
EVIDENCE_SCHEMA = {
    "account_a": pl.String,
    "account_b": pl.String,
    "post_a": pl.String,
    "post_b": pl.String,
    "key": pl.String,
    "timestamp_a": pl.Datetime("us", "UTC"),
    "timestamp_b": pl.Datetime("us", "UTC"),
    "dt": pl.Float64,
}

#: Account-pair statistics by account code, as the kernels give them (times in
#: microseconds); one chunk's part of them, or their total.
PARTIAL_SCHEMA = {
    "code_a": pl.Int64,
    "code_b": pl.Int64,
    "n_coactions": pl.Int64,
    "n_keys": pl.Int64,
    "n_posts_a": pl.Int64,
    "n_posts_b": pl.Int64,
    "min_dt": pl.Int64,
    "sum_dt": pl.Int64,
}


def label_pairs(stats: pl.DataFrame | None, account_ids: pl.Series) -> pl.DataFrame:
    """Account-pair statistics by code (:data:`PARTIAL_SCHEMA`) as an edge table
    (:data:`EDGE_SCHEMA`): account ids for codes, seconds for microseconds.

    Examples
    --------
    >>> stats = pl.DataFrame({"code_a": [0], "code_b": [1], "n_coactions": [2], "n_keys": [1],
    ...     "n_posts_a": [1], "n_posts_b": [2], "min_dt": [1_000_000], "sum_dt": [3_000_000]},
    ...     schema=PARTIAL_SCHEMA)
    >>> label_pairs(stats, pl.Series(["a", "b"])).row(0)
    ('a', 'b', 2, 1, 1, 2, 1.0, 1.5)
    """
    if stats is None or stats.height == 0:
        return pl.DataFrame(schema=EDGE_SCHEMA)
    n_co = stats.get_column("n_coactions").to_numpy()
    return pl.DataFrame(
        {
            "account_a": account_ids.gather(stats.get_column("code_a")),
            "account_b": account_ids.gather(stats.get_column("code_b")),
            "n_coactions": n_co,
            "n_keys": stats.get_column("n_keys"),
            "n_posts_a": stats.get_column("n_posts_a"),
            "n_posts_b": stats.get_column("n_posts_b"),
            "min_dt": stats.get_column("min_dt").to_numpy() / _config.MICROSECONDS,
            "mean_dt": stats.get_column("sum_dt").to_numpy()
            / np.maximum(n_co, 1)
            / _config.MICROSECONDS,
        },
        schema=EDGE_SCHEMA,
    )
