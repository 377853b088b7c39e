"""Reading nested JSON fields (structs, lists of structs) whose presence varies by export.

An API response holds only the fields that were requested and that some record has:
polars infers a struct from the records it reads, so a field no record has is not in the
schema at all. These helpers look a dotted path up in the schema first and give an
expression for it, or None when the data has no such field, so that a format adapter
never fails on an optional field and can name a required one that is missing.
"""

from __future__ import annotations

import polars as pl

from cib_detect.errors import SchemaError

_EMPTY = pl.lit([], dtype=pl.List(pl.String))


def dtype_at(schema: pl.Schema, path: str) -> pl.DataType | None:
    """The dtype of a dotted ``path`` (``"author.public_metrics.followers_count"``) in
    ``schema``, through struct fields; None when a part is missing.

    A column whose own name contains dots (a flattened CSV's ``"author.id"``) is found
    as it is.

    Examples
    --------
    >>> schema = pl.Schema({"a": pl.Struct({"b": pl.Int64}), "c.d": pl.String})
    >>> dtype_at(schema, "a.b"), dtype_at(schema, "a.x"), dtype_at(schema, "c.d")
    (Int64, None, String)
    """
    if path in schema:
        return schema[path]
    first, *rest = path.split(".")
    dtype = schema.get(first)
    for name in rest:
        if not isinstance(dtype, pl.Struct):
            return None
        dtype = {f.name: f.dtype for f in dtype.fields}.get(name)
    return dtype


def get(schema: pl.Schema, path: str) -> pl.Expr | None:
    """An expression for a dotted ``path``, or None when the data has no such field.

    Examples
    --------
    >>> df = pl.DataFrame({"a": [{"b": 1}, None]})
    >>> df.select(get(df.schema, "a.b")).to_series().to_list(), get(df.schema, "a.z")
    ([1, None], None)
    """
    if path in schema:
        return pl.col(path)
    if dtype_at(schema, path) is None:
        return None
    first, *rest = path.split(".")
    expr = pl.col(first)
    for name in rest:
        expr = expr.struct.field(name)
    return expr


def first_of(schema: pl.Schema, *paths: str) -> pl.Expr | None:
    """The first of ``paths`` the data has, non-null values of later ones filling in.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [None, "b"], "y": ["a", "c"]})
    >>> df.select(first_of(df.schema, "x", "y", "z")).to_series().to_list()
    ['a', 'b']
    """
    found = [e for e in (get(schema, p) for p in paths) if e is not None]
    if not found:
        return None
    return found[0] if len(found) == 1 else pl.coalesce(found)


def as_text(expr: pl.Expr, dtype: pl.DataType | None) -> pl.Expr:
    """A scalar id or label as text (numbers too: TikTok's and Telegram's ids are integers).

    Examples
    --------
    >>> pl.DataFrame({"x": [7, None]}).select(as_text(pl.col("x"), pl.Int64)).to_series().to_list()
    ['7', None]
    """
    if dtype is not None and dtype.is_float():
        # a whole float (an id that went through a float) without its ".0"
        return pl.when(expr == expr.round()).then(expr.cast(pl.Int64, strict=False)).cast(pl.String)
    return expr.cast(pl.String)


def text_at(schema: pl.Schema, *paths: str) -> pl.Expr | None:
    """:func:`first_of` as text.

    Examples
    --------
    >>> df = pl.DataFrame({"a": [{"id": 12}]})
    >>> df.select(text_at(df.schema, "a.id")).item()
    '12'
    """
    found = [(get(schema, p), dtype_at(schema, p)) for p in paths]
    found = [as_text(e, d) for e, d in found if e is not None]
    if not found:
        return None
    return found[0] if len(found) == 1 else pl.coalesce(found)


def list_of(schema: pl.Schema, path: str, field: str | None = None) -> pl.Expr | None:
    """The list at ``path`` as List(String); with ``field``, that field of each struct in
    it (``"entities.hashtags"``, ``"tag"``). None when the data has no such list.

    A missing list becomes an empty list.

    Examples
    --------
    >>> df = pl.DataFrame({"tags": [[{"tag": "a"}, {"tag": "b"}], None]})
    >>> df.select(list_of(df.schema, "tags", "tag")).to_series().to_list()
    [['a', 'b'], []]
    """
    dtype = dtype_at(schema, path)
    if not isinstance(dtype, pl.List | pl.Array):
        return None
    expr = get(schema, path)
    inner = dtype.inner
    if isinstance(inner, pl.Null):  # only empty lists (or nulls) in the data
        return _EMPTY
    if field is not None:
        if not isinstance(inner, pl.Struct) or field not in {f.name for f in inner.fields}:
            return None
        expr = expr.list.eval(pl.element().struct.field(field))
        inner = {f.name: f.dtype for f in inner.fields}[field]
    elif isinstance(inner, pl.Struct):
        return None
    if isinstance(inner, pl.List | pl.Struct | pl.Array):
        return None
    return (
        expr.list.eval(as_text(pl.element(), inner))
        .list.drop_nulls()
        .fill_null(_EMPTY)
        .cast(pl.List(pl.String))
    )


def typed_items(schema: pl.Schema, path: str, *, key: str, value: str, field: str):
    """The ``field`` of the structs in the list at ``path`` whose ``key`` is ``value``:
    ``referenced_tweets`` of type ``"retweeted"`` -> their ``id``; None when the data has
    no such list or field.

    Examples
    --------
    >>> refs = [{"type": "quoted", "id": "1"}, {"type": "retweeted", "id": "2"}]
    >>> df = pl.DataFrame({"r": [refs]})
    >>> df.select(typed_items(df.schema, "r", key="type", value="retweeted", field="id")).item()
    shape: (1,)
    Series: '' [str]
    [
        "2"
    ]
    """
    dtype = dtype_at(schema, path)
    if not isinstance(dtype, pl.List) or not isinstance(dtype.inner, pl.Struct):
        return None
    fields = {f.name: f.dtype for f in dtype.inner.fields}
    if key not in fields or field not in fields:
        return None
    item = pl.element()
    chosen = item.filter(item.struct.field(key) == value).struct.field(field)
    return get(schema, path).list.eval(as_text(chosen, fields[field]))


def concat_lists(exprs) -> pl.Expr:
    """Lists of strings joined, without nulls or repeats, in first-seen order; an empty
    list when there are none.

    Examples
    --------
    >>> df = pl.DataFrame({"a": [["x", "y"]], "b": [["y", "z"]]})
    >>> df.select(concat_lists([pl.col("a"), pl.col("b"), None])).item().to_list()
    ['x', 'y', 'z']
    """
    exprs = [e for e in exprs if e is not None]
    if not exprs:
        return _EMPTY
    joined = pl.concat_list([e.fill_null(_EMPTY) for e in exprs])
    return joined.list.eval(pl.element().filter(pl.element() != "").unique(maintain_order=True))


def require_paths(schema: pl.Schema, needed, *, table: str, fmt: str, hint: str = "") -> None:
    """One SchemaError naming every field of ``needed`` the data does not have.

    An item of ``needed`` may be a tuple of alternatives, any one of which will do.

    Examples
    --------
    >>> require_paths(pl.Schema({"id": pl.String}), ["id", ("created_at", "date")],
    ...               table="posts", fmt="x")
    Traceback (most recent call last):
    ...
    cib_detect.errors.SchemaError: posts (format 'x') is missing field 'created_at' (or 'date')...
    """
    problems = []
    for item in needed:
        options = item if isinstance(item, tuple) else (item,)
        if not any(dtype_at(schema, path) is not None for path in options):
            alternatives = "".join(f" (or {o!r})" for o in options[1:])
            problems.append(f"field {options[0]!r}{alternatives}")
    if problems:
        shown = ", ".join(map(repr, list(schema)[:12])) + (", ..." if len(schema) > 12 else "")
        raise SchemaError(
            f"{table} (format {fmt!r}) is missing {'; '.join(problems)}; found fields "
            f"{shown or 'none'}{hint}; check that the export requested those fields, or "
            "pass column_map= to name them, or choose another format="
        )
