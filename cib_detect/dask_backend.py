"""Key-partitioned chunks on a Dask cluster: the same kernels, the posts spread over workers.

:func:`dask_chunks` is the Dask twin of :func:`cib_detect.chunked.local_chunks`: it
yields chunks whose :meth:`DaskChunks.map` runs a function on every chunk, here on the
workers, so the drivers (``co_action_edges(..., backend="dask")``) are shared. The steps:

1. **Input.** A ``dask.dataframe.DataFrame`` (pandas partitions in the canonical columns,
   e.g. ``dd.read_parquet`` of posts written by ``read_posts(...).write_parquet(...)``)
   or a path / glob of such parquet files (read with pyarrow-backed dtypes, in row-group
   blocks of about 64 MiB). Pyarrow-backed columns matter for frames built by hand too
   (``dd.from_pandas(posts.to_pandas(types_mapper=pd.ArrowDtype))``): an object column
   holds one Python object per row (a numpy array per list), slow to move between workers
   and to convert.
   Only the columns the trace uses are read (asked from polars' projection pushdown) with
   the required ones. Every partition goes through polars (``pl.from_pandas``) and is
   checked against the canonical dtypes there.
2. **Accounts and posts.** A first pass counts the rows of every partition, checks the
   required columns for missing values and collects the distinct ``account_id`` (a tree
   reduction on the cluster); the client sorts them, so account codes are the same as on
   one machine (``code`` = index in the sorted ids). ``post_row`` is the row number in the
   whole input: partition offsets from the partition lengths. Nothing is kept in memory
   between the passes: the input is read twice.
3. **Keys.** A second pass derives, per partition, the keyed rows of the trace
   (:data:`cib_detect.traces.keys.KEY_TRACES`), their chunk
   (:func:`cib_detect.chunked.with_chunk`) and, for traces whose posts can have several
   keys, ``split``: all rows of a post come from one partition, so a post is split when
   its rows there fall in more than one chunk (:func:`cib_detect.chunked.split_posts`).
4. **Shuffle.** The keyed rows are moved so that partition ``c`` holds exactly chunk
   ``c`` (``set_index("chunk")`` with known divisions: no sampling pass), and persisted
   on the workers: :meth:`DaskChunks.map` can run several times without recomputing.

Only the keyed rows travel (``post_row``, ``account_code``, ``time_us``, ``key``,
``split``: about 30 bytes plus the key per row), never the posts' text. The sorted account
ids are sent to every worker once (they turn ``account_id`` into codes).

Dask is an optional dependency: ``pip install 'cib_detect[dask]'``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import polars as pl

from cib_detect import chunked
from cib_detect._params import check_choice, check_int
from cib_detect.errors import ParameterError, SchemaError
from cib_detect.schema import ID_COLUMNS, POST_COLUMNS, REQUIRED_POST_COLUMNS
from cib_detect.traces.keys import KEY_TRACES, MULTI_KEY_TRACES, ROW_COLUMNS, check_trace_options

logger = logging.getLogger("cib_detect")
T = TypeVar("T")

__all__ = ["DaskChunks", "DaskPosts", "dask_chunks", "default_n_chunks"]

_FUNCTION = "co_action_edges"
_LIST_COLUMNS = tuple(name for name, dtype in POST_COLUMNS.items() if dtype == pl.List(pl.String))
_FIX = (
    "read the posts once with cd.read_posts(...), which converts them, write them with "
    ".write_parquet(path) and pass the path (or dask.dataframe.read_parquet(path))"
)
# Partition summaries are merged this many at a time (distinct account ids).
_FAN_IN = 8


def _dask():
    """``dask`` and ``dask.dataframe``, or an error saying how to install them."""
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - dask is in the dev extra
        raise ModuleNotFoundError(
            "backend='dask' needs Dask: pip install 'cib_detect[dask]' "
            "(dask[dataframe,distributed]), or use backend='polars'"
        ) from None
    return dask, dd


def _resolve_client(client):
    """The given client, else distributed's default client, else None (local scheduler)."""
    if client is not None:
        return client
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


#: Posts per chunk when ``n_chunks`` is not given: a chunk's pair statistics (every pair
#: with one co-action is kept until the chunks are added up) then take a few GB of worker
#: memory at most on the synthetic data (co_repost at 10M posts: 37M partial pairs, 2.4 GB
#: in all).
POSTS_PER_CHUNK = 1_000_000


def default_n_chunks(client=None, n_posts: int = 0) -> int:
    """Chunks used when ``n_chunks`` is not given: one per ``POSTS_PER_CHUNK`` posts, and at
    least two per worker thread of the cluster (of the machine with the local scheduler),
    so a slow chunk does not hold the others up.

    Examples
    --------
    >>> default_n_chunks(n_posts=50_000_000) >= 50
    True
    """
    client = _resolve_client(client)
    threads = os.cpu_count() or 1
    if client is not None:
        threads = max(1, sum(client.nthreads().values()))
    return max(2 * threads, -(-n_posts // POSTS_PER_CHUNK))


# -- input ---------------------------------------------------------------------------------


def _as_dask_frame(posts, function: str):
    """``posts`` as a Dask DataFrame: a dask frame as it is, a path or glob read lazily."""
    _, dd = _dask()
    if isinstance(posts, dd.DataFrame):
        return posts
    paths = [posts] if isinstance(posts, str | os.PathLike) else posts
    if (
        isinstance(paths, list | tuple)
        and paths
        and all(isinstance(p, str | os.PathLike) for p in paths)
    ):
        paths = [str(p) for p in paths]
        local = [p for p in paths if "://" not in p and not any(c in p for c in "*?[")]
        missing = [p for p in local if not Path(p).exists()]
        if missing:
            raise ParameterError(
                f"the 'posts' parameter of {function} names {missing[0]!r}, which does not "
                "exist; pass parquet files, a directory or a glob such as 'posts/*.parquet'"
            )
        # pyarrow-backed columns: lists stay arrow arrays (cheap to move between workers
        # and to hand to polars) instead of objects holding one numpy array per row.
        return dd.read_parquet(
            paths[0] if len(paths) == 1 else paths,
            dtype_backend="pyarrow",
            split_row_groups="adaptive",
            blocksize="64MiB",
        )
    kind = f"{type(posts).__module__.split('.')[0]}.{type(posts).__name__}"
    raise ParameterError(
        f"the 'posts' parameter of {function} with backend='dask' must be a "
        f"dask.dataframe.DataFrame or a path / glob of parquet files; got {kind} instead. "
        "For a DataFrame in memory use backend='polars' (the default); to run it on Dask, "
        "write it with .write_parquet(path) and pass the path, or pass "
        "dask.dataframe.from_pandas(frame.to_pandas(types_mapper=pandas.ArrowDtype), "
        "npartitions=...)"
    )


def _is_text_dtype(dtype) -> bool:
    """A pandas dtype that holds strings only (Dask's converted object columns)."""
    import pandas as pd

    if isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        return pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(
            dtype.pyarrow_dtype
        )
    return False


def _check_meta(ddf, function: str) -> None:
    """Fail early on what the frame's metadata already shows: missing required columns,
    list columns that Dask turned into strings."""
    from cib_detect.io.validate import missing_column_problem

    columns = list(ddf.columns)
    for name in REQUIRED_POST_COLUMNS:
        if name not in columns:
            raise SchemaError(missing_column_problem("posts", name, columns))
    for name in _LIST_COLUMNS:
        if name in columns and _is_text_dtype(ddf.dtypes[name]):
            raise ParameterError(
                f"column {name!r} of the posts given to {function} with backend='dask' holds "
                f"text ({ddf.dtypes[name]}) where a list of strings is expected: Dask's "
                "'dataframe.convert-string' option turns object columns, lists included, into "
                "strings. Build the frame from pyarrow-backed columns, e.g. "
                "dd.from_pandas(posts.to_pandas(types_mapper=pandas.ArrowDtype)), or read "
                "parquet with dd.read_parquet, or set "
                "dask.config.set({'dataframe.convert-string': False}) before from_pandas"
            )


def _cast(name: str, dtype: pl.DataType, target: pl.DataType) -> pl.Expr | None:
    """Expression turning column ``name`` into ``target`` when that loses nothing."""
    col = pl.col(name)
    if isinstance(dtype, pl.Null):
        return col.cast(target)
    if target == pl.String:
        if isinstance(dtype, pl.Categorical | pl.Enum):
            return col.cast(pl.String)
        if name in ID_COLUMNS and dtype.is_integer():
            return col.cast(pl.String)
    elif isinstance(target, pl.Datetime):
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            return col.dt.convert_time_zone("UTC").cast(target)
    elif isinstance(target, pl.List) and isinstance(dtype, pl.List):
        inner = dtype.inner
        if isinstance(inner, pl.Null | pl.Categorical | pl.Enum | pl.String):
            return col.cast(target)
    return None


def canonical_partition(part, *, function: str = _FUNCTION) -> pl.DataFrame:
    """One pandas partition as a polars frame in the canonical dtypes, or a clear error.

    Lossless differences are converted (categorical text, integer ids, other time units or
    time zones, lists of nulls); anything else raises :class:`ParameterError`.

    Examples
    --------
    >>> import pandas as pd
    >>> part = pd.DataFrame({"account_id": [7], "timestamp": pd.to_datetime([0], utc=True)})
    >>> dict(canonical_partition(part).schema)
    {'account_id': String, 'timestamp': Datetime(time_unit='us', time_zone='UTC')}
    """
    try:
        frame = pl.from_pandas(part)
    except Exception as error:
        raise ParameterError(
            f"a partition of the posts given to {function} with backend='dask' could not be "
            f"converted to polars ({type(error).__name__}: {error}); {_FIX}"
        ) from None
    casts = []
    for name, dtype in frame.schema.items():
        target = POST_COLUMNS.get(name)
        if target is None or dtype == target:
            continue
        expr = _cast(name, dtype, target)
        if expr is None:
            raise ParameterError(
                f"column {name!r} of the posts given to {function} with backend='dask' has "
                f"dtype {dtype} in a partition (pandas {part.dtypes[name]}), not {target}; " + _FIX
            )
        casts.append(expr)
    return frame.with_columns(casts) if casts else frame


def _used_columns(trace: str, schema: dict, trace_options: dict) -> list[str]:
    """The input columns the trace reads, asked from polars' projection pushdown."""
    from polars.io.plugins import register_io_source

    full = {**schema, **dict.fromkeys(ROW_COLUMNS, pl.Int64)}
    asked: list = []

    def source(with_columns, predicate, n_rows, batch_size):
        asked.append(with_columns)
        yield pl.DataFrame(schema=full).select(with_columns or list(full))

    try:
        lazy = register_io_source(source, schema=full)
        KEY_TRACES[trace](lazy, list(schema), **trace_options).collect()
    except (SchemaError, ParameterError):
        raise
    except Exception:  # an API change in polars: read every column
        asked = [None]
    wanted = set(schema) if not asked or asked[0] is None else set(asked[0])
    needed = {"account_id", "timestamp"} | (wanted - set(ROW_COLUMNS))
    return [name for name in schema if name in needed]


# -- tasks (run on the workers) -------------------------------------------------------------


def _summary(part, function: str) -> tuple[int, dict, pl.Series]:
    """Rows, missing required values and distinct account ids of one partition."""
    frame = canonical_partition(part[list(REQUIRED_POST_COLUMNS)], function=function)
    nulls = frame.select(pl.col(REQUIRED_POST_COLUMNS).null_count()).row(0, named=True)
    ids = frame.get_column("account_id").drop_nulls().unique()
    return frame.height, nulls, ids


def _union(*ids: pl.Series) -> pl.Series:
    return pl.concat(ids).unique()


def _keyed_partition(
    part,
    used: list[str],
    offset: int,
    length: int,
    codes: pl.DataFrame,
    trace: str,
    n_chunks: int,
    trace_options: dict,
    function: str,
):
    """The keyed rows of one input partition, with chunk and (multi-key traces) split."""
    frame = canonical_partition(part[used], function=function)
    if frame.height != length:  # the passes must see the same partitions
        raise RuntimeError(
            f"a partition of the posts had {length} rows in the first pass over them and "
            f"{frame.height} in the second; the input changed while {function} ran"
        )
    indexed = (
        frame.lazy()
        .with_columns(
            pl.int_range(offset, offset + frame.height, dtype=pl.Int64).alias("post_row"),
            pl.col("timestamp").dt.epoch("us").alias("time_us"),
        )
        .join(codes.lazy(), on="account_id", how="left", maintain_order="left")
    )
    keyed = chunked.with_chunk(
        KEY_TRACES[trace](indexed, frame.columns, **trace_options), n_chunks
    ).collect()
    keyed = _with_split(keyed, trace)
    return keyed.select(_KEYED_COLUMNS[: keyed.width]).to_pandas()


_KEYED_COLUMNS = ("post_row", "account_code", "time_us", "key", "chunk", "split")


def _with_split(keyed: pl.DataFrame, trace: str) -> pl.DataFrame:
    if trace not in MULTI_KEY_TRACES:
        return keyed
    split = chunked.split_posts(keyed).collect().get_column("post_row")
    return keyed.with_columns(pl.col("post_row").is_in(split.implode()).alias("split"))


def _run_chunk(part, work: Callable, schema: dict):
    """``work`` on one shuffled partition (one chunk): ``(True, result)``, or ``(False,
    None)`` for an empty partition."""
    if len(part) == 0:
        return False, None
    rows = pl.from_pandas(part.reset_index(drop=True)).cast(schema)
    return True, work(rows)


def _cut_ranges(result, bounds) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """A chunk's pair statistics and split triples cut by ranges of ``code_a``."""
    import numpy as np

    n_ranges = len(bounds) - 1
    nonempty, stats = result
    empty = (
        pl.DataFrame(schema=chunked.PARTIAL_SCHEMA),
        pl.DataFrame(schema=chunked.SPLIT_SCHEMA),
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


def _chunk_pieces(part, work: Callable, schema: dict, bounds, n_accounts: int) -> tuple:
    """``work`` on one chunk, its pair statistics cut into ranges of ``code_a``; the last
    item is its capped keys and key uses."""
    result = _run_chunk(part, work, schema)
    return (*_cut_ranges(result, bounds), _extras(result, n_accounts))


def _range_total(pieces: list, min_coactions: int) -> pl.DataFrame:
    """One range of account codes added up over all chunks."""
    return chunked.combine_chunks(
        [edges for edges, _ in pieces], [split for _, split in pieces], min_coactions=min_coactions
    )


def _extras(result, n_accounts: int):
    """A chunk's capped keys and key uses (what is summed besides the pairs)."""
    import numpy as np

    nonempty, stats = result
    if not nonempty:
        return pl.DataFrame(schema={"key": pl.String, "n_posts": pl.Int64}), np.zeros(
            n_accounts, np.int64
        )
    return stats.capped, stats.uses


def _merge_extras(*extras):
    return chunked.merge_capped([frame for frame, _ in extras]), sum(uses for _, uses in extras)


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
        self, partitions, n_chunks: int, schema: dict, client, lengths: Sequence[int] = ()
    ) -> None:
        self.partitions = partitions
        self.n_chunks = n_chunks
        self.schema = schema
        self.client = client
        #: Posts in each input partition.
        self.input_lengths = list(lengths)

    def _compute(self, tasks: Sequence) -> list:
        if self.client is not None:
            return self.client.gather(self.client.compute(list(tasks)))
        dask, _ = _dask()
        return list(dask.compute(*tasks))

    def map(self, work: Callable[[pl.DataFrame], T]) -> list[T]:
        """``work(rows)`` for every non-empty chunk, on the workers, in chunk order.

        ``rows`` is a polars frame with ``post_row``, ``account_code``, ``time_us`` (Int64),
        ``key`` (String, or UInt64 for ``co_text``) and, for traces whose posts can have
        several keys, ``split`` (Boolean). ``work`` is pickled to the workers (keep what it
        captures small: a count, not the account ids) and its results come back to the client.
        """
        dask, _ = _dask()
        run = dask.delayed(_run_chunk, pure=True)
        tasks = [run(part, work, self.schema) for part in self.partitions.to_delayed()]
        return [result for nonempty, result in self._compute(tasks) if nonempty]

    def pair_totals(
        self,
        work: Callable[[pl.DataFrame], chunked.ChunkStats],
        n_accounts: int,
        *,
        min_coactions: int,
    ) -> chunked.Totals:
        """Run ``work`` on every chunk and add the contributions up, on the workers.

        Each chunk's pair statistics stay on its worker and are cut into ``n_chunks``
        ranges of account codes (``code_a``); one task per range adds that range up
        (:func:`cib_detect.chunked.combine_chunks`) and drops pairs with fewer than
        ``min_coactions`` co-actions, so only the result comes back to the client and a
        worker holds one range's partial pairs at a time. Capped keys and key uses are
        summed in a tree. The same totals as :meth:`cib_detect.chunked.LocalChunks.pair_totals`.
        """
        import numpy as np

        dask, _ = _dask()
        bounds = np.linspace(0, n_accounts, self.n_chunks + 1).astype(np.int64)
        # One task per chunk runs the kernel and cuts its result into ranges, so only the
        # pieces stay in memory until the range totals have taken them.
        run = dask.delayed(_chunk_pieces, pure=True, nout=self.n_chunks + 1)
        outputs = [
            run(part, work, self.schema, bounds, n_accounts)
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
        edges, (capped, uses) = self._compute([ranges, extras[0]])
        return chunked.Totals(pl.concat(edges), capped, uses)

    def sizes(self) -> pl.DataFrame:
        """Rows and in-memory bytes of every chunk (what the shuffle moved).

        Returns a frame with ``chunk``, ``rows`` and ``bytes`` (pandas ``memory_usage``,
        strings included).
        """
        dask, _ = _dask()
        size = dask.delayed(_partition_size, pure=True)
        parts = self._compute([size(part) for part in self.partitions.to_delayed()])
        return pl.concat([pl.from_pandas(part) for part in parts]).select(
            pl.int_range(pl.len(), dtype=pl.Int32).alias("chunk"),
            pl.col("rows", "bytes").cast(pl.Int64),
        )


def _sorted_ids(parts: list, client, function: str) -> tuple[pl.Series, list[int]]:
    """Distinct account ids (sorted) and partition lengths; fails on missing values."""
    dask, _ = _dask()
    summary = dask.delayed(_summary, nout=3, pure=True)
    summaries = [summary(part, function) for part in parts]
    ids = [s[2] for s in summaries]
    union = dask.delayed(_union, pure=True)
    while len(ids) > 1:
        ids = [union(*ids[i : i + _FAN_IN]) for i in range(0, len(ids), _FAN_IN)]
    tasks = [[s[0] for s in summaries], [s[1] for s in summaries], ids[0]]
    if client is not None:
        lengths, nulls, distinct = client.gather(client.compute(tasks))
    else:
        lengths, nulls, distinct = dask.compute(*tasks)
    missing = {name: sum(n[name] for n in nulls) for name in REQUIRED_POST_COLUMNS}
    missing = {name: count for name, count in missing.items() if count}
    if missing:
        raise SchemaError(
            "posts have missing values in required columns: "
            + ", ".join(f"{name!r} ({count} rows)" for name, count in missing.items())
            + "; fill them, or read the posts with read_posts(..., on_invalid='drop') to drop "
            "and count those rows"
        )
    return distinct.sort(), list(lengths)


def _keyed_schema(trace: str, schema: dict, trace_options: dict) -> dict:
    """Polars schema of the keyed rows a partition task returns (its pandas form is the
    Dask metadata)."""
    empty = pl.DataFrame(schema={**schema, **dict.fromkeys(ROW_COLUMNS, pl.Int64)})
    keyed = KEY_TRACES[trace](empty.lazy(), list(schema), **trace_options)
    keyed = _with_split(chunked.with_chunk(keyed, 1).collect(), trace)
    return dict(keyed.select(_KEYED_COLUMNS[: keyed.width]).schema)


@contextmanager
def dask_chunks(
    posts,
    trace: str,
    *,
    n_chunks: int | None,
    client=None,
    function: str = _FUNCTION,
    **trace_options,
) -> Iterator[tuple[DaskChunks, pl.Series]]:
    """Shuffle the keyed rows of a trace by chunk on a Dask cluster.

    A context manager yielding ``(chunks, account_ids)``, like
    :func:`cib_detect.chunked.local_chunks` for one machine: ``chunks.map(work)`` runs
    ``work`` on every chunk on the workers, ``account_ids`` is the sorted Series of distinct
    account ids (an account's code is its index). The shuffled rows stay persisted on the
    workers until the block exits.

    Parameters
    ----------
    posts : dask.dataframe.DataFrame, str, Path or list of them
        Posts in the canonical columns and dtypes (pandas partitions, e.g.
        ``dd.read_parquet`` of posts written by ``read_posts(...).write_parquet(...)``), or
        parquet files, a directory or a glob of them.
    trace : str
        A key-based trace (:data:`cib_detect.traces.keys.KEY_TRACES`).
    n_chunks : int or None
        Chunks (= shuffled partitions): keys are spread over them by hash. ``None``:
        :func:`default_n_chunks` for the number of posts (known after the first pass).
    client : distributed.Client, optional
        Cluster to run on; default: distributed's default client if there is one, else
        Dask's local scheduler.
    function : str
        Name of the calling public function, for error messages.
    **trace_options
        Options of the trace (``min_chars``, ``min_hashtags``).

    Examples
    --------
    With Dask's local scheduler (a ``distributed.Client`` makes it run on a cluster):

    >>> import pandas as pd, dask.dataframe as dd
    >>> posts = pd.DataFrame({"post_id": ["1", "2", "3"], "account_id": ["b", "a", "c"],
    ...     "timestamp": pd.to_datetime([0, 5, 9], unit="s", utc=True),
    ...     "repost_of": ["x", "x", "y"]})
    >>> with dask_chunks(dd.from_pandas(posts, npartitions=2), "co_repost",
    ...                  n_chunks=2) as (chunks, ids):
    ...     sum(chunks.map(len)), ids.to_list()
    (3, ['a', 'b', 'c'])
    """
    check_choice(trace, KEY_TRACES, name="trace", function=f"{function} with backend='dask'")
    check_trace_options(trace, trace_options, function=function)
    check_int(n_chunks, name="n_chunks", function=function, minimum=1, allow_none=True)
    dask, dd = _dask()
    client = _resolve_client(client)
    ddf = _as_dask_frame(posts, function)
    _check_meta(ddf, function)
    schema = {name: POST_COLUMNS[name] for name in ddf.columns if name in POST_COLUMNS}
    used = _used_columns(trace, schema, trace_options)
    keyed_schema = _keyed_schema(trace, {name: schema[name] for name in used}, trace_options)

    # One optimised expression for both passes: Dask fuses partitions of a projection of a
    # parquet read, so two different projections could be partitioned differently.
    frame = ddf[[name for name in ddf.columns if name in {*REQUIRED_POST_COLUMNS, *used}]]
    if hasattr(frame, "optimize"):
        frame = frame.optimize()
    parts = frame.to_delayed(optimize_graph=False)
    account_ids, lengths = _sorted_ids(parts, client, function)
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
    codes = pl.DataFrame({"account_id": account_ids}).with_row_index("account_code")
    codes = codes.with_columns(pl.col("account_code").cast(pl.Int64))
    scattered = None
    if client is not None:
        codes = scattered = client.scatter(codes, broadcast=True, hash=False)
    else:
        codes = dask.delayed(codes)
    # Not pure: every call gets its own keys, so its shuffle never meets the one of an
    # earlier call on the same input that the scheduler is still cleaning up.
    task = dask.delayed(_keyed_partition, pure=False)
    keyed = [
        task(part, used, offset, length, codes, trace, n_chunks, trace_options, function)
        for part, offset, length in zip(parts, offsets, lengths, strict=True)
    ]
    meta = pl.DataFrame(schema=keyed_schema).to_pandas()
    shuffled = dd.from_delayed(keyed, meta=meta, verify_meta=False).set_index(
        "chunk", divisions=list(range(n_chunks + 1))
    )
    shuffled = client.persist(shuffled) if client is not None else shuffled.persist()
    row_schema = {name: dtype for name, dtype in keyed_schema.items() if name != "chunk"}
    chunks = DaskChunks(shuffled, n_chunks, row_schema, client, lengths)
    try:
        yield chunks, account_ids
    finally:
        # Dropping the last references makes the workers release the persisted rows.
        chunks.partitions = shuffled = keyed = None
        if scattered is not None:
            client.cancel([scattered])


# -- posts for detect -----------------------------------------------------------------------


def _take(part, rows, columns: list[str], function: str) -> pl.DataFrame:
    """Rows ``rows`` (positions in the partition) of ``columns``, canonical, in order."""
    return canonical_partition(part[columns].iloc[rows], function=function)


def _off_minute(part, function: str) -> tuple[int, int]:
    from cib_detect.trace_runs import off_minute_counts

    return off_minute_counts(canonical_partition(part[["timestamp"]], function=function))


def _posts_of(part, columns: list[str], accounts: list[str], function: str) -> pl.DataFrame:
    frame = canonical_partition(part[columns], function=function)
    return frame.filter(pl.col("account_id").is_in(accounts))


def _background(part, columns: list[str], excluded: list[str], function: str):
    from cib_detect.score.government import narrative_background

    return narrative_background(canonical_partition(part[columns], function=function), excluded)


class DaskPosts:
    """Posts persisted on a Dask cluster, as :func:`cib_detect.detect` reads them besides
    the traces: columns, chosen rows (evidence), the score columns, the time resolution.

    ``post_row`` is the row number over the persisted partitions, the numbering
    :func:`dask_chunks` gives the keyed rows of the same frame.
    """

    def __init__(self, posts, client=None, *, function: str = "detect") -> None:
        _dask()
        self.client = _resolve_client(client)
        self.function = function
        ddf = _as_dask_frame(posts, function)
        _check_meta(ddf, function)
        if hasattr(ddf, "optimize"):
            ddf = ddf.optimize()
        # Persisted once: every trace and the scores read the same partitions, which also
        # keeps the row numbering of every projection the same.
        self.frame = self.client.persist(ddf) if self.client is not None else ddf.persist()
        self.columns = list(self.frame.columns)
        parts = self.frame.to_delayed(optimize_graph=False)
        self.account_ids, self.lengths = _sorted_ids(parts, self.client, function)
        self.offsets = [0]
        for length in self.lengths:
            self.offsets.append(self.offsets[-1] + length)
        self.height = self.offsets[-1]

    def _compute(self, tasks: list) -> list:
        if self.client is not None:
            return self.client.gather(self.client.compute(tasks))
        dask, _ = _dask()
        return list(dask.compute(*tasks))

    def minute_resolution(self) -> bool:
        """True when every timestamp falls on a whole minute (archive data)."""
        dask, _ = _dask()
        task = dask.delayed(_off_minute, pure=True)
        counts = self._compute([task(p, self.function) for p in self.frame.to_delayed()])
        return sum(n for n, _ in counts) > 0 and sum(off for _, off in counts) == 0

    def lookup(self, rows, columns: list[str]) -> pl.DataFrame:
        """``columns`` of the posts at ``rows`` (``post_row``), in that order."""
        import numpy as np

        dask, _ = _dask()
        rows = np.asarray(rows, dtype=np.int64)
        unique = np.unique(rows)
        where = np.searchsorted(self.offsets, unique, side="right") - 1
        task = dask.delayed(_take, pure=True)
        tasks, wanted = [], []
        for index, part in enumerate(self.frame.to_delayed()):
            inside = unique[where == index]
            if len(inside):
                tasks.append(task(part, inside - self.offsets[index], columns, self.function))
                wanted.append(inside)
        if not tasks:
            return pl.DataFrame(schema={c: POST_COLUMNS.get(c, pl.String) for c in columns})
        found = pl.concat(self._compute(tasks)).with_columns(
            pl.Series("post_row", np.concatenate(wanted))
        )
        order = pl.DataFrame({"post_row": rows}).with_row_index("order")
        return order.join(found, on="post_row").sort("order").select(columns)

    def collect(self, columns: list[str], *, accounts) -> pl.DataFrame:
        """``columns`` of the posts of ``accounts``, on the client (the scores read them)."""
        dask, _ = _dask()
        task = dask.delayed(_posts_of, pure=True)
        wanted = sorted(accounts)
        parts = [task(p, columns, wanted, self.function) for p in self.frame.to_delayed()]
        return pl.concat(self._compute(parts))

    def narrative_background(self, excluded) -> tuple[pl.DataFrame, int]:
        """:func:`cib_detect.score.government.narrative_background`, per partition on the
        workers, added up on the client."""
        dask, _ = _dask()
        task = dask.delayed(_background, pure=True)
        excluded = sorted(excluded)
        parts = self._compute(
            [task(p, self.columns, excluded, self.function) for p in self.frame.to_delayed()]
        )
        uses = pl.concat([u for u, _ in parts]).group_by("key").agg(pl.col("len").sum())
        return uses, sum(n for _, n in parts)

    @contextmanager
    def chunks(self, trace: str, *, n_chunks: int | None):
        """:func:`dask_chunks` of this frame for ``trace``."""
        with dask_chunks(
            self.frame, trace, n_chunks=n_chunks, client=self.client, function=self.function
        ) as (chunks, account_ids):
            if chunks.input_lengths != self.lengths or len(account_ids) != len(self.account_ids):
                raise AssertionError("dask: the keyed rows are not numbered like the posts")
            yield chunks
