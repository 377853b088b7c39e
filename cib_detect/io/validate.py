"""Validation: check posts and accounts against the canonical schema and convert them.

The columns and dtypes are those of :mod:`cib_detect.schema`; the value parsers are in
:mod:`cib_detect.io.parse`. Every problem found is listed in one
:class:`~cib_detect.errors.SchemaError`; rows dropped on request are counted and reported
(a :class:`~cib_detect.errors.DroppedRowsWarning` and a log line).
"""

from __future__ import annotations

import difflib
import logging
import sys
import warnings

import polars as pl

from cib_detect._params import check_choice
from cib_detect.errors import DroppedRowsWarning, ParameterError, SchemaError
from cib_detect.io import parse
from cib_detect.schema import (
    ACCOUNT_COLUMNS,
    ID_COLUMNS,
    POST_COLUMNS,
    REQUIRED_ACCOUNT_COLUMNS,
    REQUIRED_POST_COLUMNS,
    TIMESTAMP_DTYPE,
)

__all__ = ["stream_validate_posts", "validate_accounts", "validate_posts"]

logger = logging.getLogger("cib_detect")

ON_DUPLICATE = ("raise", "drop")
ON_INVALID = ("raise", "drop")

# A float holds integers exactly only up to 2**53, and tweet ids are larger.
_MAX_EXACT_FLOAT = 2.0**53
# What a float id looks like once written to text by pandas or a spreadsheet.
_SCIENTIFIC = r"^[+-]?\d(\.\d+)?[eE]\+?\d+$"
_RAW = "__cib_raw__"  # prefix of temporary copies of raw columns (messages, id counts)
_STRINGY = (pl.String, pl.Categorical, pl.Enum)

# Names that often hold a canonical column under another name, suggested in messages.
_SYNONYMS = {
    "post_id": ("id", "tweet_id", "tweetid", "message_id", "content_id", "status_id"),
    "account_id": ("user_id", "userid", "author_id", "user", "screen_name", "username"),
    "timestamp": ("created_at", "time", "date", "datetime", "tweet_time", "timestamp_share"),
}


def missing_column_problem(table: str, column: str, present, *, extra_hints=()) -> str:
    """Describe a missing column, suggesting similar present columns and the fix.

    Examples
    --------
    >>> print(missing_column_problem("posts", "post_id", ["id", "user"]))
    posts is missing column 'post_id'; similar columns: 'id'; pass column_map={'id': 'post_id'}
    """
    present = list(present)
    known = [name for name in (*extra_hints, *_SYNONYMS.get(column, ())) if name in present]
    close = known + difflib.get_close_matches(column, present, n=3, cutoff=0.6)
    close = list(dict.fromkeys(close))[:3]
    message = f"{table} is missing column {column!r}"
    if close:
        fix = f"pass column_map={{{close[0]!r}: {column!r}}}"
        return f"{message}; similar columns: {', '.join(map(repr, close))}; {fix}"
    shown = ", ".join(map(repr, present[:12])) + (", ..." if len(present) > 12 else "")
    return (
        f"{message}; found columns {shown or 'none'}; "
        f"pass column_map={{'found': {column!r}}} to rename the column that holds it"
    )


def _convert(column: str, dtype: pl.DataType, target: pl.DataType, table: str):
    """Return ``(expression, may_fail)`` converting a column to ``target``, or a problem."""
    col = pl.col(column)
    found = f"column {column!r} of {table} has dtype {dtype}"
    stringy = isinstance(dtype, _STRINGY)
    if column in ID_COLUMNS:
        if stringy:
            text = col.cast(pl.String)
            return pl.when(text.str.len_bytes() > 0).then(text), False
        if dtype.is_integer() or isinstance(dtype, pl.Null):
            return col.cast(pl.String), False
        if dtype.is_float():
            whole = pl.when(col == col.round()).then(col.cast(pl.Int64, strict=False))
            return whole.cast(pl.String), True
        return f"{found}, which cannot hold ids; give strings or integers", None
    if target == TIMESTAMP_DTYPE:
        expr = parse.timestamp_expr(col, dtype)
        if expr is None:
            return (
                f"{found}, which is not a time; give datetimes, dates, epoch numbers "
                "(seconds, ms, us or ns) or ISO 8601 strings",
                None,
            )
        if isinstance(dtype, _STRINGY):
            return None, True  # parsed after collecting, by parse_times
        return expr, not isinstance(dtype, pl.Null)  # datetimes may be outside YEARS
    if isinstance(target, pl.List):
        inner = getattr(dtype, "inner", None)
        if isinstance(dtype, pl.List | pl.Array) and (
            isinstance(inner, (*_STRINGY, pl.Null)) or inner.is_integer()
        ):
            return col.cast(target), False
        if stringy:
            list_expr = parse.string_list_expr(
                col, urls=column == "urls", hashtags=column == "hashtags"
            )
            return list_expr, False
        if isinstance(dtype, pl.Null):
            return col.cast(target), False
        return (
            f"{found}, which is not a list of strings; give a list column, a string such "
            "as '[a, b]' or 'a b', or drop the column",
            None,
        )
    if target == pl.Int64():
        if dtype.is_integer():
            return col.cast(pl.Int64, strict=False), True
        number = col.cast(pl.String).str.strip_chars() if stringy else col
        if stringy or dtype.is_float():
            as_float = number.cast(pl.Float64, strict=False)
            whole = pl.when(as_float == as_float.round()).then(  # 1e30, inf: null
                as_float.cast(pl.Int64, strict=False)
            )
            exact = number.str.to_integer(strict=False) if stringy else None
            return (pl.coalesce(exact, whole) if stringy else whole), True
        if isinstance(dtype, pl.Null):
            return col.cast(pl.Int64), False
        return f"{found}, which is not a count; give integers", None
    if stringy or dtype.is_integer() or isinstance(dtype, pl.Null):
        return col.cast(pl.String), False
    return f"{found}, which is not text; give strings", None


def _count_repeats(ids: pl.Series) -> int:
    """Number of non-null values equal to an earlier one.

    Counted from the number of distinct values, cheaper than marking the first of each;
    ids written as digits are first tried as integers, which hash several times faster:
    equal strings give equal integers, so distinct integers prove distinct ids.
    """
    ids = ids.drop_nulls()
    if ids.dtype == pl.String:
        as_int = ids.cast(pl.UInt64, strict=False)
        if as_int.null_count() == 0 and as_int.n_unique() == ids.len():
            return 0
    return ids.len() - ids.n_unique()


def _examples(df: pl.DataFrame, mask: pl.Expr, column: str, n: int = 3) -> str:
    values = df.filter(mask).get_column(column).head(n)
    if values.dtype.is_temporal():  # as text: Python's datetime holds no year 0 or 10000
        values = values.cast(pl.String)
    return ", ".join(map(repr, values.to_list()))


def _rows(df: pl.DataFrame, mask: pl.Expr, n: int = 3) -> str:
    rows = df.select(pl.arg_where(mask).head(n + 1)).to_series().to_list()
    shown = ", ".join(map(str, rows[:n])) + (", ..." if len(rows) > n else "")
    return f"{'row' if len(rows) == 1 else 'rows'} {shown}, counting from 0"


def report(message: str, category: type[Warning] = DroppedRowsWarning) -> None:
    """Log and warn (dropped rows by default), pointing the warning at the user's code."""
    logger.info(message)
    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("cib_detect"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _raise_problems(problems: list[str], table: str) -> None:
    """One SchemaError listing every problem, if there are any."""
    if problems:
        raise SchemaError(
            f"{table} does not match the canonical schema ({_plural(len(problems), 'problem')}):"
            + "".join(f"\n- {p}" for p in problems)
        )


def _problem_masks(column: str, dtype: pl.DataType, target: pl.DataType) -> dict:
    """Rows where a converted column failed ("bad") or held out-of-range numbers."""
    raw, new = pl.col(_RAW + column), pl.col(column)
    text = raw.cast(pl.String).str.strip_chars()
    stringy = isinstance(dtype, _STRINGY)
    # Empty strings are missing values, not unreadable ones.
    given = raw.is_not_null() & (text.str.len_bytes() > 0) if stringy else raw.is_not_null()
    if target == TIMESTAMP_DTYPE:
        number = text.cast(pl.Float64, strict=False) if stringy else raw.cast(pl.Float64)
        large = (number.fill_nan(None).abs() >= parse.MAX_EPOCH).fill_null(False)
    elif column in ID_COLUMNS:
        large = (raw.fill_nan(None).abs() > _MAX_EXACT_FLOAT).fill_null(False)
    else:
        return {"bad": given & new.is_null()}
    return {"bad": given & new.is_null() & ~large, "large": large}


def _message(kind, column, n, df, mask, *, table, dtype, is_time, required) -> str:
    """One line of a SchemaError: the column, what was found and the fix."""
    where = f"column {column!r} of {table}"
    drop = "pass on_invalid='drop' to drop those rows" if required else "drop the column"
    if kind in ("bad", "large"):
        values = _examples(df, mask, _RAW + column)
    elif kind != "null":  # scientific ids and duplicates are quoted as converted
        values = ", ".join(
            map(repr, df.filter(mask).get_column(column).unique(maintain_order=True).head(3))
        )
    if kind == "null":
        return (
            f"{where} has {_plural(n, 'missing value')} (null or empty; {_rows(df, mask)}); "
            f"every row needs one: fill them or {drop}"
        )
    if kind == "bad" and is_time:
        return (
            f"{where} has {_plural(n, 'value')} that cannot be read as a time (e.g. {values}); "
            "give datetimes, dates, epoch numbers or ISO 8601 strings of the years "
            f"{parse.YEARS[0]} to {parse.YEARS[1]} such as "
            f"'2017-01-01T12:34:56Z' or '2017-01-01 12:34'; fix them or {drop}"
        )
    if kind == "bad":
        what = "an id (ids are strings or whole numbers)" if column in ID_COLUMNS else "a count"
        return (
            f"{where} has {_plural(n, 'value')} that cannot be read as {what} "
            f"(e.g. {values}); fix them or {drop}"
        )
    if kind == "large" and is_time:
        return (
            f"{where} has {_plural(n, 'value')} too large for an epoch time (e.g. {values}): "
            "epoch numbers are read as seconds, milliseconds, microseconds or nanoseconds by "
            "their magnitude (below 1e11, 1e14, 1e17 or 1e20), and these are beyond; "
            f"check what {column} holds, or convert it yourself, e.g. with pl.from_epoch"
        )
    if kind == "large":
        return (
            f"{where} has dtype {dtype} with {_plural(n, 'value')} above 2**53 (e.g. {values})"
            ": floats cannot hold such ids exactly, so they have lost precision; read the ids "
            f"as strings, e.g. schema_overrides={{{column!r}: pl.String}}"
        )
    if kind == "scientific":
        return (
            f"{where} has {_plural(n, 'id')} in scientific notation (e.g. {values}): they were "
            "saved as floats and have lost precision; export the ids as text"
        )
    repeated = df.filter(mask).get_column(column)
    # Whole-row copies (a file concatenated twice...) are safe to drop; say how many.
    data = [c for c, dtype in df.schema.items() if _RAW not in c and dtype != pl.Object]
    copies = df.select((~pl.struct(data).is_first_distinct()).sum()).item()
    return (
        f"{where} has {_plural(n, 'row')} repeating an earlier {column} "
        f"({_plural(repeated.n_unique(), 'id')} affected, e.g. {values}; "
        f"{copies} of the rows are exact copies of an earlier row); {column} must be "
        "unique: pass on_duplicate='drop' to keep the first row of each"
    )


def _validate(data, spec, required, *, unique, on_duplicate, on_invalid, table, function):
    """Convert ``data`` to the dtypes of ``spec``; see :func:`validate_posts`."""
    check_choice(on_duplicate, ON_DUPLICATE, name="on_duplicate", function=function)
    check_choice(on_invalid, ON_INVALID, name="on_invalid", function=function)
    if not isinstance(data, pl.DataFrame | pl.LazyFrame):
        raise ParameterError(
            f"{function} takes a polars DataFrame or LazyFrame; got {type(data).__name__!r} "
            f"instead; read files, pandas frames and known formats with read_{table}()"
        )
    schema = data.lazy().collect_schema()
    problems = [missing_column_problem(table, c, schema) for c in required if c not in schema]
    problems = problems if len(schema) else [f"{table} has no columns"]
    exprs, converted = [], {}
    for column, target in spec.items():
        if column not in schema:
            continue
        expr, may_fail = _convert(column, schema[column], target, table)
        if may_fail is None:  # the dtype cannot be converted: expr is the problem
            problems.append(expr)
            continue
        converted[column] = may_fail
        # Keep raw values to quote them in messages, and integer ids to count repeats
        # on integers, several times faster than on their text.
        if may_fail or (column == unique and schema[column].is_integer()):
            exprs.append(pl.col(column).alias(_RAW + column))
        if expr is not None:
            exprs.append(expr.alias(column))
    df = data.lazy().with_columns(exprs).collect()
    deferred = [
        c for c in converted if spec[c] == TIMESTAMP_DTYPE and isinstance(schema[c], _STRINGY)
    ]
    if deferred:
        df = df.with_columns(parse.parse_times(df.get_column(c)) for c in deferred)
    if len(schema) and df.height == 0:
        problems.append(f"{table} has no rows; check the source (a file with only a header?)")

    # A cheap first pass finds the columns whose conversion lost values; the detailed
    # masks, which need string work over a whole column, are built only for those (and
    # for float ids, which convert but may have lost digits).
    lost_exprs = [
        (pl.col(_RAW + c).is_not_null() & pl.col(c).is_null()).sum().alias(c)
        for c, may_fail in converted.items()
        if may_fail and c not in ID_COLUMNS
    ]
    lost = df.select(lost_exprs).row(0, named=True) if lost_exprs and df.height else {}
    masks: dict[tuple[str, str], pl.Expr] = {}
    for column, may_fail in converted.items():
        detailed = may_fail and (lost.get(column) or column in ID_COLUMNS)
        failed = _problem_masks(column, schema[column], spec[column]) if detailed else {}
        masks.update({(column, kind): mask for kind, mask in failed.items()})
        if column in ID_COLUMNS and isinstance(schema[column], _STRINGY):
            masks[column, "scientific"] = pl.col(column).str.contains(_SCIENTIFIC)
        if column in required:
            masks[column, "null"] = pl.col(column).is_null()
            if failed:
                masks[column, "null"] &= ~pl.any_horizontal(list(failed.values()))
        if column == unique:
            first = pl.col(column).is_first_distinct()
            masks[column, "duplicate"] = pl.col(column).is_not_null() & ~first
    # All masks are counted in one pass over the data; repeated ids separately.
    totals = {key: mask.sum() for key, mask in masks.items() if key[1] != "duplicate"}
    sums = df.select(total.alias(f"{c}:{k}") for (c, k), total in totals.items())
    counts = dict(zip(totals, sums.row(0), strict=True)) if totals and df.height else {}
    if (unique, "duplicate") in masks:
        raw_ids = _RAW + unique if _RAW + unique in df.columns else unique
        counts[unique, "duplicate"] = _count_repeats(df.get_column(raw_ids))
    tolerated = {(unique, "duplicate")} if on_duplicate == "drop" else set()
    if on_invalid == "drop":
        tolerated |= {(c, k) for c in required for k in ("null", "bad")}
    for (column, kind), n in counts.items():
        if n and (column, kind) not in tolerated:
            problems.append(
                _message(
                    kind,
                    column,
                    n,
                    df,
                    masks[column, kind],
                    table=table,
                    dtype=schema[column],
                    is_time=spec[column] == TIMESTAMP_DTYPE,
                    required=column in required,
                )
            )
    _raise_problems(problems, table)

    total = df.height
    invalid = {key: n for key, n in counts.items() if key in tolerated and key[1] != "duplicate"}
    if any(invalid.values()):
        df = df.filter(~pl.any_horizontal([masks[key] for key in invalid]))
        detail = ", ".join(f"{c} {k}: {n}" for (c, k), n in invalid.items() if n)
        report(
            f"dropped {total - df.height} of {total} rows of {table} whose required values "
            f"were missing or unreadable ({detail.replace(' bad:', ' unreadable:')})"
        )
    if counts.get((unique, "duplicate")) and on_duplicate == "drop":
        before = df.height
        df = df.filter(pl.col(unique).is_null() | pl.col(unique).is_first_distinct())
        if df.height < before:  # invalid rows already dropped may have held the repeats
            report(
                f"dropped {before - df.height} of {total} rows of {table} repeating an earlier "
                f"{unique}; the first row of each {unique} was kept"
            )
    if total and df.height == 0:
        raise SchemaError(f"{table} has no rows left after dropping the invalid ones")
    canonical = [c for c in spec if c in df.columns]
    return df.select(canonical + [c for c in df.columns if c not in spec and _RAW not in c])


def validate_posts(posts, *, on_duplicate: str = "raise", on_invalid: str = "raise"):
    """Check posts against the canonical schema and convert them to its dtypes.

    Parameters
    ----------
    posts : polars.DataFrame or polars.LazyFrame
        Posts with canonical column names (:data:`cib_detect.schema.POST_COLUMNS`); other
        columns are kept unchanged after the canonical ones.
    on_duplicate : {"raise", "drop"}
        Rows whose ``post_id`` repeats an earlier row: raise a :class:`SchemaError`, or
        keep the first row of each id and report how many were dropped (a
        :class:`~cib_detect.errors.DroppedRowsWarning` and a log line).
    on_invalid : {"raise", "drop"}
        Rows whose ``post_id``, ``account_id`` or ``timestamp`` is missing or unreadable:
        raise, or drop them and report how many, as for duplicates.

    Returns
    -------
    polars.DataFrame
        Ids as String, ``timestamp`` as Datetime(us, UTC), list columns as List(String).
        Epoch numbers are read in the unit their magnitude tells: below 1e11 seconds, below
        1e14 milliseconds, below 1e17 microseconds, below 1e20 nanoseconds
        (:func:`cib_detect.io.parse.from_epoch`). Hashtags given as text (``"#a, #b"``,
        ``"[a, b]"``, ``"a b"``) are split and normalised as by
        :func:`cib_detect.normalize.normalize_hashtag`.

    Raises
    ------
    SchemaError
        Listing every problem at once: missing columns, dtypes that cannot be converted,
        unreadable times, missing ids, duplicate ids, no rows.

    Examples
    --------
    >>> posts = pl.DataFrame({"post_id": [1, 2], "account_id": ["a", "b"],
    ...                       "timestamp": ["2017-01-01 12:34", "2017-01-01T12:35:00Z"]})
    >>> validate_posts(posts).dtypes
    [String, String, Datetime(time_unit='us', time_zone='UTC')]
    >>> validate_posts(pl.DataFrame({"id": ["1"], "user_id": ["a"], "time": [0]}))
    Traceback (most recent call last):
    ...
    cib_detect.errors.SchemaError: posts does not match the canonical schema (3 problems):
    - posts is missing column 'post_id'; similar columns: 'id'; pass column_map={'id': 'post_id'}
    ...
    """
    return _validate(
        posts, POST_COLUMNS, REQUIRED_POST_COLUMNS, unique="post_id",
        on_duplicate=on_duplicate, on_invalid=on_invalid, table="posts",
        function="validate_posts",
    )  # fmt: skip


def validate_accounts(accounts, *, on_duplicate: str = "raise", on_invalid: str = "raise"):
    """Check accounts against the canonical schema and convert them to its dtypes.

    Works like :func:`validate_posts` on :data:`cib_detect.schema.ACCOUNT_COLUMNS`:
    ``account_id`` is required and unique, ``created_at`` accepts the same times as a post's
    timestamp and ``followers`` becomes Int64.

    Parameters
    ----------
    accounts : polars.DataFrame or polars.LazyFrame
        Accounts with canonical column names; other columns are kept after them.
    on_duplicate : {"raise", "drop"}
        Rows whose ``account_id`` repeats an earlier row: raise a :class:`SchemaError`,
        or keep the first row of each id and report how many were dropped.
    on_invalid : {"raise", "drop"}
        Rows whose ``account_id`` is missing: raise, or drop them and report how many.
        Unreadable values of optional columns (``created_at``) always raise.

    Returns
    -------
    polars.DataFrame
        ``account_id`` as String, ``created_at`` as Datetime(us, UTC), ``followers`` as
        Int64, then the other columns.

    Raises
    ------
    SchemaError
        Listing every problem at once.

    Examples
    --------
    >>> accounts = pl.DataFrame({"account_id": [7], "followers": ["12"],
    ...                          "created_at": ["Tue Oct 07 19:55:59 +0000 2014"]})
    >>> validate_accounts(accounts).row(0)
    ('7', datetime.datetime(2014, 10, 7, 19, 55, 59, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 12)
    """
    return _validate(
        accounts, ACCOUNT_COLUMNS, REQUIRED_ACCOUNT_COLUMNS, unique="account_id",
        on_duplicate=on_duplicate, on_invalid=on_invalid, table="accounts",
        function="validate_accounts",
    )  # fmt: skip


def stream_validate_posts(posts: pl.LazyFrame) -> pl.LazyFrame:
    """Convert lazy posts to the canonical dtypes, checking their values in one streaming
    pass instead of loading them (for :func:`cib_detect.io.scan_posts`).

    Raises a :class:`SchemaError` listing every problem: missing required columns, dtypes
    that cannot be converted, missing or unreadable required values and unreadable
    optional values. Repeated ``post_id`` values are not looked for (that needs every id
    in memory; :func:`validate_posts` does it).

    Examples
    --------
    >>> lazy = pl.LazyFrame({"post_id": [1], "account_id": ["a"], "timestamp": ["2017-01-01"]})
    >>> stream_validate_posts(lazy).collect().dtypes
    [String, String, Datetime(time_unit='us', time_zone='UTC')]
    """
    schema = posts.collect_schema()
    problems = [
        missing_column_problem("posts", c, schema) for c in REQUIRED_POST_COLUMNS if c not in schema
    ]
    exprs, fallible = [], []
    for column, target in POST_COLUMNS.items():
        if column not in schema:
            continue
        expr, may_fail = _convert(column, schema[column], target, "posts")
        if may_fail is None:  # the dtype cannot be converted: expr is the problem
            problems.append(expr)
            continue
        if expr is None and target == TIMESTAMP_DTYPE:  # times as text: parsed per batch
            expr = pl.col(column).map_batches(
                parse.parse_times, return_dtype=TIMESTAMP_DTYPE, is_elementwise=True
            )
        if expr is not None:
            exprs.append(expr.alias(column))
            if may_fail:
                fallible.append(column)
    _raise_problems(problems, "posts")
    converted = posts.with_columns(pl.col(c).alias(_RAW + c) for c in fallible).with_columns(exprs)
    counts = converted.select(
        *(pl.col(_RAW + c if c in fallible else c).null_count().alias(f"missing:{c}")
          for c in REQUIRED_POST_COLUMNS),
        *((pl.col(_RAW + c).is_not_null() & pl.col(c).is_null()).sum().alias(f"bad:{c}")
          for c in fallible),
    ).collect(engine="streaming")  # fmt: skip
    for name, n in counts.row(0, named=True).items():
        kind, column = name.split(":")
        if not n:
            continue
        if kind == "missing":
            problems.append(
                f"column {column!r} is missing in {_plural(n, 'row')}; fill it, or read the "
                "posts with read_posts(..., on_invalid='drop') to drop and count those rows"
            )
        else:
            problems.append(
                f"column {column!r} has {_plural(n, 'value')} that could not be read as "
                f"{POST_COLUMNS[column]}; read_posts(...) on the same source quotes examples"
            )
    _raise_problems(problems, "posts")
    return posts.with_columns(exprs)
