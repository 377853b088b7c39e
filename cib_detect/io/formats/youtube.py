"""Format ``youtube``: YouTube comments, from the Data API v3 or a flat CSV of them.

- **Data API resources** (``.json`` list responses with ``items``, or one resource per
  line): ``youtube#commentThread`` (``snippet.topLevelComment`` and
  ``replies.comments[]``) and ``youtube#comment`` resources (``id``, ``snippet``:
  ``authorChannelId.value``, ``authorDisplayName``, ``textOriginal``, ``textDisplay``,
  ``parentId``, ``videoId``, ``publishedAt``, ``likeCount``).
- **Flat CSV** (YouTube Data Tools' comment exports and similar): ``id``,
  ``authorChannelId``, ``publishedAt``, ``text``, and where present ``isReplyTo`` (or
  ``parentId``), ``videoId``, ``authorName``, ``likeCount``, ``replyCount``.

Posts: comment ``id`` -> post_id, ``authorChannelId`` -> account_id (a channel id; a
channel's display name can change), ``publishedAt`` -> timestamp, ``textOriginal``
(else ``textDisplay``, ``text``) -> text, the parent comment (``parentId``,
``isReplyTo``) -> reply_to, else the video (``videoId``): a top-level comment answers the
video, so accounts commenting on the same video within the window co-reply. Empty reply
and video columns (top-level comments; exports of one video) mean none; a ``urls``
column, where an export has one, -> urls (empty: none); YouTube itself gives no link or
hashtag fields, so those are found in the text later. Extras: ``video_id``,
``author_name``, ``like_count``, ``reply_count``, ``updated_at``.

Accounts (:func:`to_accounts`): one per ``authorChannelId``, with ``author_name`` and
``author_channel_url`` as extras.
"""

from __future__ import annotations

import polars as pl

from cib_detect.io.formats._common import list_expr
from cib_detect.io.formats._nested import dtype_at, first_of, get, require_paths, text_at

NAME = "youtube"
SUMMARY = "YouTube comments: Data API v3 commentThreads/comments, or a flat CSV of them"
FIELDS = {
    "post_id": "id",
    "account_id": "snippet.authorChannelId.value (CSV: authorChannelId)",
    "timestamp": "snippet.publishedAt (CSV: publishedAt)",
    "text": "snippet.textOriginal / textDisplay (CSV: text)",
    "reply_to": "snippet.parentId, else snippet.videoId (CSV: isReplyTo, else videoId)",
}


def unpack(document: dict):
    """The ``items`` of a saved Data API list response of comments or threads.

    Examples
    --------
    >>> unpack({"kind": "youtube#commentThreadListResponse", "items": [{"id": "x"}]})
    [{'id': 'x'}]
    """
    if str(document.get("kind", "")).startswith("youtube#comment"):
        items = document.get("items")
        if isinstance(items, list):
            return items
    return None


def _resources(schema) -> bool:
    return (
        hasattr(schema, "get")
        and isinstance(schema.get("snippet"), pl.Struct)
        and (
            dtype_at(pl.Schema({"snippet": schema["snippet"]}), "snippet.topLevelComment")
            is not None
            or dtype_at(pl.Schema({"snippet": schema["snippet"]}), "snippet.authorChannelId")
            is not None
        )
    )


def sniff(columns) -> bool:
    """True for Data API comment or thread resources, or a flat comments CSV.

    Examples
    --------
    >>> sniff(["id", "replyCount", "likeCount", "publishedAt", "authorName", "text",
    ...        "authorChannelId", "authorChannelUrl", "isReply", "isReplyTo"])
    True
    """
    names = set(columns)
    flat = {"id", "authorChannelId", "publishedAt"} <= names
    return flat or ("snippet" in names and "kind" in names and _resources(columns))


def sniff_accounts(columns) -> bool:
    """As :func:`sniff`: accounts come from the comments' authors."""
    return sniff(columns)


def _comments(raw: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.Schema]:
    """Comment resources one per row (threads split into their comments), with the
    thread's video as ``__video`` when the comments do not carry it."""
    schema = raw.collect_schema()
    if dtype_at(schema, "snippet.topLevelComment") is None:
        return raw, schema
    video = get(schema, "snippet.videoId")
    video = pl.lit(None, dtype=pl.String) if video is None else video.cast(pl.String)
    top = raw.select(
        pl.col("snippet").struct.field("topLevelComment").alias("c"), video.alias("__video")
    )
    frames = [top]
    if isinstance(dtype_at(schema, "replies.comments"), pl.List):
        replies = raw.select(
            pl.col("replies").struct.field("comments").alias("c"), video.alias("__video")
        ).explode("c")
        frames.append(replies)
    comments = pl.concat(frames, how="diagonal_relaxed").drop_nulls("c")
    comments = comments.select(pl.col("c").struct.unnest(), "__video")
    return comments, comments.collect_schema()


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map YouTube comments (resources or flat) to canonical posts.

    Examples
    --------
    >>> raw = pl.LazyFrame({"id": ["c1", "c2"], "authorChannelId": ["UCa", "UCb"],
    ...     "publishedAt": ["2024-01-01T00:00:00Z"] * 2, "text": ["hi", "yo"],
    ...     "isReplyTo": ["", "c1"]})
    >>> to_posts(raw).collect().get_column("reply_to").to_list()
    [None, 'c1']
    """
    comments, schema = _comments(raw)
    require_paths(
        schema,
        [
            "id",
            ("snippet.authorChannelId.value", "authorChannelId"),
            ("snippet.publishedAt", "publishedAt"),
        ],
        table="posts",
        fmt=NAME,
    )
    account = text_at(schema, "snippet.authorChannelId.value", "authorChannelId")
    if dtype_at(schema, "authorChannelId") is not None and isinstance(
        schema.get("authorChannelId"), pl.Struct
    ):
        account = text_at(schema, "authorChannelId.value")
    video = text_at(schema, "snippet.videoId", "videoId", "__video")
    parent = text_at(schema, "snippet.parentId", "parentId", "isReplyTo")

    def blank_is_none(expr):
        return None if expr is None else pl.when(expr.str.strip_chars() != "").then(expr)

    parent, video = blank_is_none(parent), blank_is_none(video)
    replied = [e for e in (parent, video) if e is not None]
    exprs = {
        "post_id": text_at(schema, "id"),
        "account_id": account,
        "timestamp": first_of(schema, "snippet.publishedAt", "publishedAt"),
        "text": first_of(
            schema,
            "snippet.textOriginal",
            "snippet.textDisplay",
            "textOriginal",
            "text",
            "textDisplay",
        ),
        "reply_to": pl.coalesce(replied) if replied else None,
        "video_id": video,
        "author_name": first_of(
            schema, "snippet.authorDisplayName", "authorName", "authorDisplayName"
        ),
        "like_count": first_of(schema, "snippet.likeCount", "likeCount"),
        "reply_count": first_of(schema, "replyCount"),
        "updated_at": first_of(schema, "snippet.updatedAt", "updatedAt"),
    }
    if "urls" in schema:  # a flat export's link column, often empty
        exprs["urls"] = list_expr("urls", schema["urls"], urls=True)
    return comments.select(e.alias(n) for n, e in exprs.items() if e is not None)


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """One account per comment author.

    Examples
    --------
    >>> raw = pl.LazyFrame({"id": ["c1"], "authorChannelId": ["UCa"], "authorName": ["A"],
    ...                     "publishedAt": ["2024-01-01T00:00:00Z"]})
    >>> to_accounts(raw).collect().row(0)
    ('UCa', 'A')
    """
    comments, schema = _comments(raw)
    posts = to_posts(raw)
    url = first_of(schema, "snippet.authorChannelUrl", "authorChannelUrl")
    if url is not None:
        posts = pl.concat(
            [posts, comments.select(url.alias("author_channel_url"))], how="horizontal"
        )
    names = [n for n in ("author_name", "author_channel_url") if n in posts.collect_schema()]
    return posts.unique(subset="account_id", keep="last", maintain_order=True).select(
        "account_id", *names
    )
