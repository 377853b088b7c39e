"""Format ``twarc_csv``: the CSV that ``twarc2 csv`` (DocNow/twarc-csv) writes from v2 tweets.

One row per tweet, nested fields flattened into dotted column names
(``referenced_tweets.retweeted.id``, ``author.username``,
``author.public_metrics.followers_count``), lists as JSON text (``["#tag", ...]``,
``["@user"]``, expanded URLs), newlines in text written as ``\\n``. Any subset of the
columns works as long as it holds ``id``, ``created_at`` and ``author_id`` (or
``author.id``).

Posts: ``id`` -> post_id, ``author_id`` (else ``author.id``) -> account_id,
``created_at`` -> timestamp, ``text`` -> text (``\\n`` back to newlines),
``entities.hashtags`` -> hashtags, ``entities.urls`` -> urls, ``entities.mentions`` ->
mentions (without ``@``), ``referenced_tweets.retweeted.id`` -> repost_of,
``referenced_tweets.replied_to.id`` -> reply_to. Extras: ``quote_of``
(``referenced_tweets.quoted.id``), ``conversation_id``, ``language`` (``lang``),
``source``, ``reply_to_account`` (``in_reply_to_user_id``), ``repost_of_account``
(``retweeted_user_id``), ``media_keys`` (``attachments.media_keys``), and the author's
``username``, ``account_name``, ``account_location``, ``account_description``,
``account_created_at``, ``account_followers``, ``account_verified_type``.

Accounts (:func:`to_accounts`): the ``author.*`` columns of a tweets CSV (each author's
profile as of their latest tweet) or a users CSV (``twarc2 csv --input-data-type
users``: ``id``, ``username``, ``created_at``...): id -> account_id, created_at,
description, location, public_metrics.followers_count -> followers, verified_type
``government`` -> label ``"government organization"``; extras username, name, verified,
verified_type, protected, url.
"""

from __future__ import annotations

import logging

import polars as pl

from cib_detect.io.formats._common import id_expr, list_expr, require

NAME = "twarc_csv"
SUMMARY = "twarc2 csv: v2 tweets (or users) flattened to dotted columns"
FIELDS = {
    "post_id": "id",
    "account_id": "author_id (else author.id)",
    "timestamp": "created_at",
    "text": "text",
    "hashtags": "entities.hashtags",
    "urls": "entities.urls",
    "mentions": "entities.mentions",
    "repost_of": "referenced_tweets.retweeted.id",
    "reply_to": "referenced_tweets.replied_to.id",
}
logger = logging.getLogger("cib_detect")

_IDS = {
    "referenced_tweets.retweeted.id": "repost_of",
    "referenced_tweets.replied_to.id": "reply_to",
    "referenced_tweets.quoted.id": "quote_of",
    "conversation_id": "conversation_id",
    "in_reply_to_user_id": "reply_to_account",
    "retweeted_user_id": "repost_of_account",
}
_TEXTS = {
    "lang": "language",
    "source": "source",
    "author.username": "username",
    "author.name": "account_name",
    "author.location": "account_location",
    "author.description": "account_description",
    "author.created_at": "account_created_at",
    "author.public_metrics.followers_count": "account_followers",
    "author.verified_type": "account_verified_type",
}
_PREFIXES = ("referenced_tweets.", "author.", "entities.", "public_metrics.", "attachments.")
_USER_COLUMNS = {
    "created_at": "created_at",
    "description": "description",
    "location": "location",
    "public_metrics.followers_count": "followers",
}
_USER_EXTRAS = ("username", "name", "verified", "verified_type", "protected", "url")


def _dotted(names) -> bool:
    return any(str(n).startswith(_PREFIXES) for n in names)


def sniff(columns) -> bool:
    """True for a twarc2 tweets CSV: ``id``, ``created_at``, an author id and dotted
    v2 columns.

    Examples
    --------
    >>> sniff(["id", "author_id", "created_at", "text", "referenced_tweets.retweeted.id"])
    True
    """
    names = set(columns)
    has_author = bool(names & {"author_id", "author.id"})
    return {"id", "created_at"} <= names and has_author and _dotted(names)


def sniff_accounts(columns) -> bool:
    """True for a twarc2 tweets CSV (its author columns) or users CSV.

    Examples
    --------
    >>> sniff_accounts(["id", "username", "created_at", "public_metrics.followers_count"])
    True
    """
    names = set(columns)
    return sniff(columns) or ({"id", "username"} <= names and _dotted(names))


def _unescape(expr: pl.Expr) -> pl.Expr:
    # twarc-csv writes a newline as the two characters backslash and n
    return expr.cast(pl.String).str.replace_all(r"\n", "\n", literal=True)


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map a twarc2 tweets CSV (read as text) to canonical posts.

    Examples
    --------
    >>> raw = pl.LazyFrame({"id": ["2"], "author_id": ["9"], "created_at": ["2023-01-01T00:00:00Z"],
    ...     "entities.mentions": ['["@ann"]'], "referenced_tweets.retweeted.id": ["1"]})
    >>> to_posts(raw).collect().row(0)
    ('2', '9', '2023-01-01T00:00:00Z', ['ann'], '1')
    """
    schema = raw.collect_schema()
    require(schema, ["id", "created_at", ("author_id", "author.id")], table="posts", fmt=NAME)
    author = "author_id" if "author_id" in schema else "author.id"
    exprs = [
        id_expr("id", schema["id"], numeric=True).alias("post_id"),
        id_expr(author, schema[author], numeric=True).alias("account_id"),
        pl.col("created_at").alias("timestamp"),
    ]
    if "text" in schema:
        exprs.append(_unescape(pl.col("text")).alias("text"))
    for source, target in (("entities.hashtags", "hashtags"), ("entities.urls", "urls")):
        if source in schema:
            parsed = list_expr(
                source, schema[source], urls=target == "urls", hashtags=target == "hashtags"
            )
            exprs.append(parsed.alias(target))
    if "entities.mentions" in schema:
        mentions = list_expr("entities.mentions", schema["entities.mentions"])
        exprs.append(mentions.list.eval(pl.element().str.strip_prefix("@")).alias("mentions"))
    ids = [(s, t) for s, t in _IDS.items() if s in schema]
    exprs += [id_expr(s, schema[s], numeric=True).alias(t) for s, t in ids]
    if "attachments.media_keys" in schema:
        keys = list_expr("attachments.media_keys", schema["attachments.media_keys"])
        exprs.append(keys.alias("media_keys"))
    exprs += [pl.col(s).alias(t) for s, t in _TEXTS.items() if s in schema]
    return raw.select(exprs)


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map a twarc2 users CSV, or the author columns of a tweets CSV, to accounts.

    Examples
    --------
    >>> raw = pl.LazyFrame({"id": ["1", "2"], "author_id": ["9", "9"],
    ...     "created_at": ["2023-01-01", "2023-01-02"], "referenced_tweets.quoted.id": [None, None],
    ...     "author.location": ["Paris", "Lyon"]})
    >>> to_accounts(raw).collect().rows()
    [('9', 'Lyon')]
    """
    schema = raw.collect_schema()
    if sniff(schema):  # a tweets CSV: each author's profile as of their latest tweet
        logger.info("twarc_csv accounts: one profile per author, from their latest tweet")
        author = "author_id" if "author_id" in schema else "author.id"
        latest = raw.sort("created_at", nulls_last=False, maintain_order=True).unique(
            subset=author, keep="last", maintain_order=True
        )
        renamed = {c: c.removeprefix("author.") for c in schema if c.startswith("author.")}
        users = latest.select(
            pl.col(author).alias("id"),
            *(pl.col(c).alias(n) for c, n in renamed.items() if n != "id"),
        )
    else:
        users = raw
    schema = users.collect_schema()
    require(schema, ["id"], table="accounts", fmt=NAME)
    exprs = [id_expr("id", schema["id"], numeric=True).alias("account_id")]
    exprs += [pl.col(s).alias(t) for s, t in _USER_COLUMNS.items() if s in schema]
    if "verified_type" in schema:
        government = pl.col("verified_type").cast(pl.String).str.to_lowercase() == "government"
        exprs.append(pl.when(government).then(pl.lit("government organization")).alias("label"))
    exprs += [pl.col(s) for s in _USER_EXTRAS if s in schema]
    return users.select(exprs)
