"""Account creation bursts: accounts of one cluster registered within days of each other.

Operations register their accounts in batches (the IRA's and many takedowns' accounts were
created within days; Twitter's information-operations archives show it clearly), while
the accounts of an organic community were created years apart.

``creation_burst`` is the largest share of a cluster's accounts (with a known
``created_at``) whose creation times fall within one ``window_days`` window (7 days by
default): ``k / n``. Because any two accounts make a "group", the part that enters
``government_link`` is the excess over one account, ``(k - 1) / (n - 1)``
(``creation_excess``). Clusters with fewer than three dated accounts get nulls.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["cluster_creation_burst"]

_SCHEMA = {
    "cluster_id": pl.Int64,
    "n_dated": pl.Int64,
    "burst_size": pl.Int64,
    "creation_burst": pl.Float64,
    "creation_excess": pl.Float64,
    "burst_start": pl.Datetime("us", "UTC"),
    "burst_end": pl.Datetime("us", "UTC"),
}
_DAY_US = 86_400_000_000


def cluster_creation_burst(
    clusters: pl.DataFrame, accounts: pl.DataFrame | None, *, window_days: float = 7.0
) -> pl.DataFrame:
    """Largest group of each cluster's accounts created within ``window_days``.

    Parameters
    ----------
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (-1 = none).
    accounts : polars.DataFrame or None
        Needs ``account_id`` and ``created_at`` (Datetime); otherwise the result is empty.
    window_days : float
        Width of the window in days.

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``n_dated`` (accounts with a creation time), ``burst_size`` (k),
        ``creation_burst`` (k / n), ``creation_excess`` ((k - 1) / (n - 1)),
        ``burst_start`` and ``burst_end`` (first and last creation in the burst).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> days = [1, 2, 3, 4, 200]
    >>> accounts = pl.DataFrame({"account_id": list("abcde"),
    ...     "created_at": [datetime(2023, 1, d % 28 + 1, tzinfo=timezone.utc) if d < 100
    ...                    else datetime(2020, 6, 1, tzinfo=timezone.utc) for d in days]})
    >>> clusters = pl.DataFrame({"account_id": list("abcde"), "cluster_id": [0] * 5})
    >>> row = cluster_creation_burst(clusters, accounts).row(0, named=True)
    >>> row["burst_size"], row["creation_burst"], row["creation_excess"]
    (4, 0.8, 0.75)
    """
    if accounts is None or "created_at" not in accounts.columns:
        return pl.DataFrame(schema=_SCHEMA)
    dated = (
        clusters.filter(pl.col("cluster_id") >= 0)
        .join(accounts.select("account_id", "created_at"), on="account_id", how="inner")
        .filter(pl.col("created_at").is_not_null())
        .select("cluster_id", pl.col("created_at").dt.epoch("us").alias("us"))
        .sort("cluster_id", "us")
    )
    ids = dated.get_column("cluster_id").to_numpy()
    us = dated.get_column("us").to_numpy()
    window = int(window_days * _DAY_US)
    rows = []
    bounds = np.flatnonzero(np.diff(ids)) + 1
    for a, b in zip(
        np.concatenate([[0], bounds]), np.concatenate([bounds, [len(ids)]]), strict=True
    ):
        if b - a < 3:
            continue
        times = us[a:b]
        # for each account, how many were created in the window starting with it
        reach = np.searchsorted(times, times + window, side="right") - np.arange(len(times))
        first = int(np.argmax(reach))
        k, n = int(reach[first]), len(times)
        rows.append(
            {
                "cluster_id": int(ids[a]),
                "n_dated": n,
                "burst_size": k,
                "creation_burst": k / n,
                "creation_excess": (k - 1) / (n - 1),
                "burst_start": int(times[first]),
                "burst_end": int(times[first + k - 1]),
            }
        )
    frame = pl.DataFrame(rows, schema={**_SCHEMA, "burst_start": pl.Int64, "burst_end": pl.Int64})
    return frame.with_columns(
        pl.from_epoch(c, time_unit="us").dt.replace_time_zone("UTC")
        for c in ("burst_start", "burst_end")
    )
