"""Bursts: did a cluster act together once, or again and again?

A crowd reacting to one live event co-acts, and repeatedly (several posts, several
hashtags), but within one stretch of time: it is synchronous, not coordinated. A
campaign acts together day after day. ``burst_share`` is the share of the cluster's
co-actions (the post pairs behind its internal edges, on every trace they co-acted on)
that fall within its busiest ``burst`` (6 hours by default): close to 1 for a crowd at
one event, small for a campaign that runs for weeks.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cib_detect.traces.co_action import pair_events

__all__ = ["DEFAULT_BURST_US", "cluster_bursts"]

#: Length of the busiest stretch whose share of co-actions is ``burst_share`` (microseconds).
DEFAULT_BURST_US = 6 * 3600 * 1_000_000


def cluster_bursts(
    internal: pl.DataFrame,
    trace_data: dict,
    window_us: int,
    *,
    burst_us: int = DEFAULT_BURST_US,
) -> pl.DataFrame:
    """Share of every cluster's co-actions that fall within its busiest stretch.

    Parameters
    ----------
    internal : polars.DataFrame
        Edges inside clusters: ``account_a``, ``account_b``, ``cluster_id`` and the
        ``{trace}_n_coactions`` columns of the fused table.
    trace_data : dict of str to TraceData
        The encoded traces the edges were computed from.
    window_us, burst_us : int
        The co-action window and the length of a burst, in microseconds.

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``burst_share``, ``first_coaction``, ``last_coaction``.
    """
    times = []
    for trace, data in trace_data.items():
        column = f"{trace}_n_coactions"
        if column not in internal.columns:
            continue
        on_trace = internal.filter(pl.col(column).is_not_null())
        if on_trace.height == 0:
            continue
        ids = data.account_ids
        pairs = pl.DataFrame(
            {
                "code_a": ids.search_sorted(on_trace["account_a"]),
                "code_b": ids.search_sorted(on_trace["account_b"]),
                "cluster_id": on_trace["cluster_id"],
            }
        )
        events = pair_events(data, pairs.drop("cluster_id"), window_us)
        times.append(
            events.join(pairs, on=["code_a", "code_b"]).select(
                "cluster_id", pl.min_horizontal("time_a", "time_b").alias("t")
            )
        )
    schema = {"cluster_id": pl.Int64, "t": pl.Int64}
    if not times:
        return pl.DataFrame(
            schema={
                "cluster_id": pl.Int64,
                "burst_share": pl.Float64,
                "first_coaction": pl.Datetime("us", "UTC"),
                "last_coaction": pl.Datetime("us", "UTC"),
            }
        )
    events = pl.concat([t.cast(schema) for t in times]).sort("cluster_id", "t")
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
