"""Co-actions as evidence a person reads: ids, posts, the key as text, times, the gap.

A key that is a hash or a group id is shown as text: a ``co_text`` key as the text of the
first post, a ``co_similar_text`` key as the two near-duplicate texts and their Jaccard
similarity.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from cib_detect import _config
from cib_detect.traces.similarity import text_jaccard

__all__ = ["evidence_rows"]


def evidence_rows(
    events: pl.DataFrame, account_ids: pl.Series, lookup, options: Mapping | None = None
) -> pl.DataFrame:
    """Co-actions (:func:`cib_detect.engine.pair_stats.pair_events` with a ``trace``
    column) labelled with account and post ids.

    ``lookup(rows, columns)`` returns the posts' ``columns`` at ``rows``; ``options`` the
    options of each trace, by name (the shingles of ``co_similar_text``). Returns
    ``trace`` and the columns of :data:`~cib_detect.traces.tables.EVIDENCE_SCHEMA`, in
    the events' order.
    """
    rows = np.concatenate([events["post_a"].to_numpy(), events["post_b"].to_numpy()])
    n = events.height
    trace = events["trace"]
    texts = trace.is_in(["co_text", "co_similar_text"]).any()
    found = lookup(rows, ["post_id", "text"] if texts else ["post_id"])
    key = events["key"].cast(pl.String)
    if texts:
        text_a, text_b = found["text"][:n], found["text"][n:]
        key = pl.Series("key", np.where(trace == "co_text", text_a.to_numpy(), key.to_numpy()))
        similar = (trace == "co_similar_text").to_numpy()
        if similar.any():
            shingling = {
                name: value
                for name, value in ((options or {}).get("co_similar_text") or {}).items()
                if name in ("shingles", "shingle_size")
            }
            jaccard = text_jaccard(text_a.filter(similar), text_b.filter(similar), **shingling)
            shown = [
                f"{a!r} ~ {b!r} (Jaccard {j:.2f})"
                for a, b, j in zip(
                    text_a.filter(similar), text_b.filter(similar), jaccard, strict=True
                )
            ]
            values = key.to_numpy().astype(object)
            values[similar] = shown
            key = pl.Series("key", values, dtype=pl.String)
    return pl.DataFrame(
        {
            "trace": events["trace"],
            "account_a": account_ids.gather(events["code_a"]),
            "account_b": account_ids.gather(events["code_b"]),
            "post_a": found["post_id"][:n],
            "post_b": found["post_id"][n:],
            "key": key,
            "timestamp_a": pl.from_epoch(events["time_a"], time_unit="us"),
            "timestamp_b": pl.from_epoch(events["time_b"], time_unit="us"),
            "dt": (events["time_b"] - events["time_a"]).abs() / _config.MICROSECONDS,
        }
    ).with_columns(pl.col("timestamp_a", "timestamp_b").dt.replace_time_zone("UTC"))
