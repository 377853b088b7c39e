"""Helpers shared by the normalisation modules: argument checks, Unicode case folding, and
running a computation once per distinct value of a batch."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from cib_detect.errors import ParameterError

EMPTY_LIST = pl.lit([], dtype=pl.List(pl.String))

# Invisible characters deleted before NFKC: format characters (zero-width space and
# joiners, soft hyphen, bidi marks, BOM, tag characters), variation selectors and the
# combining keycap. Inserting them is a known trick to defeat exact-duplicate detection, and
# deleting them *before* NFKC lets the characters they separated compose as in clean text.
INVISIBLE = r"[\p{Cf}\x{FE00}-\x{FE0F}\x{E0100}-\x{E01EF}\x{20E3}]"

# Full case folding beyond lowercasing that matters in practice (NFKC already folds the
# compatibility forms such as the long s and the Greek symbol variants).
CASEFOLD_EXTRA = {"ß": "ss", "ς": "σ"}

# Characters after which a text needs the slow Unicode path (delete invisible characters,
# NFKC, case-fold extras) rather than only lowercasing: a superset of the characters that
# NFKC changes (compatibility characters: ligatures, full-width and math-styled letters,
# super- and subscripts, presentation forms, CJK compatibility ideographs, ...), every
# combining mark and the conjoining jamo (NFC may compose them with the previous character),
# format characters, ß/ς, and the capitals that lowercase to them (Σ becomes ς at the end of
# a word, ẞ becomes ß). It is explicit by block and not derived from the running
# Python's Unicode tables, so results do not depend on the Python version. Characters that
# NFKC maps from punctuation to other punctuation (no-break spaces, the ellipsis "…") are
# left out on purpose: normalize_text removes them either way, and they are common.
# tests/test_normalize.py checks it against polars' own NFKC on every code point.
NEEDS_UNICODE_FOLD = (
    r"[\p{M}\p{Cf}ßςΣẞ"
    r"\x{A8}\x{AA}\x{AF}\x{B2}-\x{B5}\x{B8}-\x{BA}\x{BC}-\x{BE}"
    r"\x{132}\x{133}\x{13F}\x{140}\x{149}\x{17F}\x{1C4}-\x{1CC}\x{1F1}-\x{1F3}"
    r"\x{2B0}-\x{2E4}\x{374}\x{37A}\x{37E}\x{384}\x{385}\x{387}\x{3D0}-\x{3D6}"
    r"\x{3F0}-\x{3F2}\x{3F4}\x{3F5}\x{3F9}\x{587}\x{675}-\x{678}\x{958}-\x{95F}"
    r"\x{9DC}\x{9DD}\x{9DF}\x{A33}\x{A36}\x{A59}-\x{A5B}\x{A5E}\x{B5C}\x{B5D}\x{E33}\x{EB3}"
    r"\x{EDC}\x{EDD}\x{F43}\x{F4D}\x{F52}\x{F57}\x{F5C}\x{F69}\x{F73}\x{F75}-\x{F79}\x{F81}"
    r"\x{F93}\x{F9D}\x{FA2}\x{FA7}\x{FAC}\x{FB9}\x{10FC}\x{1161}-\x{1175}\x{11A8}-\x{11C2}"
    r"\x{1D2C}-\x{1DBF}\x{1E9A}\x{1E9B}\x{1F70}-\x{1FFE}\x{2017}\x{203C}\x{203E}\x{2047}-\x{2049}"
    r"\x{2057}\x{2070}-\x{209C}\x{20A8}\x{2100}-\x{218F}\x{222C}\x{222D}\x{222F}\x{2230}"
    r"\x{2460}-\x{24FF}\x{2A0C}\x{2A74}-\x{2A76}\x{2ADC}\x{2C7C}\x{2C7D}\x{2D6F}\x{2E9F}"
    r"\x{2EF3}\x{2F00}-\x{2FD5}\x{3036}\x{3038}-\x{303A}\x{309B}\x{309C}\x{309F}\x{30FF}"
    r"\x{3131}-\x{318E}\x{3192}-\x{319F}\x{3200}-\x{33FF}\x{A69C}\x{A69D}\x{A770}"
    r"\x{A7F0}-\x{A7F9}\x{AB5C}-\x{AB5F}\x{AB69}\x{F900}-\x{FAFF}\x{FB00}-\x{FDFF}"
    r"\x{FE10}-\x{FE19}\x{FE30}-\x{FEFF}\x{FF01}-\x{FFEF}\x{10780}-\x{107BF}\x{1CC00}-\x{1CEBF}"
    r"\x{1D15E}-\x{1D164}\x{1D1BB}-\x{1D1C0}\x{1D400}-\x{1D7FF}\x{1E030}-\x{1E08F}"
    r"\x{1EE00}-\x{1EEFF}\x{1F100}-\x{1F1AD}\x{1F200}-\x{1F2FF}\x{1FBF0}-\x{1FBF9}"
    r"\x{2F800}-\x{2FA1F}]"
)


def as_expr(value, function: str, name: str) -> pl.Expr:
    """A column name or expression as an expression; anything else is a ParameterError."""
    if isinstance(value, str):
        return pl.col(value)
    if isinstance(value, pl.Expr):
        return value
    raise ParameterError(
        f"the {name!r} parameter of {function} must be a column name or a polars expression; "
        f"got {type(value).__name__} {value!r} instead"
    )


def unicode_fold(expr: pl.Expr) -> pl.Expr:
    """Delete invisible characters, NFKC, lowercase, fold ß and ς: the slow path."""
    return (
        expr.str.replace_all(INVISIBLE, "")
        .str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_many(CASEFOLD_EXTRA)
    )


def fold_case(expr: pl.Expr) -> pl.Expr:
    """:func:`unicode_fold` on rows with a character of NEEDS_UNICODE_FOLD, plain lowercase
    on the others (polars evaluates a ``then`` branch on its rows only, so plain text --
    ASCII, most Cyrillic, Arabic, CJK -- skips NFKC)."""
    return (
        pl.when(expr.str.contains(NEEDS_UNICODE_FOLD))
        .then(unicode_fold(expr))
        .otherwise(expr.str.to_lowercase())
    )


def apply_on_distinct(
    series: pl.Series, compute: Callable[[pl.Series], pl.Series], max_distinct_share: float
) -> pl.Series:
    """``compute(series)``, where ``compute`` is elementwise and maps null to null; computed
    on the distinct values and joined back when at most ``max_distinct_share`` of the
    values are distinct (retweets and shared links repeat the same strings many times)."""
    n = len(series)
    if n >= 1024 and series.approx_n_unique() <= max_distinct_share * n:
        distinct = series.drop_nulls().unique()
        mapping = pl.DataFrame({"key": distinct, "value": compute(distinct)})
        joined = series.to_frame("key").join(mapping, on="key", how="left", maintain_order="left")
        return joined["value"].alias(series.name)
    return compute(series).alias(series.name)
