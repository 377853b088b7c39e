"""Format ``canonical``: the canonical columns themselves (after any ``column_map``)."""

from __future__ import annotations

import polars as pl

from cib_detect.schema import REQUIRED_ACCOUNT_COLUMNS, REQUIRED_POST_COLUMNS

NAME = "canonical"
SUMMARY = "the canonical columns themselves (parquet, CSV, JSON lines), after column_map"
FIELDS = {"post_id": "post_id", "account_id": "account_id", "timestamp": "timestamp"}


def sniff(columns) -> bool:
    """True when the required canonical post columns are all present.

    Examples
    --------
    >>> sniff(["post_id", "account_id", "timestamp", "text"])
    True
    """
    return set(REQUIRED_POST_COLUMNS) <= set(columns)


def sniff_accounts(columns) -> bool:
    """True when the required canonical account columns are all present.

    Examples
    --------
    >>> sniff_accounts(["account_id", "label"])
    True
    """
    return set(REQUIRED_ACCOUNT_COLUMNS) <= set(columns)


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Return ``raw`` unchanged: schema validation converts the dtypes.

    Examples
    --------
    >>> to_posts(pl.LazyFrame({"post_id": [1]})).collect_schema().names()
    ['post_id']
    """
    return raw


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Return ``raw`` unchanged: schema validation converts the dtypes.

    Examples
    --------
    >>> to_accounts(pl.LazyFrame({"account_id": ["a"]})).collect_schema().names()
    ['account_id']
    """
    return raw
