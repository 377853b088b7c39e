"""Small expression helpers shared by the format adapters."""

from __future__ import annotations

import polars as pl

from cib_detect.errors import SchemaError
from cib_detect.io.parse import string_list_expr
from cib_detect.io.validate import missing_column_problem

_TRUE = ["true", "t", "1", "yes", "y"]


def _stringy(dtype) -> bool:
    # Comparison (not isinstance) also accepts dtype classes such as pl.String.
    return any(dtype == t for t in (pl.String, pl.Categorical, pl.Enum))


def require(schema: pl.Schema, needed, *, table: str, fmt: str) -> None:
    """Raise one SchemaError naming every column of ``needed`` missing from ``schema``.

    An item of ``needed`` may be a tuple of alternatives, any one of which will do.

    Examples
    --------
    >>> require(pl.Schema({"tweetid": pl.String}), ["tweetid"], table="posts", fmt="x")
    """
    problems = []
    for item in needed:
        options = item if isinstance(item, tuple) else (item,)
        if not any(name in schema for name in options):
            problem = missing_column_problem(f"{table} (format {fmt!r})", options[0], schema)
            if len(options) > 1:
                problem += f" (or any of {', '.join(map(repr, options[1:]))})"
            problems.append(problem)
    if problems:
        raise SchemaError(
            f"{table} does not have the columns of format {fmt!r}:"
            + "".join(f"\n- {p}" for p in problems)
        )


def id_expr(name: str, dtype: pl.DataType, *, numeric: bool = False) -> pl.Expr:
    """An id column as text.

    With ``numeric=True`` (ids that are digits or hashes, as in the Twitter archives)
    surrounding spaces and the ``.0`` that a float round trip leaves behind are removed;
    other ids are kept exactly as written.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [" 12.0", "ab", None]})
    >>> df.select(id_expr("x", pl.String, numeric=True)).to_series().to_list()
    ['12', 'ab', None]
    """
    if dtype.is_integer():
        return pl.col(name).cast(pl.String)
    if not _stringy(dtype):
        return pl.col(name)  # floats and others are checked by schema validation
    text = pl.col(name).cast(pl.String)
    # Digits and hashes (hex, base64) never contain a dot, so stripping a ".0" suffix is
    # exact there, and several times cheaper than a regex over millions of ids.
    return text.str.strip_chars().str.strip_suffix(".0") if numeric else text


def is_true(name: str, dtype: pl.DataType) -> pl.Expr:
    """A flag written as a boolean, a number or text such as ``"True"`` or ``"false"``.

    Examples
    --------
    >>> df = pl.DataFrame({"x": ["True", "false", "1", None]})
    >>> df.select(is_true("x", pl.String)).to_series().to_list()
    [True, False, True, False]
    """
    col = pl.col(name)
    if dtype == pl.Boolean:
        return col.fill_null(False)
    if dtype.is_numeric():
        return (col != 0).fill_null(False)
    return col.cast(pl.String).str.strip_chars().str.to_lowercase().is_in(_TRUE).fill_null(False)


def list_expr(
    name: str, dtype: pl.DataType, *, urls: bool = False, hashtags: bool = False
) -> pl.Expr:
    """A list column: strings are parsed (:func:`cib_detect.io.parse.string_list_expr`),
    a missing value becomes an empty list.

    Examples
    --------
    >>> df = pl.DataFrame({"x": ["[a, b]", None]})
    >>> df.select(list_expr("x", pl.String)).to_series().to_list()
    [['a', 'b'], []]
    """
    col = pl.col(name)
    if _stringy(dtype):
        col = string_list_expr(col, urls=urls, hashtags=hashtags)
    elif not (dtype == pl.List or dtype == pl.Array):
        return col  # validation reports a dtype that is not a list
    return col.fill_null(pl.lit([], dtype=pl.List(pl.String)))
