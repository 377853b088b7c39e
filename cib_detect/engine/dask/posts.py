"""Posts on a Dask cluster, as the engine's runner and ``detect`` read them."""

from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property

import numpy as np
import polars as pl

from cib_detect.engine.dask.chunks import dask_chunks
from cib_detect.engine.dask.input import (
    as_dask_frame,
    canonical_partition,
    check_meta,
    compute,
    dask_modules,
    resolve_client,
    sorted_ids,
)
from cib_detect.engine.memory import off_minute_counts
from cib_detect.schema import POST_COLUMNS
from cib_detect.traces.registry import Trace

__all__ = ["DaskPosts"]


def _take(part, rows, columns: list[str], function: str) -> pl.DataFrame:
    """Rows ``rows`` (positions in the partition) of ``columns``, canonical, in order."""
    return canonical_partition(part[columns].iloc[rows], function=function)


def _off_minute(part, function: str) -> tuple[int, int]:
    return off_minute_counts(canonical_partition(part[["timestamp"]], function=function))


def _posts_of(part, columns: list[str], accounts: list[str], function: str) -> pl.DataFrame:
    frame = canonical_partition(part[columns], function=function)
    return frame.filter(pl.col("account_id").is_in(accounts))


def _columns_of(part, columns: list[str], function: str) -> pl.DataFrame:
    return canonical_partition(part[columns], function=function)


def _count(part, columns: list[str], count, function: str):
    return count(canonical_partition(part[columns], function=function))


class DaskPosts:
    """Posts on a Dask cluster: a ``dask.dataframe`` (canonical columns) or parquet paths.

    With ``persist`` (``detect``, which reads the posts many times) they are persisted
    on the workers while the object lives, which also keeps the row numbering of every
    projection the same; ``post_row`` is the row number over those partitions, the
    numbering :func:`~cib_detect.engine.dask.chunks.dask_chunks` gives the keyed rows.
    Without it (one trace, ``co_action_edges``) each trace reads only its columns.
    """

    def __init__(self, posts, client=None, *, function: str, persist: bool = True) -> None:
        dask_modules()
        self.client = resolve_client(client)
        self.function = function
        ddf = as_dask_frame(posts, function)
        check_meta(ddf, function)
        if persist:
            if hasattr(ddf, "optimize"):
                ddf = ddf.optimize()
            ddf = self.client.persist(ddf) if self.client is not None else ddf.persist()
        self.persisted = persist
        self.ddf = ddf
        self.columns = list(ddf.columns)

    @cached_property
    def _summary(self) -> tuple[pl.Series, list[int]]:
        parts = self.ddf.to_delayed(optimize_graph=False)
        return sorted_ids(parts, self.client, self.function)

    @property
    def account_ids(self) -> pl.Series:
        """Sorted distinct account ids (a pass over the posts the first time)."""
        return self._summary[0]

    @property
    def lengths(self) -> list[int]:
        """Posts in each partition."""
        return self._summary[1]

    @cached_property
    def offsets(self) -> list[int]:
        """Row number of the first post of each partition, and the number of posts."""
        return [0, *np.cumsum(self.lengths).tolist()]

    @property
    def height(self) -> int:
        """Number of posts."""
        return self.offsets[-1]

    def _partitions(self):
        return self.ddf.to_delayed()

    def minute_resolution(self) -> bool:
        """True when every timestamp falls on a whole minute (archive data)."""
        dask, _ = dask_modules()
        task = dask.delayed(_off_minute, pure=True)
        counts = compute(self.client, [task(p, self.function) for p in self._partitions()])
        return sum(n for n, _ in counts) > 0 and sum(off for _, off in counts) == 0

    def lookup(self, rows, columns: list[str]) -> pl.DataFrame:
        """``columns`` of the posts at ``rows`` (``post_row``), in that order."""
        dask, _ = dask_modules()
        rows = np.asarray(rows, dtype=np.int64)
        unique = np.unique(rows)
        where = np.searchsorted(self.offsets, unique, side="right") - 1
        task = dask.delayed(_take, pure=True)
        tasks, wanted = [], []
        for index, part in enumerate(self._partitions()):
            inside = unique[where == index]
            if len(inside):
                tasks.append(task(part, inside - self.offsets[index], columns, self.function))
                wanted.append(inside)
        if not tasks:
            return pl.DataFrame(schema={c: POST_COLUMNS.get(c, pl.String) for c in columns})
        found = pl.concat(compute(self.client, tasks)).with_columns(
            pl.Series("post_row", np.concatenate(wanted))
        )
        order = pl.DataFrame({"post_row": rows}).with_row_index("order")
        return order.join(found, on="post_row").sort("order").select(columns)

    def score_posts(self, columns, accounts, *, background=None):
        """``columns`` of the posts of ``accounts``, on the client, and ``background``
        counted per partition on the workers and merged on the client."""
        dask, _ = dask_modules()
        wanted = sorted(accounts)
        take = dask.delayed(_posts_of, pure=True)
        tasks = [take(p, columns, wanted, self.function) for p in self._partitions()]
        posts = pl.concat(compute(self.client, tasks))
        if background is None:
            return posts, None
        count = dask.delayed(_count, pure=True)
        parts = [count(p, self.columns, background, self.function) for p in self._partitions()]
        return posts, background.merge(compute(self.client, parts))

    def frame(self, columns: list[str]) -> pl.DataFrame:
        """``columns`` of the posts, gathered on the client in partition order."""
        dask, _ = dask_modules()
        task = dask.delayed(_columns_of, pure=True)
        parts = compute(self.client, [task(p, columns, self.function) for p in self._partitions()])
        if not parts:
            return pl.DataFrame(schema={c: POST_COLUMNS.get(c, pl.String) for c in columns})
        return pl.concat(parts)

    @contextmanager
    def chunks(self, trace: Trace, options: dict, *, n_chunks, max_key_posts, window_us):
        """:func:`~cib_detect.engine.dask.chunks.dask_chunks` of these posts for ``trace``."""
        with dask_chunks(
            self.ddf,
            trace.name,
            options,
            n_chunks=n_chunks,
            client=self.client,
            max_key_posts=max_key_posts,
            window_us=window_us,
            function=self.function,
        ) as chunks:
            if self.persisted and (
                chunks.input_lengths != self.lengths
                or len(chunks.account_ids) != len(self.account_ids)
            ):
                raise AssertionError("dask: the keyed rows are not numbered like the posts")
            yield chunks
