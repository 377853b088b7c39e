"""Format ``twitter_v2``: Twitter/X API v2 tweets, raw responses or twarc2's flattened form.

Two layouts, in ``.json`` (one document) or JSON lines files:

- **Raw responses** (``/2/tweets/search/all``, timelines, twarc2's default output): one
  row per response, ``{"data": [tweet, ...], "includes": {"users": [...], "tweets":
  [...], "media": [...]}, "meta": {...}}``. Tweets come from ``data``; each tweet's
  author is looked up in ``includes.users`` by ``author_id``, and a retweet's original
  author in ``includes.tweets``.
- **Flattened** (``twarc2 flatten``): one tweet per line with its author inlined as
  ``author`` and its referenced tweets inlined in ``referenced_tweets``.

Posts: ``id`` -> post_id, ``author_id`` (else ``author.id``) -> account_id,
``created_at`` -> timestamp (requested with ``tweet.fields=created_at``), ``text`` ->
text, ``entities.hashtags[].tag`` -> hashtags, ``entities.urls[].expanded_url`` (else
``url``; links to the tweet's own media left out) -> urls, ``entities.mentions[].username``
-> mentions, ``referenced_tweets`` of type ``retweeted`` -> repost_of and of type
``replied_to`` -> reply_to. Extras: ``quote_of`` (type ``quoted``), ``conversation_id``,
``language`` (``lang``), ``source``, ``reply_to_account`` (``in_reply_to_user_id``),
``repost_of_account`` (the retweeted tweet's author), ``media_keys``
(``attachments.media_keys``: the same key is the same uploaded media, which
``co_key(column="media_keys")`` can follow), and the author's profile as
``username``, ``account_name``, ``account_location``, ``account_description``,
``account_created_at``, ``account_followers``, ``account_verified_type``.

Accounts (:func:`to_accounts`): the users of ``includes.users`` (and of ``data`` in a
users lookup response), or the ``author`` of flattened tweets, or user objects one per
line: ``id`` -> account_id, ``created_at``, ``description``, ``location``,
``public_metrics.followers_count`` -> followers, ``verified_type`` ``"government"`` (X's
grey check for government and multilateral organisations) -> label ``"government
organization"``; extras ``username``, ``name``, ``verified``, ``verified_type``,
``protected``, ``url``.
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
    typed_items,
)

NAME = "twitter_v2"
SUMMARY = "Twitter/X API v2 tweets: raw responses (data + includes) or twarc2 flattened"
FIELDS = {
    "post_id": "data[].id",
    "account_id": "data[].author_id (else author.id)",
    "timestamp": "data[].created_at",
    "text": "data[].text",
    "hashtags": "entities.hashtags[].tag",
    "urls": "entities.urls[].expanded_url",
    "mentions": "entities.mentions[].username",
    "repost_of": "referenced_tweets[type=retweeted].id",
    "reply_to": "referenced_tweets[type=replied_to].id",
}
_TWEET_FIELDS = {
    "text",
    "edit_history_tweet_ids",
    "referenced_tweets",
    "conversation_id",
    "entities",
    "public_metrics",
    "author",
    "attachments",
}
_USER_FIELDS = {"public_metrics", "description", "verified", "verified_type", "protected"}
_HINT = " (request tweet.fields=created_at,author_id,entities,referenced_tweets)"


def _fields(dtype) -> set[str]:
    if isinstance(dtype, pl.List):
        dtype = dtype.inner
    return {f.name for f in dtype.fields} if isinstance(dtype, pl.Struct) else set()


def _responses(schema) -> bool:
    return isinstance(schema.get("data"), pl.List) if hasattr(schema, "get") else False


def sniff(columns) -> bool:
    """True for raw v2 responses (a ``data`` list beside ``includes`` or ``meta``) or
    flattened tweets (``id``, ``created_at``, an author and v2 tweet fields).

    Examples
    --------
    >>> sniff(["id", "text", "author_id", "created_at", "edit_history_tweet_ids"])
    True
    >>> sniff(pl.Schema({"data": pl.List(pl.Struct({"id": pl.String})), "meta": pl.Null}))
    True
    """
    names = set(columns)
    if "data" in names and names & {"includes", "meta", "__twarc"}:
        return _responses(columns) if hasattr(columns, "get") else True
    has_author = bool(names & {"author_id", "author"})
    dotted = any("." in str(n) for n in names)  # flattened to columns: twarc_csv
    tweets = {"id", "created_at"} <= names and has_author and bool(names & _TWEET_FIELDS)
    return tweets and not dotted


def sniff_accounts(columns) -> bool:
    """True for responses, flattened tweets or user objects.

    Examples
    --------
    >>> sniff_accounts(["id", "username", "created_at", "public_metrics"])
    True
    """
    names = set(columns)
    users = {"id", "username", "created_at"} <= names and bool(names & _USER_FIELDS)
    return sniff(columns) or users


def _users(raw: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame | None:
    """The users of ``includes.users`` (and of ``data``, in users lookup responses), one
    row per id (the last seen)."""
    frames = []
    if isinstance(dtype_at(schema, "includes.users"), pl.List):
        frames.append(raw.select(pl.col("includes").struct.field("users").alias("user")))
    if "username" in _fields(schema.get("data")) and "text" not in _fields(schema.get("data")):
        frames.append(raw.select(pl.col("data").alias("user")))
    if not frames:
        return None
    users = pl.concat(frames, how="diagonal_relaxed").explode("user").drop_nulls("user")
    users = users.unnest("user")
    return users.unique(subset="id", keep="last", maintain_order=True)


def _tweets(raw: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.Schema]:
    """Tweets, one per row, with their author as a struct column ``author`` when known."""
    schema = raw.collect_schema()
    if not _responses(schema):
        return raw, schema
    require_paths(schema, ["data"], table="posts", fmt=NAME)
    tweets = raw.select(pl.col("data")).explode("data").drop_nulls("data").unnest("data")
    tweet_schema = tweets.collect_schema()
    users = _users(raw, schema)
    if users is not None and "author_id" in tweet_schema and "author" not in tweet_schema:
        user_schema = users.collect_schema()
        authors = users.select(
            pl.col("id").cast(pl.String).alias("__author_id"),
            pl.struct(user_schema.names()).alias("author"),
        )
        tweets = tweets.join(
            authors,
            left_on=pl.col("author_id").cast(pl.String),
            right_on="__author_id",
            how="left",
            maintain_order="left",
        ).drop("__author_id", strict=False)
    originals = dtype_at(schema, "includes.tweets")
    if isinstance(originals, pl.List) and {"id", "author_id"} <= _fields(originals):
        included = (
            raw.select(pl.col("includes").struct.field("tweets").alias("t"))
            .explode("t")
            .drop_nulls("t")
            .select(
                pl.col("t").struct.field("id").cast(pl.String).alias("__ref_id"),
                pl.col("t").struct.field("author_id").cast(pl.String).alias("__ref_author"),
            )
            .unique(subset="__ref_id", keep="last", maintain_order=True)
        )
        tweets = tweets.with_columns(_repost_of(tweets.collect_schema()).alias("__repost_of"))
        tweets = tweets.join(
            included,
            left_on="__repost_of",
            right_on="__ref_id",
            how="left",
            maintain_order="left",
        ).drop("__repost_of")
    return tweets, tweets.collect_schema()


def _referenced(schema: pl.Schema, kind: str) -> pl.Expr | None:
    found = typed_items(schema, "referenced_tweets", key="type", value=kind, field="id")
    return None if found is None else found.list.first()


def _repost_of(schema: pl.Schema) -> pl.Expr:
    found = _referenced(schema, "retweeted")
    return pl.lit(None, dtype=pl.String) if found is None else found


def _urls(schema: pl.Schema) -> pl.Expr | None:
    dtype = dtype_at(schema, "entities.urls")
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Null):
        return concat_lists([])  # only empty lists in the data
    fields = _fields(dtype)
    if not fields & {"expanded_url", "url"}:
        return None
    item = pl.element().struct
    link = pl.coalesce([item.field(f) for f in ("expanded_url", "url") if f in fields])
    if "media_key" in fields:  # the tweet's own photo or video page: not a shared link
        link = pl.when(item.field("media_key").is_null()).then(link)
    return concat_lists([get(schema, "entities.urls").list.eval(link.cast(pl.String))])


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map v2 responses or flattened tweets to canonical posts.

    Examples
    --------
    >>> raw = pl.LazyFrame([{"data": [{"id": "2", "author_id": "9", "text": "hi #a",
    ...     "created_at": "2023-01-01T00:00:00.000Z",
    ...     "entities": {"hashtags": [{"start": 3, "end": 5, "tag": "a"}]}}],
    ...     "includes": {"users": [{"id": "9", "username": "x"}]}}])
    >>> to_posts(raw).collect().select("post_id", "account_id", "hashtags", "username").row(0)
    ('2', '9', ['a'], 'x')
    """
    tweets, schema = _tweets(raw)
    require_paths(
        schema,
        ["id", ("author_id", "author.id"), "created_at"],
        table="posts",
        fmt=NAME,
        hint=_HINT,
    )
    exprs = [
        text_at(schema, "id").alias("post_id"),
        text_at(schema, "author_id", "author.id").alias("account_id"),
        pl.col("created_at").alias("timestamp"),
    ]
    optional = {
        "text": get(schema, "text"),
        "hashtags": list_of(schema, "entities.hashtags", "tag"),
        "urls": _urls(schema),
        "mentions": list_of(schema, "entities.mentions", "username"),
        "repost_of": _referenced(schema, "retweeted"),
        "reply_to": _referenced(schema, "replied_to"),
        "quote_of": _referenced(schema, "quoted"),
        "conversation_id": text_at(schema, "conversation_id"),
        "language": get(schema, "lang"),
        "source": get(schema, "source"),
        "reply_to_account": text_at(schema, "in_reply_to_user_id"),
        "repost_of_account": text_at(schema, "__ref_author"),
        "media_keys": list_of(schema, "attachments.media_keys"),
        "username": text_at(schema, "author.username"),
        "account_name": get(schema, "author.name"),
        "account_location": get(schema, "author.location"),
        "account_description": get(schema, "author.description"),
        "account_created_at": get(schema, "author.created_at"),
        "account_followers": get(schema, "author.public_metrics.followers_count"),
        "account_verified_type": get(schema, "author.verified_type"),
    }
    if optional["repost_of_account"] is None and optional["repost_of"] is not None:
        # flattened tweets inline the retweeted tweet, author_id included
        inline = typed_items(
            schema, "referenced_tweets", key="type", value="retweeted", field="author_id"
        )
        optional["repost_of_account"] = None if inline is None else inline.list.first()
    exprs += [e.alias(name) for name, e in optional.items() if e is not None]
    return tweets.select(exprs)


def _label(schema: pl.Schema) -> pl.Expr | None:
    kind = get(schema, "verified_type")
    if kind is None:
        return None
    return pl.when(kind == "government").then(pl.lit("government organization"))


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map the users of v2 responses (``includes.users``), flattened tweets' authors or
    user objects to canonical accounts.

    Examples
    --------
    >>> raw = pl.LazyFrame([{"data": [{"id": "2", "author_id": "9"}],
    ...     "includes": {"users": [{"id": "9", "username": "mfa", "verified_type": "government",
    ...                             "public_metrics": {"followers_count": 12}}]}}])
    >>> to_accounts(raw).collect().select("account_id", "label", "followers").row(0)
    ('9', 'government organization', 12)
    """
    schema = raw.collect_schema()
    if _responses(schema):
        users = _users(raw, schema)
        if users is None:
            require_paths(
                schema,
                ["includes.users"],
                table="accounts",
                fmt=NAME,
                hint=" (request expansions=author_id)",
            )
    elif "author" in schema and isinstance(schema["author"], pl.Struct):
        users = raw.select(pl.col("author")).drop_nulls("author").unnest("author")
        users = users.unique(subset="id", keep="last", maintain_order=True)
    else:
        users = raw
    schema = users.collect_schema()
    require_paths(schema, ["id"], table="accounts", fmt=NAME)
    exprs = {
        "account_id": text_at(schema, "id"),
        "created_at": get(schema, "created_at"),
        "label": _label(schema),
        "description": get(schema, "description"),
        "location": get(schema, "location"),
        "followers": get(schema, "public_metrics.followers_count"),
        "username": get(schema, "username"),
        "name": get(schema, "name"),
        "verified": get(schema, "verified"),
        "verified_type": get(schema, "verified_type"),
        "protected": get(schema, "protected"),
        "url": get(schema, "url"),
    }
    return users.select(e.alias(name) for name, e in exprs.items() if e is not None)
