"""Disclosure: does a cluster say who is behind it?

``undisclosed`` is the share of a cluster's accounts with no platform disclosure label
(``label`` such as "state-affiliated media" or "government organization") and no
self-declared affiliation in their profile ``description``. Without an accounts table
nothing is known about disclosure and every account counts as undisclosed.
"""

from __future__ import annotations

import polars as pl

__all__ = ["AFFILIATION_PATTERN", "cluster_disclosure"]

#: Self-declared affiliation in a profile (case-insensitive regex).
AFFILIATION_PATTERN = (
    r"(?i)state[- ]?(media|run|owned|affiliated)|government|ministry|embassy|official account"
    r"|consulate|state news agency"
)


def cluster_disclosure(clusters: pl.DataFrame, accounts: pl.DataFrame | None) -> pl.DataFrame:
    """``cluster_id``, ``n_disclosed`` and ``undisclosed`` (share without disclosure).

    Examples
    --------
    >>> import polars as pl
    >>> clusters = pl.DataFrame({"account_id": ["a", "b"], "cluster_id": [0, 0]})
    >>> accounts = pl.DataFrame({"account_id": ["a", "b"],
    ...                          "label": ["state-affiliated media", None]})
    >>> cluster_disclosure(clusters, accounts).row(0)
    (0, 1, 0.5)
    """
    members = clusters.filter(pl.col("cluster_id") >= 0)
    disclosed = pl.lit(False)
    if accounts is not None:
        members = members.join(accounts, on="account_id", how="left")
        if "label" in members.columns:
            disclosed = disclosed | pl.col("label").fill_null("").str.strip_chars().ne("")
        if "description" in members.columns:
            disclosed = disclosed | pl.col("description").fill_null("").str.contains(
                AFFILIATION_PATTERN
            )
    return (
        members.group_by("cluster_id")
        .agg(disclosed.sum().cast(pl.Int64).alias("n_disclosed"), pl.len().alias("size"))
        .select(
            "cluster_id",
            "n_disclosed",
            (1 - pl.col("n_disclosed") / pl.col("size")).alias("undisclosed"),
        )
        .sort("cluster_id")
    )
