"""Key-partitioned chunks on a Dask cluster: the same chunk work, on the workers.

:func:`dask_chunks` is the Dask twin of :func:`cib_detect.engine.spill.local_chunks`: it
yields chunks whose :meth:`DaskChunks.map` runs a function on every chunk, here on the
workers, so the engine's runner is the same in every mode. The steps:

1. **Input.** A ``dask.dataframe.DataFrame`` (pandas partitions in the canonical columns,
   e.g. ``dd.read_parquet`` of posts written by ``read_posts(...).write_parquet(...)``)
   or a path / glob of such parquet files (read with pyarrow-backed dtypes, in row-group
   blocks of about 64 MiB). Pyarrow-backed columns matter for frames built by hand too
   (``dd.from_pandas(posts.to_pandas(types_mapper=pd.ArrowDtype))``): an object column
   holds one Python object per row (a numpy array per list), slow to move between workers
   and to convert.
   Only the columns the trace reads (its declaration and options,
   :meth:`cib_detect.traces.registry.Trace.columns_read`) are read, with the required
   ones. Every partition goes through polars (``pl.from_pandas``) and is checked against
   the canonical dtypes there.
2. **Accounts and posts.** A first pass counts the rows of every partition, checks the
   required columns for missing values and collects the distinct ``account_id`` (a tree
   reduction on the cluster); the client sorts them, so account codes are the same as on
   one machine (``code`` = index in the sorted ids). ``post_row`` is the row number in the
   whole input: partition offsets from the partition lengths. Nothing is kept in memory
   between the passes: the input is read twice.
3. **Keys.** A second pass derives, per partition, the keyed rows of the trace
   (:data:`cib_detect.traces.registry.TRACES`), their chunk
   (:func:`cib_detect.engine.pair_stats.with_chunk`) and, for traces whose posts can have several
   keys, ``split``: all rows of a post come from one partition, so a post is split when
   its rows there fall in more than one chunk (:func:`cib_detect.engine.pair_stats.split_posts`).
4. **Shuffle.** The keyed rows are moved so that partition ``c`` holds exactly chunk
   ``c`` (``set_index("chunk")`` with known divisions: no sampling pass), and persisted
   on the workers: :meth:`DaskChunks.map` can run several times without recomputing.

Only the keyed rows travel (``post_row``, ``account_code``, ``time_us``, ``key``,
``split``: about 30 bytes plus the key per row), never the posts' text. The sorted account
ids are sent to every worker once (they turn ``account_id`` into codes).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

import numpy as np
import polars as pl

from cib_detect.encode import account_code_table
from cib_detect.engine.dask.input import (
    canonical_partition,
    compute,
    dask_modules,
    default_n_chunks,
    sorted_ids,
)
from cib_detect.engine.pair_stats import (
    SPLIT_SCHEMA,
    Totals,
    chunk_pair_stats,
    combine_chunks,
    encode_chunk,
    merge_capped,
    split_posts,
    with_chunk,
)
from cib_detect.schema import POST_COLUMNS, REQUIRED_POST_COLUMNS
from cib_detect.traces.keys import ROW_COLUMNS
from cib_detect.traces.registry import TRACES
from cib_detect.traces.tables import PARTIAL_SCHEMA

logger = logging.getLogger("cib_detect")
T = TypeVar("T")

__all__ = ["DaskChunks", "dask_chunks"]

# Chunk results are merged this many at a time (capped keys, key uses).
_FAN_IN = 8
# -- tasks (run on the workers) -------------------------------------------------------------


def _indexed_partition(
    part, used: list[str], offset: int, length: int, codes: pl.DataFrame, function: str
) -> pl.LazyFrame:
    """One input partition in canonical form, with ``post_row``, ``time_us`` and
    ``account_code``."""
    frame = canonical_partition(part[used], function=function)
    if frame.height != length:  # the passes must see the same partitions
        raise RuntimeError(
            f"a partition of the posts had {length} rows in the first pass over them and "
            f"{frame.height} in the second; the input changed while {function} ran"
        )
    return (
        frame.lazy()
        .with_columns(
            pl.int_range(offset, offset + frame.height, dtype=pl.Int64).alias("post_row"),
            pl.col("timestamp").dt.epoch("us").alias("time_us"),
        )
        .join(codes.lazy(), on="account_id", how="left", maintain_order="left")
    )


def _keyed_partition(
    part, used: list[str], offset: int, length: int, codes: pl.DataFrame, trace: str,
    n_chunks: int, trace_options: dict, engine: dict, function: str,
):  # fmt: skip
    """The keyed rows of one input partition, with chunk and (multi-key traces) split."""
    indexed = _indexed_partition(part, used, offset, length, codes, function)
    keys = TRACES[trace].key_frame(indexed, used, trace_options, **engine)
    keyed = _with_split(with_chunk(keys, n_chunks).collect(), trace)
    return keyed.select(_KEYED_COLUMNS[: keyed.width]).to_pandas()


def _documents_partition(
    part, used: list[str], offset: int, length: int, codes: pl.DataFrame, function: str
) -> pl.DataFrame:
    """What a trace with global keys reads of one partition: the row columns and its own."""
    indexed = _indexed_partition(part, used, offset, length, codes, function)
    others = [name for name in used if name not in ("account_id", "timestamp")]
    return indexed.select(*ROW_COLUMNS, *others).collect()


_KEYED_COLUMNS = ("post_row", "account_code", "time_us", "key", "chunk", "split")


def _with_split(keyed: pl.DataFrame, trace: str) -> pl.DataFrame:
    if not TRACES[trace].multi_key:
        return keyed
    split = split_posts(keyed).collect().get_column("post_row")
    return keyed.with_columns(pl.col("post_row").is_in(split.implode()).alias("split"))


def _run_chunk(part, work: Callable, schema: dict, encoding: dict):
    """``work`` on one shuffled partition (one chunk): ``(True, result)``, or ``(False,
    None)`` for an empty partition."""
    if len(part) == 0:
        return False, None
    rows = pl.from_pandas(part.reset_index(drop=True)).cast(schema)
    return True, work(encode_chunk(rows, **encoding))


def _cut_ranges(result, bounds) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """A chunk's pair statistics and split triples cut by ranges of ``code_a``."""
    n_ranges = len(bounds) - 1
    nonempty, stats = result
    empty = (
        pl.DataFrame(schema=PARTIAL_SCHEMA),
        pl.DataFrame(schema=SPLIT_SCHEMA),
    )
    if not nonempty:
        return [empty] * n_ranges

    def by_range(frame: pl.DataFrame) -> dict:
        index = np.searchsorted(bounds[1:], frame.get_column("code_a").to_numpy(), "right")
        parts = frame.with_columns(pl.Series("range", index)).partition_by(
            "range", as_dict=True, include_key=False
        )
        return {key[0]: part for key, part in parts.items()}

    edges, split = by_range(stats.edges), by_range(stats.split)
    return [(edges.get(r, empty[0]), split.get(r, empty[1])) for r in range(n_ranges)]


def _chunk_pieces(
    part, work: Callable, schema: dict, encoding: dict, bounds, n_accounts: int
) -> tuple:
    """``work`` on one chunk, its pair statistics cut into ranges of ``code_a``; the last
    item is its capped keys and key uses."""
    result = _run_chunk(part, work, schema, encoding)
    return (*_cut_ranges(result, bounds), _extras(result, n_accounts))


def _range_total(pieces: list, min_coactions: int) -> pl.DataFrame:
    """One range of account codes added up over all chunks."""
    return combine_chunks(
        [edges for edges, _ in pieces], [split for _, split in pieces], min_coactions=min_coactions
    )


def _extras(result, n_accounts: int):
    """A chunk's capped keys, key uses and number of keys (summed besides the pairs)."""
    nonempty, stats = result
    if not nonempty:
        empty = pl.DataFrame(schema={"key": pl.String, "n_posts": pl.Int64})
        return empty, np.zeros(n_accounts, np.int64), 0
    return stats.capped, stats.uses, stats.n_keys


def _merge_extras(*extras):
    capped, uses, n_keys = zip(*extras, strict=True)
    return merge_capped(list(capped)), sum(uses), sum(n_keys)


def _partition_size(part):
    import pandas as pd

    return pd.DataFrame(
        {"rows": [len(part)], "bytes": [int(part.memory_usage(deep=True, index=True).sum())]}
    )


# -- chunks -----------------------------------------------------------------------------


class DaskChunks:
    """Keyed rows shuffled by chunk and persisted on a Dask cluster (partition ``c`` holds
    chunk ``c``); :meth:`map` runs a function on each chunk, on the workers."""

    def __init__(
        self,
        partitions,
        n_chunks: int,
        schema: dict,
        client,
        account_ids: pl.Series,
        lengths: list[int],
        *,
        max_key_posts: int | None,
        dedupe: bool,
    ) -> None:
        self.partitions = partitions
        self.n_chunks = n_chunks
        self.schema = schema
        self.client = client
        self.account_ids = account_ids
        #: Posts in each input partition.
        self.input_lengths = lengths
        self.encoding = {"max_key_posts": max_key_posts, "dedupe": dedupe}

    def map(self, work: Callable) -> list:
        """``work(chunk)`` for every non-empty chunk, on the workers, in chunk order.

        ``work`` is pickled to the workers (keep what it captures small: a count, not the
        account ids) and its results come back to the client.
        """
        dask, _ = dask_modules()
        run = dask.delayed(_run_chunk, pure=True)
        tasks = [
            run(part, work, self.schema, self.encoding) for part in self.partitions.to_delayed()
        ]
        return [result for nonempty, result in compute(self.client, tasks) if nonempty]

    def pair_totals(self, window_us: int, *, min_coactions: int) -> Totals:
        """Run the pair kernel on every chunk and add the contributions up, on the workers.

        Each chunk's pair statistics stay on its worker and are cut into ``n_chunks``
        ranges of account codes (``code_a``); one task per range adds that range up
        (:func:`cib_detect.engine.pair_stats.combine_chunks`) and drops pairs with fewer
        than ``min_coactions`` co-actions, so only the result comes back to the client and
        a worker holds one range's partial pairs at a time. Capped keys and key uses are
        summed in a tree. The same totals as
        :meth:`cib_detect.engine.spill.LocalChunks.pair_totals`.
        """
        dask, _ = dask_modules()
        n_accounts = len(self.account_ids)
        work = partial(chunk_pair_stats, n_accounts=n_accounts, window_us=window_us)
        bounds = np.linspace(0, n_accounts, self.n_chunks + 1).astype(np.int64)
        # One task per chunk runs the kernel and cuts its result into ranges, so only the
        # pieces stay in memory until the range totals have taken them.
        run = dask.delayed(_chunk_pieces, pure=True, nout=self.n_chunks + 1)
        outputs = [
            run(part, work, self.schema, self.encoding, bounds, n_accounts)
            for part in self.partitions.to_delayed()
        ]
        total = dask.delayed(_range_total, pure=True)
        ranges = [
            total([output[r] for output in outputs], min_coactions) for r in range(self.n_chunks)
        ]
        extras = [output[self.n_chunks] for output in outputs]
        merge = dask.delayed(_merge_extras, pure=True)
        while len(extras) > 1:
            extras = [merge(*extras[i : i + _FAN_IN]) for i in range(0, len(extras), _FAN_IN)]
        edges, (capped, uses, n_keys) = compute(self.client, [ranges, extras[0]])
        return Totals(pl.concat(edges), capped, uses, n_keys)

    def sizes(self) -> pl.DataFrame:
        """Rows and in-memory bytes of every chunk (what the shuffle moved).

        Returns a frame with ``chunk``, ``rows`` and ``bytes`` (pandas ``memory_usage``,
        strings included).
        """
        dask, _ = dask_modules()
        size = dask.delayed(_partition_size, pure=True)
        parts = compute(self.client, [size(part) for part in self.partitions.to_delayed()])
        return pl.concat([pl.from_pandas(part) for part in parts]).select(
            pl.int_range(pl.len(), dtype=pl.Int32).alias("chunk"),
            pl.col("rows", "bytes").cast(pl.Int64),
        )


def _polars_dtypes(ddf, names: list[str]) -> dict:
    """Polars dtypes of columns ``names``: the canonical ones', and for other columns (a
    column ``co_key`` reads) those of the frame's metadata."""
    dtypes = {name: POST_COLUMNS[name] for name in names if name in POST_COLUMNS}
    others = [name for name in names if name not in POST_COLUMNS]
    if others:
        dtypes.update(pl.from_pandas(ddf._meta[others]).schema)
    return {name: dtypes[name] for name in names}


def _keyed_schema(trace: str, schema: dict, trace_options: dict, engine: dict) -> dict:
    """Polars schema of the keyed rows a partition task returns (its pandas form is the
    Dask metadata)."""
    empty = pl.DataFrame(schema={**schema, **dict.fromkeys(ROW_COLUMNS, pl.Int64)})
    keyed = TRACES[trace].key_frame(empty.lazy(), list(schema), trace_options, **engine)
    keyed = _with_split(with_chunk(keyed, 1).collect(), trace)
    return dict(keyed.select(_KEYED_COLUMNS[: keyed.width]).schema)


def _global_keyed(parts, used, offsets, lengths, codes, trace, n_chunks, options, engine,
                  client, function):  # fmt: skip
    """Keyed rows of a trace whose keys need every post at once (near-duplicate groups):
    the columns it reads are gathered on the client, keyed there, and handed back as
    delayed pieces for the shuffle. Only the rows and the trace's columns travel (for
    ``co_similar_text``: the texts of the posts)."""
    dask, _ = dask_modules()
    task = dask.delayed(_documents_partition, pure=True)
    pieces = compute(
        client,
        [
            task(part, used, offset, length, codes, function)
            for part, offset, length in zip(parts, offsets, lengths, strict=True)
        ],
    )
    if not pieces:
        return []
    indexed = pl.concat(pieces).lazy()
    keys = TRACES[trace].key_frame(indexed, pieces[0].columns, options, **engine)
    keyed = _with_split(with_chunk(keys, n_chunks).collect(), trace)
    keyed = keyed.select(_KEYED_COLUMNS[: keyed.width])
    bounds = np.linspace(0, keyed.height, len(parts) + 1).astype(np.int64)
    frames = [keyed[int(lo) : int(hi)].to_pandas() for lo, hi in itertools.pairwise(bounds)]
    if client is not None:
        return client.scatter(frames)
    return [dask.delayed(frame) for frame in frames]


@contextmanager
def dask_chunks(
    ddf,
    trace: str,
    options: dict,
    *,
    n_chunks: int | None,
    client,
    max_key_posts: int | None,
    window_us: int,
    function: str,
) -> Iterator[DaskChunks]:
    """Shuffle the keyed rows of a trace by chunk on a Dask cluster.

    A context manager yielding :class:`DaskChunks`, like
    :func:`cib_detect.engine.spill.local_chunks` for one machine: ``chunks.map(work)`` runs
    ``work`` on every chunk on the workers; ``chunks.account_ids`` is the sorted Series of
    distinct account ids (an account's code is its index). The shuffled rows stay
    persisted on the workers until the block exits.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Posts in the canonical columns and dtypes (checked with ``check_meta``).
    trace : str
        A key trace of :data:`cib_detect.traces.registry.TRACES`.
    options : dict
        Its options, checked (``min_chars``, ``min_hashtags``).
    n_chunks : int or None
        Chunks (= shuffled partitions): keys are spread over them by hash. ``None``:
        :func:`~cib_detect.engine.dask.input.default_n_chunks` for the number of posts
        (known after the first pass).
    client : distributed.Client or None
        Cluster to run on; None: Dask's local scheduler.
    max_key_posts : int or None
        Keys with more posts are left out of every chunk.
    window_us : int
        The co-action window (near-duplicate groups link posts within it).
    function : str
        Name of the calling public function, for error messages.

    Examples
    --------
    With Dask's local scheduler (a ``distributed.Client`` makes it run on a cluster):

    >>> import pandas as pd, dask.dataframe as dd
    >>> posts = pd.DataFrame({"post_id": ["1", "2", "3"], "account_id": ["b", "a", "c"],
    ...     "timestamp": pd.to_datetime([0, 5, 9], unit="s", utc=True),
    ...     "repost_of": ["x", "x", "y"]})
    >>> with dask_chunks(dd.from_pandas(posts, npartitions=2), "co_repost", {}, n_chunks=2,
    ...                  client=None, max_key_posts=None, window_us=60_000_000,
    ...                  function="f") as chunks:
    ...     sum(chunks.map(lambda chunk: len(chunk.encoded.time))), chunks.account_ids.to_list()
    (3, ['a', 'b', 'c'])
    """
    dask, dd = dask_modules()
    columns = list(ddf.columns)
    read = {"account_id", "timestamp", *TRACES[trace].columns_read(columns, options)}
    used = [name for name in columns if name in read]
    engine = {"window_us": window_us, "max_key_posts": max_key_posts}
    keyed_schema = _keyed_schema(trace, _polars_dtypes(ddf, used), options, engine)

    # One optimised expression for both passes: Dask fuses partitions of a projection of a
    # parquet read, so two different projections could be partitioned differently.
    frame = ddf[[name for name in ddf.columns if name in {*REQUIRED_POST_COLUMNS, *used}]]
    if hasattr(frame, "optimize"):
        frame = frame.optimize()
    parts = frame.to_delayed(optimize_graph=False)
    account_ids, lengths = sorted_ids(parts, client, function)
    offsets = [0]
    for length in lengths[:-1]:
        offsets.append(offsets[-1] + length)
    if n_chunks is None:
        n_chunks = default_n_chunks(client, sum(lengths))
    logger.info(
        "dask: %d posts in %d partitions, %d accounts, %d chunks",
        sum(lengths),
        len(lengths),
        len(account_ids),
        n_chunks,
    )
    codes = account_code_table(account_ids)
    scattered = None
    if client is not None:
        codes = scattered = client.scatter(codes, broadcast=True, hash=False)
    else:
        codes = dask.delayed(codes)
    if TRACES[trace].global_keys:
        keyed = _global_keyed(parts, used, offsets, lengths, codes, trace, n_chunks, options,
                              engine, client, function)  # fmt: skip
    else:
        # Not pure: every call gets its own keys, so its shuffle never meets the one of an
        # earlier call on the same input that the scheduler is still cleaning up.
        task = dask.delayed(_keyed_partition, pure=False)
        keyed = [
            task(part, used, offset, length, codes, trace, n_chunks, options, engine, function)
            for part, offset, length in zip(parts, offsets, lengths, strict=True)
        ]
    meta = pl.DataFrame(schema=keyed_schema).to_pandas()
    shuffled = dd.from_delayed(keyed, meta=meta, verify_meta=False).set_index(
        "chunk", divisions=list(range(n_chunks + 1))
    )
    shuffled = client.persist(shuffled) if client is not None else shuffled.persist()
    row_schema = {name: dtype for name, dtype in keyed_schema.items() if name != "chunk"}
    chunks = DaskChunks(
        shuffled,
        n_chunks,
        row_schema,
        client,
        account_ids,
        lengths,
        max_key_posts=max_key_posts,
        dedupe=TRACES[trace].multi_key,
    )
    try:
        yield chunks
    finally:
        # Dropping the last references makes the workers release the persisted rows.
        chunks.partitions = shuffled = keyed = None
        if scattered is not None:
            client.cancel([scattered])
