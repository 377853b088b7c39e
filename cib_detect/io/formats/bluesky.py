"""Format ``bluesky``: Bluesky (AT Protocol) post and repost records.

Records of the lexicons ``app.bsky.feed.post`` and ``app.bsky.feed.repost``, in any of
the forms they are collected in (``.json`` documents or JSON lines):

- **post views** (``app.bsky.feed.searchPosts``, ``getPosts``: ``{"posts": [...]}``):
  ``uri``, ``author`` (``did``, ``handle``), ``record`` (the post itself), ``indexedAt``;
- **feed items** (``app.bsky.feed.getAuthorFeed``, ``getTimeline``: ``{"feed": [...]}``):
  ``post`` (a post view) and ``reason``; a ``reasonRepost`` is a repost by
  ``reason.by.did`` at ``reason.indexedAt``, read as a post of its own (post_id
  ``reason.uri``, else ``"repost:" + did + ":" + uri``) reposting ``post.uri``;
- **repository records** (``com.atproto.repo.listRecords``: ``{"records": [...]}``):
  ``uri`` and ``value`` (the record); the author's DID is the authority of the ``at://``
  URI;
- **Jetstream events**: ``did``, ``commit`` (``operation``, ``collection``, ``rkey``,
  ``record``); only ``create`` operations are posts;
- **flat records**: ``uri``, the author as ``did`` or ``author``, and the record's own
  fields (``createdAt``, ``text``, ``facets``...) beside them.

Posts: ``uri`` -> post_id (the ``at://`` URI, which names its author and is unique),
the author's ``did`` -> account_id (a DID stays when a handle changes), ``createdAt`` ->
timestamp, ``text`` -> text, facet features ``#tag`` and the record's ``tags`` ->
hashtags, facet ``#link`` features and external embeds (``embed.external.uri``) -> urls,
facet ``#mention`` DIDs -> mentions, ``subject.uri`` of a repost -> repost_of,
``reply.parent.uri`` -> reply_to, image and video blobs' CIDs (``embed.images[].image.ref``,
``embed.video.ref``; the CID is a hash of the file's bytes, so the same CID is the same
file) -> media_hashes. Extras: ``quote_of`` (``embed.record.uri``, a quote post),
``reply_root`` (``reply.root.uri``), ``handle``, ``langs``, ``cid``, ``indexed_at``.
Records of other types (likes, follows) and Jetstream deletions are left out.

Accounts (:func:`to_accounts`): the ``author`` of post views (``did`` -> account_id,
``createdAt`` -> created_at, ``description``, extras ``handle``, ``display_name``), or
profile views one per row (``did``, ``handle``, ``displayName``, ``description``,
``followersCount`` -> followers, ``createdAt``).
"""

from __future__ import annotations

import polars as pl

from cib_detect.io.formats._nested import (
    concat_lists,
    dtype_at,
    get,
    list_of,
    require_paths,
    text_at,
)

NAME = "bluesky"
SUMMARY = "Bluesky / AT Protocol app.bsky.feed.post and .repost records (views, repo, Jetstream)"
FIELDS = {
    "post_id": "uri",
    "account_id": "did / author.did",
    "timestamp": "record.createdAt",
    "text": "record.text",
    "hashtags": "record.facets[].features[#tag].tag, record.tags",
    "urls": "record.facets[].features[#link].uri, record.embed.external.uri",
    "mentions": "record.facets[].features[#mention].did",
    "repost_of": "record.subject.uri (app.bsky.feed.repost)",
    "reply_to": "record.reply.parent.uri",
    "media_hashes": "record.embed.images[].image.ref.$link",
}
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
_FACET = "app.bsky.richtext.facet#"
_REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
_UNPACKED = ("feed", "posts", "records")


def unpack(document: dict):
    """The items of a saved feed, search, getPosts or listRecords response.

    Examples
    --------
    >>> unpack({"feed": [{"post": {}}], "cursor": "x"})
    [{'post': {}}]
    """
    for key in _UNPACKED:
        items = document.get(key)
        if isinstance(items, list) and (
            not items or (isinstance(items[0], dict) and _looks_like_item(items[0]))
        ):
            return items
    return None


def _looks_like_item(item: dict) -> bool:
    return "post" in item or str(item.get("uri", "")).startswith("at://")


def _layout(schema) -> str | None:
    names = set(schema)
    if "post" in names and dtype_at(pl.Schema(dict(schema)), "post.uri") is not None:
        return "feed"
    if {"did", "commit"} <= names:
        return "jetstream"
    if "uri" in names and "record" in names:
        return "view"
    if "uri" in names and "value" in names:
        return "repo"
    if "uri" in names and names & {"createdAt", "subject"} and names & {"did", "author"}:
        return "flat"
    return None


def sniff(columns) -> bool:
    """True for post views, feed items, repository records, Jetstream events or flat
    records.

    Examples
    --------
    >>> sniff(["uri", "cid", "author", "record", "indexedAt"])
    True
    >>> sniff(["did", "time_us", "kind", "commit"])
    True
    """
    if not hasattr(columns, "get"):
        columns = dict.fromkeys(columns, pl.Null)
    return _layout(columns) is not None


def sniff_accounts(columns) -> bool:
    """True for posts in any layout, or profile views (``did`` and ``handle``).

    Examples
    --------
    >>> sniff_accounts(["did", "handle", "displayName", "followersCount"])
    True
    """
    return sniff(columns) or {"did", "handle"} <= set(columns)


def _records(raw: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame | None]:
    """Rows with ``uri``, ``did``, ``handle``, ``indexed_at`` and ``record`` (a struct, or
    the row's own fields in the flat layout), and feed reposts as canonical rows."""
    schema = raw.collect_schema()
    layout = _layout(schema)
    reposts = None
    if layout == "feed":
        reposts = _feed_reposts(raw, schema)
        # a feed shows a post again for each repost of it: one row per post
        raw = raw.select(pl.col("post")).drop_nulls("post").unnest("post")
        raw = raw.unique(subset="uri", keep="first", maintain_order=True)
        schema = raw.collect_schema()
        layout = "view"
    if layout == "jetstream":
        require_paths(
            schema, ["commit.collection", "commit.rkey", "commit.record"], table="posts", fmt=NAME
        )
        commit = pl.col("commit").struct
        operation = get(schema, "commit.operation")
        if operation is not None:
            raw = raw.filter(operation == "create")
        raw = raw.select(
            pl.concat_str(
                pl.lit("at://"),
                pl.col("did"),
                pl.lit("/"),
                commit.field("collection"),
                pl.lit("/"),
                commit.field("rkey"),
            ).alias("uri"),
            pl.col("did").cast(pl.String),
            commit.field("cid").alias("cid") if dtype_at(schema, "commit.cid") else pl.lit(None),
            commit.field("record").alias("record"),
        )
        return raw, reposts
    if layout == "repo":
        raw = raw.rename({"value": "record"})
    if layout in ("view", "repo"):
        schema = raw.collect_schema()
        did = text_at(schema, "author.did", "did")
        if did is None:
            did = pl.col("uri").str.extract(r"^at://([^/]+)/", 1)
        keep = [pl.col("uri"), did.alias("did"), pl.col("record")]
        extras = {
            "handle": get(schema, "author.handle"),
            "cid": get(schema, "cid"),
            "indexed_at": get(schema, "indexedAt"),
        }
        keep += [e.alias(n) for n, e in extras.items() if e is not None]
        return raw.select(keep), reposts
    if layout == "flat":
        did = text_at(schema, "did", "author.did")
        if did is None and schema.get("author") == pl.String:
            did = pl.col("author")
        if did is None:
            did = pl.col("uri").str.extract(r"^at://([^/]+)/", 1)
        fields = [c for c in schema if c not in ("uri", "did", "author", "handle", "cid")]
        keep = [pl.col("uri"), did.alias("did"), pl.struct(fields).alias("record")]
        extras = {"handle": text_at(schema, "handle", "author.handle"), "cid": get(schema, "cid")}
        keep += [e.alias(n) for n, e in extras.items() if e is not None]
        return raw.select(keep), reposts
    require_paths(schema, ["uri", ("record", "value", "post", "commit")], table="posts", fmt=NAME)
    return raw, reposts


def _feed_reposts(raw: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame | None:
    """The reposts a feed shows (``reason`` of type reasonRepost) as canonical rows."""
    if dtype_at(schema, "reason.by.did") is None or dtype_at(schema, "reason.$type") is None:
        return None
    reason = pl.col("reason").struct
    by = reason.field("by").struct.field("did").cast(pl.String)
    subject = pl.col("post").struct.field("uri").cast(pl.String)
    synthetic = pl.concat_str(pl.lit("repost:"), by, pl.lit(":"), subject)
    uri = text_at(schema, "reason.uri")
    handle = get(schema, "reason.by.handle")
    return raw.filter(reason.field("$type") == _REASON_REPOST).select(
        (synthetic if uri is None else pl.coalesce(uri, synthetic)).alias("post_id"),
        by.alias("account_id"),
        get(schema, "reason.indexedAt").alias("timestamp"),
        subject.alias("repost_of"),
        *([] if handle is None else [handle.cast(pl.String).alias("handle")]),
    )


def _feature_values(schema: pl.Schema, facets: str, kind: str, field: str) -> pl.Expr | None:
    dtype = dtype_at(schema, facets)
    if not isinstance(dtype, pl.List) or not isinstance(dtype.inner, pl.Struct):
        return None
    inner = {f.name: f.dtype for f in dtype.inner.fields}.get("features")
    if not isinstance(inner, pl.List) or not isinstance(inner.inner, pl.Struct):
        return None
    names = {f.name for f in inner.inner.fields}
    if field not in names or "$type" not in names:
        return None
    item = pl.element()
    flat = get(schema, facets).list.eval(item.struct.field("features").explode())
    chosen = item.filter(item.struct.field("$type") == _FACET + kind).struct.field(field)
    return flat.list.eval(chosen.cast(pl.String)).list.drop_nulls()


def _blob_cids(schema: pl.Schema, path: str) -> list[pl.Expr]:
    """CIDs of the image blobs in the list at ``path`` (``{image: {ref: {$link}}}``)."""
    found = []
    for field in ("image.ref.$link", "image.cid", "image.ref"):
        dtype = dtype_at(schema, path)
        if not isinstance(dtype, pl.List) or not isinstance(dtype.inner, pl.Struct):
            return found
        inner = pl.Schema({f.name: f.dtype for f in dtype.inner.fields})
        if dtype_at(inner, field) not in (pl.String, pl.String()):
            continue
        expr = pl.element()
        for name in field.split("."):
            expr = expr.struct.field(name)
        found.append(get(schema, path).list.eval(expr))
    return found


def _blob_cid(schema: pl.Schema, path: str) -> list[pl.Expr]:
    """The CID of one blob at ``path`` (a video), as a one-item list."""
    for field in ("ref.$link", "cid", "ref"):
        if dtype_at(schema, f"{path}.{field}") in (pl.String, pl.String()):
            return [pl.concat_list(get(schema, f"{path}.{field}")).list.drop_nulls()]
    return []


def _map_records(rows: pl.LazyFrame) -> pl.LazyFrame:
    schema = rows.collect_schema()
    flat = schema.get("record")
    if not isinstance(flat, pl.Struct):
        require_paths(schema, ["record.createdAt"], table="posts", fmt=NAME)
    require_paths(
        schema,
        ["uri", "record.createdAt"],
        table="posts",
        fmt=NAME,
        hint=" (every app.bsky.feed.post record has one)",
    )
    kind = get(schema, "record.$type")
    if kind is not None:
        rows = rows.filter(kind.is_null() | kind.is_in([POST, REPOST]))
    r = "record."
    facets = r + "facets"
    urls = [
        _feature_values(schema, facets, "link", "uri"),
        *(
            pl.concat_list(e).list.drop_nulls()
            for e in (
                text_at(schema, r + "embed.external.uri"),
                text_at(schema, r + "embed.media.external.uri"),
            )
            if e is not None
        ),
    ]
    hashtags = [_feature_values(schema, facets, "tag", "tag"), list_of(schema, r + "tags")]
    media = [
        *_blob_cids(schema, r + "embed.images"),
        *_blob_cids(schema, r + "embed.media.images"),
        *_blob_cid(schema, r + "embed.video"),
        *_blob_cid(schema, r + "embed.media.video"),
    ]
    exprs = {
        "post_id": pl.col("uri").cast(pl.String),
        "account_id": pl.col("did").cast(pl.String),
        "timestamp": get(schema, r + "createdAt"),
        "text": get(schema, r + "text"),
        "hashtags": concat_lists(hashtags),
        "urls": concat_lists(urls),
        "mentions": concat_lists([_feature_values(schema, facets, "mention", "did")]),
        "repost_of": text_at(schema, r + "subject.uri"),
        "reply_to": text_at(schema, r + "reply.parent.uri"),
        "media_hashes": concat_lists(media),
        "quote_of": text_at(schema, r + "embed.record.uri", r + "embed.record.record.uri"),
        "reply_root": text_at(schema, r + "reply.root.uri"),
        "handle": get(schema, "handle"),
        "langs": list_of(schema, r + "langs"),
        "cid": text_at(schema, "cid"),
        "indexed_at": get(schema, "indexed_at"),
    }
    return rows.select(e.alias(n) for n, e in exprs.items() if e is not None)


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map Bluesky records, in any of the layouts above, to canonical posts.

    Examples
    --------
    >>> raw = pl.LazyFrame([{"uri": "at://did:plc:a/app.bsky.feed.post/1",
    ...     "author": {"did": "did:plc:a", "handle": "a.bsky.social"},
    ...     "record": {"$type": "app.bsky.feed.post", "text": "hi",
    ...                "createdAt": "2024-05-01T00:00:00Z",
    ...                "reply": {"parent": {"uri": "at://did:plc:b/app.bsky.feed.post/9"}}}}])
    >>> to_posts(raw).collect().select("account_id", "reply_to", "handle").row(0)
    ('did:plc:a', 'at://did:plc:b/app.bsky.feed.post/9', 'a.bsky.social')
    """
    rows, reposts = _records(raw)
    posts = _map_records(rows)
    if reposts is None:
        return posts
    return pl.concat([posts, reposts], how="diagonal_relaxed")


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map the authors of Bluesky post views, or profile views, to canonical accounts.

    Examples
    --------
    >>> raw = pl.LazyFrame([{"did": "did:plc:a", "handle": "a.bsky.social",
    ...                      "description": "Official account of the Ministry"}])
    >>> to_accounts(raw).collect().row(0)
    ('did:plc:a', 'Official account of the Ministry', 'a.bsky.social')
    """
    schema = raw.collect_schema()
    if _layout(schema) == "feed":
        raw = raw.select(pl.col("post")).drop_nulls("post").unnest("post")
        schema = raw.collect_schema()
    if isinstance(schema.get("author"), pl.Struct):
        raw = raw.select(pl.col("author")).drop_nulls("author").unnest("author")
        schema = raw.collect_schema()
    require_paths(schema, ["did"], table="accounts", fmt=NAME)
    raw = raw.unique(subset="did", keep="last", maintain_order=True)
    exprs = {
        "account_id": text_at(schema, "did"),
        "created_at": get(schema, "createdAt"),
        "description": get(schema, "description"),
        "followers": get(schema, "followersCount"),
        "handle": get(schema, "handle"),
        "display_name": get(schema, "displayName"),
    }
    return raw.select(e.alias(n) for n, e in exprs.items() if e is not None)
