"""One trace, one call: ``co_action_edges`` and ``co_action_evidence``.

A co-action is two posts by different accounts that share a trace key (the same reposted
post, the same normalised text, the same URL...) within ``window`` seconds of each other.
Both functions declare nothing of their own about traces: they look the trace up in the
registry (:mod:`cib_detect.traces.registry`) and run it on the engine's runner
(:mod:`cib_detect.engine.runner`) in memory, streamed or on Dask.
"""

from __future__ import annotations

from contextlib import ExitStack

import polars as pl

from cib_detect import _config
from cib_detect._params import check_int, duration_microseconds
from cib_detect.engine.evidence import evidence_rows
from cib_detect.engine.progress import Progress, check_progress
from cib_detect.engine.runner import TraceRunner
from cib_detect.engine.sources import Backend, check_mode, open_posts
from cib_detect.errors import ParameterError
from cib_detect.traces.registry import Trace, get_trace
from cib_detect.traces.tables import EVIDENCE_SCHEMA

__all__ = ["co_action_edges", "co_action_evidence"]


def _setup(trace, window, max_key_posts, trace_options, mode: dict, function: str):
    """The checks both functions share, all before any work: the trace, its options, the
    window in microseconds, the cap and the mode."""
    n_chunks = check_mode(**mode, function=function)
    declared = get_trace(trace, function=function)
    options = declared.check_options(trace_options, function=function)
    window_us = duration_microseconds(
        declared.default_window if window is None else window, name="window", function=function
    )
    max_key_posts = check_int(
        max_key_posts, name="max_key_posts", function=function, minimum=2, allow_none=True
    )
    return declared, options, window_us, max_key_posts, n_chunks


def _open(posts, declared: Trace, options, mode: dict, n_chunks, function: str, stack):
    source = open_posts(
        posts,
        backend=mode["backend"],
        n_chunks=n_chunks,
        client=mode["client"],
        spill_dir=mode["spill_dir"],
        function=function,
        persist=False,
    )
    declared.check_columns(source.columns, options)
    return source


def co_action_edges(
    posts,
    *,
    trace: str,
    window=None,
    min_weight: int = 1,
    max_key_posts: int | None = _config.DEFAULT_MAX_KEY_POSTS,
    n_chunks: int | None = None,
    spill_dir=None,
    backend: Backend = "polars",
    client=None,
    progress: bool = False,
    **trace_options,
) -> pl.DataFrame:
    """Account pairs that acted together on one trace, with the strength of each pair.

    Parameters
    ----------
    posts : polars.DataFrame, LazyFrame, pandas.DataFrame or path
        Posts in the canonical schema (see :func:`cib_detect.read_posts`).
    trace : str
        A trace of :data:`cib_detect.traces.registry.TRACES`: a key trace
        (``"co_repost"``, ``"co_text"``, ``"co_url"``, ``"co_domain"``, ``"co_hashtag"``,
        ``"hashtag_sequence"``, ``"co_reply"``, ``"co_media"``, ``"co_sound"``,
        ``"co_effect"``, ``"co_key"`` with ``column=``) or a similarity trace
        (``"co_similar_text"``, ``"sync_activity"``, ``"activity_profile"``), whose edges
        add ``similarity`` (and ``rank``) columns (see ``docs/similarity_traces.md``) and
        which run in memory only.
    window : str, float or timedelta, optional
        Largest time gap between two posts that still counts as a co-action (inclusive),
        e.g. ``"60s"``, ``"5m"``, seconds, or a ``timedelta``; default: the trace's own
        (60 s for every trace today, see ``docs/traces.md``).
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
        (``pip install 'cib_detect[dask]'``); see :mod:`cib_detect.engine.dask`.
    client : distributed.Client, optional
        With ``backend="dask"``: the cluster to use; default: distributed's default client,
        else Dask's local scheduler.
    progress : bool
        Show progress bars on stderr (tqdm): the stages (reading, keys, pairs) with counts
        and an ETA, and with ``n_chunks`` the chunks as they are done. Off by default.
    **trace_options
        Options of the chosen trace: ``min_chars`` (``co_text``: shortest normalised text
        that gets a content hash), ``min_hashtags`` (``hashtag_sequence``: fewest
        hashtags a post needs, default 5) and ``column`` (``co_key``, required: the posts
        column whose values, or list items, are the keys). See ``docs/traces.md``.

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
    min_weight = check_int(min_weight, name="min_weight", function=name, minimum=1)
    progress = check_progress(progress, function=name)
    mode = {"n_chunks": n_chunks, "spill_dir": spill_dir, "backend": backend, "client": client}
    declared, options, window_us, max_key_posts, n_chunks = _setup(
        trace, window, max_key_posts, trace_options, mode, name
    )
    bar = Progress(progress, desc=f"{name} {declared.name}", total=3)
    with ExitStack() as stack:
        with bar.stage("read"):
            source = _open(posts, declared, options, mode, n_chunks, name, stack)
        runner = TraceRunner(
            source, stack, max_key_posts=max_key_posts, n_chunks=n_chunks, progress=bar
        )
        if declared.kind == "key":
            with bar.stage("keys"):
                runner.chunks(declared, options, window_us=window_us)
        else:
            bar.set_total(2)
        with bar.stage("pairs"):
            return runner.edges(
                declared, options, window_us=window_us, min_coactions=min_weight, pvalues=False
            )


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
    window=None,
    max_key_posts: int | None = _config.DEFAULT_MAX_KEY_POSTS,
    n_chunks: int | None = None,
    spill_dir=None,
    backend: Backend = "polars",
    client=None,
    **trace_options,
) -> pl.DataFrame:
    """The post pairs behind chosen edges of a co-action network.

    Parameters
    ----------
    posts, trace, window, max_key_posts, n_chunks, spill_dir, backend, client, **trace_options
        As in :func:`co_action_edges` (every mode works for key traces).
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
    mode = {"n_chunks": n_chunks, "spill_dir": spill_dir, "backend": backend, "client": client}
    declared, options, window_us, max_key_posts, n_chunks = _setup(
        trace, window, max_key_posts, trace_options, mode, name
    )
    wanted = _pair_table(pairs)
    with ExitStack() as stack:
        source = _open(posts, declared, options, mode, n_chunks, name, stack)
        runner = TraceRunner(source, stack, max_key_posts=max_key_posts, n_chunks=n_chunks)
        if declared.kind != "key":
            return runner.explain(declared, options, wanted, window_us=window_us)
        # Only posts of the chosen accounts can be evidence; the cap still applies to the
        # key popularity in the whole data, so keys are encoded from all posts.
        codes = runner.codes(declared, options, wanted, window_us=window_us)
        runner.report_capped(declared, options, window_us=window_us)
        events = runner.events(declared, options, codes, window_us=window_us)
        ids = runner.chunks(declared, options, window_us=window_us).account_ids
        return (
            evidence_rows(
                events.with_columns(pl.lit(declared.name).alias("trace")),
                ids,
                source.lookup,
                {declared.name: options},
            )
            .drop("trace")
            .sort(["account_a", "account_b", pl.min_horizontal("timestamp_a", "timestamp_b")])
            .cast(EVIDENCE_SCHEMA)
        )
