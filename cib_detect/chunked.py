"""Co-action statistics of a trace computed chunk by chunk, for data larger than memory.

Each (post, key) row goes to chunk ``hash(key) % n_chunks``, so all posts of a key meet
in one chunk and every co-action belongs to exactly one chunk. The same kernel runs on
each chunk (:func:`chunk_pair_stats`) and the account-pair statistics of the chunks
add up (:func:`combine_chunks`): ``n_coactions``, ``n_keys`` (a key lives in one chunk)
and ``sum_dt`` are sums, ``min_dt`` a minimum. Distinct posts need one more step: a post
with several keys (URLs, hashtags) can have keys in several chunks (a *split* post) and
meet the same partner in more than one of them. Each chunk therefore also lists, for its
split posts only, the (pair, side, post) triples it counted, and the combine step takes
back the repeats. Results equal the in-memory path exactly.

The driver of one machine, :func:`local_chunks`, streams the posts once through polars
(key derivation included) into a parquet spill directory partitioned by chunk, then
hands the chunks out one at a time; their pair statistics are spilled too and added up
one range of account codes at a time (:meth:`LocalChunks.pair_totals`).
The Dask backend (:mod:`cib_detect.dask_backend`) shuffles the same rows by chunk and runs
:func:`chunk_pair_stats` on the workers.
"""

from __future__ import annotations

import itertools
import logging
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import polars as pl

from cib_detect.encode import EncodedKeys, encode_keyed, indexed_posts
from cib_detect.errors import ParameterWarning
from cib_detect.kernels.account_pairs import account_pair_stats
from cib_detect.kernels.pairs import flagged_partners
from cib_detect.traces.keys import KEY_TRACES, MULTI_KEY_TRACES

logger = logging.getLogger("cib_detect")
T = TypeVar("T")

__all__ = [
    "PARTIAL_SCHEMA",
    "SPLIT_SCHEMA",
    "ChunkStats",
    "LocalChunks",
    "Totals",
    "chunk_pair_stats",
    "combine_chunks",
    "local_chunks",
    "merge_capped",
    "split_posts",
    "trace_chunks",
    "with_chunk",
]

#: Account-pair statistics of one chunk, by account code (times in microseconds).
PARTIAL_SCHEMA = {
    "code_a": pl.Int64,
    "code_b": pl.Int64,
    "n_coactions": pl.Int64,
    "n_keys": pl.Int64,
    "n_posts_a": pl.Int64,
    "n_posts_b": pl.Int64,
    "min_dt": pl.Int64,
    "sum_dt": pl.Int64,
}

#: A split post counted in a chunk's ``n_posts_a`` (side 0) or ``n_posts_b`` (side 1).
SPLIT_SCHEMA = {"code_a": pl.Int64, "code_b": pl.Int64, "side": pl.Int8, "post": pl.Int64}

# Fewest accounts in one range of the adding-up step, and fewest keyed rows per chunk
# below which n_chunks is reported as larger than the data needs.
_RANGE_ACCOUNTS = 10_000
_MIN_CHUNK_ROWS = 1_000

# Seed of the chunk hash: any fixed value; polars' hash is stable within one version,
# which is all a run needs (Dask workers share the environment).
_CHUNK_SEED = 0x5EED


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


@dataclass(frozen=True)
class ChunkStats:
    """What one chunk contributes: pair statistics, split-post triples, capped keys and
    each account's key uses (rows kept)."""

    edges: pl.DataFrame
    split: pl.DataFrame
    capped: pl.DataFrame
    uses: np.ndarray


@dataclass(frozen=True)
class Totals:
    """The chunks added up: pair statistics with at least ``min_coactions`` co-actions
    (``PARTIAL_SCHEMA``), every capped key, and each account's key uses."""

    edges: pl.DataFrame
    capped: pl.DataFrame
    uses: np.ndarray


def merge_capped(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The capped keys of several chunks in one frame, most posts first."""
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema={"key": pl.String, "n_posts": pl.Int64})
    return pl.concat(frames).sort("n_posts", descending=True)


def chunk_pair_stats(
    keyed: pl.DataFrame,
    n_accounts: int,
    window_us: int,
    *,
    dedupe: bool,
    max_key_posts: int | None,
) -> tuple[EncodedKeys, ChunkStats]:
    """Encode one chunk of keyed rows and run the account-pair kernel on it.

    Parameters
    ----------
    keyed : polars.DataFrame
        Rows ``post_row``, ``account_code``, ``time_us``, ``key`` holding every row of
        each of their keys; and ``split`` (bool) when a post's keys can fall in several
        chunks: then the chunk also lists what it counted for those posts.
    n_accounts : int
        Number of account codes in the whole data.
    window_us : int
        Co-action window in microseconds.
    dedupe : bool
        Deduplicate (post, key) rows (traces whose posts can have several keys).
    max_key_posts : int or None
        Keys with more posts are left out (and listed in ``capped``).

    Returns
    -------
    (EncodedKeys, ChunkStats)
        The encoded chunk and its contribution; every pair with one co-action is kept
        (a pair's total is known only once all chunks are in).

    Examples
    --------
    >>> keyed = pl.DataFrame({"post_row": [0, 1, 2], "account_code": [0, 1, 1],
    ...                       "time_us": [0, 5, 9], "key": ["x", "x", "x"]})
    >>> _, stats = chunk_pair_stats(keyed, 2, 10, dedupe=False, max_key_posts=None)
    >>> stats.edges.select("code_a", "code_b", "n_coactions", "n_posts_b").rows()
    [(0, 1, 2, 2)]
    """
    encoded = encode_keyed(keyed, max_key_posts=max_key_posts, dedupe=dedupe)
    stats = account_pair_stats(
        encoded.starts, encoded.time, encoded.account, encoded.post, n_accounts, window_us
    )
    edges = pl.DataFrame(dict(zip(PARTIAL_SCHEMA, stats, strict=True)), schema=PARTIAL_SCHEMA)
    triples = pl.DataFrame(schema=SPLIT_SCHEMA)
    if "split" in keyed.columns and keyed.get_column("split").any():
        split = keyed.filter("split").get_column("post_row").unique().to_numpy()
        flagged = np.isin(encoded.post, split)
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
    return encoded, ChunkStats(edges, triples, encoded.capped, uses)


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


class LocalChunks:
    """The chunks of a parquet spill directory; :meth:`map` runs a function on each."""

    def __init__(self, root: Path, n_chunks: int, split: pl.Series | None) -> None:
        self.root = root
        self.n_chunks = n_chunks
        self.split = split
        # Only chunks that received rows exist on disk: listing them once keeps the cost
        # of a huge n_chunks on small data to the chunks there are.
        self.present = sorted(int(path.name.partition("=")[2]) for path in root.glob("chunk=*"))

    def map(self, work: Callable[[pl.DataFrame], T]) -> list[T]:
        """``work(rows)`` for every non-empty chunk, in chunk order, one at a time.

        ``rows`` has ``post_row``, ``account_code``, ``time_us``, ``key`` and, for traces
        whose posts can have several keys, ``split``.
        """
        return list(self._each(work))

    def _each(self, work: Callable[[pl.DataFrame], T]) -> Iterator[T]:
        for chunk in self.present:
            parts = sorted((self.root / f"chunk={chunk}").glob("*.parquet"))
            if not parts:
                continue
            rows = pl.read_parquet(parts, hive_partitioning=False)
            if self.split is not None:
                rows = rows.with_columns(
                    pl.col("post_row").is_in(self.split.implode()).alias("split")
                )
            yield work(rows)

    def pair_totals(
        self, work: Callable[[pl.DataFrame], ChunkStats], n_accounts: int, *, min_coactions: int
    ) -> Totals:
        """Run ``work`` on every chunk and add the contributions up.

        Each chunk's pair statistics go to the spill as they come (every pair with one
        co-action is kept until all chunks are in, so together they can be much larger
        than the result); they are then added up one range of account codes at a time,
        so memory holds one range's pairs, not all of them.
        """
        spill = Path(tempfile.mkdtemp(prefix="pairs_", dir=self.root))
        capped, uses = [], np.zeros(n_accounts, np.int64)
        for index, part in enumerate(self._each(work)):
            part.edges.write_parquet(spill / f"edges-{index}.parquet")
            if part.split.height:
                part.split.write_parquet(spill / f"split-{index}.parquet")
            capped.append(part.capped)
            uses += part.uses
        edge_files = sorted(spill.glob("edges-*.parquet"))
        split_files = sorted(spill.glob("split-*.parquet"))
        # One range per chunk, but no range smaller than _RANGE_ACCOUNTS accounts: on small
        # data a range costs a scan of every spilled file for little memory saved.
        n_ranges = max(1, min(len(self.present), -(-n_accounts // _RANGE_ACCOUNTS)))
        bounds = np.linspace(0, n_accounts, n_ranges + 1).astype(np.int64)
        totals = []
        for low, high in itertools.pairwise(bounds):
            if not edge_files or low == high:
                continue
            in_range = pl.col("code_a").is_between(low, high, closed="left")
            split = (
                pl.scan_parquet(split_files).filter(in_range)
                if split_files
                else pl.LazyFrame(schema=SPLIT_SCHEMA)
            )
            edges = pl.scan_parquet(edge_files).filter(in_range)
            totals.append(combine_chunks(edges, split, min_coactions=min_coactions))
        edges = pl.concat(totals) if totals else pl.DataFrame(schema=PARTIAL_SCHEMA)
        return Totals(edges, merge_capped(capped), uses)


def _check_chunk_size(files: list[Path], n_chunks: int) -> None:
    """Warn when ``n_chunks`` leaves chunks so small that their overhead dominates."""
    rows = pl.scan_parquet(files).select(pl.len()).collect().item() if files else 0
    if n_chunks > 1 and rows < n_chunks * _MIN_CHUNK_ROWS:
        suggested = max(1, rows // (100 * _MIN_CHUNK_ROWS))
        message = (
            f"n_chunks={n_chunks:,} for {rows:,} keyed rows leaves under {_MIN_CHUNK_ROWS:,} "
            f"rows per chunk: the result is the same, but each chunk costs a file and a "
            f"kernel call; n_chunks={suggested} (or leaving it out, in memory) is faster"
        )
        logger.warning(message)
        warnings.warn(message, ParameterWarning, stacklevel=4)


@contextmanager
def local_chunks(
    keyed: pl.LazyFrame, n_chunks: int, *, multi: bool, spill_dir=None
) -> Iterator[LocalChunks]:
    """Stream ``keyed`` once into a parquet spill partitioned by chunk.

    A context manager yielding :class:`LocalChunks`; the spill (a temporary directory
    under ``spill_dir``) is removed on exit. ``multi``: the trace's posts can have several
    keys, so the posts with keys in several chunks are found (one pass over two integer
    columns of the spill).
    """
    with tempfile.TemporaryDirectory(prefix="cib_detect_", dir=spill_dir) as directory:
        root = Path(directory)
        with_chunk(keyed, n_chunks).sink_parquet(
            pl.PartitionBy(root, key="chunk", include_key=True), mkdir=True
        )
        files = sorted(root.rglob("*.parquet"))
        _check_chunk_size(files, n_chunks)
        split = None
        if multi and files:
            split = split_posts(pl.scan_parquet(files)).collect().get_column("post_row")
            logger.info("%d posts have keys in more than one chunk", len(split))
        yield LocalChunks(root, n_chunks, split)


@contextmanager
def trace_chunks(
    posts: pl.LazyFrame,
    trace: str,
    *,
    n_chunks: int,
    spill_dir=None,
    indexed: tuple[pl.LazyFrame, pl.Series] | None = None,
    **trace_options,
) -> Iterator[tuple[LocalChunks, pl.Series]]:
    """:func:`local_chunks` of the keys of ``trace`` in canonical ``posts``; yields
    ``(chunks, account_ids)`` like :func:`cib_detect.dask_backend.dask_chunks`.

    ``indexed`` is :func:`cib_detect.encode.indexed_posts` of ``posts`` when the caller
    runs several traces (the account ids are then collected once).
    """
    frame, account_ids = indexed if indexed is not None else indexed_posts(posts)
    keyed = KEY_TRACES[trace](frame, posts.collect_schema().names(), **trace_options)
    multi = trace in MULTI_KEY_TRACES
    with local_chunks(keyed, n_chunks, multi=multi, spill_dir=spill_dir) as chunks:
        yield chunks, account_ids
