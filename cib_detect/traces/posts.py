"""Accepting posts at the entry of trace functions."""

from __future__ import annotations

import polars as pl

from cib_detect.schema import POST_COLUMNS, REQUIRED_POST_COLUMNS


def as_posts(posts) -> pl.DataFrame:
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


def as_lazy_posts(posts) -> pl.LazyFrame:
    """Return ``posts`` as a canonical LazyFrame without loading it.

    A DataFrame is used as :func:`as_posts` would; anything else (a parquet file or
    directory, CSV, a LazyFrame...) goes through :func:`cib_detect.io.scan_posts`, which
    converts it lazily and checks its values in one streaming pass.
    """
    if isinstance(posts, pl.DataFrame):
        return as_posts(posts).lazy()
    from cib_detect.io import scan_posts

    return scan_posts(posts)
