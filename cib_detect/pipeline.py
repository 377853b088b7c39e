"""``detect()``: posts in, scored clusters of coordinated accounts out."""

from __future__ import annotations

import logging
import time
import warnings
from contextlib import ExitStack, contextmanager

import polars as pl

from cib_detect import _config
from cib_detect._params import (
    check_choice,
    check_int,
    check_number,
    check_spill_dir,
    check_strings,
    duration_microseconds,
)
from cib_detect.cluster import attach_accounts, cluster_accounts
from cib_detect.detection import Detection
from cib_detect.errors import ParameterError, SchemaError
from cib_detect.graph.backbone import BACKBONE_METHODS, backbone
from cib_detect.graph.fusion import fuse
from cib_detect.score.bursts import cluster_bursts
from cib_detect.score.coordination import cluster_coordination, internal_edges
from cib_detect.score.creation import cluster_creation_burst
from cib_detect.score.disclosure import account_disclosure, cluster_disclosure
from cib_detect.score.government import (
    cluster_narrative,
    cluster_state_amplification,
    government_link_expr,
    state_account_ids,
)
from cib_detect.score.schedule import cluster_schedule
from cib_detect.trace_runs import ChunkedTraces, LazyPosts, MemoryPosts, MemoryTraces
from cib_detect.traces.co_action import evidence_rows
from cib_detect.traces.keys import KEY_TRACES
from cib_detect.traces.posts import as_lazy_posts, as_posts

logger = logging.getLogger("cib_detect")

__all__ = ["DEFAULT_TRACES", "detect"]

#: Traces :func:`detect` runs by default, each when the posts have the columns it needs.
DEFAULT_TRACES = tuple(KEY_TRACES)

_NEEDS = {
    "co_repost": ("repost_of",),
    "co_text": ("text",),
    "co_url": ("urls", "text"),
    "co_domain": ("domains", "urls", "text"),
    "co_hashtag": ("hashtags", "text"),
    "hashtag_sequence": ("hashtags", "text"),
    "co_reply": ("reply_to",),
    "co_media": ("media_hashes",),
}
# Strongest internal edges per cluster whose post pairs are kept as evidence (and timed
# for the burst rule).
_EVIDENCE_EDGES = 20


class _Run:
    """Timings and warnings of one run."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = []

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        self.warnings.extend(str(w.message) for w in caught)
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def detect(
    posts,
    accounts=None,
    *,
    window="60s",
    traces=None,
    alpha: float = 0.05,
    backbone_method: str = "significance",
    min_cluster_size: int = 3,
    max_key_posts: int | None = _config.DEFAULT_MAX_KEY_POSTS,
    seed_domains=(),
    seed_accounts=(),
    random_state: int = 0,
    max_burst_share: float = 0.9,
    n_chunks: int | None = None,
    spill_dir=None,
    backend: str = "polars",
    client=None,
) -> Detection:
    """Find clusters of coordinated accounts and score them.

    For every trace, account pairs that co-acted on at least two keys get a p-value
    against a null model of chance co-action (:mod:`cib_detect.graph.significance`); the
    traces are fused into one graph (Simes' combination, Benjamini-Hochberg q-values),
    its backbone is clustered, and each cluster is scored for coordination, government
    link and disclosure, with the evidence behind each score.

    Parameters
    ----------
    posts : polars.DataFrame, LazyFrame, pandas.DataFrame or path
        Posts in the canonical schema (see :func:`cib_detect.read_posts`).
    accounts : polars.DataFrame or path, optional
        Account profiles (``label``, ``description`` ... see :func:`cib_detect.read_accounts`).
    window : str, float or timedelta
        Largest gap between two posts of a co-action. Archive data with minute-resolution
        times gets at least 60 s (two posts in one minute may be 59 s apart).
    traces : sequence of str, optional
        Traces to run; by default every key-based trace whose columns the posts have.
    alpha : float
        False discovery rate of the backbone (edges with q-value <= alpha).
    backbone_method : str
        ``"significance"`` (default) or ``"disparity"``, ``"min_weight"``,
        ``"percentile"`` (see :func:`cib_detect.graph.backbone.backbone`).
    min_cluster_size : int
        Smallest cluster reported; smaller groups get ``cluster_id`` -1.
    max_key_posts : int or None
        Keys with more posts are left out (reported in ``warnings``).
    seed_domains : sequence of str
        Extra state-linked domains, added to the bundled reference list.
    seed_accounts : sequence of str
        Account ids known to be state accounts (added to those the ``accounts`` label as
        state media or government): reposting, replying to or mentioning them counts as
        amplification, and their hashtags and domains define the state narrative.
    random_state : int
        Seed of the community refinement of large components.
    max_burst_share : float
        A cluster with more than this share of its co-actions inside one 6-hour stretch
        acted together once, like a crowd reacting to a live event: synchronous, not
        coordinated. Such clusters are left out and counted in ``warnings``; 1.0 keeps all.
    n_chunks : int, optional
        Larger-than-memory mode: posts (a path or a LazyFrame, read with
        :func:`cib_detect.scan_posts`) are streamed into ``n_chunks`` key-partitioned
        chunks on disk and every trace runs chunk by chunk
        (:func:`cib_detect.co_action_edges`); the scores
        then load only the posts of cluster members and state accounts. Same result as
        without it; see ``docs/scaling.md`` for the memory model.
    spill_dir : str or Path, optional
        Where the chunks are written (a temporary directory inside it, removed after).
    backend : {"polars", "dask"}
        ``"dask"`` runs every trace on a Dask cluster (``posts``: a ``dask.dataframe`` or
        parquet path/glob in canonical dtypes, persisted on the workers while detect
        runs), chunked as in :func:`cib_detect.co_action_edges`; ``n_chunks`` defaults to
        one per million posts. The clusters and scores are computed on the client, which
        receives the posts of cluster members and state accounts only. Same result as
        ``"polars"``.
    client : distributed.Client, optional
        With ``backend="dask"``: the cluster; default: distributed's default client, else
        Dask's local scheduler.

    Returns
    -------
    Detection
        Edges, clusters, scores, evidence, parameters, warnings and timings.

    Examples
    --------
    >>> import cib_detect as cd
    >>> data = cd.datasets.synthetic(20_000, seed=1)
    >>> result = cd.detect(data.posts, data.accounts)
    >>> result.n_clusters > 0
    True
    """
    name = "detect"
    run = _Run()
    # Every parameter is checked here, by its public name, before any work.
    window_us = duration_microseconds(window, name="window", function=name)
    check_number(alpha, name="alpha", function=name, low=0, high=1, low_open=True)
    check_choice(backbone_method, BACKBONE_METHODS, name="backbone_method", function=name)
    min_cluster_size = check_int(
        min_cluster_size, name="min_cluster_size", function=name, minimum=2
    )
    check_number(
        max_burst_share, name="max_burst_share", function=name, low=0, high=1, low_open=True
    )
    max_key_posts = check_int(
        max_key_posts, name="max_key_posts", function=name, minimum=2, allow_none=True
    )
    seed_domains = check_strings(seed_domains, name="seed_domains", function=name)
    seed_accounts = check_strings(seed_accounts, name="seed_accounts", function=name)
    random_state = check_int(random_state, name="random_state", function=name, allow_none=True)
    n_chunks = check_int(n_chunks, name="n_chunks", function=name, minimum=1, allow_none=True)
    check_choice(backend, ("polars", "dask"), name="backend", function=name)
    requested = _requested_traces(traces)
    if client is not None and backend != "dask":
        raise ParameterError(
            "the 'client' parameter of detect is used only with backend='dask'; pass "
            "backend='dask' to run on that cluster, or leave client out"
        )
    if spill_dir is not None and (backend == "dask" or n_chunks is None):
        raise ParameterError(
            "the 'spill_dir' parameter of detect applies to backend='polars' with n_chunks "
            "(Dask workers spill by their own settings); pass n_chunks, or leave it out"
        )
    check_spill_dir(spill_dir, function=name)
    with ExitStack() as stack:
        with run.stage("read"):
            source = _posts_source(posts, backend, n_chunks, client, spill_dir)
            if accounts is not None:
                from cib_detect.io import read_accounts

                accounts = read_accounts(accounts)
        chosen = _choose_traces(requested, source.columns)
        window_us = _at_least_resolution(source, window_us, run)
        with run.stage("index"):
            if isinstance(source, MemoryPosts):
                runner = MemoryTraces(source, window_us, max_key_posts, name)
            else:
                runner = ChunkedTraces(source, n_chunks, stack, window_us, max_key_posts)
        per_trace = {}
        for trace in chosen:
            with run.stage(trace):
                per_trace[trace] = runner.edges(trace)
        with run.stage("fuse"):
            fused = fuse(per_trace)
        with run.stage("cluster"):
            kept = backbone(fused, method=backbone_method, alpha=alpha) if fused.height else fused
            clusters = cluster_accounts(
                kept,
                accounts=runner.account_ids,
                min_cluster_size=min_cluster_size,
                random_state=random_state,
            )
            clusters = attach_accounts(clusters, fused, alpha=alpha)
            evidence = _evidence(kept, clusters, runner, chosen)
            clusters, evidence, bursts = _drop_crowd_bursts(
                clusters, evidence, max_burst_share, run
            )
        with run.stage("read"):
            posts, background = _score_posts(source, clusters, accounts, seed_accounts)
    with run.stage("score"):
        coordination = cluster_coordination(kept, clusters)
        government = (
            cluster_state_amplification(
                posts, clusters, accounts, seed_domains=seed_domains, seed_accounts=seed_accounts
            )
            .join(
                cluster_narrative(
                    posts, clusters, accounts, seed_accounts=seed_accounts, background=background
                ),
                on="cluster_id",
                how="left",
            )
            .join(cluster_schedule(posts, clusters), on="cluster_id", how="left")
            .join(cluster_creation_burst(clusters, accounts), on="cluster_id", how="left")
        )
        disclosure = cluster_disclosure(clusters, accounts)
        cluster_scores = _cluster_scores(coordination, government, disclosure, evidence).join(
            bursts, on="cluster_id", how="left"
        )
        account_scores = _account_scores(kept, clusters, cluster_scores, accounts)
    params = {
        "window_seconds": window_us / _config.MICROSECONDS,
        "traces": list(chosen),
        "alpha": alpha,
        "backbone_method": backbone_method,
        "min_cluster_size": min_cluster_size,
        "max_key_posts": max_key_posts,
        "seed_domains": seed_domains,
        "seed_accounts": seed_accounts,
        "random_state": random_state,
        "max_burst_share": max_burst_share,
        "n_posts": source.height,
        "n_chunks": n_chunks,
        "backend": backend,
    }
    return Detection(
        edges=fused,
        clusters=clusters,
        account_scores=account_scores,
        cluster_scores=cluster_scores,
        evidence=evidence,
        params=params,
        warnings=run.warnings,
        dropped={},
        timings={k: round(v, 4) for k, v in run.timings.items()},
    )


def _drop_crowd_bursts(clusters, evidence, max_burst_share, run):
    """Leave out clusters whose co-actions are one burst and renumber the others 0.. in
    their order; return the labels, the evidence and every kept cluster's burst figures."""
    bursts = cluster_bursts(evidence)
    crowd = bursts.filter(pl.col("burst_share") > max_burst_share).get_column("cluster_id")
    if len(crowd):
        dropped = clusters.filter(pl.col("cluster_id").is_in(crowd.implode())).height
        message = (
            f"{len(crowd)} clusters ({dropped} accounts) did more than {max_burst_share:.0%} "
            f"of their co-actions within 6 hours (one burst, like a crowd at a live event): "
            f"synchronous, not coordinated; left out (max_burst_share={max_burst_share})"
        )
        logger.info(message)
        run.warnings.append(message)
    kept_ids = (
        clusters.filter((pl.col("cluster_id") >= 0) & ~pl.col("cluster_id").is_in(crowd.implode()))
        .get_column("cluster_id")
        .unique()
        .sort()
    )
    renumber = pl.DataFrame(
        {"cluster_id": kept_ids, "new_id": pl.int_range(len(kept_ids), eager=True)}
    )

    def relabel(frame: pl.DataFrame, *, keep_unmatched: bool) -> pl.DataFrame:
        joined = frame.join(renumber, on="cluster_id", how="left" if keep_unmatched else "inner")
        return joined.with_columns(
            pl.col("new_id").fill_null(-1).cast(pl.Int64).alias("cluster_id")
        ).drop("new_id")

    if evidence.height:
        evidence = relabel(evidence, keep_unmatched=False)
    return (
        relabel(clusters, keep_unmatched=True),
        evidence,
        relabel(bursts, keep_unmatched=False),
    )


def _requested_traces(traces) -> list[str] | None:
    """The ``traces`` parameter as a list of known trace names (None: the default)."""
    if traces is None:
        return None
    names = check_strings(traces, name="traces", function="detect")
    if not names:
        raise ParameterError(
            "the 'traces' parameter of detect names no trace; pass trace names such as "
            f"{list(DEFAULT_TRACES[:2])}, or None for every trace the posts support"
        )
    for trace in names:
        check_choice(trace, KEY_TRACES, name="traces", function="detect")
    return list(dict.fromkeys(names))


def _choose_traces(requested, columns) -> list[str]:
    """The requested traces, or by default every trace whose columns the posts have."""
    if requested is not None:
        return requested
    chosen = [t for t in DEFAULT_TRACES if any(c in columns for c in _NEEDS[t])]
    if not chosen:
        needs = "; ".join(f"{t}: {' or '.join(_NEEDS[t])}" for t in DEFAULT_TRACES)
        raise SchemaError(
            f"posts have none of the columns detect's traces need (found {sorted(columns)}); "
            f"each trace needs one of these columns ({needs}); pass column_map= to "
            f"read_posts to name yours"
        )
    return chosen


def _at_least_resolution(source, window_us: int, run: _Run) -> int:
    """Raise the window to the data's time resolution (minute-resolution archives)."""
    minute = 60 * _config.MICROSECONDS
    if window_us >= minute:
        return window_us
    if source.minute_resolution():
        message = (
            f"timestamps have minute resolution: window raised from "
            f"{window_us / _config.MICROSECONDS:g} s to 60 s"
        )
        logger.warning(message)
        run.warnings.append(message)
        return minute
    return window_us


def _evidence(kept, clusters, runner, traces) -> pl.DataFrame:
    """Post pairs of the strongest internal edges of every cluster, on their best trace."""
    inside = internal_edges(kept, clusters)
    if inside.height == 0:
        return pl.DataFrame()
    top = inside.sort("weight", "account_a", "account_b", descending=[True, False, False])
    top = top.group_by("cluster_id", maintain_order=True).head(_EVIDENCE_EDGES)
    p_columns = [f"{t}_p_value" for t in traces if f"{t}_p_value" in top.columns]
    best = top.with_columns(
        pl.concat_list([pl.col(c).fill_null(2.0) for c in p_columns]).list.arg_min().alias("best")
    )
    ids = runner.account_ids
    frames = []
    for index, column in enumerate(p_columns):
        chosen = best.filter(pl.col("best") == index)
        if chosen.height == 0:
            continue
        codes = pl.DataFrame(
            {
                "code_a": ids.search_sorted(chosen["account_a"]),
                "code_b": ids.search_sorted(chosen["account_b"]),
            }
        )
        trace = column.removesuffix("_p_value")
        frames.append(runner.events(trace, codes).with_columns(pl.lit(trace).alias("trace")))
    events = pl.concat(frames) if frames else pl.DataFrame()
    if events.height == 0:
        return pl.DataFrame()
    labels = clusters.rename({"account_id": "account_a"})
    return (
        evidence_rows(events, ids, runner.posts.lookup)
        .join(labels, on="account_a", how="left")
        .sort("cluster_id", "account_a", "account_b", "timestamp_a", "post_a", "post_b", "key")
    )


def _score_posts(source, clusters, accounts, seed_accounts):
    """The posts the scores read and the narrative's background key counts.

    In memory: all posts (the background is counted from them). Streamed or on Dask:
    only the posts of cluster members and state accounts, with the columns the scores
    read (``text`` only when hashtags, URLs or mentions must be taken from it), and the
    background counted in a pass over the rest, so this stage too holds what the
    clusters need, not every post.
    """
    if isinstance(source, MemoryPosts):
        return source.frame, None
    columns = source.columns
    if all(c in columns for c in ("hashtags", "urls", "mentions")):
        columns = [c for c in columns if c != "text"]
    state_ids = state_account_ids(accounts, seed_accounts)
    wanted = {*state_ids, *clusters.filter(pl.col("cluster_id") >= 0)["account_id"].to_list()}
    posts = source.collect(columns, accounts=wanted)
    return posts, source.narrative_background(wanted) if state_ids else None


def _posts_source(posts, backend: str, n_chunks, client, spill_dir):
    """Where ``detect`` reads the posts: in memory, streamed (``n_chunks``) or on Dask."""
    if backend == "dask":
        from cib_detect.dask_backend import DaskPosts

        return DaskPosts(posts, client, function="detect")
    if n_chunks is None:
        return MemoryPosts(as_posts(posts, function="detect"))
    return LazyPosts(as_lazy_posts(posts, function="detect"), spill_dir=spill_dir)


_GOVERNMENT_COLUMNS = (
    "amplification",
    "narrative",
    "schedule",
    "holiday",
    "creation_burst",
)
_DETAIL_COLUMNS = (
    "n_edges",
    "significance",
    "synchrony",
    "duplication",
    "breadth",
    "density",
    "traces",
    "n_posts",
    "state_posts",
    "state_domains",
    "state_accounts",
    "narrative_jaccard",
    "narrative_keys",
    "utc_offset",
    "workweek",
    "office_share",
    "lunch_dip",
    "active_days",
    "holiday_country",
    "holiday_silence",
    "quiet_dates",
    "schedule_text",
    "creation_excess",
    "n_dated",
    "burst_size",
    "burst_start",
    "burst_end",
    "n_disclosed",
)


def _cluster_scores(coordination, government, disclosure, evidence) -> pl.DataFrame:
    """One row per cluster: the three scores, their parts, ``score`` and evidence text.

    ``score = coordination * government_link * undisclosed``: each factor is necessary
    for an undisclosed government operation (a botnet has no government link, a
    labelled outlet is disclosed, a crowd is not coordinated).
    """
    scores = (
        coordination.join(government, on="cluster_id", how="left")
        .join(disclosure, on="cluster_id", how="left")
        .with_columns(
            pl.col("amplification").fill_null(0.0),
            pl.col("undisclosed").fill_null(1.0),
            pl.col("n_posts", "state_posts", "n_disclosed").fill_null(0),
            pl.col("state_domains", "state_accounts").fill_null(""),
        )
        .with_columns(government_link_expr())
        .with_columns(
            (pl.col("coordination") * pl.col("government_link") * pl.col("undisclosed")).alias(
                "score"
            )
        )
    )
    scores = scores.join(_example_lines(evidence), on="cluster_id", how="left")
    return (
        scores.with_columns(_evidence_text().alias("evidence"))
        .select(
            "cluster_id",
            "size",
            "coordination",
            "government_link",
            "undisclosed",
            "score",
            "evidence",
            *_GOVERNMENT_COLUMNS,
            *_DETAIL_COLUMNS,
        )
        .sort("score", "cluster_id", descending=[True, False])
    )


def _evidence_text() -> pl.Expr:
    """Readable lines: summary, state sources, narrative, schedule, creation, example."""

    def line(condition: pl.Expr, text: pl.Expr) -> pl.Expr:
        return pl.when(condition).then(text).otherwise(pl.lit(None, pl.String))

    summary = pl.format(
        "{} accounts, {} significant links on {}; synchrony {}; {} of {} accounts disclosed",
        pl.col("size"),
        pl.col("n_edges"),
        pl.col("traces"),
        pl.col("synchrony").round(2),
        pl.col("n_disclosed"),
        pl.col("size"),
    )
    sources = pl.concat_str(
        [
            pl.when(pl.col("state_domains") != "")
            .then(pl.format("domains {}", pl.col("state_domains")))
            .otherwise(None),
            pl.when(pl.col("state_accounts") != "")
            .then(pl.format("state accounts {}", pl.col("state_accounts")))
            .otherwise(None),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    state = line(
        pl.col("state_posts") > 0,
        pl.format(
            "state sources: {} of {} posts ({}%) amplify {}",
            pl.col("state_posts"),
            pl.col("n_posts"),
            (pl.col("amplification") * 100).round(0).cast(pl.Int64),
            sources,
        ),
    )
    narrative = line(
        pl.col("narrative").fill_null(0) > 0,
        pl.format(
            "narrative: {}% of own posts use state accounts' keys ({})",
            (pl.col("narrative") * 100).round(0).cast(pl.Int64),
            pl.col("narrative_keys"),
        ),
    )
    schedule = line(
        pl.col("schedule_text").is_not_null(),
        pl.format("schedule: {}", pl.col("schedule_text")),
    )
    creation = line(
        pl.col("burst_size").fill_null(0) >= 2,
        pl.format(
            "creation: {} of {} accounts created {} to {}",
            pl.col("burst_size"),
            pl.col("n_dated"),
            pl.col("burst_start").dt.strftime("%Y-%m-%d"),
            pl.col("burst_end").dt.strftime("%Y-%m-%d"),
        ),
    )
    return pl.concat_str(
        [summary, state, narrative, schedule, creation, pl.col("example")],
        separator="\n",
        ignore_nulls=True,
    )


def _example_lines(evidence: pl.DataFrame) -> pl.DataFrame:
    """One readable example co-action per cluster (the closest in time)."""
    if evidence.height == 0:
        return pl.DataFrame(schema={"cluster_id": pl.Int64, "example": pl.String})
    closest = evidence.sort("dt", "timestamp_a").group_by("cluster_id", maintain_order=True).first()
    return closest.select(
        "cluster_id",
        pl.format(
            'e.g. {} and {} ({}): posts {} and {} on "{}" {} s apart at {}',
            pl.col("account_a"),
            pl.col("account_b"),
            pl.col("trace"),
            pl.col("post_a"),
            pl.col("post_b"),
            pl.col("key").str.slice(0, 60),
            pl.col("dt").round(1),
            pl.col("timestamp_a").dt.strftime("%Y-%m-%d %H:%M:%S UTC"),
        ).alias("example"),
    )


def _account_scores(kept, clusters, cluster_scores, accounts=None) -> pl.DataFrame:
    """Per account: its cluster's coordination and government link, its own disclosure.

    ``score = coordination * government_link * undisclosed`` with ``undisclosed`` 0 for
    an account that is labelled or declares an affiliation, else 1; 0 outside clusters.
    """
    ends = pl.concat(
        [
            kept.select(pl.col("account_a").alias("account_id"), "weight"),
            kept.select(pl.col("account_b").alias("account_id"), "weight"),
        ]
    )
    strength = ends.group_by("account_id").agg(
        pl.len().cast(pl.Int64).alias("degree"), pl.col("weight").sum().alias("strength")
    )
    parts = cluster_scores.select(
        "cluster_id",
        "coordination",
        "government_link",
        pl.col("score").alias("cluster_score"),
        *_GOVERNMENT_COLUMNS,
    )
    in_cluster = pl.col("cluster_id") >= 0
    return (
        clusters.join(parts, on="cluster_id", how="left")
        .join(account_disclosure(accounts), on="account_id", how="left")
        .join(strength, on="account_id", how="left")
        .with_columns(
            pl.col("disclosed").fill_null(False),
            pl.col("coordination", "government_link", "cluster_score").fill_null(0.0),
            pl.col("degree").fill_null(0),
            pl.col("strength").fill_null(0.0),
        )
        .with_columns(
            pl.when(in_cluster)
            .then(1.0 - pl.col("disclosed").cast(pl.Float64))
            .otherwise(None)
            .alias("undisclosed")
        )
        .with_columns(
            (pl.col("coordination") * pl.col("government_link") * pl.col("undisclosed"))
            .fill_null(0.0)
            .alias("score")
        )
        .select(
            "account_id",
            "cluster_id",
            "score",
            "coordination",
            "government_link",
            "undisclosed",
            "cluster_score",
            "disclosed",
            "degree",
            "strength",
            *_GOVERNMENT_COLUMNS,
        )
        .sort("score", "strength", "account_id", descending=[True, True, False])
    )
