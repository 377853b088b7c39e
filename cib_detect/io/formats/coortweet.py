"""Format ``coortweet``: inputs of CooRTweet (R; Righetti & Balluff).

Two layouts are understood:

- CooRTweet's own ``object_id, account_id, content_id, timestamp_share``: one row per
  share. content_id -> post_id, account_id -> account_id, object_id (what was shared:
  a retweeted tweet, a URL, a hashtag...) -> repost_of, timestamp_share (unix seconds)
  -> timestamp. Other columns are kept as extras. CooRTweet works on rows, not posts:
  its Russian example data has 40 content_ids on two rows each (a tweet sharing two
  objects). Post ids must be unique here, so such rows are an error unless
  ``on_duplicate="drop"`` keeps the first; code that needs CooRTweet's row semantics
  (the compatibility mode) can call :func:`to_posts` on the raw frame itself.
- The multi-object layout of the German election data: ``account_id, post_id,
  timestamp`` (unix seconds) and one or more of ``url_id, hashtag_id, domain_id,
  phash_id``, one row per (post, object). Rows are gathered into one post each: url_id
  -> urls, hashtag_id -> hashtags, phash_id -> media_hashes, and domain_id -> an extra
  list column ``domains``, since the URLs there are opaque ids from which no domain can
  be derived. Account and time come from a post's first row; rows without a post_id
  stay separate rows (schema validation reports them).
"""

from __future__ import annotations

import polars as pl

from cib_detect.io.formats._common import id_expr, require

NAME = "coortweet"
SUMMARY = "CooRTweet inputs: object_id/account_id/content_id/timestamp_share, or multi-object"
FIELDS = {
    "post_id": "content_id (or post_id)",
    "account_id": "account_id",
    "timestamp": "timestamp_share (or timestamp), unix seconds",
    "repost_of": "object_id",
    "urls": "url_id (multi-object layout)",
    "hashtags": "hashtag_id (multi-object layout)",
}

#: CooRTweet's own columns.
COLUMNS = ("object_id", "account_id", "content_id", "timestamp_share")
#: Object columns of the multi-object layout -> the list column they become.
OBJECT_COLUMNS = {
    "url_id": "urls",
    "hashtag_id": "hashtags",
    "phash_id": "media_hashes",
    "domain_id": "domains",
}
_MULTI_KEYS = ("account_id", "post_id", "timestamp")
_CANONICAL_LISTS = {"hashtags", "urls", "mentions", "media_hashes", "repost_of"}


def _is_multi(columns: set) -> bool:
    return (
        set(_MULTI_KEYS) <= columns
        and bool(columns & set(OBJECT_COLUMNS))
        and not columns & _CANONICAL_LISTS
    )


def sniff(columns) -> bool:
    """True for either CooRTweet layout.

    Examples
    --------
    >>> sniff(["object_id", "account_id", "content_id", "timestamp_share"])
    True
    >>> sniff(["account_id", "post_id", "url_id", "timestamp"])
    True
    """
    columns = set(columns)
    return set(COLUMNS) <= columns or _is_multi(columns)


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map a CooRTweet frame (either layout) to canonical posts; importable on its own.

    Examples
    --------
    >>> raw = pl.LazyFrame({"account_id": ["a", "a"], "post_id": [1, 1], "url_id": [5, 6],
    ...                     "hashtag_id": [None, 7], "timestamp": [1.5e9, 1.5e9]})
    >>> to_posts(raw).collect().row(0)
    ('1', 'a', 1500000000.0, ['5', '6'], ['7'])
    """
    schema = raw.collect_schema()
    columns = set(schema.names())
    if _is_multi(columns) and not set(COLUMNS) <= columns:
        return _gather(raw, schema)
    require(schema, COLUMNS, table="posts", fmt=NAME)
    extras = [c for c in schema.names() if c not in COLUMNS]
    return raw.select(
        id_expr("content_id", schema["content_id"]).alias("post_id"),
        id_expr("account_id", schema["account_id"]).alias("account_id"),
        pl.col("timestamp_share").alias("timestamp"),
        id_expr("object_id", schema["object_id"]).alias("repost_of"),
        *extras,
    )


def _gather(raw: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    """One post per post_id, with the objects of its rows as lists."""
    objects = [c for c in OBJECT_COLUMNS if c in schema]
    extras = [c for c in schema.names() if c not in (*_MULTI_KEYS, *objects)]
    keys = [pl.col("account_id"), pl.col("timestamp"), *map(pl.col, extras)]
    posts = (
        raw.filter(pl.col("post_id").is_not_null())
        .group_by("post_id", maintain_order=True)
        .agg(
            *(key.first() for key in keys),
            *(pl.col(c).drop_nulls().cast(pl.String).unique(maintain_order=True) for c in objects),
        )
    )
    # Rows without a post_id are not one post: each stays a row, for validation to report.
    orphans = raw.filter(pl.col("post_id").is_null()).select(
        "post_id",
        *keys,
        *(pl.concat_list(pl.col(c).cast(pl.String)).list.drop_nulls() for c in objects),
    )
    return pl.concat([posts, orphans]).select(
        id_expr("post_id", schema["post_id"]),
        "account_id",
        "timestamp",
        *(pl.col(c).alias(OBJECT_COLUMNS[c]) for c in objects),
        *extras,
    )
