"""The canonical data model: column names and dtypes of posts and accounts.

Readers (:mod:`cib_detect.io`) turn every supported source into these columns, and
:mod:`cib_detect.io.validate` checks and converts frames to them; every later stage relies
on them. Optional columns are present only when the source has them. This module holds
names and dtypes only, and imports nothing of cib_detect.
"""

from __future__ import annotations

import polars as pl

TIMESTAMP_DTYPE = pl.Datetime("us", "UTC")

#: Canonical post columns and their dtypes.
POST_COLUMNS: dict[str, pl.DataType] = {
    "post_id": pl.String(),
    "account_id": pl.String(),
    "timestamp": TIMESTAMP_DTYPE,
    "text": pl.String(),
    "hashtags": pl.List(pl.String()),
    "urls": pl.List(pl.String()),
    "mentions": pl.List(pl.String()),
    "repost_of": pl.String(),
    "reply_to": pl.String(),
    "media_hashes": pl.List(pl.String()),
    # short-video platforms (TikTok's music_id, effect_ids)
    "sound_id": pl.String(),
    "effect_ids": pl.List(pl.String()),
}
REQUIRED_POST_COLUMNS = ("post_id", "account_id", "timestamp")

#: Canonical account columns and their dtypes.
ACCOUNT_COLUMNS: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "created_at": TIMESTAMP_DTYPE,
    "label": pl.String(),
    "description": pl.String(),
    "location": pl.String(),
    "language": pl.String(),
    "followers": pl.Int64(),
}
REQUIRED_ACCOUNT_COLUMNS = ("account_id",)

#: Columns that hold identifiers: kept as text, never parsed; empty strings mean "none".
ID_COLUMNS = frozenset({"post_id", "account_id", "repost_of", "reply_to", "sound_id"})
