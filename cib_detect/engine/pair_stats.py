"""The co-action work on one chunk, and adding chunks up: the same in every mode.

A *chunk* holds every (post, key) row of its keys, so every co-action belongs to exactly
one chunk; in memory the whole trace is one chunk. :func:`chunk_pair_stats` runs the
account-pair kernel on a chunk, and :func:`combine_chunks` adds the chunks' statistics up:
``n_coactions``, ``n_keys`` (a key lives in one chunk) and ``sum_dt`` are sums, ``min_dt``
a minimum. Distinct posts need one more step: a post with several keys (URLs, hashtags)
can have keys in several chunks (a *split* post) and meet the same partner in more than
one of them. Each chunk therefore also lists, for its split posts only, the (pair, side,
post) triples it counted, and the combine step takes back the repeats. Results equal the
one-chunk computation exactly.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from cib_detect.encode import EncodedKeys, encode_keyed
from cib_detect.errors import CappedKeysWarning
from cib_detect.kernels.account_pairs import account_pair_stats
from cib_detect.kernels.pairs import flagged_partners, window_pairs
from cib_detect.traces.tables import PARTIAL_SCHEMA

logger = logging.getLogger("cib_detect")

__all__ = [
    "SPLIT_SCHEMA",
    "Chunk",
    "ChunkStats",
    "Totals",
    "chunk_pair_stats",
    "combine_chunks",
    "encode_chunk",
    "merge_capped",
    "pair_events",
    "report_capped",
    "split_posts",
    "with_chunk",
]

#: A split post counted in a chunk's ``n_posts_a`` (side 0) or ``n_posts_b`` (side 1).
SPLIT_SCHEMA = {"code_a": pl.Int64, "code_b": pl.Int64, "side": pl.Int8, "post": pl.Int64}

#: Co-actions of chosen account pairs (:func:`pair_events`); posts as rows, times in us.
EVENT_SCHEMA = {
    "code_a": pl.Int64,
    "code_b": pl.Int64,
    "post_a": pl.Int64,
    "post_b": pl.Int64,
    "key": pl.String,
    "time_a": pl.Int64,
    "time_b": pl.Int64,
}

# Seed of the chunk hash: any fixed value; polars' hash is stable within one version,
# which is all a run needs (Dask workers share the environment).
_CHUNK_SEED = 0x5EED


@dataclass(frozen=True)
class Chunk:
    """One chunk of a trace, encoded for the kernels.

    ``split`` lists the post rows whose keys also fall in other chunks (multi-key traces
    in a chunked mode), or is None when no post of the chunk is split.
    """

    encoded: EncodedKeys
    split: np.ndarray | None = None


@dataclass(frozen=True)
class ChunkStats:
    """What one chunk contributes: pair statistics, split-post triples, capped keys,
    each account's key uses (rows kept) and the number of keys kept."""

    edges: pl.DataFrame
    split: pl.DataFrame
    capped: pl.DataFrame
    uses: np.ndarray
    n_keys: int


@dataclass(frozen=True)
class Totals:
    """The chunks added up: pair statistics with at least ``min_coactions`` co-actions
    (:data:`~cib_detect.traces.tables.PARTIAL_SCHEMA`), every capped key, each
    account's key uses and the number of keys kept."""

    edges: pl.DataFrame
    capped: pl.DataFrame
    uses: np.ndarray
    n_keys: int


def with_chunk(keyed: pl.LazyFrame, n_chunks: int) -> pl.LazyFrame:
    """Add ``chunk`` (``hash(key) % n_chunks``) to a keyed frame."""
    chunk = (pl.col("key").hash(seed=_CHUNK_SEED) % n_chunks).cast(pl.Int32)
    return keyed.with_columns(chunk.alias("chunk"))


def split_posts(keyed: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """``post_row`` of every post whose keys fall in more than one chunk."""
    return (
        keyed.lazy()
        .group_by("post_row")
        .agg(pl.col("chunk").n_unique().alias("n_chunks"))
        .filter(pl.col("n_chunks") > 1)
        .select("post_row")
    )


def merge_capped(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The capped keys of several chunks in one frame, most posts first."""
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema={"key": pl.String, "n_posts": pl.Int64})
    return pl.concat(frames).sort("n_posts", descending=True)


def encode_chunk(rows: pl.DataFrame, *, max_key_posts: int | None, dedupe: bool) -> Chunk:
    """Keyed rows of one chunk (``post_row``, ``account_code``, ``time_us``, ``key`` and,
    for multi-key traces in a chunked mode, ``split``: the post also has keys in other
    chunks) as a :class:`Chunk`."""
    encoded = encode_keyed(rows, max_key_posts=max_key_posts, dedupe=dedupe)
    split = None
    if "split" in rows.columns and rows.get_column("split").any():
        split = rows.filter("split").get_column("post_row").unique().to_numpy()
    return Chunk(encoded, split)


def chunk_pair_stats(
    chunk: Chunk, n_accounts: int, window_us: int, *, min_coactions: int = 1
) -> ChunkStats:
    """Run the account-pair kernel on one chunk.

    Parameters
    ----------
    chunk : Chunk
        The encoded chunk and its split posts.
    n_accounts : int
        Number of account codes in the whole data.
    window_us : int
        Co-action window in microseconds.
    min_coactions : int
        Pairs with fewer co-actions are not kept. Applied inside the kernel, so only a
        caller that holds every co-action of a pair in this chunk (one chunk in all) may
        pass more than 1.

    Examples
    --------
    >>> from cib_detect.encode import encode_keyed
    >>> keyed = pl.DataFrame({"post_row": [0, 1, 2], "account_code": [0, 1, 1],
    ...                       "time_us": [0, 5, 9], "key": ["x", "x", "x"]})
    >>> chunk = Chunk(encode_keyed(keyed, max_key_posts=None, dedupe=False))
    >>> stats = chunk_pair_stats(chunk, 2, 10)
    >>> stats.edges.select("code_a", "code_b", "n_coactions", "n_posts_b").rows()
    [(0, 1, 2, 2)]
    """
    encoded = chunk.encoded
    stats = account_pair_stats(
        encoded.starts,
        encoded.time,
        encoded.account,
        encoded.post,
        n_accounts,
        window_us,
        min_coactions,
    )
    edges = pl.DataFrame(dict(zip(PARTIAL_SCHEMA, stats, strict=True)), schema=PARTIAL_SCHEMA)
    triples = pl.DataFrame(schema=SPLIT_SCHEMA)
    if chunk.split is not None and len(chunk.split):
        flagged = np.isin(encoded.post, chunk.split)
        row, partner = flagged_partners(
            encoded.starts, encoded.time, encoded.account, flagged, window_us
        )
        own, other = encoded.account[row], encoded.account[partner]
        triples = pl.DataFrame(
            {
                "code_a": np.minimum(own, other),
                "code_b": np.maximum(own, other),
                "side": (own > other).astype(np.int8),
                "post": encoded.post[row],
            },
            schema=SPLIT_SCHEMA,
        ).unique()
    uses = np.bincount(encoded.account, minlength=n_accounts).astype(np.int64)
    return ChunkStats(edges, triples, encoded.capped, uses, encoded.n_groups)


def combine_chunks(
    edges: list[pl.DataFrame] | pl.LazyFrame,
    split: list[pl.DataFrame] | pl.LazyFrame,
    *,
    min_coactions: int = 1,
) -> pl.DataFrame:
    """Add up the chunks' pair statistics; ``PARTIAL_SCHEMA`` rows sorted by pair.

    A split post that met a partner in ``c`` chunks was counted ``c`` times; it counts once.

    Examples
    --------
    >>> part = lambda n, pa: pl.DataFrame({"code_a": [0], "code_b": [1], "n_coactions": [n],
    ...     "n_keys": [1], "n_posts_a": [pa], "n_posts_b": [1], "min_dt": [n], "sum_dt": [n]},
    ...     schema=PARTIAL_SCHEMA)
    >>> both = pl.DataFrame({"code_a": [0], "code_b": [1], "side": [0], "post": [7]},
    ...                     schema=SPLIT_SCHEMA)
    >>> combine_chunks([part(1, 1), part(2, 1)], [both, both]).row(0)
    (0, 1, 3, 2, 1, 2, 1, 3)
    """
    pair = ["code_a", "code_b"]
    stacked = pl.concat(edges).lazy() if isinstance(edges, list) else edges
    total = stacked.group_by(pair).agg(
        pl.col("n_coactions", "n_keys", "n_posts_a", "n_posts_b").sum(),
        pl.col("min_dt").min(),
        pl.col("sum_dt").sum(),
    )
    triples = pl.concat(split).lazy() if isinstance(split, list) else split
    repeats = (
        triples.group_by([*pair, "side", "post"])
        .agg((pl.len() - 1).alias("repeats"))
        .filter(pl.col("repeats") > 0)
        .group_by(pair)
        .agg(
            pl.col("repeats").filter(pl.col("side") == 0).sum().alias("repeats_a"),
            pl.col("repeats").filter(pl.col("side") == 1).sum().alias("repeats_b"),
        )
    )
    return (
        total.filter(pl.col("n_coactions") >= min_coactions)
        .join(repeats, on=pair, how="left")
        .with_columns(
            pl.col("n_posts_a") - pl.col("repeats_a").fill_null(0),
            pl.col("n_posts_b") - pl.col("repeats_b").fill_null(0),
        )
        .select(list(PARTIAL_SCHEMA))
        .cast(PARTIAL_SCHEMA)
        .sort(pair)
        .collect()
    )


def pair_events(chunk: Chunk, n_accounts: int, pairs: pl.DataFrame, window_us: int):
    """Every co-action of the chosen account pairs in one chunk.

    ``pairs`` holds account codes ``code_a < code_b``. Returns :data:`EVENT_SCHEMA` rows:
    ``post_a`` / ``post_b`` are rows of the posts frame (``post_a`` by ``code_a``), ``key``
    is the trace key as text. Only rows of the chosen accounts are paired, so the cost
    follows their posts.
    """
    enc = chunk.encoded
    involved = np.zeros(n_accounts, bool)
    involved[pairs["code_a"].to_numpy()] = True
    involved[pairs["code_b"].to_numpy()] = True
    keep = involved[enc.account]
    group_of_row = np.repeat(np.arange(enc.n_groups), np.diff(enc.starts))[keep]
    sizes = np.bincount(group_of_row, minlength=enc.n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    time, account, post = enc.time[keep], enc.account[keep], enc.post[keep]
    left, right = window_pairs(starts, time, account, window_us, False)
    swap = account[left] > account[right]
    first, second = np.where(swap, right, left), np.where(swap, left, right)
    events = pl.DataFrame(
        {
            "code_a": account[first],
            "code_b": account[second],
            "post_a": post[first],
            "post_b": post[second],
            "group": group_of_row[left],
            "time_a": time[first],
            "time_b": time[second],
        }
    ).join(
        pairs.select(pl.col("code_a", "code_b").cast(pl.Int64)), on=["code_a", "code_b"], how="semi"
    )
    key = enc.keys.gather(events["group"]).cast(pl.String).alias("key")
    return (
        events.with_columns(key)
        .select("code_a", "code_b", "post_a", "post_b", "key", "time_a", "time_b")
        .cast(EVENT_SCHEMA)
    )


def report_capped(trace: str, capped: pl.DataFrame, max_key_posts: int | None) -> None:
    """Log and warn about the keys left out by ``max_key_posts``."""
    if len(capped) == 0:
        return
    capped = capped.sort("n_posts", descending=True)
    message = (
        f"trace {trace!r}: {len(capped)} keys with more than {max_key_posts} "
        f"posts were left out ({int(capped['n_posts'].sum())} posts; largest "
        f"{capped['key'][0]!r} with {capped['n_posts'][0]}); raise "
        f"max_key_posts or pass None to keep them"
    )
    logger.warning(message)
    warnings.warn(message, CappedKeysWarning, stacklevel=4)
