"""Format ``meta_content_library``: Meta Content Library posts (Facebook, Instagram).

The posts the Meta Content Library API returns (and its Researcher Platform exports as
CSV, nested fields flattened to dotted names): ``id``, ``creation_time``, ``text``,
``post_owner`` (``id``, ``name``, ``type``, ``username``), ``link_attachment``
(``link``, ``name``, ``caption``, ``description``), ``statistics``, ``lang``,
``is_branded_content``, ``url``...; as JSON (a list of posts, or ``{"data": [...]}``),
JSON lines or CSV.

Posts: ``id`` -> post_id, ``post_owner.id`` -> account_id, ``creation_time`` (ISO 8601
or unix seconds) -> timestamp, ``text`` -> text, ``link_attachment.link`` -> urls
(links in the text are found later, as for every format). Extras: ``account_name``
(``post_owner.name``), ``account_username`` (``post_owner.username``), ``account_type``
(``post_owner.type``: page, group, profile...), ``language`` (``lang``),
``is_branded_content``, ``post_url`` (``url``), ``link_title`` (``link_attachment.name``).

Accounts (:func:`to_accounts`): one per ``post_owner.id``, with ``name``, ``username``
and ``type`` as extras.
"""

from __future__ import annotations

import polars as pl

from cib_detect.io.formats._nested import concat_lists, get, require_paths, text_at

NAME = "meta_content_library"
SUMMARY = "Meta Content Library posts (Facebook/Instagram; API JSON or exported CSV)"
FIELDS = {
    "post_id": "id",
    "account_id": "post_owner.id",
    "timestamp": "creation_time",
    "text": "text",
    "urls": "link_attachment.link",
}


def unpack(document: dict):
    """The posts of a saved response (``{"data": [post, ...]}`` whose posts carry a
    ``post_owner``), else None.

    Examples
    --------
    >>> unpack({"data": [{"id": "1", "post_owner": {"id": "9"}}]})
    [{'id': '1', 'post_owner': {'id': '9'}}]
    """
    data = document.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict) and "post_owner" in data[0]:
        return data
    return None


def sniff(columns) -> bool:
    """True for posts with ``creation_time`` and a ``post_owner``.

    Examples
    --------
    >>> sniff(["id", "creation_time", "text", "post_owner.id", "link_attachment.link"])
    True
    """
    names = set(columns)
    owner = "post_owner" in names or any(str(n).startswith("post_owner.") for n in names)
    return {"id", "creation_time"} <= names and owner


def sniff_accounts(columns) -> bool:
    """As :func:`sniff`: accounts come from the posts' owners."""
    return sniff(columns)


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map Meta Content Library posts to canonical posts.

    Examples
    --------
    >>> raw = pl.LazyFrame([{"id": "1", "creation_time": "2024-03-01T10:00:00+0000",
    ...     "post_owner": {"id": "77", "name": "Page", "type": "PAGE"},
    ...     "link_attachment": {"link": "https://news.example/a"}}])
    >>> to_posts(raw).collect().select("post_id", "account_id", "urls", "account_type").row(0)
    ('1', '77', ['https://news.example/a'], 'PAGE')
    """
    schema = raw.collect_schema()
    require_paths(schema, ["id", "post_owner.id", "creation_time"], table="posts", fmt=NAME)
    link = text_at(schema, "link_attachment.link")
    exprs = {
        "post_id": text_at(schema, "id"),
        "account_id": text_at(schema, "post_owner.id"),
        "timestamp": get(schema, "creation_time"),
        "text": get(schema, "text"),
        "urls": concat_lists([None if link is None else pl.concat_list(link).list.drop_nulls()]),
        "account_name": text_at(schema, "post_owner.name"),
        "account_username": text_at(schema, "post_owner.username"),
        "account_type": text_at(schema, "post_owner.type"),
        "language": get(schema, "lang"),
        "is_branded_content": get(schema, "is_branded_content"),
        "post_url": text_at(schema, "url"),
        "link_title": text_at(schema, "link_attachment.name"),
    }
    return raw.select(e.alias(n) for n, e in exprs.items() if e is not None)


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """One account per post owner.

    Examples
    --------
    >>> raw = pl.LazyFrame({"id": ["1"], "creation_time": [1700000000],
    ...                     "post_owner.id": ["77"], "post_owner.name": ["Page"]})
    >>> to_accounts(raw).collect().row(0)
    ('77', 'Page')
    """
    posts = to_posts(raw)
    names = {"account_name": "name", "account_username": "username", "account_type": "type"}
    present = [n for n in names if n in posts.collect_schema()]
    return posts.unique(subset="account_id", keep="last", maintain_order=True).select(
        "account_id", *(pl.col(n).alias(names[n]) for n in present)
    )
