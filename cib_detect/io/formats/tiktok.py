"""Format ``tiktok``: TikTok Research API video records.

The records of ``POST /v2/research/video/query/`` (developers.tiktok.com, Research API,
"Query Videos"), one per video: a saved response (``{"data": {"videos": [...], "cursor":
..., "has_more": ...}}``) as ``.json`` or one per line, the videos themselves as JSON
lines or ``.json`` array, or a CSV of them (lists written ``[a, b]`` or as JSON).

Posts: ``id`` -> post_id (TikTok's 64-bit video id, as text), ``username`` -> account_id
(the Research API names the creator by username only), ``create_time`` (unix seconds,
UTC) -> timestamp, ``video_description`` -> text, ``hashtag_names`` -> hashtags,
``video_mention_list`` -> mentions, ``music_id`` -> sound_id (the sound: the same id is
the same sound, an "original sound" included), ``effect_ids`` -> effect_ids. Every other
field is kept as an extra column under its own name: ``region_code`` (the country code
of the creator's account), ``voice_to_text`` (the transcript: ``co_key`` with
``column="voice_to_text"`` finds accounts reading one script), ``view_count``,
``like_count``, ``share_count``, ``comment_count``, ``playlist_id``, ``video_duration``,
``is_stem_verified``, ``hashtag_info_list``, ``sticker_info_list``, ``video_label``...

Accounts (:func:`to_accounts`): the same video records give one account per username,
with ``region_code`` as ``location`` (and kept as ``region_code``) as of its latest video;
records of ``/v2/research/user/info/`` with a ``username`` add ``display_name``,
``bio_description`` -> description, ``follower_count`` -> followers, ``is_verified``.
"""

from __future__ import annotations

import polars as pl

from cib_detect.io.formats._common import list_expr
from cib_detect.io.formats._nested import as_text, dtype_at, get, list_of, require_paths

NAME = "tiktok"
SUMMARY = "TikTok Research API video records (.json response, JSON lines, CSV)"
#: The fields each canonical column is read from (``cib-detect formats``, error notes).
FIELDS = {
    "post_id": "id",
    "account_id": "username",
    "timestamp": "create_time (unix seconds)",
    "text": "video_description",
    "hashtags": "hashtag_names",
    "mentions": "video_mention_list",
    "sound_id": "music_id",
    "effect_ids": "effect_ids",
}
REQUIRED = ("id", "username", "create_time")
_MAPPED = {
    "id",
    "username",
    "create_time",
    "video_description",
    "hashtag_names",
    "video_mention_list",
    "music_id",
    "effect_ids",
}


def unpack(document: dict):
    """The videos of a saved Research API response, or None for other documents.

    Examples
    --------
    >>> unpack({"data": {"videos": [{"id": 1}], "has_more": False}})
    [{'id': 1}]
    """
    data = document.get("data")
    if isinstance(data, dict) and isinstance(data.get("videos"), list):
        return data["videos"]
    return None


def _responses(schema) -> bool:
    data = schema.get("data") if hasattr(schema, "get") else None
    return dtype_at(pl.Schema({"data": data}), "data.videos") is not None if data else False


def sniff(columns) -> bool:
    """True for video records (``id``, ``username``, ``create_time``) or responses.

    Examples
    --------
    >>> sniff(["id", "username", "create_time", "music_id"])
    True
    """
    names = set(columns)
    return {"id", "username", "create_time"} <= names or _responses(columns)


def sniff_accounts(columns) -> bool:
    """True for video records, or user-info records that carry a ``username``.

    Examples
    --------
    >>> sniff_accounts(["username", "bio_description", "follower_count"])
    True
    """
    names = set(columns)
    user_info = {"bio_description", "follower_count", "is_verified", "likes_count"}
    return sniff(columns) or ("username" in names and bool(names & user_info))


def _videos(raw: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.Schema]:
    schema = raw.collect_schema()
    if _responses(schema):  # one row per saved response: its videos, one row each
        raw = (
            raw.select(pl.col("data").struct.field("videos"))
            .explode("videos")
            .filter(pl.col("videos").is_not_null())
            .unnest("videos")
        )
        schema = raw.collect_schema()
    return raw, schema


def _list(schema: pl.Schema, name: str, *, hashtags: bool = False) -> pl.Expr | None:
    dtype = schema.get(name)
    if dtype is None:
        return None
    if isinstance(dtype, pl.List | pl.Array):
        return list_of(schema, name)
    return list_expr(name, dtype, hashtags=hashtags)  # CSV: "[a, b]" or JSON text


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map TikTok video records (or saved responses) to canonical posts.

    Examples
    --------
    >>> raw = pl.LazyFrame({"id": [7312345678901234567], "username": ["a"],
    ...     "create_time": [1700000000], "music_id": [6987], "effect_ids": [["1", "2"]]})
    >>> to_posts(raw).collect().row(0)
    ('7312345678901234567', 'a', 1700000000, '6987', ['1', '2'])
    """
    raw, schema = _videos(raw)
    require_paths(schema, REQUIRED, table="posts", fmt=NAME)
    exprs = [
        as_text(get(schema, "id"), schema["id"]).alias("post_id"),
        as_text(get(schema, "username"), schema["username"]).alias("account_id"),
        pl.col("create_time").alias("timestamp"),  # unix seconds, parsed by validation
    ]
    if "video_description" in schema:
        exprs.append(pl.col("video_description").cast(pl.String).alias("text"))
    for source, target in (("hashtag_names", "hashtags"), ("video_mention_list", "mentions")):
        listed = _list(schema, source, hashtags=target == "hashtags")
        if listed is not None:
            exprs.append(listed.alias(target))
    if "music_id" in schema:
        exprs.append(as_text(pl.col("music_id"), schema["music_id"]).alias("sound_id"))
    effects = _list(schema, "effect_ids")
    if effects is not None:
        exprs.append(effects.alias("effect_ids"))
    others = [c for c in schema if c not in _MAPPED]
    return raw.select(*exprs, *others)


_ACCOUNT_FIELDS = {
    "bio_description": "description",
    "follower_count": "followers",
}
_ACCOUNT_EXTRAS = (
    "display_name",
    "is_verified",
    "following_count",
    "likes_count",
    "video_count",
    "bio_url",
    "region_code",
)


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """One account per username, from video records or user-info records.

    Examples
    --------
    >>> raw = pl.LazyFrame({"id": [1, 2], "username": ["a", "a"], "create_time": [5, 9],
    ...                     "region_code": ["FR", "DE"]})
    >>> to_accounts(raw).collect().rows()
    [('a', 'DE', 'DE')]
    """
    raw, schema = _videos(raw)
    require_paths(schema, ["username"], table="accounts", fmt=NAME)
    if "create_time" in schema:  # the profile as of each account's latest video
        raw = raw.sort("create_time", nulls_last=False, maintain_order=True)
    raw = raw.unique(subset="username", keep="last", maintain_order=True)
    exprs = [as_text(pl.col("username"), schema["username"]).alias("account_id")]
    if "region_code" in schema:
        exprs.append(pl.col("region_code").alias("location"))
    exprs += [pl.col(s).alias(t) for s, t in _ACCOUNT_FIELDS.items() if s in schema]
    exprs += [pl.col(s) for s in _ACCOUNT_EXTRAS if s in schema]
    return raw.select(exprs)
