"""Co-actions as evidence a person reads: ids, posts, the key as text, times, the gap."""

from __future__ import annotations

import numpy as np
import polars as pl

from cib_detect import _config

__all__ = ["evidence_rows"]


def evidence_rows(events: pl.DataFrame, account_ids: pl.Series, lookup) -> pl.DataFrame:
    """Co-actions (:func:`cib_detect.engine.pair_stats.pair_events` with a ``trace``
    column) labelled with account and post ids.

    ``lookup(rows, columns)`` returns the posts' ``columns`` at ``rows``. A ``co_text`` key
    is a hash, so it is shown as the text of the first post. Returns ``trace`` and the
    columns of :data:`~cib_detect.traces.tables.EVIDENCE_SCHEMA`, in the events' order.
    """
    rows = np.concatenate([events["post_a"].to_numpy(), events["post_b"].to_numpy()])
    n = events.height
    texts = (events["trace"] == "co_text").any()
    found = lookup(rows, ["post_id", "text"] if texts else ["post_id"])
    key = events["key"]
    if texts:
        is_text = (events["trace"] == "co_text").to_numpy()
        key = pl.Series("key", np.where(is_text, found["text"][:n].to_numpy(), key.to_numpy()))
    return pl.DataFrame(
        {
            "trace": events["trace"],
            "account_a": account_ids.gather(events["code_a"]),
            "account_b": account_ids.gather(events["code_b"]),
            "post_a": found["post_id"][:n],
            "post_b": found["post_id"][n:],
            "key": key.cast(pl.String),
            "timestamp_a": pl.from_epoch(events["time_a"], time_unit="us"),
            "timestamp_b": pl.from_epoch(events["time_b"], time_unit="us"),
            "dt": (events["time_b"] - events["time_a"]).abs() / _config.MICROSECONDS,
        }
    ).with_columns(pl.col("timestamp_a", "timestamp_b").dt.replace_time_zone("UTC"))
