"""Co-action networks of key-based traces: ``co_action_edges`` and ``co_action_evidence``.

A co-action is two posts by different accounts that share a trace key (the same reposted
post, the same normalised text, the same URL...) within ``window`` seconds of each other.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from cib_detect import _config
from cib_detect._params import check_choice, check_int, check_spill_dir, duration_microseconds
from cib_detect.encode import EncodedKeys, encode_keyed, indexed_posts
from cib_detect.errors import CappedKeysWarning, ParameterError
from cib_detect.kernels.account_pairs import account_pair_stats
from cib_detect.kernels.pairs import window_pairs
from cib_detect.traces.keys import KEY_TRACES, MULTI_KEY_TRACES, check_trace_options
from cib_detect.traces.posts import as_lazy_posts, as_posts

logger = logging.getLogger("cib_detect")

__all__ = ["EDGE_SCHEMA", "EVIDENCE_SCHEMA", "co_action_edges", "co_action_evidence"]

#: Columns of the edge table returned by :func:`co_action_edges`.
EDGE_SCHEMA = {
    "account_a": pl.String,
    "account_b": pl.String,
    "n_coactions": pl.Int64,
    "n_keys": pl.Int64,
    "n_posts_a": pl.Int64,
    "n_posts_b": pl.Int64,
    "min_dt": pl.Float64,
    "mean_dt": pl.Float64,
}

#: Columns of the evidence table returned by :func:`co_action_evidence`.
EVIDENCE_SCHEMA = {
    "account_a": pl.String,
    "account_b": pl.String,
    "post_a": pl.String,
    "post_b": pl.String,
    "key": pl.String,
    "timestamp_a": pl.Datetime("us", "UTC"),
    "timestamp_b": pl.Datetime("us", "UTC"),
    "dt": pl.Float64,
}


def _similarity_registry():
    # Imported on use: the similarity traces build on this module's schemas.
    from cib_detect.traces import registry

    return registry


def _all_traces() -> list[str]:
    return [*KEY_TRACES, *_similarity_registry().SIMILARITY_TRACES]


@dataclass(frozen=True)
class TraceData:
    """One trace of a posts frame, encoded for the kernels."""

    trace: str
    encoded: EncodedKeys
    account_ids: pl.Series
    post_ids: pl.Series


def encode_trace(
    posts: pl.DataFrame,
    trace: str,
    *,
    max_key_posts: int | None,
    function: str = "co_action_edges",
    indexed: tuple[pl.LazyFrame, pl.Series] | None = None,
    **trace_options,
) -> TraceData:
    """Derive the keys of ``trace`` for every post and encode them for the kernels.

    ``indexed`` is :func:`cib_detect.encode.indexed_posts` of ``posts`` when the caller
    runs several traces on the same posts (account codes are then computed once).
    """
    check_choice(trace, _all_traces(), name="trace", function=function)
    check_trace_options(trace, trace_options, function=function)
    frame, account_ids = indexed if indexed is not None else indexed_posts(posts)
    keyed = KEY_TRACES[trace](frame, posts.columns, **trace_options)
    encoded = encode_keyed(keyed, max_key_posts=max_key_posts, dedupe=trace in MULTI_KEY_TRACES)
    report_capped(trace, encoded.capped, max_key_posts)
    return TraceData(trace, encoded, account_ids, posts.get_column("post_id"))


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


def co_action_edges(
    posts,
    *,
    trace: str,
    window="60s",
    min_weight: int = 1,
    max_key_posts: int | None = _config.DEFAULT_MAX_KEY_POSTS,
    n_chunks: int | None = None,
    spill_dir=None,
    backend: str = "polars",
    client=None,
    **trace_options,
) -> pl.DataFrame:
    """Account pairs that acted together on one trace, with the strength of each pair.

    Parameters
    ----------
    posts : polars.DataFrame, LazyFrame, pandas.DataFrame or path
        Posts in the canonical schema (see :func:`cib_detect.read_posts`).
    trace : str
        ``"co_repost"``, ``"co_text"``, ``"co_url"``, ``"co_domain"``, ``"co_hashtag"``,
        ``"hashtag_sequence"``, ``"co_reply"`` or ``"co_media"``; or a similarity trace,
        ``"co_similar_text"``, ``"sync_activity"`` or ``"activity_profile"``, whose edges
        add ``similarity`` (and ``rank``) columns (see ``docs/similarity_traces.md``).
    window : str, float or timedelta
        Largest time gap between two posts that still counts as a co-action (inclusive),
        e.g. ``"60s"``, ``"5m"``, seconds, or a ``timedelta``.
    min_weight : int
        Keep pairs with at least this many co-actions. Applied inside the kernel: pairs
        below it are never materialised. At ``min_weight=1`` a dataset with viral posts can
        hold hundreds of millions of pairs (about 56 bytes each in the result); ``2`` keeps
        only pairs that met more than once, usually a tiny fraction.
    max_key_posts : int or None
        Keys with more posts than this (a post reposted by 100k accounts) are left out and
        reported with a :class:`~cib_detect.errors.CappedKeysWarning`. ``None`` keeps all.
    n_chunks : int, optional
        Larger-than-memory mode for key-based traces: the posts (a path or a LazyFrame,
        read with :func:`cib_detect.scan_posts`) are streamed once into ``n_chunks``
        key-partitioned chunks on disk, processed one at a time; peak memory is about one
        chunk plus the edge table (``docs/scaling.md``). Same result as without it.
    spill_dir : str or Path, optional
        Where the chunks are written (a temporary directory inside it, removed after);
        default: the system's temporary directory.
    backend : str
        ``"polars"`` (default): this process. ``"dask"``: a Dask cluster, for key-based
        traces; ``posts`` is then a ``dask.dataframe.DataFrame`` (canonical columns) or a
        path / glob of parquet files. The posts are shuffled by trace key into ``n_chunks``
        chunks on the workers (default: one per million posts, at least two per worker
        thread), the same kernel runs on each chunk there and the workers add the chunks
        up by ranges of accounts; same result as ``"polars"``. Needs the ``dask`` extra
        (``pip install 'cib_detect[dask]'``); see :mod:`cib_detect.dask_backend`.
    client : distributed.Client, optional
        With ``backend="dask"``: the cluster to use; default: distributed's default client,
        else Dask's local scheduler.
    **trace_options
        Options of the chosen trace: ``min_chars`` (``co_text``: shortest normalised text
        that gets a content hash) and ``min_hashtags`` (``hashtag_sequence``: fewest
        hashtags a post needs, default 5). See ``docs/traces.md``.

    Returns
    -------
    polars.DataFrame
        One row per unordered account pair, ``account_a < account_b``, sorted:
        ``n_coactions`` (post pairs within the window, per key), ``n_keys`` (distinct keys
        they co-acted on), ``n_posts_a`` / ``n_posts_b`` (distinct posts of each side with
        a partner post: the coordination-network-toolkit's directed weights), ``min_dt``
        and ``mean_dt`` (seconds between the paired posts).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = lambda s: datetime(2024, 1, 1, 12, 0, s, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({
    ...     "post_id": ["1", "2", "3", "4"], "account_id": ["a", "b", "c", "b"],
    ...     "timestamp": [t(0), t(10), t(50), t(20)], "repost_of": ["x", "x", "x", "y"]})
    >>> co_action_edges(posts, trace="co_repost", window="30s")
    shape: (1, 8)
    ┌───────────┬───────────┬─────────────┬────────┬───────────┬───────────┬────────┬─────────┐
    │ account_a ┆ account_b ┆ n_coactions ┆ n_keys ┆ n_posts_a ┆ n_posts_b ┆ min_dt ┆ mean_dt │
    │ ---       ┆ ---       ┆ ---         ┆ ---    ┆ ---       ┆ ---       ┆ ---    ┆ ---     │
    │ str       ┆ str       ┆ i64         ┆ i64    ┆ i64       ┆ i64       ┆ f64    ┆ f64     │
    ╞═══════════╪═══════════╪═════════════╪════════╪═══════════╪═══════════╪════════╪═════════╡
    │ a         ┆ b         ┆ 1           ┆ 1      ┆ 1         ┆ 1         ┆ 10.0   ┆ 10.0    │
    └───────────┴───────────┴─────────────┴────────┴───────────┴───────────┴────────┴─────────┘
    """
    name = "co_action_edges"
    check_int(min_weight, name="min_weight", function=name, minimum=1)
    check_int(n_chunks, name="n_chunks", function=name, minimum=1, allow_none=True)
    check_choice(backend, ("polars", "dask"), name="backend", function=name)
    if backend == "dask":
        if spill_dir is not None:
            raise ParameterError(
                "the 'spill_dir' parameter of co_action_edges applies to backend='polars' "
                "with n_chunks; Dask workers spill by their own settings (worker memory "
                "limits, 'temporary-directory'); leave it out"
            )
        return _chunked_edges(
            posts,
            trace,
            window,
            min_weight,
            max_key_posts,
            n_chunks,
            None,
            trace_options,
            backend="dask",
            client=client,
        )
    if client is not None:
        raise ParameterError(
            "the 'client' parameter of co_action_edges is used only with backend='dask'; "
            "pass backend='dask' to run on that cluster, or leave client out"
        )
    if n_chunks is not None:
        check_spill_dir(spill_dir, function=name)
        return _chunked_edges(
            posts, trace, window, min_weight, max_key_posts, n_chunks, spill_dir, trace_options
        )
    posts, window_us, registry = _entry(posts, trace, window, max_key_posts, name)
    if trace in registry.SIMILARITY_TRACES:
        return registry.similarity_edges(
            trace,
            posts,
            window_us=window_us,
            min_weight=min_weight,
            max_key_posts=max_key_posts,
            **trace_options,
        )
    data = encode_trace(posts, trace, max_key_posts=max_key_posts, function=name, **trace_options)
    return pair_stats_frame(data, window_us, min_coactions=min_weight)


def _chunked_edges(
    posts,
    trace,
    window,
    min_weight,
    max_key_posts,
    n_chunks,
    spill_dir,
    trace_options,
    *,
    client=None,
    backend: str = "polars",
) -> pl.DataFrame:
    """``co_action_edges`` chunk by chunk (:mod:`cib_detect.chunked`): on this machine
    through a parquet spill, or on a Dask cluster with ``backend="dask"``; the chunk
    source is the only difference."""
    from cib_detect import chunked

    name = "co_action_edges"
    window_us = duration_microseconds(window, name="window", function=name)
    check_int(max_key_posts, name="max_key_posts", function=name, minimum=2, allow_none=True)
    mode = "backend='dask'" if backend == "dask" else "n_chunks"
    check_choice(trace, KEY_TRACES, name="trace", function=f"{name} with {mode}")
    check_trace_options(trace, trace_options, function=name)
    multi = trace in MULTI_KEY_TRACES
    if backend == "dask":
        from cib_detect import dask_backend

        source = dask_backend.dask_chunks(
            posts, trace, n_chunks=n_chunks, client=client, function=name, **trace_options
        )
    else:
        source = chunked.trace_chunks(
            as_lazy_posts(posts, function=name),
            trace,
            n_chunks=n_chunks,
            spill_dir=spill_dir,
            **trace_options,
        )

    with source as (chunks, account_ids):
        n_accounts = len(account_ids)  # the work below is pickled to Dask workers: no ids

        def work(rows: pl.DataFrame) -> chunked.ChunkStats:
            return chunked.chunk_pair_stats(
                rows, n_accounts, window_us, dedupe=multi, max_key_posts=max_key_posts
            )[1]

        totals = chunks.pair_totals(work, n_accounts, min_coactions=min_weight)
    report_capped(trace, totals.capped, max_key_posts)
    return label_pairs(totals.edges, account_ids)


def label_pairs(stats: pl.DataFrame | None, account_ids: pl.Series) -> pl.DataFrame:
    """Account-pair statistics by code (:data:`cib_detect.chunked.PARTIAL_SCHEMA`) as the
    edge table of :func:`co_action_edges`."""
    if stats is None or stats.height == 0:
        return pl.DataFrame(schema=EDGE_SCHEMA)
    n_co = stats.get_column("n_coactions").to_numpy()
    return pl.DataFrame(
        {
            "account_a": account_ids.gather(stats.get_column("code_a")),
            "account_b": account_ids.gather(stats.get_column("code_b")),
            "n_coactions": n_co,
            "n_keys": stats.get_column("n_keys"),
            "n_posts_a": stats.get_column("n_posts_a"),
            "n_posts_b": stats.get_column("n_posts_b"),
            "min_dt": stats.get_column("min_dt").to_numpy() / _config.MICROSECONDS,
            "mean_dt": stats.get_column("sum_dt").to_numpy()
            / np.maximum(n_co, 1)
            / _config.MICROSECONDS,
        },
        schema=EDGE_SCHEMA,
    )


def _entry(posts, trace, window, max_key_posts, function: str):
    """Checks shared by the public trace functions; the posts, the window in
    microseconds and the similarity-trace registry."""
    window_us = duration_microseconds(window, name="window", function=function)
    check_int(max_key_posts, name="max_key_posts", function=function, minimum=2, allow_none=True)
    check_choice(trace, _all_traces(), name="trace", function=function)
    return as_posts(posts, function=function), window_us, _similarity_registry()


def pair_stats_frame(
    data: TraceData,
    window_us: int,
    *,
    min_coactions: int = 1,
    min_posts: int = 1,
    include_self: bool = False,
    with_codes: bool = False,
) -> pl.DataFrame:
    """Run the account-pair kernel on an encoded trace and label the result.

    With ``with_codes`` the account codes are kept as ``code_a`` / ``code_b`` (ordered
    like the ids, so sorting by them sorts by id without comparing strings).
    """
    enc = data.encoded
    a, b, n_co, n_keys, n_pa, n_pb, min_dt, sum_dt = account_pair_stats(
        enc.starts,
        enc.time,
        enc.account,
        enc.post,
        len(data.account_ids),
        window_us,
        min_coactions,
        min_posts,
        include_self,
    )
    stats = pl.DataFrame(
        {
            "code_a": a,
            "code_b": b,
            "n_coactions": n_co,
            "n_keys": n_keys,
            "n_posts_a": n_pa,
            "n_posts_b": n_pb,
            "min_dt": min_dt,
            "sum_dt": sum_dt,
        }
    )
    edges = label_pairs(stats, data.account_ids)
    if with_codes:
        edges = edges.with_columns(pl.Series("code_a", a), pl.Series("code_b", b))
    return edges


def pair_events(
    enc: EncodedKeys, n_accounts: int, pairs: pl.DataFrame, window_us: int
) -> pl.DataFrame:
    """Every co-action of the chosen account pairs of an encoded trace.

    ``pairs`` holds account codes ``code_a < code_b``. Returns one row per co-action:
    ``code_a``, ``code_b``, ``post_a`` / ``post_b`` (rows of the posts frame, ``post_a``
    by ``code_a``), ``key`` (as text) and ``time_a`` / ``time_b`` (microseconds).
    Only rows of the chosen accounts are paired, so the cost follows their posts.
    """
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
    return events.with_columns(key).select(
        "code_a", "code_b", "post_a", "post_b", "key", "time_a", "time_b"
    )


def evidence_rows(events: pl.DataFrame, account_ids: pl.Series, lookup) -> pl.DataFrame:
    """Co-actions (:func:`pair_events` with a ``trace`` column) as evidence a person reads.

    ``lookup(rows, columns)`` returns the posts' ``columns`` at ``rows``. A ``co_text`` key
    is a hash, so it is shown as the text of the first post. Returns ``trace`` and the
    columns of :data:`EVIDENCE_SCHEMA`, in the events' order.
    """
    rows = np.concatenate([events["post_a"].to_numpy(), events["post_b"].to_numpy()])
    n = events.height
    texts = (events["trace"] == "co_text").any()
    found = lookup(rows, ["post_id", "text"] if texts else ["post_id"])
    key = events["key"]
    if texts:
        is_text = (events["trace"] == "co_text").to_numpy()
        key = pl.Series("key", np.where(is_text, found["text"][:n].to_numpy(), key.to_numpy()))
    return pl.DataFrame(
        {
            "trace": events["trace"],
            "account_a": account_ids.gather(events["code_a"]),
            "account_b": account_ids.gather(events["code_b"]),
            "post_a": found["post_id"][:n],
            "post_b": found["post_id"][n:],
            "key": key.cast(pl.String),
            "timestamp_a": pl.from_epoch(events["time_a"], time_unit="us"),
            "timestamp_b": pl.from_epoch(events["time_b"], time_unit="us"),
            "dt": (events["time_b"] - events["time_a"]).abs() / _config.MICROSECONDS,
        }
    ).with_columns(pl.col("timestamp_a", "timestamp_b").dt.replace_time_zone("UTC"))


def _pair_table(pairs) -> pl.DataFrame:
    """Chosen account pairs as an ``account_a < account_b`` frame."""
    if isinstance(pairs, pl.DataFrame):
        missing = {"account_a", "account_b"} - set(pairs.columns)
        if missing:
            raise ParameterError(
                f"the 'pairs' parameter of co_action_evidence needs columns 'account_a' "
                f"and 'account_b' (e.g. rows of co_action_edges); missing {sorted(missing)}"
            )
        frame = pairs.select(pl.col("account_a", "account_b").cast(pl.String))
    else:
        try:
            rows = [(str(x), str(y)) for x, y in pairs]
        except (TypeError, ValueError):
            raise ParameterError(
                "the 'pairs' parameter of co_action_evidence must be a DataFrame with "
                "'account_a' and 'account_b' or an iterable of (account, account) tuples; "
                f"got {type(pairs).__name__} instead"
            ) from None
        frame = pl.DataFrame(rows, schema=["account_a", "account_b"], orient="row")
    return frame.select(
        pl.min_horizontal("account_a", "account_b").alias("account_a"),
        pl.max_horizontal("account_a", "account_b").alias("account_b"),
    ).unique(maintain_order=True)


def co_action_evidence(
    posts,
    *,
    trace: str,
    pairs,
    window="60s",
    max_key_posts: int | None = _config.DEFAULT_MAX_KEY_POSTS,
    **trace_options,
) -> pl.DataFrame:
    """The post pairs behind chosen edges of a co-action network.

    Parameters
    ----------
    posts, trace, window, max_key_posts, **trace_options
        As in :func:`co_action_edges`.
    pairs : polars.DataFrame or iterable of (str, str)
        The account pairs to explain: a frame with ``account_a`` and ``account_b`` (for
        example a filtered :func:`co_action_edges` result) or tuples of account ids.

    Returns
    -------
    polars.DataFrame
        One row per co-action: ``account_a``, ``account_b`` (``account_a < account_b``),
        ``post_a`` (by ``account_a``), ``post_b``, ``key`` (as text), ``timestamp_a``,
        ``timestamp_b`` and ``dt`` (absolute gap in seconds); sorted by pair, then time.
        Similarity traces add columns (``similarity`` for ``co_similar_text``; the shared
        bins or hours for the temporal traces, see ``docs/similarity_traces.md``).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = lambda s: datetime(2024, 1, 1, 12, 0, s, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({
    ...     "post_id": ["1", "2", "3"], "account_id": ["a", "b", "c"],
    ...     "timestamp": [t(0), t(10), t(50)], "repost_of": ["x", "x", "x"]})
    >>> ev = co_action_evidence(posts, trace="co_repost", window="60s", pairs=[("b", "a")])
    >>> ev.select("account_a", "account_b", "post_a", "post_b", "key", "dt").rows()
    [('a', 'b', '1', '2', 'x', 10.0)]
    """
    name = "co_action_evidence"
    posts, window_us, registry = _entry(posts, trace, window, max_key_posts, name)
    wanted = _pair_table(pairs)
    if trace in registry.SIMILARITY_TRACES:
        return registry.similarity_evidence(
            trace,
            posts,
            pairs=wanted,
            window_us=window_us,
            max_key_posts=max_key_posts,
            **trace_options,
        )
    # Only posts of the chosen accounts can be evidence; the cap still applies to the key
    # popularity in the whole data, so keys are encoded from all posts.
    data = encode_trace(posts, trace, max_key_posts=max_key_posts, function=name, **trace_options)
    ids = data.account_ids
    known = wanted.filter(
        pl.col("account_a").is_in(ids.implode()) & pl.col("account_b").is_in(ids.implode())
    )
    codes = pl.DataFrame(
        {
            "code_a": ids.search_sorted(known["account_a"]),
            "code_b": ids.search_sorted(known["account_b"]),
        }
    )
    events = pair_events(data.encoded, len(ids), codes, window_us)
    return (
        evidence_rows(
            events.with_columns(pl.lit(trace).alias("trace")),
            ids,
            lambda rows, columns: posts.select(columns)[pl.Series(rows)],
        )
        .drop("trace")
        .sort(["account_a", "account_b", pl.min_horizontal("timestamp_a", "timestamp_b")])
        .cast(EVIDENCE_SCHEMA)
    )
