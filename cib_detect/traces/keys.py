"""Trace keys: what two posts must share to count as a co-action, one function per trace.

Each function (declared as a trace in :mod:`cib_detect.traces.registry`, which checks
that the posts have the columns it reads) takes the posts frame (canonical columns, see
:mod:`cib_detect.schema`, plus ``post_row``, ``account_code`` and ``time_us``) as a
LazyFrame and returns a LazyFrame with one row per (post, key): those three columns and
``key``, in post order.
Posts without a key for the trace simply have no row.

Reposts carry the text, links and hashtags of the post they repost, so every content trace
looks at original posts only (as the coordination-network-toolkit does); reposting itself
is the ``co_repost`` trace.
"""

from __future__ import annotations

import polars as pl

from cib_detect import normalize
from cib_detect.errors import SchemaError

#: Default minimum number of hashtags for a ``hashtag_sequence`` key (Pacheco et al. 2021
#: use sequences of five or more hashtags).
DEFAULT_MIN_HASHTAGS = 5


def require_columns(columns, trace: str, *needed: str) -> None:
    """Fail unless at least one of ``needed`` columns is present."""
    if not any(name in columns for name in needed):
        wanted = " or ".join(repr(n) for n in needed)
        raise SchemaError(
            f"trace {trace!r} needs column {wanted} in posts, which has only "
            f"{sorted(columns)}; pass column_map= to read_posts to name it, or pick "
            f"another trace"
        )


def _originals(posts: pl.LazyFrame, columns) -> pl.LazyFrame:
    if "repost_of" in columns:
        return posts.filter(pl.col("repost_of").is_null())
    return posts


#: Columns every keys frame carries along with ``key``.
ROW_COLUMNS = ("post_row", "account_code", "time_us")


def _list_keys(posts: pl.LazyFrame, expr: pl.Expr) -> pl.LazyFrame:
    return (
        posts.select(*ROW_COLUMNS, expr.alias("key"))
        .explode("key")
        .filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
    )


def _column_keys(posts: pl.LazyFrame, column: str) -> pl.LazyFrame:
    return posts.select(*ROW_COLUMNS, pl.col(column).alias("key")).filter(
        pl.col("key").is_not_null() & (pl.col("key") != "")
    )


def co_repost(posts: pl.LazyFrame, columns) -> pl.LazyFrame:
    """Key: the reposted post (``repost_of``)."""
    return _column_keys(posts, "repost_of")


def co_reply(posts: pl.LazyFrame, columns) -> pl.LazyFrame:
    """Key: the post replied to (``reply_to``), for original posts."""
    return _column_keys(_originals(posts, columns), "reply_to")


def co_text(posts: pl.LazyFrame, columns, *, min_chars: int | None = None) -> pl.LazyFrame:
    """Key: 64-bit hash of the normalised text of original posts (short texts skipped)."""
    kwargs = {} if min_chars is None else {"min_chars": min_chars}
    return (
        _originals(posts, columns)
        .select(*ROW_COLUMNS, normalize.text_hash(pl.col("text"), **kwargs).alias("key"))
        .filter(pl.col("key").is_not_null())
    )


def _hashtags(columns) -> pl.Expr:
    if "hashtags" in columns:
        return normalize.normalize_hashtag(pl.col("hashtags"))
    return normalize.extract_hashtags(pl.col("text"))


def co_hashtag(posts: pl.LazyFrame, columns) -> pl.LazyFrame:
    """Key: each normalised hashtag of an original post."""
    return _list_keys(_originals(posts, columns), _hashtags(columns))


def hashtag_sequence(
    posts: pl.LazyFrame, columns, *, min_hashtags: int = DEFAULT_MIN_HASHTAGS
) -> pl.LazyFrame:
    """Key: the ordered hashtags of an original post that has at least ``min_hashtags``."""
    tags = _hashtags(columns)
    return (
        _originals(posts, columns)
        .select(*ROW_COLUMNS, tags.alias("tags"))
        .filter(pl.col("tags").list.len() >= min_hashtags)
        .select(*ROW_COLUMNS, pl.col("tags").list.join(" ").alias("key"))
    )


def _canonical_urls(columns) -> pl.Expr:
    urls = pl.col("urls") if "urls" in columns else normalize.extract_urls(pl.col("text"))
    return urls.list.eval(normalize.canonical_url(pl.element()))


def co_url(posts: pl.LazyFrame, columns) -> pl.LazyFrame:
    """Key: each canonical URL of an original post."""
    return _list_keys(_originals(posts, columns), _canonical_urls(columns))


def co_domain(posts: pl.LazyFrame, columns) -> pl.LazyFrame:
    """Key: the registered domain of each URL of an original post.

    A ``domains`` list column, when the source provides one (CooRTweet's German election
    data, whose URLs are opaque ids), is used as it is.
    """
    originals = _originals(posts, columns)
    if "domains" in columns:
        return _list_keys(originals, pl.col("domains"))
    urls = _list_keys(originals, _canonical_urls(columns))
    return urls.with_columns(normalize.registered_domain(pl.col("key")).alias("key")).filter(
        pl.col("key").is_not_null()
    )


def co_media(posts: pl.LazyFrame, columns) -> pl.LazyFrame:
    """Key: each media hash (exact match) of an original post."""
    return _list_keys(_originals(posts, columns), pl.col("media_hashes"))


def co_sound(posts: pl.LazyFrame, columns) -> pl.LazyFrame:
    """Key: the sound (``sound_id``: TikTok's music id) of an original post."""
    return _column_keys(_originals(posts, columns), "sound_id")


def co_effect(posts: pl.LazyFrame, columns) -> pl.LazyFrame:
    """Key: each effect id (``effect_ids``) of an original post."""
    return _list_keys(_originals(posts, columns), pl.col("effect_ids"))


def co_key(posts: pl.LazyFrame, columns, *, column: str | None = None) -> pl.LazyFrame:
    """Key: the value of the column ``column`` (CooRTweet's generic object), for every
    post; each item of a list column is a key. Values are compared as text, exactly."""
    dtype = posts.collect_schema()[column]
    nested = dtype.inner if isinstance(dtype, pl.List | pl.Array) else dtype
    if isinstance(nested, pl.Struct | pl.List | pl.Array | pl.Object):
        raise SchemaError(
            f"trace 'co_key' takes column {column!r} of dtype {dtype}, whose values are "
            "not text: name a column of strings or numbers, or a list of them (for a struct, "
            "add one of its fields as a column first, e.g. with .struct.field(...))"
        )
    if isinstance(dtype, pl.List | pl.Array):
        inner = dtype.inner
        values = pl.col(column)
        if isinstance(dtype, pl.Array):
            values = values.arr.to_list()
        if inner != pl.String:
            values = values.list.eval(pl.element().cast(pl.String))
        return _list_keys(posts, values)
    return posts.select(*ROW_COLUMNS, pl.col(column).cast(pl.String).alias("key")).filter(
        pl.col("key").is_not_null() & (pl.col("key") != "")
    )
