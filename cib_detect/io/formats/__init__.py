"""Adapters from known source formats to the canonical columns, one module each.

Each module has ``NAME``, ``SUMMARY`` (one line), ``FIELDS`` (the source fields each
canonical column is read from, for ``cib-detect formats`` and error messages),
``sniff(schema) -> bool`` (given the source's column names and dtypes, as a
``polars.Schema``) and ``to_posts(raw) -> LazyFrame`` mapping a raw frame lazily to
canonical column names (dtypes are converted afterwards by
:func:`cib_detect.io.validate.validate_posts`); those that describe accounts also have
``sniff_accounts`` and ``to_accounts``, and those whose exports are JSON documents have
``unpack(document) -> list | None`` giving the records of a ``.json`` file
(:mod:`cib_detect.io.formats._documents`).
"""

from __future__ import annotations

from cib_detect.io.formats import (
    bluesky,
    canonical,
    cnt,
    coortweet,
    crowdtangle,
    meta_content_library,
    telegram,
    tiktok,
    twarc_csv,
    twitter_io,
    twitter_v2,
    youtube,
)

#: Known formats, in the order ``format="auto"`` tries them: the most specific first,
#: because the German CooRTweet layout also carries the canonical required columns, and
#: twarc2's CSV also has the columns of flattened v2 tweets.
FORMATS = {
    m.NAME: m
    for m in (
        cnt, coortweet, twitter_io, twarc_csv, twitter_v2, tiktok, bluesky, telegram,
        crowdtangle, meta_content_library, youtube, canonical,
    )
}  # fmt: skip
#: Formats that describe accounts, in the order ``format="auto"`` tries them: canonical
#: first, because a column named ``account_id`` means the canonical layout (no platform
#: export names one so), even beside archive columns such as ``user_screen_name``.
ACCOUNT_FORMATS = {
    m.NAME: m
    for m in (
        canonical, twitter_io, twarc_csv, tiktok, twitter_v2, bluesky, telegram, crowdtangle,
        meta_content_library, youtube,
    )
}  # fmt: skip
#: What unpacks a ``.json`` document into records, format by format.
UNPACKERS = tuple(m.unpack for m in FORMATS.values() if hasattr(m, "unpack"))

__all__ = ["ACCOUNT_FORMATS", "FORMATS", "UNPACKERS", *FORMATS]
