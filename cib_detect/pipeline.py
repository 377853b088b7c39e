"""``detect()``: posts in, scored clusters of coordinated accounts out."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping
from contextlib import ExitStack, contextmanager
from typing import Literal

import polars as pl

from cib_detect import _config
from cib_detect._params import (
    check_choice,
    check_int,
    check_number,
    check_strings,
    duration_microseconds,
)
from cib_detect.cluster import attach_accounts, cluster_accounts
from cib_detect.detection import Detection
from cib_detect.engine.evidence import evidence_rows
from cib_detect.engine.progress import Progress, check_progress
from cib_detect.engine.runner import TraceRunner
from cib_detect.engine.sources import Backend, check_mode, open_posts
from cib_detect.errors import ParameterError, SchemaError
from cib_detect.graph.backbone import (
    BACKBONE_METHODS,
    backbone,
    check_backbone_options,
    corroborated,
)
from cib_detect.graph.fusion import fuse
from cib_detect.io import read_accounts
from cib_detect.score.bursts import drop_crowd_bursts
from cib_detect.score.combine import account_scores, cluster_scores, government_parts
from cib_detect.score.coordination import cluster_coordination, internal_edges
from cib_detect.score.disclosure import cluster_disclosure
from cib_detect.score.government import (
    NarrativeBackground,
    state_account_ids,
)
from cib_detect.traces.registry import DETECT_TRACES, TRACES
from cib_detect.traces.tables import EVIDENCE_SCHEMA

logger = logging.getLogger("cib_detect")

__all__ = ["DEFAULT_TRACES", "detect"]

#: Traces :func:`detect` runs by default, each when the posts have the columns it needs.
DEFAULT_TRACES = DETECT_TRACES

# Strongest internal edges per cluster whose post pairs are kept as evidence (and timed
# for the burst rule).
_EVIDENCE_EDGES = 20
# The evidence table without rows has the columns of one with rows (its csv reads back).
_NO_EVIDENCE_ROWS = {"trace": pl.String, **EVIDENCE_SCHEMA}
_NO_EVIDENCE = {**_NO_EVIDENCE_ROWS, "cluster_id": pl.Int64}
# A pair needs two co-actions to be significant (one shared key has p = 1), so single
# co-actions are never kept; a p-value below 1 takes three shared keys (or periods).
_MIN_COACTIONS = 2
_MIN_TESTED = 3


class _Run:
    """Timings and warnings of one run, and its progress bar (when asked for)."""

    def __init__(self, progress: Progress) -> None:
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = []
        self.progress = progress

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught, self.progress.stage(name):
            warnings.simplefilter("always")
            yield
        self.warnings.extend(str(w.message) for w in caught)
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def detect(
    posts,
    accounts=None,
    *,
    window=None,
    traces=None,
    alpha: float = 0.05,
    backbone_method: Literal["significance", "disparity", "min_weight", "percentile"] = (
        "significance"
    ),
    backbone_options: dict | None = None,
    min_cluster_size: int = 3,
    max_key_posts: int | None = _config.DEFAULT_MAX_KEY_POSTS,
    seed_domains=(),
    seed_accounts=(),
    random_state: int = 0,
    max_burst_share: float = 0.9,
    n_chunks: int | None = None,
    spill_dir=None,
    backend: Backend = "polars",
    client=None,
    windows: Mapping[str, object] | None = None,
    trace_options: Mapping[str, Mapping] | None = None,
    progress: bool = False,
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
    window : str, float or timedelta, optional
        Largest gap between two posts of a co-action, for every trace. Default: each
        trace's own window, 60 s for the exact keys and 30 min for ``co_similar_text``
        (paraphrases are written, not clicked: they come minutes apart; see
        ``docs/detect.md``). Archive data with minute-resolution times gets at least 60 s
        (two posts in one minute may be 59 s apart).
    traces : sequence of str, optional
        Traces to run; by default every tested trace whose columns the posts have
        (:data:`cib_detect.traces.registry.DETECT_TRACES`: the exact keys and near-duplicate
        texts), and ``co_key`` when ``trace_options`` gives it a column. The temporal
        traces (``sync_activity``: synchronised shift work; ``activity_profile``) are
        tested and fused when named here.
    alpha : float
        False discovery rate of the backbone (edges with q-value <= alpha).
    backbone_method : str
        ``"significance"`` (default) or ``"disparity"``, ``"min_weight"``,
        ``"percentile"`` (see :func:`cib_detect.graph.backbone.backbone`).
    backbone_options : dict, optional
        ``min_weight``, ``percentile`` and ``weight`` of the count rules, e.g.
        ``{"weight": "n_coactions", "min_weight": 3}`` with ``backbone_method="min_weight"``
        (pairs with at least 3 co-actions over all traces, a CooRTweet-like count rule:
        it says who acted together, not whether chance explains it).
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
        Share of a cluster's co-actions in one 6-hour stretch above which it acted in one
        burst. A one-burst cluster is kept only when it is judged a storm (many keys per
        pair with copied texts, woken accounts or keys nobody else uses, see
        ``docs/scores.md``), else left out as a crowd reacting to an event, and counted in
        ``warnings``; 1.0 keeps all.
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
    windows : dict, optional
        Windows of single traces, ``{trace: window}`` (e.g. ``{"co_sound": "10m"}``: a
        campaign posting one sound over minutes); the others use ``window``.
    trace_options : dict, optional
        Options of single traces, ``{trace: {option: value}}``, as
        :func:`cib_detect.co_action_edges` takes them (``{"co_text": {"min_chars": 20}}``).
        ``co_key`` runs only when ``traces`` names it, with its ``column``:
        ``traces=[..., "co_key"], trace_options={"co_key": {"column": "voice_to_text"}}``.
    progress : bool
        Show progress bars on stderr (tqdm): the stages (reading, each trace, fusing,
        clustering, scoring) with counts and an ETA, and with ``n_chunks`` the chunks of
        each trace. Off by default; the command line shows them on a terminal.

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
    # Every parameter is checked here, by its public name, before any work.
    progress = check_progress(progress, function=name)
    window_us = (
        None if window is None else duration_microseconds(window, name="window", function=name)
    )
    check_number(alpha, name="alpha", function=name, low=0, high=1, low_open=True)
    check_choice(backbone_method, BACKBONE_METHODS, name="backbone_method", function=name)
    backbone_options = _backbone_options(backbone_options, backbone_method, alpha)
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
    requested = _requested_traces(traces)
    options = _trace_options(trace_options, requested)
    windows_us = _trace_windows(windows)
    n_chunks = check_mode(
        n_chunks=n_chunks, spill_dir=spill_dir, backend=backend, client=client, function=name
    )
    run = _Run(Progress(progress, desc=name))
    with ExitStack() as stack:
        with run.stage("read"):
            source = open_posts(
                posts,
                backend=backend,
                n_chunks=n_chunks,
                client=client,
                spill_dir=spill_dir,
                function=name,
            )
            if accounts is not None:
                accounts = read_accounts(accounts)
        chosen = _choose_traces(requested, source.columns, options)
        # stages: read, each trace, fuse, cluster, read again (for the scores), score
        run.progress.set_total(len(chosen) + 5)
        per_window = _at_least_resolution(
            source, {t: _window_of(t, window_us, windows_us) for t in chosen}, run
        )
        runner = TraceRunner(
            source, stack, max_key_posts=max_key_posts, n_chunks=n_chunks, progress=run.progress
        )
        per_trace = {}
        for trace in chosen:
            with run.stage(trace):
                per_trace[trace] = _tested_edges(runner, TRACES[trace], options, per_window)
        with run.stage("fuse"):
            fused = fuse(
                per_trace,
                families={t: _family(TRACES[t]) for t in per_trace},
                first_family="key",
                alpha=alpha,
            )
        with run.stage("cluster"):
            kept = (
                backbone(fused, method=backbone_method, alpha=alpha, **backbone_options)
                if fused.height
                else fused
            )
            kept = corroborated(kept, [t for t in chosen if _family(TRACES[t]) != "key"])
            clusters = cluster_accounts(
                kept,
                accounts=source.account_ids,
                min_cluster_size=min_cluster_size,
                random_state=random_state,
            )
            clusters = attach_accounts(clusters, fused, alpha=alpha)
            evidence = _evidence(kept, clusters, runner, chosen, per_window, options)
            clusters, evidence, bursts = drop_crowd_bursts(
                clusters,
                evidence,
                max_burst_share,
                run.warnings,
                edges=fused,
                source=source,
                accounts=accounts,
                alpha=alpha,
                min_cluster_size=min_cluster_size,
            )
        trace_tests = _trace_tests(runner.tests)
        if not (clusters.get_column("cluster_id") >= 0).any():
            run.warnings.append(_why_nothing(trace_tests, fused, alpha, backbone_method))
        with run.stage("read"):
            posts, background = _score_posts(source, clusters, accounts, seed_accounts)
    with run.stage("score"):
        coordination = cluster_coordination(kept, clusters)
        government = government_parts(
            posts,
            clusters,
            accounts,
            seed_domains=seed_domains,
            seed_accounts=seed_accounts,
            background=background,
        )
        disclosure = cluster_disclosure(clusters, accounts)
        by_cluster = cluster_scores(coordination, government, disclosure, evidence).join(
            bursts, on="cluster_id", how="left"
        )
        by_account = account_scores(
            kept,
            clusters,
            by_cluster,
            accounts,
            state_accounts=state_account_ids(accounts, seed_accounts),
        )
    params = {
        "window_seconds": None if window_us is None else window_us / _config.MICROSECONDS,
        "trace_windows_seconds": {t: w / _config.MICROSECONDS for t, w in per_window.items()},
        "trace_options": {t: dict(o) for t, o in options.items() if t in chosen},
        "traces": list(chosen),
        "alpha": alpha,
        "backbone_method": backbone_method,
        "backbone_options": backbone_options,
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
        account_scores=by_account,
        cluster_scores=by_cluster,
        evidence=evidence,
        params=params,
        warnings=run.warnings,
        trace_tests=trace_tests,
        timings={k: round(v, 4) for k, v in run.timings.items()},
    )


def _family(trace) -> str:
    """The false-discovery family of a trace (:func:`cib_detect.graph.fusion.fuse`): the
    key traces together (each tests co-actions on shared keys), each temporal trace on
    its own (it tests a different hypothesis on far more pairs)."""
    return "key" if trace.kind == "key" else trace.name


def _tested_edges(runner: TraceRunner, trace, options, windows) -> pl.DataFrame:
    """A trace's edges with p-values. A profile trace's candidates are every pair active
    in one common bin or rhythm, not co-actions: only the pairs it tests (``p < 1``, which
    takes three shared periods) are kept, so the fused graph is not flooded with pairs
    that carry nothing."""
    if trace.kind == "key":
        minimum = _MIN_COACTIONS
    else:
        minimum = _MIN_TESTED if trace.counts_coactions else 1
    edges = runner.edges(
        trace,
        options.get(trace.name, {}),
        window_us=windows[trace.name],
        min_coactions=minimum,
        pvalues=True,
    )
    return edges if trace.kind == "key" else edges.filter(pl.col("p_value") < 1)


def _backbone_options(options, method: str, alpha) -> dict:
    """``backbone_options`` checked against ``backbone_method`` at entry."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ParameterError(
            "the 'backbone_options' parameter of detect must be a dict such as "
            f"{{'weight': 'n_coactions', 'min_weight': 3}}; got {type(options).__name__}"
        )
    unknown = sorted(set(options) - {"min_weight", "percentile", "weight"})
    if unknown:
        raise ParameterError(
            f"the 'backbone_options' parameter of detect got {', '.join(map(repr, unknown))}; "
            "it takes 'min_weight', 'percentile' and 'weight'"
        )
    check_backbone_options(method, alpha, **options, function="detect")
    return dict(options)


def _trace_tests(tests: dict[str, dict]) -> pl.DataFrame:
    """The runner's record of what each trace could test, as a table."""
    schema = {
        "trace": pl.String,
        "accounts": pl.Int64,
        "keys": pl.Int64,
        "capped_keys": pl.Int64,
        "pairs_tested": pl.Int64,
        "pairs_3_keys": pl.Int64,
        "min_p_value": pl.Float64,
    }
    rows = [{"trace": trace, **figures} for trace, figures in tests.items()]
    return pl.DataFrame(rows, schema=schema)


def _why_nothing(trace_tests: pl.DataFrame, fused: pl.DataFrame, alpha, method) -> str:
    """Why a run found no cluster, from what it could test, and what to try instead."""
    if trace_tests.get_column("pairs_tested").sum() == 0:
        reason = "no two accounts co-acted twice on any trace"
    elif trace_tests.get_column("pairs_3_keys").sum() == 0:
        reason = (
            "no pair of accounts co-acted on three or more keys, and a pair needs three "
            "for chance to be an unlikely explanation"
        )
    else:
        smallest = fused.get_column("q_value").min() if fused.height else None
        if smallest is not None and smallest > alpha and method == "significance":
            # Benjamini-Hochberg rejects anything only if some p <= alpha / (tests)
            tests = int((fused.get_column("p_value") < 1).sum())
            reason = (
                f"with {tests} pairs tested a pair needs a fused p-value <= "
                f"{alpha / max(tests, 1):.2g} to pass alpha={alpha:g}, and the smallest "
                f"reached is {fused.get_column('p_value').min():.2g} (q-value "
                f"{smallest:.2g}): nothing in these data is unlikely by chance"
            )
        else:
            reason = "no group of linked accounts reached min_cluster_size"
    return (
        f"no coordinated cluster: {reason} (per trace: Detection.trace_tests). On data "
        "this small a count rule may still show who acted together: "
        "backbone_method='min_weight' with backbone_options={'weight': 'n_coactions', "
        "'min_weight': ...} (and max_burst_share=1.0 when it all happened in one burst), "
        "or cd.compat.coortweet.detect_groups"
    )


#: Traces detect can test: those with a null model (co_key too, when asked for).
_TESTED = tuple(name for name, trace in TRACES.items() if trace.null_model is not None)


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
        check_choice(trace, _TESTED, name="traces", function="detect")
    return list(dict.fromkeys(names))


def _per_trace(value, *, name: str) -> dict:
    """A ``{trace: ...}`` parameter, its keys checked against the traces detect tests."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ParameterError(
            f"the {name!r} parameter of detect must be a dict from trace names to their "
            f"values, such as {{'co_sound': ...}}; got {type(value).__name__} instead"
        )
    for trace in value:
        check_choice(trace, _TESTED, name=f"{name} key", function="detect")
    return dict(value)


def _trace_options(trace_options, requested) -> dict[str, dict]:
    """Checked options of every trace that has some, and of the requested ones."""
    given = _per_trace(trace_options, name="trace_options")
    checked = {}
    for trace in dict.fromkeys([*given, *(requested or [])]):
        found = given.get(trace, {})
        if not isinstance(found, Mapping):
            raise ParameterError(
                f"the options of trace {trace!r} in trace_options of detect must be a dict "
                f"such as {{'min_chars': 20}}; got {found!r} instead"
            )
        checked[trace] = TRACES[trace].check_options(found, function="detect")
    return checked


def _trace_windows(windows) -> dict[str, int]:
    """The ``windows`` parameter in microseconds, by trace."""
    return {
        trace: duration_microseconds(value, name=f"windows[{trace!r}]", function="detect")
        for trace, value in _per_trace(windows, name="windows").items()
    }


def _choose_traces(requested, columns, options) -> list[str]:
    """The requested traces (their columns checked), or by default every trace whose
    columns the posts have."""
    if requested is not None:
        for trace in requested:
            TRACES[trace].check_columns(columns, options.get(trace))
        return requested
    chosen = [t for t in DEFAULT_TRACES if TRACES[t].applies_to(columns)]
    for trace, given in options.items():  # co_key, given its column
        if TRACES[trace].column_option is not None and trace not in chosen:
            TRACES[trace].check_columns(columns, given)
            chosen.append(trace)
    if not chosen:
        needs = "; ".join(f"{t}: {' or '.join(TRACES[t].needs)}" for t in DEFAULT_TRACES)
        raise SchemaError(
            f"posts have none of the columns detect's traces need (found {sorted(columns)}); "
            f"each trace needs one of these columns ({needs}); pass column_map= to "
            f"read_posts to name yours"
        )
    return chosen


def _window_of(trace: str, window_us: int | None, windows_us: dict[str, int]) -> int:
    """A trace's window: its own from ``windows``, else ``window``, else its default."""
    if trace in windows_us:
        return windows_us[trace]
    if window_us is not None:
        return window_us
    default = TRACES[trace].default_window
    return duration_microseconds(default, name="window", function="detect")


def _at_least_resolution(source, windows: dict[str, int], run: _Run) -> dict[str, int]:
    """Every trace's window raised to the data's time resolution (minute-resolution
    archives)."""
    minute = 60 * _config.MICROSECONDS
    short = sorted({w for w in windows.values() if w < minute})
    if short and source.minute_resolution():
        shown = ", ".join(f"{w / _config.MICROSECONDS:g} s" for w in short)
        message = f"timestamps have minute resolution: window raised from {shown} to 60 s"
        logger.warning(message)
        run.warnings.append(message)
        windows = {t: max(w, minute) for t, w in windows.items()}
    return windows


def _evidence(kept, clusters, runner, traces, windows: dict, options: dict) -> pl.DataFrame:
    """Post pairs of the strongest internal edges of every cluster, on their best trace:
    the key trace of smallest p-value where one tested the pair (two posts that share a
    key show what was done together), else the temporal trace of smallest p-value."""
    inside = internal_edges(kept, clusters)
    if inside.height == 0:
        return pl.DataFrame(schema=_NO_EVIDENCE)
    top = inside.sort("weight", "account_a", "account_b", descending=[True, False, False])
    top = top.group_by("cluster_id", maintain_order=True).head(_EVIDENCE_EDGES)
    ordered = sorted(traces, key=lambda t: TRACES[t].kind != "key")  # key traces first
    p_columns = [f"{t}_p_value" for t in ordered if f"{t}_p_value" in top.columns]
    p = [pl.col(c).fill_null(2.0) for c in p_columns]
    n_key = sum(TRACES[c.removesuffix("_p_value")].kind == "key" for c in p_columns)
    best = pl.concat_list(p).list.arg_min()
    if 0 < n_key < len(p):
        keyed = pl.min_horizontal(p[:n_key]) < 1.0
        best = pl.when(keyed).then(pl.concat_list(p[:n_key]).list.arg_min()).otherwise(best)
    best = top.with_columns(best.alias("best"))
    ids = runner.source.account_ids
    frames, explained = [], []
    for index, column in enumerate(p_columns):
        chosen = best.filter(pl.col("best") == index)
        if chosen.height == 0:
            continue
        trace = column.removesuffix("_p_value")
        declared, given = TRACES[trace], options.get(trace, {})
        if declared.kind != "key":
            rows = runner.explain(
                declared, given, chosen.select("account_a", "account_b"), window_us=windows[trace]
            )
            explained.append(rows.select(pl.lit(trace).alias("trace"), *EVIDENCE_SCHEMA))
            continue
        codes = pl.DataFrame(
            {
                "code_a": ids.search_sorted(chosen["account_a"]),
                "code_b": ids.search_sorted(chosen["account_b"]),
            }
        )
        found = runner.events(declared, given, codes, window_us=windows[trace])
        frames.append(found.with_columns(pl.lit(trace).alias("trace")))
    events = pl.concat(frames) if frames else pl.DataFrame()
    if events.height:
        explained.append(evidence_rows(events, ids, runner.source.lookup, options))
    explained = [rows.cast(_NO_EVIDENCE_ROWS) for rows in explained if rows.height]
    if not explained:
        return pl.DataFrame(schema=_NO_EVIDENCE)
    labels = clusters.rename({"account_id": "account_a"})
    return (
        pl.concat(explained)
        .join(labels, on="account_a", how="left")
        .sort("cluster_id", "account_a", "account_b", "timestamp_a", "post_a", "post_b", "key")
    )


def _score_posts(source, clusters, accounts, seed_accounts):
    """The posts the scores read and the narrative's background key counts.

    In memory: all posts (the background is counted from them). Streamed or on Dask:
    only the posts of cluster members and state accounts, with the columns the scores
    read (``text`` too: the commercial score reads promotional wording), and the
    background counted in a pass over the rest (always: the share of its links that go
    to state media is what the clusters' state links are measured against), so this
    stage too holds what the clusters need, not every post.
    """
    columns = source.columns
    state_ids = state_account_ids(accounts, seed_accounts)
    wanted = {*state_ids, *clusters.filter(pl.col("cluster_id") >= 0)["account_id"].to_list()}
    background = NarrativeBackground(wanted)
    return source.score_posts(columns, wanted, background=background)
