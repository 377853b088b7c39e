"""Parsing of raw values into canonical dtypes: times and list-like strings.

Used by schema validation (:mod:`cib_detect.io.validate`) and the format adapters. Everything
here is vectorised polars: millions of values never pass through Python objects.
"""

from __future__ import annotations

import polars as pl

from cib_detect.schema import TIMESTAMP_DTYPE

# Epoch numbers are read in the unit that puts them between 1973 and 5138, by magnitude:
# |x| < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, < 1e20 nanoseconds.
_EPOCH_LIMITS = (10**11, 10**14, 10**17)
#: Epoch numbers from here on are no time in any unit (nanoseconds beyond year 5138).
MAX_EPOCH = 1e20
_STRINGY = (pl.String, pl.Categorical, pl.Enum)
#: The years a time may fall in: those Python's datetime holds (and posts are in).
YEARS = (1, 9999)

# Timestamp strings are normalised (date and time joined by "T", no space before the
# offset) and then tried against each format. %.f accepts a missing fraction and %#z
# accepts Z, +hh:mm and +hhmm.
_AWARE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z")
_NAIVE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
_TWITTER_API_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # "Tue Oct 07 19:55:59 +0000 2014"
# Formats tried as a whole-column fast path on raw strings (see parse_times).
_NAIVE_FAST_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S%.f", *_NAIVE_FORMATS)
_AWARE_FAST_FORMATS = (*_AWARE_FORMATS, _TWITTER_API_FORMAT)
# What separates the items of a hashtag list written as text ("#a, #b", "a;b", "#a#b").
_HASHTAG_SEPARATORS = r"[\s,;|#＃]+"
_JSON_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
_JSON_STRING_ARRAY = rf"^\[\s*{_JSON_STRING}(?:\s*,\s*{_JSON_STRING})*\s*\]$"


def from_epoch(number: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Epoch numbers (integers, floats or their text) -> Datetime(us, UTC), the unit
    decided by each value's magnitude: below 1e11 seconds (up to the year 5138), below
    1e14 milliseconds (from March 1973 on), below 1e17 microseconds, below 1e20
    nanoseconds. Integers are converted exactly, floats to the nearest microsecond;
    values beyond 1e20, NaN and text that is no number become null.

    Examples
    --------
    >>> s = pl.Series([1483274096, 1483274096250, 1483274096250001, 1483274096250001999])
    >>> times = pl.select(from_epoch(pl.lit(s), s.dtype)).to_series()
    >>> times.dt.to_string("%Y-%m-%d %H:%M:%S%.6f").to_list()  # doctest: +NORMALIZE_WHITESPACE
    ['2017-01-01 12:34:56.000000', '2017-01-01 12:34:56.250000',
     '2017-01-01 12:34:56.250001', '2017-01-01 12:34:56.250001']
    """
    if isinstance(dtype, _STRINGY):
        text = number.cast(pl.String).str.strip_chars()
        return pl.coalesce(
            from_epoch(text.str.to_integer(strict=False), pl.Int64()),
            from_epoch(text.cast(pl.Float64, strict=False), pl.Float64()),
        )
    seconds, millis, micros = _EPOCH_LIMITS
    if dtype.is_integer():
        value = number.cast(pl.Int64, strict=False)
        size = value.cast(pl.Int128).abs()  # in Int64, abs(-2**63) is -2**63
        us = (
            pl.when(size < seconds)
            .then(value * 1_000_000)
            .when(size < millis)
            .then(value * 1_000)
            .when(size < micros)
            .then(value)
            .otherwise(value // 1_000)  # Int64 ends below 1e19: all nanoseconds
        )
    else:
        value = number.cast(pl.Float64)
        size = value.abs()
        scale = (
            pl.when(size < seconds)
            .then(1e6)
            .when(size < millis)
            .then(1e3)
            .when(size < micros)
            .then(1.0)
            .when(size < MAX_EPOCH)
            .then(1e-3)
        )
        us = (value * scale).round().cast(pl.Int64, strict=False)
    return pl.from_epoch(us, "us").dt.replace_time_zone("UTC")


def timestamp_expr(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr | None:
    """Build an expression converting ``expr`` (of ``dtype``) to Datetime(us, UTC).

    Accepts Datetime of any unit and time zone (naive means UTC), Date, epoch numbers as
    integers, floats (fractions kept to the microsecond) or text, and strings: ISO 8601
    with or without ``T``, fraction, ``Z`` or offset, the archives' ``"2017-01-01 12:34"``,
    a date alone and Twitter's ``"Tue Oct 07 19:55:59 +0000 2014"``. The unit of an epoch
    number is told by its magnitude (:func:`from_epoch`): below 1e11 seconds, below 1e14
    milliseconds, below 1e17 microseconds, below 1e20 nanoseconds; so ``1483274096``,
    ``1483274096000`` and ``1483274096000000000`` are the same time. Values that cannot
    be read, and times outside the years 1 to 9999 (:data:`YEARS`), become null. Returns
    None when ``dtype`` cannot hold a time.

    Examples
    --------
    >>> s = pl.Series(["2017-01-01 12:34", "2017-01-01T12:34:56.5+02:00", "1483274096"])
    >>> times = pl.select(timestamp_expr(pl.lit(s), s.dtype)).to_series()
    >>> times.dt.to_string("%Y-%m-%d %H:%M:%S%.3f").to_list()
    ['2017-01-01 12:34:00.000', '2017-01-01 10:34:56.500', '2017-01-01 12:34:56.000']
    """
    times = _any_timestamp(expr, dtype)
    return None if times is None else in_years(times)


def in_years(times: pl.Expr) -> pl.Expr:
    """``times`` (Datetime) with those outside the years :data:`YEARS` set to null."""
    return pl.when(times.dt.year().is_between(*YEARS)).then(times)


def _any_timestamp(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr | None:
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return expr.dt.replace_time_zone("UTC").cast(TIMESTAMP_DTYPE)
        return expr.dt.convert_time_zone("UTC").cast(TIMESTAMP_DTYPE)
    if isinstance(dtype, pl.Date | pl.Null):
        return expr.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    if dtype.is_integer() or dtype.is_float():
        return from_epoch(expr, dtype)
    if not isinstance(dtype, _STRINGY):
        return None
    text = expr.cast(pl.String).str.strip_chars()
    iso = (
        text.str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]", "${1}T")
        .str.replace(r"\s*(?:UTC|GMT)$", "Z")
        .str.replace(r"\s+([+-]\d{2}:?\d{2})$", "${1}")
    )
    aware = [iso.str.to_datetime(f, time_unit="us", strict=False) for f in _AWARE_FORMATS]
    aware.append(text.str.to_datetime(_TWITTER_API_FORMAT, time_unit="us", strict=False))
    naive = [iso.str.to_datetime(f, time_unit="us", strict=False) for f in _NAIVE_FORMATS]
    return pl.coalesce(
        *(a.dt.convert_time_zone("UTC") for a in aware),
        *(n.dt.replace_time_zone("UTC") for n in naive),
        from_epoch(text, pl.String()),
    )


def _fast_parser(fmt: str | None):
    """An expression reading raw strings in one format (None: epoch numbers as text)."""
    if fmt is None:
        return lambda text: from_epoch(text, pl.String())

    def parse(text: pl.Expr) -> pl.Expr:
        parsed = text.str.to_datetime(fmt, time_unit="us", strict=False)
        if "%z" in fmt or "%#z" in fmt:
            return parsed.dt.convert_time_zone("UTC")
        return parsed.dt.replace_time_zone("UTC")

    return parse


def parse_times(values: pl.Series) -> pl.Series:
    """Parse a String series of times to Datetime(us, UTC), as :func:`timestamp_expr`.

    Fast path: the format that reads most of a sample of the values is applied to all of
    them (the general parser's normalisation costs ten times more on millions of rows);
    only the values it misses go through the general parser.

    Examples
    --------
    >>> times = parse_times(pl.Series(["2017-01-01 12:34", "2017-01-01T12:35+01:00", None]))
    >>> times.dt.to_string("%Y-%m-%d %H:%M %Z").to_list()
    ['2017-01-01 12:34 UTC', '2017-01-01 11:35 UTC', None]
    """
    text = pl.lit(values.cast(pl.String))
    sample = values.cast(pl.String).drop_nulls().head(1000)
    best, best_count = None, 0
    for fmt in (*_NAIVE_FAST_FORMATS, *_AWARE_FAST_FORMATS, None):
        count = pl.select(_fast_parser(fmt)(pl.lit(sample))).to_series().count()
        if count > best_count:
            best, best_count = fmt, count
        if count == sample.len():
            break
    if not best_count:
        return pl.select(timestamp_expr(text, pl.String())).to_series().alias(values.name)
    parsed = pl.select(_fast_parser(best)(text)).to_series()
    missed = (values.is_not_null() & parsed.is_null()).arg_true()
    if missed.len():
        rest = pl.lit(values.cast(pl.String).gather(missed))
        parsed = parsed.scatter(missed, pl.select(timestamp_expr(rest, pl.String())).to_series())
    parsed = pl.select(in_years(pl.lit(parsed.cast(TIMESTAMP_DTYPE)))).to_series()
    return parsed.alias(values.name)


def string_list_expr(expr: pl.Expr, *, urls: bool = False, hashtags: bool = False) -> pl.Expr:
    """Build an expression parsing list-like strings into List(String).

    Understands the archives' ``[a, b]``, Python's ``['a', 'b']``, JSON's ``["a", "b"]``,
    ``[]`` and, without brackets, whitespace-separated items (``"a b"``, as the
    coordination-network-toolkit writes URLs). With ``urls=True`` unquoted items are split
    only at a comma followed by a space or by ``http``, because URLs may contain commas.
    With ``hashtags=True`` unquoted items are split at any run of whitespace, ``,``,
    ``;``, ``|`` and ``#`` (a hashtag holds none of them: ``"#a, #b"``, ``"a,b"`` and
    ``"#a#b"`` are two tags) and every item is normalised as by
    :func:`cib_detect.normalize.normalize_hashtag` (no ``#``, invisible characters
    deleted, NFKC, lowercase), so that given hashtags match extracted ones.
    Empty items are dropped; null stays null.

    Examples
    --------
    >>> s = pl.Series(["[a, b]", "['x', 'y']", "[]", "u v", None])
    >>> pl.select(string_list_expr(pl.lit(s))).to_series().to_list()
    [['a', 'b'], ['x', 'y'], [], ['u', 'v'], None]
    >>> tags = pl.Series(["#A, #b", "a,b", "['#X', 'y']", "#vo\\u200bte"])
    >>> pl.select(string_list_expr(pl.lit(tags), hashtags=True)).to_series().to_list()
    [['a', 'b'], ['a', 'b'], ['x', 'y'], ['vote']]
    """
    text = expr.cast(pl.String).str.strip_chars()
    # JSON with escapes ("\\u00e9", as json.dumps writes non-ASCII) is decoded by polars;
    # the regex admits only valid JSON string arrays, since a decoding error would fail
    # the whole column.
    escaped = text.str.contains(_JSON_STRING_ARRAY) & text.str.contains("\\", literal=True)
    decoded = pl.when(escaped).then(text).otherwise(pl.lit("[]"))
    decoded = decoded.str.json_decode(pl.List(pl.String))
    bracketed = text.str.starts_with("[") & text.str.ends_with("]")
    inner = text.str.strip_prefix("[").str.strip_suffix("]").str.strip_chars()
    quoted = inner.str.extract_all(r"'[^']*'|\"[^\"]*\"").list.eval(
        pl.element().str.slice(1, pl.element().str.len_chars() - 2)
    )
    if hashtags:
        unquoted = inner.str.replace_all(_HASHTAG_SEPARATORS, "\x1f")
        bare = text.str.replace_all(_HASHTAG_SEPARATORS, "\x1f")
    else:
        unquoted = inner.str.replace_all(r",\s+" if urls else r"\s*,\s*", "\x1f")
        bare = text.str.replace_all(r"\s+", "\x1f")
    if urls:
        unquoted = unquoted.str.replace_all(r",(https?://)", "\x1f${1}")
    items = (
        pl.when(escaped)
        .then(decoded)
        .when(bracketed & inner.str.contains(r"^['\"]"))
        .then(quoted)
        .when(bracketed)
        .then(unquoted.str.split("\x1f"))
        .otherwise(bare.str.split("\x1f"))
    )
    item = pl.element().str.strip_chars()
    items = items.list.eval(item.filter(item.str.len_bytes() > 0))
    if hashtags:
        # Imported here: cib_detect.normalize loads numba, which reading alone does not need.
        from cib_detect.normalize import normalize_hashtag

        items = normalize_hashtag(items).list.drop_nulls()
    return items
