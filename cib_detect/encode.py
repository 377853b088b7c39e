"""polars -> numpy: the only place where kernel input arrays are born.

A *keyed* frame has one row per (post, trace key) with the columns ``post_row`` (row of the
post in the posts frame), ``account_code``, ``time_us`` and ``key``. :func:`encode_keyed`
sorts it by (key, time, post_row) and returns the contiguous arrays the kernels take.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import polars as pl

from cib_detect.kernels.codes import _first_seen_codes

logger = logging.getLogger("cib_detect")


@dataclass(frozen=True)
class EncodedKeys:
    """Posts of one trace, sorted by (key, time), as kernel-ready arrays.

    Attributes
    ----------
    starts : int64 array, shape (n_groups + 1,)
        Row boundaries of the key groups: group ``g`` is rows ``starts[g]:starts[g + 1]``.
    time : int64 array
        Timestamps in microseconds since the Unix epoch (UTC).
    account : int64 array
        Account codes (index into the account-id table of :func:`account_codes`).
    post : int64 array
        Row of each post in the posts frame (several rows share it when a post has
        several keys, e.g. several URLs).
    keys : polars.Series
        The key value of each group.
    capped : polars.DataFrame
        Keys left out because they had more than ``max_key_posts`` posts: ``key``, ``n_posts``.
    """

    starts: np.ndarray
    time: np.ndarray
    account: np.ndarray
    post: np.ndarray
    keys: pl.Series
    capped: pl.DataFrame

    @property
    def n_groups(self) -> int:
        return len(self.starts) - 1


def account_codes(posts: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Dense integer codes for ``account_id``, ordered like the id strings.

    Returns the code of every post (UInt32/Int64 series aligned with ``posts``) and the
    sorted unique account ids (``ids[code]`` is the account of ``code``). Because codes
    follow string order, ``code_a < code_b`` exactly when ``id_a < id_b``.

    Examples
    --------
    >>> import polars as pl
    >>> codes, ids = account_codes(pl.DataFrame({"account_id": ["b", "a", "b"]}))
    >>> codes.to_list(), ids.to_list()
    ([1, 0, 1], ['a', 'b'])
    """
    accounts = posts.get_column("account_id")
    if accounts.dtype == pl.String and accounts.null_count() == 0:
        # Group by hash (one pass, no join), sort only the distinct ids, and check that
        # every id equals the one of its code: a hash collision falls back to the join.
        first_codes = np.empty(len(accounts), np.int64)  # numpy: huge pages
        first_rows = _first_seen_codes(accounts.hash().to_numpy(), first_codes)
        distinct = accounts.gather(first_rows)
        order = distinct.arg_sort().to_numpy()
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order), dtype=np.int64)
        ids = distinct.gather(order)
        codes = rank[first_codes]
        if ids.gather(codes).equals(accounts, check_names=False):
            return pl.Series("account_code", codes, dtype=pl.Int64), ids
    ids = accounts.unique().sort()
    codes = (
        pl.DataFrame({"account_id": accounts})
        .join(account_code_table(ids), on="account_id", how="left", maintain_order="left")
        .get_column("account_code")
    )
    return codes, ids


def account_code_table(account_ids: pl.Series) -> pl.DataFrame:
    """``account_id`` and its ``account_code`` (Int64): the index in the sorted distinct
    ids, the one numbering of every mode (memory, streamed, Dask).

    Examples
    --------
    >>> account_code_table(pl.Series(["a", "b"])).rows()
    [('a', 0), ('b', 1)]
    """
    return (
        pl.DataFrame({"account_id": account_ids})
        .with_row_index("account_code")
        .select("account_id", pl.col("account_code").cast(pl.Int64))
    )


def indexed_posts(posts: pl.DataFrame | pl.LazyFrame) -> tuple[pl.LazyFrame, pl.Series]:
    """The posts as a LazyFrame with the columns every trace derives keys from.

    Adds ``post_row`` (row in ``posts``), ``account_code`` (see :func:`account_codes`) and
    ``time_us`` (microseconds since the epoch) to the posts' own columns; also returns the
    account id of every code. A LazyFrame stays lazy: only its distinct account ids are
    collected (streaming), the codes are joined on when the frame is scanned.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> posts = pl.DataFrame({"account_id": ["b", "a"],
    ...     "timestamp": [datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc)] * 2})
    >>> frame, ids = indexed_posts(posts)
    >>> frame.select("post_row", "account_code", "time_us").collect().rows(), ids.to_list()
    ([(0, 1, 1000000), (1, 0, 1000000)], ['a', 'b'])
    """
    time_us = pl.col("timestamp").dt.epoch("us").alias("time_us")
    if isinstance(posts, pl.LazyFrame):
        account_ids = (
            posts.select("account_id").unique().collect(engine="streaming").to_series().sort()
        )
        frame = (
            posts.with_row_index("post_row")
            .join(
                account_code_table(account_ids).lazy(),
                on="account_id",
                how="left",
                maintain_order="left",
            )
            .with_columns(time_us)
        )
        return frame, account_ids
    codes, account_ids = account_codes(posts)
    frame = posts.lazy().with_row_index("post_row").with_columns(codes, time_us)
    return frame, account_ids


def _sorted_by_key(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` sorted by (key, time_us, post_row), keys grouped in any fixed order.

    String keys (URLs, texts, post ids) are sorted by their 64-bit XXH64 hash rather
    than compared as strings: much faster on long keys, and groups only need to be
    contiguous. A collision would put two keys in one run of equal hashes; it is checked
    for, and then the strings themselves are sorted.
    """
    if frame.schema["key"] != pl.String or frame.height == 0:
        return frame.sort(["key", "time_us", "post_row"])
    from cib_detect.normalize import stable_hash

    hashed = frame.with_columns(stable_hash(pl.col("key")).alias("key_hash")).sort(
        ["key_hash", "time_us", "post_row"]
    )
    same_hash = hashed.get_column("key_hash") == hashed.get_column("key_hash").shift(1)
    other_key = hashed.get_column("key").ne_missing(hashed.get_column("key").shift(1))
    if (same_hash & other_key).any():
        return frame.sort(["key", "time_us", "post_row"])
    return hashed.drop("key_hash")


def encode_keyed(
    keyed: pl.LazyFrame | pl.DataFrame, *, max_key_posts: int | None = None, dedupe: bool = True
):
    """Sort a keyed frame by (key, time, post_row) and return :class:`EncodedKeys`.

    With ``dedupe``, duplicate (post_row, key) rows (a post naming the same URL twice)
    count once; traces with one key per post skip that work. Key
    groups with more than ``max_key_posts`` posts are left out and listed in ``capped``.

    Examples
    --------
    >>> import polars as pl
    >>> keyed = pl.DataFrame({"post_row": [0, 1, 2], "account_code": [0, 1, 0],
    ...                       "time_us": [5, 1, 3], "key": ["x", "x", "y"]})
    >>> enc = encode_keyed(keyed)
    >>> enc.starts.tolist(), enc.time.tolist(), enc.keys.to_list()
    ([0, 2, 3], [1, 5, 3], ['x', 'y'])
    """
    frame = keyed.lazy().select("post_row", "account_code", "time_us", "key")
    if dedupe:
        frame = frame.unique(["post_row", "key"], keep="first", maintain_order=True)
    frame = _sorted_by_key(frame.collect())
    key = frame.get_column("key")
    is_start = key.ne_missing(key.shift(1)) if len(key) else key.is_null()
    starts = np.flatnonzero(is_start.to_numpy()).astype(np.int64)
    starts = np.append(starts, len(frame)).astype(np.int64)
    capped = pl.DataFrame(schema={"key": key.dtype, "n_posts": pl.Int64})
    if max_key_posts is not None and len(frame):
        sizes = np.diff(starts)
        too_big = sizes > max_key_posts
        if too_big.any():
            capped = pl.DataFrame(
                {
                    "key": key.gather(starts[:-1][too_big]),
                    "n_posts": sizes[too_big].astype(np.int64),
                }
            ).sort("n_posts", descending=True)
            keep_rows = np.repeat(~too_big, sizes)
            frame = frame.filter(pl.Series(keep_rows))
            sizes = sizes[~too_big]
            starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
            key = frame.get_column("key")
    return EncodedKeys(
        starts=np.ascontiguousarray(starts, dtype=np.int64),
        time=np.ascontiguousarray(frame.get_column("time_us").to_numpy(), dtype=np.int64),
        account=np.ascontiguousarray(frame.get_column("account_code").to_numpy(), dtype=np.int64),
        post=np.ascontiguousarray(frame.get_column("post_row").to_numpy(), dtype=np.int64),
        keys=key.gather(starts[:-1]) if len(frame) else key.clear(),
        capped=capped,
    )
