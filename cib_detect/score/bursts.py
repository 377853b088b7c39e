"""Bursts: did a cluster act together once, or again and again?

A crowd reacting to one live event co-acts, and repeatedly (several posts, several
hashtags), but within one stretch of time: it is synchronous, not coordinated. A
campaign acts together day after day. ``burst_share`` is the share of the cluster's
co-actions (the post pairs behind its internal edges, on every trace they co-acted on)
that fall within its busiest ``burst`` (6 hours by default): close to 1 for a crowd at
one event, small for a campaign that runs for weeks. It is measured on the evidence: every
co-action of the cluster's strongest internal edges.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

__all__ = ["DEFAULT_BURST_US", "cluster_bursts", "drop_crowd_bursts"]

logger = logging.getLogger("cib_detect")

#: Length of the busiest stretch whose share of co-actions is ``burst_share`` (microseconds).
DEFAULT_BURST_US = 6 * 3600 * 1_000_000


def cluster_bursts(evidence: pl.DataFrame, *, burst_us: int = DEFAULT_BURST_US) -> pl.DataFrame:
    """Share of every cluster's co-actions that fall within its busiest stretch.

    Parameters
    ----------
    evidence : polars.DataFrame
        Post pairs with ``cluster_id``, ``timestamp_a`` and ``timestamp_b`` (the evidence
        of :func:`cib_detect.detect`: every co-action of the strongest internal edges).
    burst_us : int
        Length of the stretch, in microseconds.

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``burst_share``, ``first_coaction``, ``last_coaction``.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, timezone
    >>> t = [datetime(2024, 1, d, 12, tzinfo=timezone.utc) for d in (1, 1, 2, 9)]
    >>> evidence = pl.DataFrame({"cluster_id": [0, 0, 0, 0], "timestamp_a": t, "timestamp_b": t})
    >>> cluster_bursts(evidence)["burst_share"].to_list()
    [0.5]
    """
    schema = {
        "cluster_id": pl.Int64,
        "burst_share": pl.Float64,
        "first_coaction": pl.Datetime("us", "UTC"),
        "last_coaction": pl.Datetime("us", "UTC"),
    }
    if evidence.height == 0:
        return pl.DataFrame(schema=schema)
    events = evidence.select(
        "cluster_id",
        pl.min_horizontal("timestamp_a", "timestamp_b").dt.epoch("us").alias("t"),
    ).sort("cluster_id", "t")
    rows = []
    for (cluster,), group in events.group_by("cluster_id", maintain_order=True):
        t = group.get_column("t").to_numpy()
        inside = np.searchsorted(t, t + burst_us, side="right") - np.arange(len(t))
        rows.append((cluster, inside.max() / len(t), int(t[0]), int(t[-1])))
    frame = pl.DataFrame(rows, schema=["cluster_id", "burst_share", "first", "last"], orient="row")
    return frame.select(
        pl.col("cluster_id").cast(pl.Int64),
        pl.col("burst_share").cast(pl.Float64),
        pl.from_epoch("first", time_unit="us").dt.replace_time_zone("UTC").alias("first_coaction"),
        pl.from_epoch("last", time_unit="us").dt.replace_time_zone("UTC").alias("last_coaction"),
    ).sort("cluster_id")


def drop_crowd_bursts(clusters, evidence, max_burst_share, warnings: list[str]):
    """Leave out clusters whose co-actions are one burst and renumber the others 0.. in
    their order; return the labels, the evidence and every kept cluster's burst figures."""
    bursts = cluster_bursts(evidence)
    crowd = bursts.filter(pl.col("burst_share") > max_burst_share).get_column("cluster_id")
    if len(crowd):
        dropped = clusters.filter(pl.col("cluster_id").is_in(crowd.implode())).height
        message = (
            f"{len(crowd)} clusters ({dropped} accounts) did more than {max_burst_share:.0%} "
            f"of their co-actions within 6 hours (one burst, like a crowd at a live event): "
            f"synchronous, not coordinated; left out (max_burst_share={max_burst_share})"
        )
        logger.info(message)
        warnings.append(message)
    kept_ids = (
        clusters.filter((pl.col("cluster_id") >= 0) & ~pl.col("cluster_id").is_in(crowd.implode()))
        .get_column("cluster_id")
        .unique()
        .sort()
    )
    renumber = pl.DataFrame(
        {"cluster_id": kept_ids, "new_id": pl.int_range(len(kept_ids), eager=True)}
    )

    def relabel(frame: pl.DataFrame, *, keep_unmatched: bool) -> pl.DataFrame:
        joined = frame.join(renumber, on="cluster_id", how="left" if keep_unmatched else "inner")
        return joined.with_columns(
            pl.col("new_id").fill_null(-1).cast(pl.Int64).alias("cluster_id")
        ).drop("new_id")

    if evidence.height:
        evidence = relabel(evidence, keep_unmatched=False)
    return (
        relabel(clusters, keep_unmatched=True),
        evidence,
        relabel(bursts, keep_unmatched=False),
    )
