"""Accepting posts at the entry of trace functions."""

from __future__ import annotations

import logging

import polars as pl

from cib_detect.schema import POST_COLUMNS, REQUIRED_POST_COLUMNS

logger = logging.getLogger("cib_detect")


def as_posts(posts, *, function: str) -> pl.DataFrame:
    """Return ``posts`` as a canonical posts DataFrame.

    A polars DataFrame whose required and optional canonical columns already have their
    canonical dtypes is used as it is (so pipelines that read once do not validate twice);
    anything else goes through :func:`cib_detect.read_posts`, which converts or explains.
    """
    if isinstance(posts, pl.DataFrame) and _is_canonical(posts.schema):
        return posts
    from cib_detect.io import read_posts

    return read_posts(posts)


def _is_canonical(schema: pl.Schema) -> bool:
    if any(name not in schema for name in REQUIRED_POST_COLUMNS):
        return False
    return all(schema[name] == dtype for name, dtype in POST_COLUMNS.items() if name in schema)


def as_lazy_posts(posts, *, function: str) -> pl.LazyFrame:
    """Return ``posts`` as a canonical LazyFrame without loading it, where possible.

    A LazyFrame, parquet file or directory whose columns already have the canonical dtypes
    (as written by ``read_posts(...).write_parquet(...)``) is scanned lazily; its required
    columns are checked for missing values in one streaming pass. Anything else goes
    through :func:`cib_detect.read_posts`, which loads and validates it in memory.
    """
    from cib_detect.errors import SchemaError
    from cib_detect.io._source import scan_source

    if isinstance(posts, pl.DataFrame):
        return as_posts(posts, function=function).lazy()
    lazy = scan_source(posts, table="posts", function=function)
    if not _is_canonical(lazy.collect_schema()):
        logger.info(
            "%s: posts are not in canonical dtypes, so they are read and validated in memory; "
            "write them once with read_posts(...).write_parquet(...) to stream them",
            function,
        )
        return as_posts(posts, function=function).lazy()
    nulls = lazy.select(pl.col(REQUIRED_POST_COLUMNS).null_count()).collect(engine="streaming")
    missing = {name: count for name, count in nulls.row(0, named=True).items() if count}
    if missing:
        raise SchemaError(
            "posts have missing values in required columns: "
            + ", ".join(f"{name!r} ({count} rows)" for name, count in missing.items())
            + "; fill them, or read the posts with read_posts(..., on_invalid='drop') to drop "
            "and count those rows"
        )
    return lazy
