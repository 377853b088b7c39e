"""Post text normalisation and stable content hashes (the ``co_text`` trace key)."""

from __future__ import annotations

from functools import partial

import polars as pl

from cib_detect._params import check_int
from cib_detect.normalize._common import as_expr, fold_case
from cib_detect.normalize._xxh64 import xxh64_series

__all__ = ["DEFAULT_MIN_CHARS", "normalize_text", "stable_hash", "text_hash"]

#: Default minimum length (characters of normalised text) for :func:`text_hash`.
DEFAULT_MIN_CHARS = 10

# A leading retweet marker, possibly chained ("RT @a: RT @b: ..."); applied to lowercased text.
_RT_PREFIX = r"^\s*(?:rt\s*@\w+\s*:?\s*)+"
# URL start: a scheme, or "www." at an ASCII word boundary (so "awww..." is no URL).
URL_START = r"(?i:https?://|(?-u:\b)www\.)"
# HTML entities: Twitter escapes "&", "<" and ">" in text.
_HTML_ENTITY = r"&(?:amp|lt|gt|quot|apos|nbsp|#[0-9]{1,7}|#x[0-9a-f]{1,6});"
# What normalize_text replaces by one space: runs of URLs, @mentions, HTML entities and
# characters that are not letters, digits or combining marks (punctuation, symbols, emoji,
# whitespace), with the spaces around them; and runs of two or more spaces. '@' and '&' are
# left out of the character class, or its greedy run would swallow them and leave the
# mention's or entity's name behind. A single space between two words is no match at all:
# most junk runs are exactly that, and skipping them makes the replacement much faster.
_JUNK = rf"(?:{URL_START}\S+|@\w+|{_HTML_ENTITY}|[@&]|[^\p{{L}}\p{{N}}\p{{M}}@&\x20]+)"
_JUNK_RUNS = rf"\x20*(?:{_JUNK}\x20*)+|\x20{{2,}}"


def _normalize_text_expr(expr: pl.Expr) -> pl.Expr:
    folded = fold_case(expr).str.replace(_RT_PREFIX, "")
    return folded.str.replace_all(_JUNK_RUNS, " ").str.strip_chars(" ")


def normalize_text(text) -> pl.Expr:
    """Normalise post text for content hashing (the ``co_text`` trace).

    In order: delete invisible characters (zero-width spaces and joiners, bidi marks,
    variation selectors), Unicode NFKC, lowercase (plus ``ß`` -> ``ss`` and ``ς`` -> ``σ``),
    remove a leading retweet marker (``RT @user:``, also chained), then replace every run of
    URLs (``http(s)://...``, ``www....``), ``@mentions``, HTML entities (``&amp;``) and
    characters that are not letters, digits or combining marks (punctuation, symbols,
    emoji, whitespace) by one space, and trim. Hashtags keep their word and lose the ``#``.
    Letters of every script and their combining marks are kept.

    Parameters
    ----------
    text : str or polars.Expr
        A String column name or expression.

    Returns
    -------
    polars.Expr
        String; null where the input is null, ``""`` where nothing is left.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"text": ["RT @Bob: VOTE now!!! #Election2024 https://t.co/x1", None]})
    >>> df.select(normalize_text("text"))["text"].to_list()
    ['vote now election2024', None]
    >>> pl.select(normalize_text(pl.lit("Привет, МИР 🔥 Straße &amp; ﬁne"))).item()
    'привет мир strasse fine'
    """
    return _normalize_text_expr(as_expr(text, "normalize_text", "text"))


def stable_hash(expr) -> pl.Expr:
    """XXH64 (seed 0) of the UTF-8 bytes of each string: a 64-bit hash that is the same in
    every process, run, platform and polars version (unlike ``pl.Expr.hash``).

    Parameters
    ----------
    expr : str or polars.Expr
        A String column name or expression (other dtypes are cast to String).

    Returns
    -------
    polars.Expr
        UInt64; null where the input is null.

    Examples
    --------
    >>> import polars as pl
    >>> pl.select(stable_hash(pl.lit(pl.Series(["", "abc", None])))).to_series().to_list()
    [17241709254077376921, 4952883123889572249, None]
    """
    expr = as_expr(expr, "stable_hash", "expr")
    return expr.map_batches(xxh64_series, return_dtype=pl.UInt64, is_elementwise=True)


def text_hash(text, *, min_chars: int = DEFAULT_MIN_CHARS, normalized: bool = False) -> pl.Expr:
    """Stable 64-bit content hash of post text: :func:`stable_hash` of :func:`normalize_text`.

    Two posts get the same hash when their texts are equal after normalisation, in any run
    or process. Short texts ("lol", "thank you") are shared by chance, so texts with fewer
    than ``min_chars`` characters after normalisation hash to null.

    Parameters
    ----------
    text : str or polars.Expr
        A String column name or expression.
    min_chars : int, default 10
        Minimum number of characters of the normalised text, spaces included. Ten is about
        two words of Latin script but a whole sentence of Chinese: lower it for CJK data.
    normalized : bool, default False
        Set when ``text`` already is the output of :func:`normalize_text`.

    Returns
    -------
    polars.Expr
        UInt64; null for null texts and texts shorter than ``min_chars``.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"text": ["Vote NOW! https://t.co/a", "RT @x: vote now", "ok"]})
    >>> df.select(text_hash("text", min_chars=5))["text"].to_list()
    [13964326376074079283, 13964326376074079283, None]
    """
    min_chars = check_int(min_chars, name="min_chars", function="text_hash", minimum=0)
    expr = as_expr(text, "text_hash", "text")
    if not normalized:
        expr = _normalize_text_expr(expr)
    hash_batch = partial(xxh64_series, min_chars=min_chars)
    return expr.map_batches(hash_batch, return_dtype=pl.UInt64, is_elementwise=True)
