"""Format ``twitter_io``: Twitter/X information-operations archive CSVs.

The archive (transparency.twitter.com, 2018-2021) ships a tweets CSV of 31 columns and a
users CSV with the first ten of them minus ``tweetid``. Times are UTC at minute
resolution (``"2017-01-01 12:34"``), lists are written ``[a, b]`` (not JSON), ids of
small accounts are hashed, and mirrors rename or drop columns. Any subset of the columns
works as long as it holds a tweet id, a time and a user id or screen name.

Posts: ``tweetid`` -> post_id, ``userid`` (else ``user_screen_name``) -> account_id,
``tweet_time`` -> timestamp, ``tweet_text`` -> text, ``hashtags``, ``urls`` and
``user_mentions`` -> list columns, ``retweet_tweetid`` of retweets -> repost_of,
``in_reply_to_tweetid`` -> reply_to. Kept as extra columns: ``language``
(tweet_language), ``client`` (tweet_client_name), ``quote_of`` (quoted_tweet_tweetid),
``is_repost`` (is_retweet), ``repost_of_account`` (retweet_userid),
``reply_to_account`` (in_reply_to_userid) and any column that is not an archive column
(such as a ``bot_or_not`` label); the account's profile columns are left to
:func:`to_accounts`.
"""

from __future__ import annotations

import logging

import polars as pl

from cib_detect.io.formats._common import id_expr, is_true, list_expr, require

NAME = "twitter_io"
SUMMARY = "Twitter/X information-operations archive CSVs (tweets and users)"
FIELDS = {
    "post_id": "tweetid",
    "account_id": "userid (else user_screen_name)",
    "timestamp": "tweet_time",
    "text": "tweet_text",
    "hashtags": "hashtags",
    "urls": "urls",
    "mentions": "user_mentions",
    "repost_of": "retweet_tweetid",
    "reply_to": "in_reply_to_tweetid",
}
logger = logging.getLogger("cib_detect")

#: The tweets CSV's columns, in the archive's order.
TWEET_COLUMNS = (
    "tweetid", "userid", "user_display_name", "user_screen_name", "user_reported_location",
    "user_profile_description", "user_profile_url", "follower_count", "following_count",
    "account_creation_date", "account_language", "tweet_language", "tweet_text",
    "tweet_time", "tweet_client_name", "in_reply_to_userid", "in_reply_to_tweetid",
    "quoted_tweet_tweetid", "is_retweet", "retweet_userid", "retweet_tweetid", "latitude",
    "longitude", "quote_count", "reply_count", "like_count", "retweet_count", "hashtags",
    "urls", "user_mentions", "poll_choices",
)  # fmt: skip

#: Other spellings seen in mirrors of the archive -> the archive's own name.
ALIASES = {
    "tweet_id": "tweetid",
    "user_id": "userid",
    "retweet_user_id": "retweet_userid",
    "retweet_tweet_id": "retweet_tweetid",
    "in_reply_to_user_id": "in_reply_to_userid",
    "in_reply_to_tweet_id": "in_reply_to_tweetid",
    "quoted_tweet_tweet_id": "quoted_tweet_tweetid",
    "tweet_lang": "tweet_language",
    "user_mentions_ids": "user_mentions",
}

_ID_EXTRAS = {
    "quoted_tweet_tweetid": "quote_of",
    "retweet_userid": "repost_of_account",
    "in_reply_to_userid": "reply_to_account",
}
_TEXT_EXTRAS = {"tweet_language": "language", "tweet_client_name": "client"}
_ACCOUNT_FIELDS = {
    "account_creation_date": "created_at",
    "user_profile_description": "description",
    "user_reported_location": "location",
    "account_language": "language",
    "follower_count": "followers",
}
_ACCOUNT_EXTRAS = {
    "user_screen_name": "screen_name",
    "user_display_name": "display_name",
    "following_count": "following",
    "user_profile_url": "profile_url",
}


def _with_aliases(raw: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.Schema]:
    names = raw.collect_schema().names()
    renames = {a: n for a, n in ALIASES.items() if a in names and n not in names}
    # pandas writes its index as a nameless first column ("" or "Unnamed: 0"): not data.
    index = [c for c in names if c == "" or c.startswith("Unnamed: ")]
    raw = raw.drop(index).rename(renames)
    return raw, raw.collect_schema()


def _account_column(schema: pl.Schema) -> str:
    # Samples and some mirrors have no userid; the (hashed) screen name identifies the
    # account there, although a real account can change its screen name.
    return "userid" if "userid" in schema else "user_screen_name"


def sniff(columns) -> bool:
    """True for a tweets CSV of the archive: a tweet id and ``tweet_time``.

    Examples
    --------
    >>> sniff(["tweetid", "user_screen_name", "tweet_text", "tweet_time"])
    True
    """
    columns = {ALIASES.get(c, c) for c in columns}
    return {"tweetid", "tweet_time"} <= columns


def sniff_accounts(columns) -> bool:
    """True for a users (or tweets) CSV of the archive: a user id and a profile column.

    Examples
    --------
    >>> sniff_accounts(["userid", "follower_count", "account_creation_date"])
    True
    """
    columns = {ALIASES.get(c, c) for c in columns}
    has_id = bool(columns & {"userid", "user_screen_name"})
    return has_id and bool(columns & set(_ACCOUNT_FIELDS))


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map an archive tweets frame (all columns as read, ideally text) to canonical posts.

    Examples
    --------
    >>> raw = pl.LazyFrame({"tweetid": ["9"], "userid": ["u"], "tweet_time": ["2017-01-01 12:34"],
    ...                     "is_retweet": ["True"], "retweet_tweetid": ["7"],
    ...                     "hashtags": ["[a, b]"]})
    >>> to_posts(raw).collect().row(0)
    ('9', 'u', '2017-01-01 12:34', ['a', 'b'], '7', True)
    """
    raw, schema = _with_aliases(raw)
    require(
        schema, ["tweetid", "tweet_time", ("userid", "user_screen_name")], table="posts", fmt=NAME
    )
    account = _account_column(schema)
    exprs = [
        id_expr("tweetid", schema["tweetid"], numeric=True).alias("post_id"),
        id_expr(account, schema[account], numeric=True).alias("account_id"),
        pl.col("tweet_time").alias("timestamp"),  # parsed by schema validation
    ]
    if "tweet_text" in schema:
        exprs.append(pl.col("tweet_text").alias("text"))
    for source, target in (
        ("hashtags", "hashtags"),
        ("urls", "urls"),
        ("user_mentions", "mentions"),
    ):
        if source in schema:
            parsed = list_expr(
                source, schema[source], urls=source == "urls", hashtags=source == "hashtags"
            )
            exprs.append(parsed.alias(target))
    if "retweet_tweetid" in schema:
        repost = id_expr("retweet_tweetid", schema["retweet_tweetid"], numeric=True)
        if "is_retweet" in schema:  # the flag wins over a stray retweet id
            repost = pl.when(is_true("is_retweet", schema["is_retweet"])).then(repost)
        exprs.append(repost.alias("repost_of"))
    if "in_reply_to_tweetid" in schema:
        exprs.append(
            id_expr("in_reply_to_tweetid", schema["in_reply_to_tweetid"], numeric=True).alias(
                "reply_to"
            )
        )
    if "is_retweet" in schema:
        exprs.append(is_true("is_retweet", schema["is_retweet"]).alias("is_repost"))
    exprs += [
        id_expr(s, schema[s], numeric=True).alias(t) for s, t in _ID_EXTRAS.items() if s in schema
    ]
    exprs += [pl.col(s).alias(t) for s, t in _TEXT_EXTRAS.items() if s in schema]
    produced = {e.meta.output_name() for e in exprs}
    others = [c for c in schema if c not in TWEET_COLUMNS and c not in produced]
    return raw.select(*exprs, *others)


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map an archive users frame to canonical accounts.

    A tweets file works too: it repeats the profile on every tweet, and the profile of
    each account's latest tweet is kept (logged, as this collapses rows on purpose).

    Examples
    --------
    >>> raw = pl.LazyFrame({"userid": ["u", "v"], "follower_count": ["3", "4"],
    ...                     "account_creation_date": ["2014-10-26", "2013-01-02"]})
    >>> to_accounts(raw).collect().columns
    ['account_id', 'created_at', 'followers']
    """
    raw, schema = _with_aliases(raw)
    require(schema, [("userid", "user_screen_name")], table="accounts", fmt=NAME)
    account = _account_column(schema)
    if "tweet_time" in schema:
        logger.info("twitter_io accounts: one profile per account, from its latest tweet")
        raw = raw.sort("tweet_time", nulls_last=False, maintain_order=True).unique(
            subset=account, keep="last", maintain_order=True
        )
    exprs = [id_expr(account, schema[account], numeric=True).alias("account_id")]
    exprs += [pl.col(s).alias(t) for s, t in _ACCOUNT_FIELDS.items() if s in schema]
    exprs += [
        pl.col(s).alias(t) for s, t in _ACCOUNT_EXTRAS.items() if s in schema and s != account
    ]
    return raw.select(exprs)
