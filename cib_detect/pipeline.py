"""``detect()``: posts in, scored clusters of coordinated accounts out."""

from __future__ import annotations

import logging
import time
import warnings
from contextlib import contextmanager

import polars as pl

from cib_detect import _config
from cib_detect._params import check_choice, check_int, duration_microseconds
from cib_detect.cluster import cluster_accounts
from cib_detect.detection import Detection
from cib_detect.graph.backbone import BACKBONE_METHODS, backbone
from cib_detect.graph.fusion import fuse
from cib_detect.graph.significance import key_trace_pvalues
from cib_detect.score.coordination import cluster_coordination, internal_edges
from cib_detect.score.disclosure import cluster_disclosure
from cib_detect.score.government import cluster_state_amplification
from cib_detect.traces.co_action import encode_trace, pair_events, pair_stats_frame
from cib_detect.traces.keys import KEY_TRACES
from cib_detect.traces.posts import as_posts

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
# Edges shown as example post pairs per cluster.
_EVIDENCE_EDGES = 3


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
    random_state: int = 0,
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
    random_state : int
        Seed of the community refinement of large components.

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
    window_us = duration_microseconds(window, name="window", function=name)
    check_choice(backbone_method, BACKBONE_METHODS, name="backbone_method", function=name)
    check_int(min_cluster_size, name="min_cluster_size", function=name, minimum=2)
    check_int(max_key_posts, name="max_key_posts", function=name, minimum=2, allow_none=True)
    with run.stage("read"):
        posts = as_posts(posts, function=name)
        if accounts is not None:
            from cib_detect.io import read_accounts

            accounts = (
                accounts
                if isinstance(accounts, pl.DataFrame) and "account_id" in accounts.columns
                else read_accounts(accounts)
            )
    chosen = _choose_traces(traces, posts.columns)
    window_us = _at_least_resolution(posts, window_us, run)
    per_trace, trace_data = {}, {}
    for trace in chosen:
        with run.stage(trace):
            data = encode_trace(posts, trace, max_key_posts=max_key_posts, function=name)
            # A pair needs two co-actions to be significant (one shared key has p = 1),
            # so single co-actions are never materialised.
            edges = pair_stats_frame(data, window_us, min_coactions=2)
            per_trace[trace] = key_trace_pvalues(data, edges, window_us)
            trace_data[trace] = data
    with run.stage("fuse"):
        fused = fuse(per_trace)
    with run.stage("cluster"):
        kept = backbone(fused, method=backbone_method, alpha=alpha) if fused.height else fused
        clusters = cluster_accounts(
            kept,
            accounts=posts.get_column("account_id").unique().sort(),
            min_cluster_size=min_cluster_size,
            random_state=random_state,
        )
    with run.stage("score"):
        coordination = cluster_coordination(kept, clusters)
        government = cluster_state_amplification(
            posts, clusters, accounts, seed_domains=seed_domains
        )
        disclosure = cluster_disclosure(clusters, accounts)
        evidence = _evidence(kept, clusters, trace_data, posts, window_us)
        cluster_scores = _cluster_scores(coordination, government, disclosure, evidence)
        account_scores = _account_scores(kept, clusters, cluster_scores)
    params = {
        "window_seconds": window_us / _config.MICROSECONDS,
        "traces": list(chosen),
        "alpha": alpha,
        "backbone_method": backbone_method,
        "min_cluster_size": min_cluster_size,
        "max_key_posts": max_key_posts,
        "seed_domains": list(seed_domains),
        "random_state": random_state,
        "n_posts": posts.height,
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


def _choose_traces(traces, columns) -> list[str]:
    if traces is None:
        return [t for t in DEFAULT_TRACES if any(c in columns for c in _NEEDS[t])]
    if isinstance(traces, str):
        traces = [traces]
    for trace in traces:
        check_choice(trace, KEY_TRACES, name="traces", function="detect")
    return list(dict.fromkeys(traces))


def _at_least_resolution(posts: pl.DataFrame, window_us: int, run: _Run) -> int:
    """Raise the window to the data's time resolution (minute-resolution archives)."""
    minute = 60 * _config.MICROSECONDS
    if window_us >= minute or posts.height == 0:
        return window_us
    on_minutes = (posts.get_column("timestamp").dt.epoch("us") % minute == 0).all()
    if on_minutes:
        message = (
            f"timestamps have minute resolution: window raised from "
            f"{window_us / _config.MICROSECONDS:g} s to 60 s"
        )
        logger.warning(message)
        run.warnings.append(message)
        return minute
    return window_us


def _evidence(kept, clusters, trace_data, posts, window_us) -> pl.DataFrame:
    """Post pairs of the strongest internal edges of every cluster, on their best trace."""
    inside = internal_edges(kept, clusters)
    if inside.height == 0:
        return pl.DataFrame()
    top = inside.sort("weight", "account_a", "account_b", descending=[True, False, False])
    top = top.group_by("cluster_id", maintain_order=True).head(_EVIDENCE_EDGES)
    p_columns = [f"{t}_p_value" for t in trace_data if f"{t}_p_value" in top.columns]
    best = top.with_columns(
        pl.concat_list([pl.col(c).fill_null(2.0) for c in p_columns]).list.arg_min().alias("best")
    )
    frames = []
    post_ids = posts.get_column("post_id")
    for index, column in enumerate(p_columns):
        trace = column.removesuffix("_p_value")
        chosen = best.filter(pl.col("best") == index)
        if chosen.height == 0:
            continue
        data = trace_data[trace]
        ids = data.account_ids
        codes = pl.DataFrame(
            {
                "code_a": ids.search_sorted(chosen["account_a"]),
                "code_b": ids.search_sorted(chosen["account_b"]),
            }
        )
        events = pair_events(data, codes, window_us)
        frames.append(
            events.select(
                pl.lit(trace).alias("trace"),
                ids.gather(events["code_a"]).alias("account_a"),
                ids.gather(events["code_b"]).alias("account_b"),
                post_ids.gather(events["post_a"]).alias("post_a"),
                post_ids.gather(events["post_b"]).alias("post_b"),
                data.encoded.keys.gather(events["group"]).cast(pl.String).alias("key"),
                pl.from_epoch(events["time_a"], time_unit="us")
                .dt.replace_time_zone("UTC")
                .alias("timestamp_a"),
                pl.from_epoch(events["time_b"], time_unit="us")
                .dt.replace_time_zone("UTC")
                .alias("timestamp_b"),
                ((events["time_b"] - events["time_a"]).abs() / _config.MICROSECONDS).alias("dt"),
            )
        )
    if not frames:
        return pl.DataFrame()
    labels = clusters.rename({"account_id": "account_a"})
    return (
        pl.concat(frames)
        .join(labels, on="account_a", how="left")
        .sort("cluster_id", "account_a", "account_b", "timestamp_a")
    )


def _cluster_scores(coordination, government, disclosure, evidence) -> pl.DataFrame:
    scores = (
        coordination.join(government, on="cluster_id", how="left")
        .join(disclosure, on="cluster_id", how="left")
        .with_columns(
            pl.col("government_link").fill_null(0.0),
            pl.col("undisclosed").fill_null(1.0),
            pl.col("state_posts").fill_null(0),
            pl.col("state_domains").fill_null(""),
            pl.col("n_disclosed").fill_null(0),
        )
        .with_columns(
            (
                pl.col("coordination")
                * (0.5 + 0.5 * pl.col("government_link"))
                * pl.col("undisclosed")
            ).alias("score")
        )
    )
    examples = _example_lines(evidence)
    scores = scores.join(examples, on="cluster_id", how="left")
    text = pl.format(
        "{} accounts, {} significant links on {}; synchrony {}; {} of {} posts amplify "
        "state sources{}; {} accounts disclosed",
        pl.col("size"),
        pl.col("n_edges"),
        pl.col("traces"),
        pl.col("synchrony").round(2),
        pl.col("state_posts"),
        pl.col("n_posts"),
        pl.when(pl.col("state_domains") != "")
        .then(pl.format(" ({})", pl.col("state_domains")))
        .otherwise(pl.lit("")),
        pl.col("n_disclosed"),
    )
    evidence_text = (
        pl.when(pl.col("example").is_not_null())
        .then(pl.concat_str([text, pl.col("example")], separator="\n"))
        .otherwise(text)
    )
    return (
        scores.with_columns(evidence_text.alias("evidence"))
        .select(
            "cluster_id",
            "size",
            "coordination",
            "government_link",
            "undisclosed",
            "score",
            "evidence",
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
            "n_disclosed",
        )
        .sort("score", "cluster_id", descending=[True, False])
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


def _account_scores(kept, clusters, cluster_scores) -> pl.DataFrame:
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
        "cluster_id", "score", "coordination", "government_link", "undisclosed"
    )
    return (
        clusters.join(parts, on="cluster_id", how="left")
        .join(strength, on="account_id", how="left")
        .with_columns(
            pl.col("score", "coordination", "government_link").fill_null(0.0),
            pl.col("undisclosed").fill_null(float("nan")),
            pl.col("degree").fill_null(0),
            pl.col("strength").fill_null(0.0),
        )
        .sort("score", "strength", "account_id", descending=[True, True, False])
    )
