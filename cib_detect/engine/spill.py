"""Posts larger than memory: streamed once into key-partitioned chunks on disk.

:class:`LazyPosts` scans a parquet file, directory or LazyFrame. For each key trace,
:func:`local_chunks` streams its (post, key) rows once through polars into a parquet spill
partitioned by chunk (``hash(key) % n_chunks``, :func:`~cib_detect.engine.pair_stats.with_chunk`);
:class:`LocalChunks` then hands the chunks out one at a time. Their pair statistics are
spilled too and added up one range of account codes at a time, so memory holds one chunk,
one range and the result (``docs/scaling.md``).
"""

from __future__ import annotations

import itertools
import logging
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import polars as pl

from cib_detect.encode import indexed_posts
from cib_detect.engine.memory import on_minutes
from cib_detect.engine.pair_stats import (
    SPLIT_SCHEMA,
    Chunk,
    Totals,
    chunk_pair_stats,
    combine_chunks,
    encode_chunk,
    merge_capped,
    split_posts,
    with_chunk,
)
from cib_detect.errors import ParameterWarning
from cib_detect.traces.registry import Trace
from cib_detect.traces.tables import PARTIAL_SCHEMA

logger = logging.getLogger("cib_detect")
T = TypeVar("T")

__all__ = ["LazyPosts", "LocalChunks", "local_chunks"]

# Fewest accounts in one range of the adding-up step, and fewest keyed rows per chunk
# below which n_chunks is reported as larger than the data needs.
_RANGE_ACCOUNTS = 10_000
_MIN_CHUNK_ROWS = 1_000


class LocalChunks:
    """The chunks of a parquet spill directory; :meth:`map` runs a function on each."""

    def __init__(
        self,
        root: Path,
        n_chunks: int,
        split: pl.Series | None,
        account_ids: pl.Series,
        *,
        max_key_posts: int | None,
        dedupe: bool,
    ) -> None:
        self.root = root
        self.n_chunks = n_chunks
        self.split = split
        self.account_ids = account_ids
        self.max_key_posts = max_key_posts
        self.dedupe = dedupe
        # Only chunks that received rows exist on disk: listing them once keeps the cost
        # of a huge n_chunks on small data to the chunks there are.
        self.present = sorted(int(path.name.partition("=")[2]) for path in root.glob("chunk=*"))
        #: Called after each chunk's work (a progress bar, :mod:`cib_detect.engine.progress`).
        self.on_chunk: Callable[[], object] | None = None

    def map(self, work: Callable[[Chunk], T]) -> list[T]:
        """``work(chunk)`` for every non-empty chunk, in chunk order, one at a time."""
        return list(self._each(work))

    def _each(self, work: Callable[[Chunk], T]) -> Iterator[T]:
        for chunk in self.present:
            parts = sorted((self.root / f"chunk={chunk}").glob("*.parquet"))
            if not parts:
                continue
            rows = pl.read_parquet(parts, hive_partitioning=False)
            if self.split is not None:
                rows = rows.with_columns(
                    pl.col("post_row").is_in(self.split.implode()).alias("split")
                )
            yield work(encode_chunk(rows, max_key_posts=self.max_key_posts, dedupe=self.dedupe))
            if self.on_chunk is not None:
                self.on_chunk()

    def pair_totals(self, window_us: int, *, min_coactions: int) -> Totals:
        """Run the pair kernel on every chunk and add the contributions up.

        Each chunk's pair statistics go to the spill as they come (every pair with one
        co-action is kept until all chunks are in, so together they can be much larger
        than the result); they are then added up one range of account codes at a time,
        so memory holds one range's pairs, not all of them.
        """
        n_accounts = len(self.account_ids)
        work = partial(chunk_pair_stats, n_accounts=n_accounts, window_us=window_us)
        spill = Path(tempfile.mkdtemp(prefix="pairs_", dir=self.root))
        capped, uses, n_keys = [], np.zeros(n_accounts, np.int64), 0
        for index, part in enumerate(self._each(work)):
            part.edges.write_parquet(spill / f"edges-{index}.parquet")
            if part.split.height:
                part.split.write_parquet(spill / f"split-{index}.parquet")
            capped.append(part.capped)
            uses += part.uses
            n_keys += part.n_keys
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
        return Totals(edges, merge_capped(capped), uses, n_keys)


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
    keyed: pl.LazyFrame,
    n_chunks: int,
    account_ids: pl.Series,
    *,
    multi: bool,
    max_key_posts: int | None,
    spill_dir=None,
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
        yield LocalChunks(
            root, n_chunks, split, account_ids, max_key_posts=max_key_posts, dedupe=multi
        )


class LazyPosts:
    """Posts scanned from a parquet file or directory, or a LazyFrame."""

    def __init__(self, posts: pl.LazyFrame, *, spill_dir=None) -> None:
        self.scan = posts
        self.spill_dir = spill_dir
        self.columns = posts.collect_schema().names()
        self.indexed, self.account_ids = indexed_posts(posts)
        self.height = posts.select(pl.len()).collect(engine="streaming").item()

    def minute_resolution(self) -> bool:
        """True when every timestamp falls on a whole minute (archive data)."""
        return on_minutes(self.scan)

    def lookup(self, rows, columns) -> pl.DataFrame:
        """``columns`` of the posts at ``rows``, in that order: one streaming pass."""
        wanted = pl.DataFrame({"post_row": np.asarray(rows, dtype=np.int64)}).with_row_index(
            "order"
        )
        found = (
            self.scan.with_row_index("post_row")
            .with_columns(pl.col("post_row").cast(pl.Int64))
            .join(wanted.lazy(), on="post_row", how="inner")
            .select("order", *columns)
            .collect(engine="streaming")
        )
        return found.sort("order").drop("order")

    def score_posts(self, columns, accounts, *, background=None):
        """``columns`` of the posts of ``accounts`` (a streaming scan), and ``background``
        counted over all posts in a stream."""
        mine = pl.col("account_id").is_in(sorted(accounts))
        posts = self.scan.filter(mine).select(columns).collect(engine="streaming")
        return posts, background(self.scan) if background is not None else None

    def frame(self, columns: list[str]) -> pl.DataFrame:
        """``columns`` of the posts, in post order (a streaming pass)."""
        return self.scan.select(columns).collect(engine="streaming")

    @contextmanager
    def chunks(self, trace: Trace, options: dict, *, n_chunks, max_key_posts, window_us):
        """The chunks of ``trace``, spilled under ``spill_dir``."""
        keyed = trace.key_frame(
            self.indexed, self.columns, options, window_us=window_us, max_key_posts=max_key_posts
        )
        with local_chunks(
            keyed,
            n_chunks,
            self.account_ids,
            multi=trace.multi_key,
            max_key_posts=max_key_posts,
            spill_dir=self.spill_dir,
        ) as chunks:
            yield chunks
