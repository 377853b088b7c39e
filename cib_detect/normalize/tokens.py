"""Hashtags, mentions and URLs found in post text."""

from __future__ import annotations

import polars as pl

from cib_detect.normalize._common import (
    EMPTY_LIST,
    INVISIBLE,
    as_expr,
    unicode_fold,
)
from cib_detect.normalize.text import URL_START

__all__ = ["extract_hashtags", "extract_mentions", "extract_urls", "normalize_hashtag"]

# Regexes are Rust `regex` syntax (polars). It has no look-behind, so "not preceded by"
# rules are written as alternatives that also match the unwanted context (a URL, the word
# before a '#', an HTML entity); matches that do not start with the marker are dropped.
_SKIP_URL = URL_START + r"\S+"
# A character of a tag: a word character, or an invisible one (a zero-width space inside
# "#vo\u200bte" must not cut the tag short: unicode_fold deletes it afterwards, as
# normalize_text does for co_text). A nested class: INVISIBLE is itself [...].
_TAG_CHAR = rf"[\w{INVISIBLE}]"
# Hashtags: '#' or '＃' not preceded by a word character, '&' (HTML entities "&#39;") or
# '/' (URL fragments "x.com/#top", also without a scheme), then tag characters with at
# least one letter or mark: "#1" is no hashtag (as on Twitter), "#2024vote" is.
_HASHTAG_CANDIDATES = (
    rf"{_SKIP_URL}|[&/][#＃]{_TAG_CHAR}+|\w*[#＃]{_TAG_CHAR}*[\p{{L}}\p{{M}}]{_TAG_CHAR}*"
)
# Mentions: '@' or '＠' not preceded by a word character (e-mail addresses) or '/'
# (medium.com/@user), a handle, optionally a fediverse instance ("@a@mastodon.social").
_MENTION_CANDIDATES = (
    rf"{_SKIP_URL}|/[@＠]{_TAG_CHAR}+|\w*[@＠]{_TAG_CHAR}+(?:@[\w-]+(?:\.[\w-]+)+)?"
)
# URLs in running text. The body stops at whitespace, angle brackets, quotes, braces and
# the ellipsis of truncated tweets; parentheses are part of it only when balanced
# (Wikipedia links), and the last character may not be closing punctuation.
_URL_BAD = r"\s<>\"(){}\x{201C}\x{201D}\x{AB}\x{BB}\x{2026}"
_URL_PARENS = r"\([^\s<>\"()]*\)"
_URL_RE = (
    rf"{URL_START}(?:[^{_URL_BAD}]|{_URL_PARENS})*"
    rf"(?:[^{_URL_BAD}.,!?;:'\x{{2019}}*\]]|{_URL_PARENS})"
)


def _extract_prefixed(expr: pl.Expr, pattern: str, markers: tuple[str, ...]) -> pl.Expr:
    """The matches of ``pattern`` that start with one of ``markers``, without the marker,
    case-folded. Rows without a marker character skip the regex. Tags are short, so all
    take the Unicode path: a ``when`` inside ``list.eval`` costs more than it saves."""
    element = pl.element()
    starts = pl.any_horizontal([element.str.starts_with(marker) for marker in markers])
    tags = unicode_fold(element.filter(starts).str.slice(1))
    found = expr.str.extract_all(pattern).list.eval(tags)
    has_marker = expr.str.contains("|".join(markers))
    # The first `then` names the output, so the input column's name is kept.
    return pl.when(has_marker).then(found).when(expr.is_not_null()).then(EMPTY_LIST)


def extract_hashtags(text) -> pl.Expr:
    """Hashtags of each text, normalised as by :func:`normalize_hashtag`, in order of
    appearance (repeats kept: ``hashtag_sequence`` needs the order).

    A hashtag is ``#`` (or the full-width ``＃``) not preceded by a letter, digit, ``_``,
    ``&`` or ``/``, followed by letters, combining marks, digits and underscores of any
    script, with at least one letter or mark: ``#1`` is no hashtag (as on Twitter),
    ``#2024vote`` is. Fragments of URLs (``https://x.com/#top``) and HTML entities
    (``&#39;``) are not hashtags. ``#a#b`` gives ``a`` and ``b``. Invisible characters
    inside a tag (zero-width space, joiners, word joiner, BOM: the ones
    :func:`~cib_detect.normalize.normalize_text` deletes) are part of it and deleted, so
    ``"#vo\\u200bte"`` is ``vote``.

    Parameters
    ----------
    text : str or polars.Expr
        A String column name or expression.

    Returns
    -------
    polars.Expr
        List(String); ``[]`` for texts without hashtags, null for null texts.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("text", ["#Vote_Now & #Выборы! x.com/#a #1 #ประเทศไทย", None])
    >>> pl.select(extract_hashtags(pl.lit(s))).to_series().to_list()
    [['vote_now', 'выборы', 'ประเทศไทย'], None]
    """
    expr = as_expr(text, "extract_hashtags", "text")
    return _extract_prefixed(expr, _HASHTAG_CANDIDATES, ("#", "＃"))


# What a hashtag is stripped of at its start, after NFKC (which turns the other Unicode
# spaces and the full-width '＃' into ' ' and '#').
_TAG_LEAD = "# \t\n\x0b\x0c\r\x85\u1680\u2028\u2029"


def _normalize_hashtag_str(expr: pl.Expr) -> pl.Expr:
    # Zero-width joiners are word characters, so they can be inside a tag: unicode_fold
    # deletes them. No `when` here: this runs inside list.eval, where it is slow.
    tag = unicode_fold(expr).str.strip_chars_start(_TAG_LEAD).str.strip_chars_end()
    return tag.replace("", None)


def _normalize_hashtag_batch(series: pl.Series) -> pl.Series:
    column = pl.col(series.name)
    if isinstance(series.dtype, pl.List):
        expr = column.list.eval(_normalize_hashtag_str(pl.element()))
    else:
        expr = _normalize_hashtag_str(column.cast(pl.String))
    return series.to_frame().select(expr).to_series()


def normalize_hashtag(hashtags) -> pl.Expr:
    """Normalise existing hashtags: strip whitespace and leading ``#``/``＃``, delete
    invisible characters (zero-width joiners too), NFKC, lowercase (plus ``ß`` -> ``ss``).

    Parameters
    ----------
    hashtags : str or polars.Expr
        A String or List(String) column name or expression.

    Returns
    -------
    polars.Expr
        The input's dtype; tags left empty become null.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"tags": [["#MAGA", "ＶＯＴＥ", "Straße"], []]})
    >>> df.select(normalize_hashtag("tags"))["tags"].to_list()
    [['maga', 'vote', 'strasse'], []]
    >>> pl.select(normalize_hashtag(pl.lit("#Выборы"))).item()
    'выборы'
    """
    expr = as_expr(hashtags, "normalize_hashtag", "hashtags")
    return expr.map_batches(
        _normalize_hashtag_batch, return_dtype=pl.dtype_of(expr), is_elementwise=True
    )


def extract_mentions(text) -> pl.Expr:
    """Mentioned handles, lowercased, without ``@``, in order of appearance.

    ``@`` (or ``＠``) counts when not preceded by a word character or ``/``, so e-mail
    addresses and ``@`` inside URLs are no mentions. Fediverse handles keep their instance
    (``@alice@mastodon.social`` -> ``alice@mastodon.social``).

    Parameters
    ----------
    text : str or polars.Expr
        A String column name or expression.

    Returns
    -------
    polars.Expr
        List(String); ``[]`` for texts without mentions, null for null texts.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series(["RT @NewsBot: hi @Alice_1, mail me@x.org", None])
    >>> pl.select(extract_mentions(pl.lit(s))).to_series().to_list()
    [['newsbot', 'alice_1'], None]
    """
    expr = as_expr(text, "extract_mentions", "text")
    return _extract_prefixed(expr, _MENTION_CANDIDATES, ("@", "＠"))


def _extract_urls_expr(expr: pl.Expr) -> pl.Expr:
    return (
        pl.when(expr.str.contains(r"(?i)://|www\."))
        .then(expr.str.extract_all(_URL_RE))
        .when(expr.is_not_null())
        .then(EMPTY_LIST)
    )


def extract_urls(text) -> pl.Expr:
    """URLs found in text: ``http://``, ``https://`` and ``www.`` links, as written.

    A URL ends at whitespace, ``<>"{}``, curly quotes, guillemets or the ``…`` of a
    truncated tweet; parentheses are part of it only when balanced
    (``https://en.wikipedia.org/wiki/Foo_(bar)``), and trailing ``.,!?;:'’*]`` is dropped.
    Apply :func:`canonical_url` to compare them.

    Parameters
    ----------
    text : str or polars.Expr
        A String column name or expression.

    Returns
    -------
    polars.Expr
        List(String); ``[]`` for texts without URLs, null for null texts.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series(["Read (https://bbc.co.uk/news/a?id=1). And www.rt.com/x!", None])
    >>> pl.select(extract_urls(pl.lit(s))).to_series().to_list()
    [['https://bbc.co.uk/news/a?id=1', 'www.rt.com/x'], None]
    """
    return _extract_urls_expr(as_expr(text, "extract_urls", "text"))
