"""Dask input: the posts as a Dask frame, checked, converted per partition, counted.

The one place that decides whether a Dask run has a ``distributed`` client or runs on
Dask's local scheduler (:func:`resolve_client`, :func:`compute`). Posts come as a
``dask.dataframe.DataFrame`` (pandas partitions in the canonical columns) or a path / glob
of parquet files, read with pyarrow-backed dtypes in row-group blocks of about 64 MiB:
an object column holds one Python object per row (a numpy array per list), slow to move
between workers and to convert. Every partition goes through polars
(:func:`canonical_partition`) and is checked against the canonical dtypes there. A first
pass (:func:`sorted_ids`) counts the rows of every partition, checks the required columns
for missing values and collects the distinct account ids in a tree reduction; the client
sorts them, so account codes are the same as on one machine.

Dask is an optional dependency: ``pip install 'cib_detect[dask]'``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from cib_detect.errors import ParameterError, SchemaError
from cib_detect.schema import ID_COLUMNS, POST_COLUMNS, REQUIRED_POST_COLUMNS

logger = logging.getLogger("cib_detect")
__all__ = ["canonical_partition", "compute", "default_n_chunks", "sorted_ids"]

_FUNCTION = "co_action_edges"
_LIST_COLUMNS = tuple(name for name, dtype in POST_COLUMNS.items() if dtype == pl.List(pl.String))
_FIX = (
    "read the posts once with cd.read_posts(...), which converts them, write them with "
    ".write_parquet(path) and pass the path (or dask.dataframe.read_parquet(path))"
)
# Partition summaries are merged this many at a time (distinct account ids).
_FAN_IN = 8


def dask_modules():
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


def resolve_client(client):
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


def compute(client, tasks: Sequence) -> list:
    """Compute Dask ``tasks`` on ``client``, or on Dask's local scheduler when it is None."""
    if client is not None:
        return client.gather(client.compute(list(tasks)))
    dask, _ = dask_modules()
    return list(dask.compute(*tasks))


def default_n_chunks(client=None, n_posts: int = 0) -> int:
    """Chunks used when ``n_chunks`` is not given: one per ``POSTS_PER_CHUNK`` posts, and at
    least two per worker thread of the cluster (of the machine with the local scheduler),
    so a slow chunk does not hold the others up.

    Examples
    --------
    >>> default_n_chunks(n_posts=50_000_000) >= 50
    True
    """
    client = resolve_client(client)
    threads = os.cpu_count() or 1
    if client is not None:
        threads = max(1, sum(client.nthreads().values()))
    return max(2 * threads, -(-n_posts // POSTS_PER_CHUNK))


# -- input ---------------------------------------------------------------------------------


def as_dask_frame(posts, function: str):
    """``posts`` as a Dask DataFrame: a dask frame as it is, a path or glob read lazily."""
    _, dd = dask_modules()
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


def check_meta(ddf, function: str) -> None:
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


def _summary(part, function: str) -> tuple[int, dict, pl.Series]:
    """Rows, missing required values and distinct account ids of one partition."""
    frame = canonical_partition(part[list(REQUIRED_POST_COLUMNS)], function=function)
    nulls = frame.select(pl.col(REQUIRED_POST_COLUMNS).null_count()).row(0, named=True)
    ids = frame.get_column("account_id").drop_nulls().unique()
    return frame.height, nulls, ids


def _union(*ids: pl.Series) -> pl.Series:
    return pl.concat(ids).unique()


def sorted_ids(parts: list, client, function: str) -> tuple[pl.Series, list[int]]:
    """Distinct account ids (sorted) and partition lengths; fails on missing values."""
    dask, _ = dask_modules()
    summary = dask.delayed(_summary, nout=3, pure=True)
    summaries = [summary(part, function) for part in parts]
    ids = [s[2] for s in summaries]
    union = dask.delayed(_union, pure=True)
    while len(ids) > 1:
        ids = [union(*ids[i : i + _FAN_IN]) for i in range(0, len(ids), _FAN_IN)]
    tasks = [[s[0] for s in summaries], [s[1] for s in summaries], ids[0]]
    lengths, nulls, distinct = compute(client, tasks)
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
