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

from cib_detect.score.storms import (
    SIGNALS_SCHEMA,
    KeyBackground,
    burst_windows,
    coaction_times,
    grow_bursts,
    storm_signals,
)

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
    rows = []
    for cluster, t in coaction_times(evidence):
        inside = np.searchsorted(t, t + burst_us, side="right") - np.arange(len(t))
        rows.append((cluster, inside.max() / len(t), int(t[0]), int(t[-1])))
    frame = pl.DataFrame(rows, schema=["cluster_id", "burst_share", "first", "last"], orient="row")
    return frame.select(
        pl.col("cluster_id").cast(pl.Int64),
        pl.col("burst_share").cast(pl.Float64),
        pl.from_epoch("first", time_unit="us").dt.replace_time_zone("UTC").alias("first_coaction"),
        pl.from_epoch("last", time_unit="us").dt.replace_time_zone("UTC").alias("last_coaction"),
    ).sort("cluster_id")


def drop_crowd_bursts(
    clusters,
    evidence,
    max_burst_share,
    warnings: list[str],
    *,
    edges: pl.DataFrame | None = None,
    source=None,
    accounts: pl.DataFrame | None = None,
    alpha: float = 0.05,
    min_cluster_size: int = 3,
):
    """Tell the one-burst clusters' crowds from storms, leave the crowds out and renumber
    the others 0.. in their order; return the labels, the evidence and every kept
    cluster's burst figures.

    A cluster is one burst when more than ``max_burst_share`` of its co-actions fall in
    its busiest 6 hours. Each one-burst cluster is judged by
    :func:`cib_detect.score.storms.storm_signals` (keys per pair, copied texts, woken
    accounts, outside use of its keys): a storm stays (and grows by
    :func:`cib_detect.score.storms.grow_bursts` when ``edges`` are given), a crowd is
    left out; both are explained in ``warnings`` and a storm's ``burst_evidence`` says why.

    Parameters
    ----------
    clusters, evidence : polars.DataFrame
        Labels (``account_id``, ``cluster_id``) and evidence of :func:`cib_detect.detect`.
    max_burst_share : float
        Share of co-actions in one 6-hour stretch above which a cluster is one burst.
    warnings : list of str
        Where the messages go.
    edges : polars.DataFrame, optional
        Every tested pair (the fused edges): copied texts are read from their per-trace
        key counts, and storms grow by them.
    source : PostsSource, optional
        The run's posts (:func:`cib_detect.engine.sources.open_posts`): the members' posts
        and the keys' use around them are read from it (one extra pass over streamed or
        Dask posts, only when some cluster is one burst).
    accounts : polars.DataFrame, optional
        Accounts with ``created_at``.
    alpha : float
        False discovery rate of the growth of one-burst clusters.
    min_cluster_size : int
        A one-burst cluster whose members joined a larger one and left fewer than this
        is dissolved.
    """
    bursts = cluster_bursts(evidence)
    one = bursts.filter(pl.col("burst_share") > max_burst_share).get_column("cluster_id")
    verdicts = pl.DataFrame(schema=SIGNALS_SCHEMA)
    if len(one):
        clusters, added = grow_bursts(
            clusters, edges, one.to_list(), alpha=alpha, min_cluster_size=min_cluster_size
        )
        one = one.filter(one.is_in(clusters.get_column("cluster_id").implode()))
        windows = burst_windows(evidence, DEFAULT_BURST_US)
        posts, background = _burst_posts(source, clusters, one, windows)
        verdicts = storm_signals(
            one.to_list(),
            clusters,
            evidence,
            windows,
            edges=edges,
            posts=posts,
            background=background,
            accounts=accounts,
        )
        verdicts = verdicts.join(
            added.group_by("cluster_id").agg(pl.len().cast(pl.Int64).alias("n_grown")),
            on="cluster_id",
            how="left",
        ).with_columns(pl.col("n_grown").fill_null(0))
    crowd = verdicts.filter(~pl.col("storm")).get_column("cluster_id")
    for storm, kind in ((False, "crowds"), (True, "storms")):
        judged = verdicts.filter(pl.col("storm") == storm)
        if judged.height == 0:
            continue
        n_accounts, n_grown = judged["n_accounts"].sum(), judged["n_grown"].sum()
        grown = (
            f", {n_grown} of them joined by their links to most of its members" if n_grown else ""
        )
        verdict = (
            "synchronous, not coordinated; left out"
            if not storm
            else "kept: acting in one afternoon does not make them a crowd"
        )
        message = (
            f"{judged.height} clusters ({n_accounts} accounts{grown}) did more than "
            f"{max_burst_share:.0%} of their co-actions within 6 hours (one burst) and are "
            f"{kind}: {verdict} (max_burst_share={max_burst_share}): "
            + " | ".join(judged.get_column("burst_evidence"))
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
    bursts = bursts.join(
        verdicts.filter(pl.col("storm")).select(
            "cluster_id", pl.lit("storm").alias("burst_kind"), "burst_evidence"
        ),
        on="cluster_id",
        how="left",
    )
    return (
        relabel(clusters, keep_unmatched=True),
        evidence,
        relabel(bursts, keep_unmatched=False),
    )


def _burst_posts(source, clusters, one, windows):
    """The posts of the one-burst clusters' members and the keys' use in their bursts
    (``None, None`` without a source)."""
    if source is None:
        return None, None
    members = clusters.filter(pl.col("cluster_id").is_in(one.implode())).get_column("account_id")
    columns = [
        c
        for c in ("account_id", "timestamp", "hashtags", "repost_of", "reply_to")
        if c in source.columns
    ]
    counter = KeyBackground(windows.filter(pl.col("cluster_id").is_in(one.implode())))
    posts, background = source.score_posts(columns, members.to_list(), background=counter)
    posts = posts.select(columns)
    return posts, background
