"""Adapters from known source formats to the canonical columns, one module each.

Each module has ``NAME``, ``sniff(columns) -> bool`` and ``to_posts(raw) -> LazyFrame``
mapping a raw frame lazily to canonical column names (dtypes are converted afterwards by
:func:`cib_detect.io.validate.validate_posts`); those that describe accounts also have
``sniff_accounts`` and ``to_accounts``.
"""

from __future__ import annotations

from cib_detect.io.formats import canonical, cnt, coortweet, twitter_io

#: Known formats, in the order ``format="auto"`` tries them: the most specific first,
#: because the German CooRTweet layout also carries the canonical required columns.
FORMATS = {m.NAME: m for m in (cnt, coortweet, twitter_io, canonical)}
#: Formats that describe accounts, in the order ``format="auto"`` tries them: canonical
#: first, because a column named ``account_id`` means the canonical layout (no platform
#: export names one so), even beside archive columns such as ``user_screen_name``.
ACCOUNT_FORMATS = {m.NAME: m for m in (canonical, twitter_io)}

__all__ = ["ACCOUNT_FORMATS", "FORMATS", "canonical", "cnt", "coortweet", "twitter_io"]
