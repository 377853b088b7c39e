"""Accepting posts at the entry of trace functions."""

from __future__ import annotations

import polars as pl

from cib_detect.schema import POST_COLUMNS, REQUIRED_POST_COLUMNS


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
