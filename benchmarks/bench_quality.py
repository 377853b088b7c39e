"""Detection quality: ``cd.detect`` + ``cd.evaluate`` on synthetic data, and the IRA tweets.

Run ``python -m benchmarks.bench_quality`` (``--sizes 100000,1000000``, ``--seeds 0,1,2``
to choose the seeds of every size, ``--place-effect`` to score every run a second time
without the claimed places, ``--ira`` for the IRA tweets, ``--figures DIR`` where the SVG
figures go, default ``docs/figures``).

Synthetic data: ``cd.datasets.synthetic(n, seed=s)`` with every role, two seeds (0, 1) at
sizes up to 100,000 posts and one (0) above. Seed 0 is read from the cache of
:mod:`benchmarks.bench_traces`; other seeds are generated in the case's process (not
timed). ``cd.detect(posts, accounts)`` with defaults, then ``cd.evaluate(result, truth)``
(positives: ``hidden_state``; cluster roles: ``hidden_state`` and ``spam``). Printed: the
account- and cluster-level metrics, a table per role and per planted group (accounts,
share in clusters, accounts with a nonzero score, median / mean / p90 / max score) and
the detected clusters with their majority group and score parts. With ``--place-effect``
each run is scored again with the accounts' ``location`` and ``language`` left out (so
the clock-place part of ``government_link`` is unknown, as before it existed), and the
per-role medians of both are printed side by side: what the part changes on the same
data.

IRA tweets (``../shared/data/ira/ira_tweets.parquet``, read with ``cd.read_posts``):
every one of the 2,839 accounts was run by the Internet Research Agency, so there is no
negative class; what is measured is the share of accounts that end up in clusters, the
cluster sizes, the inferred schedules and the evidence of the top clusters. There is no
accounts table (no labels, bios or creation dates), so ``undisclosed`` is 1 and the
creation part is unknown; the archive has no repost or reply ids, so only the text
traces run.

Each case runs in a fresh spawned process under the memory guard of
:func:`benchmarks.bench_traces.run_guarded`, after a warm-up ``detect`` on 20,000 posts
(numba compilation excluded). Timings on a shared machine are noisy; the 1-minute load
average at the start of each case is printed.

Figures (plain SVG, no plotting library): per-role score strips for each synthetic run,
the IRA cluster-size histogram, the share of IRA accounts per inferred UTC offset, and
the hour-of-week heatmap of the largest IRA cluster (``cib_detect.report.svg.heatmap``).
"""

from __future__ import annotations

import argparse
import html
import math
import os
import warnings
from pathlib import Path

import polars as pl

from benchmarks.bench_traces import (
    DEFAULT_LIMIT_GB,
    _sizes,
    ensure_synthetic,
    load_posts,
    quiet_library_log,
    run_guarded,
    synthetic_paths,
)
from benchmarks.harness import print_table, timed

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "figures"
#: Seeds per size: two up to this many posts, one above.
TWO_SEEDS_UP_TO = 100_000
ROLE_ORDER = (
    "hidden_state",
    "hidden_abroad",
    "spam",
    "state_media",
    "fans",
    "activists",
    "diaspora",
    "travellers",
    "organic",
)
ROLE_COLOURS = {
    "hidden_state": "#c0392b",
    "hidden_abroad": "#e74c3c",
    "diaspora": "#27ae60",
    "travellers": "#95a5a6",
    "spam": "#e67e22",
    "state_media": "#8e44ad",
    "fans": "#2980b9",
    "activists": "#16a085",
    "organic": "#7f8c8d",
}
SIZE_BINS = ((3, 3), (4, 5), (6, 10), (11, 20), (21, 50), (51, 100), (101, 500), (501, None))
_FONT = 'font-family="system-ui, sans-serif"'


def _warm_up(cd) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = cd.datasets.synthetic(20_000, seed=1)
        cd.detect(warm.posts, warm.accounts)


def _scored_truth(result, truth: pl.DataFrame) -> pl.DataFrame:
    """Truth joined with account scores, as ``cd.evaluate`` reads them (0 outside clusters)."""
    return (
        truth.join(
            result.account_scores.select("account_id", "cluster_id", "score"),
            on="account_id",
            how="left",
        )
        .with_columns(pl.col("cluster_id").fill_null(-1), pl.col("score").fill_null(0.0))
        .with_columns(
            pl.when(pl.col("cluster_id") >= 0).then(pl.col("score")).otherwise(0.0).alias("score")
        )
    )


def _distribution(table: pl.DataFrame, by: list[str]) -> list[dict]:
    return (
        table.group_by(by)
        .agg(
            pl.len().alias("accounts"),
            (pl.col("cluster_id") >= 0).sum().alias("in_clusters"),
            (pl.col("score") > 0).sum().alias("nonzero"),
            pl.col("score").median().alias("median"),
            pl.col("score").mean().alias("mean"),
            pl.col("score").quantile(0.9, interpolation="linear").alias("p90"),
            pl.col("score").max().alias("max"),
        )
        .sort(by)
        .to_dicts()
    )


def _cluster_rows(result, truth: pl.DataFrame) -> list[dict]:
    """Detected clusters with their majority planted group and score parts."""
    members = result.clusters.filter(pl.col("cluster_id") >= 0).join(
        truth.select("account_id", "role", pl.col("group").fill_null("none")),
        on="account_id",
        how="left",
    )
    majority = (
        members.group_by("cluster_id", "group", "role")
        .len()
        .sort("len", "group", descending=[True, False])
        .group_by("cluster_id", maintain_order=True)
        .agg(
            pl.col("group").first().alias("majority_group"),
            pl.col("role").first().alias("majority_role"),
            pl.col("len").first().alias("top"),
        )
    )
    columns = [
        "cluster_id",
        "size",
        "coordination",
        "government_link",
        "undisclosed",
        "score",
        "amplification",
        "narrative",
        "schedule",
        "holiday",
        "creation_burst",
        "place_mismatch",
        "n_elsewhere",
        "utc_offset",
        "workweek",
        "holiday_country",
    ]
    scores = result.cluster_scores.select(
        [c for c in columns if c in result.cluster_scores.columns]
    )
    return (
        scores.join(majority, on="cluster_id", how="left")
        .with_columns((pl.col("top") / pl.col("size")).alias("purity"))
        .drop("top")
        .sort("score", "size", descending=True)
        .to_dicts()
    )


def _abroad_evidence(result, truth: pl.DataFrame) -> list[str]:
    """Evidence texts of the clusters mostly made of ``hidden_abroad`` accounts."""
    rows = _cluster_rows(result, truth)
    ids = [r["cluster_id"] for r in rows if r["majority_role"] == "hidden_abroad"]
    scores = result.cluster_scores.filter(pl.col("cluster_id").is_in(ids))
    return scores.get_column("evidence").to_list()


def _strip_values(table: pl.DataFrame) -> dict[str, list[float]]:
    """Nonzero account scores per role (for the strip figure) and the zero counts."""
    out = {}
    for role, scores in table.group_by("role").agg(pl.col("score")).iter_rows():
        out[role] = [float(s) for s in scores]
    return out


def _place_effect(cd, posts, accounts, truth, with_place: pl.DataFrame) -> list[dict]:
    """Per-role medians with and without the claimed places (same data, same run)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        blind = cd.detect(posts, accounts.drop("location", "language", strict=False))
    without = _distribution(_scored_truth(blind, truth), ["role"])
    before = {r["role"]: r for r in without}
    rows = []
    for row in _distribution(with_place, ["role"]):
        old = before[row["role"]]
        rows.append(
            {
                "role": row["role"],
                "accounts": row["accounts"],
                "in_clusters": f"{old['in_clusters']} -> {row['in_clusters']}",
                "median_without": old["median"],
                "median_with": row["median"],
                "change": row["median"] - old["median"],
                "max_without": old["max"],
                "max_with": row["max"],
            }
        )
    return rows


def case_synthetic(n: int, seed: int, place_effect: bool = False) -> dict:
    """``detect`` + ``evaluate`` on ``cd.datasets.synthetic(n, seed=seed)``."""
    import cib_detect as cd

    quiet_library_log()
    _warm_up(cd)
    cached = seed == 0 and all(p.exists() for p in synthetic_paths(n).values())
    if cached:
        paths = synthetic_paths(n)
        posts, accounts, truth = (pl.read_parquet(paths[p]) for p in ("posts", "accounts", "truth"))
        # a cache written before the generator had every role is stale
        cached = set(cd.datasets.ROLES) <= set(truth.get_column("role").unique())
    if not cached:
        data = cd.datasets.synthetic(n, seed=seed)
        posts, accounts, truth = data.posts, data.accounts, data.truth
        del data
    load = round(os.getloadavg()[0], 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result, seconds = timed(cd.detect, posts, accounts)
    evaluation, evaluate_s = timed(cd.evaluate, result, truth)
    table = _scored_truth(result, truth)
    effect = _place_effect(cd, posts, accounts, truth, table) if place_effect else None
    return {
        "place_effect": effect,
        "posts": posts.height,
        "accounts_total": truth.height,
        "detect_s": seconds,
        "evaluate_s": evaluate_s,
        "load_avg": load,
        "timings": dict(result.timings),
        "n_clusters": result.n_clusters,
        "account_metrics": dict(evaluation.accounts),
        "cluster_metrics": dict(evaluation.clusters),
        "roles": _distribution(table, ["role"]),
        "groups": _distribution(table.filter(pl.col("group").is_not_null()), ["group", "role"]),
        "clusters": _cluster_rows(result, truth),
        # evidence of the clusters of campaigns aimed abroad (the place line is the point)
        "evidence": _abroad_evidence(result, truth),
        "strips": _strip_values(table),
    }


def case_ira() -> dict:
    """``detect`` on the IRA tweets: clustered share, sizes, schedules, top evidence."""
    import cib_detect as cd
    from cib_detect.report.svg import heatmap

    quiet_library_log()
    _warm_up(cd)
    posts, read_s = timed(load_posts, "ira")
    load = round(os.getloadavg()[0], 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result, seconds = timed(cd.detect, posts)
    clusters = result.clusters
    all_accounts = posts.get_column("account_id").n_unique()
    clustered = clusters.filter(pl.col("cluster_id") >= 0)
    scores = result.cluster_scores
    posts_per_account = posts.group_by("account_id").len()
    clustered_posts = clustered.join(posts_per_account, on="account_id").get_column("len").sum()
    # clustered share by the account's number of posts (a quiet account has few co-actions)
    activity = (
        posts_per_account.join(clusters.select("account_id", "cluster_id"), on="account_id")
        .with_columns(
            pl.col("len")
            .cut([9, 99, 999], labels=["1-9", "10-99", "100-999", "1000+"])
            .alias("posts_per_account")
        )
        .group_by("posts_per_account")
        .agg(
            pl.len().alias("accounts"),
            (pl.col("cluster_id") >= 0).sum().alias("in_clusters"),
            (pl.col("cluster_id") >= 0).mean().alias("share"),
        )
        .sort("posts_per_account")
        .with_columns(pl.col("posts_per_account").cast(pl.String))
        .to_dicts()
    )
    # accounts per inferred offset (the cluster's offset, weighted by its size)
    offsets = (
        scores.group_by("utc_offset", "workweek")
        .agg(pl.col("size").sum().alias("accounts"), pl.len().alias("clusters"))
        .sort("accounts", "utc_offset", "workweek", descending=[True, False, False])
        .to_dicts()
    )
    keep = [
        "cluster_id",
        "size",
        "n_posts",
        "score",
        "coordination",
        "government_link",
        "undisclosed",
        "amplification",
        "schedule",
        "holiday",
        "utc_offset",
        "workweek",
        "office_share",
        "traces",
        "state_domains",
        "schedule_text",
        "evidence",
    ]
    keep = [c for c in keep if c in scores.columns]
    top_score = scores.sort("score", "size", descending=True).head(5).select(keep).to_dicts()
    top_size = scores.sort("size", "score", descending=True).head(5).select(keep).to_dicts()
    largest = (
        scores.sort("size", descending=True).get_column("cluster_id")[0] if scores.height else None
    )
    heat = ""
    if largest is not None:
        ids = clustered.filter(pl.col("cluster_id") == largest).get_column("account_id")
        heat = heatmap(
            posts.filter(pl.col("account_id").is_in(ids.implode())).get_column("timestamp")
        )
    parts = {}
    for column in (
        "coordination",
        "government_link",
        "amplification",
        "schedule",
        "holiday",
        "score",
    ):
        if column in scores.columns and scores.height:
            values = scores.get_column(column).drop_nulls()
            parts[column] = {
                "known": values.len(),
                "median": values.median(),
                "p90": values.quantile(0.9, interpolation="linear"),
                "max": values.max(),
            }
    # how many clusters have a significant edge on each trace
    traces = (
        scores.select(pl.col("traces").str.split(",").alias("t")).explode("t").group_by("t").len()
        if "traces" in scores.columns and scores.height
        else pl.DataFrame({"t": [], "len": []})
    )
    return {
        "posts": posts.height,
        "accounts": all_accounts,
        "read_s": read_s,
        "detect_s": seconds,
        "load_avg": load,
        "timings": dict(result.timings),
        "params": {k: v for k, v in result.params.items() if k in ("traces", "window_seconds")},
        "warnings": list(result.warnings)[:10],
        "edges": result.edges.height,
        "n_clusters": result.n_clusters,
        "clustered_accounts": clustered.height,
        "clustered_posts": int(clustered_posts or 0),
        "sizes": sorted(scores.get_column("size").to_list(), reverse=True) if scores.height else [],
        "points": scores.select("cluster_id", "size", "coordination", "government_link").to_dicts(),
        "offsets": offsets,
        "activity": activity,
        "parts": parts,
        "traces": sorted(traces.rows(), key=lambda r: -r[1]),
        "top_score": top_score,
        "top_size": top_size,
        "heatmap": heat,
    }


# -- figures ------------------------------------------------------------------------------


def _standalone(svg: str) -> str:
    """An inline ``<svg>`` element as a file (namespace and XML header added)."""
    if 'xmlns="' not in svg[:200]:
        svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


def _write(path: Path, svg: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_standalone(svg), encoding="utf-8")
    print(f"wrote {path}", flush=True)


def strip_figure(strips: dict[str, list[float]], title: str, *, width: int = 760) -> str:
    """One row per role: every account's score as a tick on [0, 1] (accounts with score 0
    counted at the left), the median (black bar) and p90 (grey bar)."""
    roles = [r for r in ROLE_ORDER if r in strips] + sorted(set(strips) - set(ROLE_ORDER))
    left, right, top, row = 190, 20, 40, 34
    height = top + row * len(roles) + 34
    plot = width - left - right
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title, quote=True)}" {_FONT} font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="16" fill="#222" font-weight="bold">{html.escape(title)}</text>',
        f'<text x="{left}" y="31" fill="#555" font-size="11">account score per role; tick = '
        f"one account, black = median, grey = p90</text>",
    ]
    for i in range(11):
        x = left + plot * i / 10
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + row * len(roles)}" '
            f'stroke="#eee"/>'
            f'<text x="{x:.1f}" y="{top + row * len(roles) + 16}" text-anchor="middle" '
            f'fill="#444" font-size="11">{i / 10:.1f}</text>'
        )
    for j, role in enumerate(roles):
        values = sorted(strips[role])
        y = top + j * row
        zeros = sum(1 for v in values if v <= 0)
        parts.append(
            f'<text x="{left - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end" fill="#222">'
            f"{html.escape(role)} ({len(values):,}; {zeros:,} at 0)</text>"
        )
        colour = ROLE_COLOURS.get(role, "#333")
        for v in {round(v, 3) for v in values if v > 0}:
            x = left + plot * min(1.0, v)
            parts.append(
                f'<line x1="{x:.1f}" y1="{y + 7}" x2="{x:.1f}" y2="{y + row - 7}" '
                f'stroke="{colour}" stroke-opacity="0.7" stroke-width="2"/>'
            )
        if values:
            zero_w = 3 + 9 * math.sqrt(zeros / len(values))
            if zeros:
                parts.append(
                    f'<rect x="{left - zero_w / 2:.1f}" y="{y + row / 2 - zero_w / 2:.1f}" '
                    f'width="{zero_w:.1f}" height="{zero_w:.1f}" fill="{colour}" '
                    f'fill-opacity="0.5"><title>{zeros:,} accounts at 0</title></rect>'
                )
            median = (
                values[len(values) // 2]
                if len(values) % 2
                else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2
            )
            p90 = _quantile(values, 0.9)
            for value, stroke, name in ((p90, "#999", "p90"), (median, "#000", "median")):
                x = left + plot * value
                parts.append(
                    f'<line x1="{x:.1f}" y1="{y + 3}" x2="{x:.1f}" y2="{y + row - 3}" '
                    f'stroke="{stroke}" stroke-width="3"><title>{name} {value:.3f}</title></line>'
                )
        parts.append(
            f'<line x1="{left}" y1="{y + row}" x2="{width - right}" y2="{y + row}" stroke="#ddd"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _quantile(values: list[float], q: float) -> float:
    """Linear-interpolation quantile of sorted values (as polars ``interpolation="linear"``)."""
    position = q * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def bars_figure(
    labels: list[str],
    values: list[float],
    title: str,
    subtitle: str,
    *,
    width: int = 760,
    rotate: bool = False,
) -> str:
    """A vertical bar chart with the value written above each bar (labels at 45 degrees
    with ``rotate``)."""
    left, right, top, bottom = 50, 20, 48, 64 if rotate else 40
    height = 300 + (24 if rotate else 0)
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(values, default=0) or 1
    slot = plot_w / max(1, len(labels))
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title, quote=True)}" {_FONT} font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="16" fill="#222" font-weight="bold">{html.escape(title)}</text>',
        f'<text x="{left}" y="32" fill="#555" font-size="11">{html.escape(subtitle)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="#999"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = value / peak * plot_h
        x = left + i * slot + slot * 0.15
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:.1%}"
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="#2171b5"><title>{html.escape(label)}: {shown}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h - h - 4:.1f}" '
            f'text-anchor="middle" fill="#222" font-size="11">{shown}</text>'
            + (
                f'<text transform="translate({x + slot * 0.35 + 4:.1f},{top + plot_h + 12}) '
                f'rotate(-45)" text-anchor="end" fill="#444" font-size="11">'
                f"{html.escape(label)}</text>"
                if rotate
                else f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle" fill="#444" font-size="11">{html.escape(label)}</text>'
            )
        )
    parts.append("</svg>")
    return "".join(parts)


def scatter_figure(points: list[dict], title: str, *, size: int = 460) -> str:
    """Clusters as circles: ``coordination`` (x) against ``government_link`` (y), area by
    cluster size, colour by majority role; dashed curves where their product is 0.25 and
    0.5 (the score when every account is undisclosed)."""
    left, bottom, top, right = 56, 44, 44, 130
    width, height = size + right, size
    plot_w, plot_h = width - left - right, height - top - bottom
    biggest = max((p["size"] for p in points), default=1)

    def xy(x: float, y: float) -> tuple[float, float]:
        return left + x * plot_w, top + (1 - y) * plot_h

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title, quote=True)}" {_FONT} font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="16" fill="#222" font-weight="bold">{html.escape(title)}</text>',
        f'<text x="{left}" y="32" fill="#555" font-size="11">one circle per cluster, area = '
        f"accounts; dashed: coordination x government_link = 0.25, 0.5</text>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="#999"/>',
    ]
    for i in range(0, 11, 2):
        x, y = xy(i / 10, i / 10)
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle" fill="#444" '
            f'font-size="11">{i / 10:.1f}</text><text x="{left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end" fill="#444" font-size="11">{i / 10:.1f}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle" fill="#222">'
        f"coordination</text>"
        f'<text transform="translate(14,{top + plot_h / 2}) rotate(-90)" text-anchor="middle" '
        f'fill="#222">government_link</text>'
    )
    for level in (0.25, 0.5):
        curve = [xy(x / 100, level / (x / 100)) for x in range(int(level * 100), 101)]
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{a:.1f},{b:.1f}" for i, (a, b) in enumerate(curve)
        )
        parts.append(f'<path d="{path}" fill="none" stroke="#bbb" stroke-dasharray="4 3"/>')
    for p in sorted(points, key=lambda p: -p["size"]):
        x, y = xy(min(1.0, p["x"]), min(1.0, p["y"] or 0.0))
        r = 3 + 14 * math.sqrt(p["size"] / biggest)
        colour = ROLE_COLOURS.get(p.get("role") or "", "#c0392b")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" fill-opacity="0.55" '
            f'stroke="{colour}"><title>{html.escape(str(p.get("label", "")))}: '
            f"{p['size']} accounts, coordination {p['x']:.2f}, government_link "
            f"{(p['y'] or 0):.2f}</title></circle>"
        )
    roles = [r for r in ROLE_ORDER if any(p.get("role") == r for p in points)]
    for i, role in enumerate(roles):
        y = top + 10 + i * 18
        parts.append(
            f'<circle cx="{left + plot_w + 16}" cy="{y}" r="5" fill="{ROLE_COLOURS[role]}" '
            f'fill-opacity="0.55" stroke="{ROLE_COLOURS[role]}"/>'
            f'<text x="{left + plot_w + 26}" y="{y + 4}" fill="#222" font-size="11">'
            f"{html.escape(role)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _size_histogram(sizes: list[int]) -> tuple[list[str], list[int], list[int]]:
    labels, clusters, accounts = [], [], []
    for low, high in SIZE_BINS:
        inside = [s for s in sizes if s >= low and (high is None or s <= high)]
        labels.append(f"{low}" if low == high else f"{low}-{high}" if high else f">{low - 1}")
        clusters.append(len(inside))
        accounts.append(sum(inside))
    return labels, clusters, accounts


def _offset_label(offset) -> str:
    if offset is None or (isinstance(offset, float) and math.isnan(offset)):
        return "none"
    hours, minutes = int(abs(offset)), round(abs(offset) % 1 * 60)
    sign = "+" if offset >= 0 else "-"
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


# -- printing -----------------------------------------------------------------------------


def _report_synthetic(label: str, figures: dict, figures_dir: Path | None) -> None:
    print(f"\n## synthetic {label}\n", flush=True)
    if "error" in figures:
        print(f"error: {figures['error']}")
        return
    print(
        f"{figures['posts']:,} posts, {figures['accounts_total']:,} accounts, "
        f"{figures['n_clusters']} clusters; detect {figures['detect_s']:.1f} s, evaluate "
        f"{figures['evaluate_s']:.1f} s, load average {figures['load_avg']}, peak RSS "
        f"{figures.get('peak_rss_gb')} GB"
    )
    print_table([figures["account_metrics"]], f"{label}: account level (positives hidden_state)")
    print_table([figures["cluster_metrics"]], f"{label}: cluster level")
    print_table(figures["roles"], f"{label}: account score per role")
    print_table(figures["groups"], f"{label}: account score per planted group")
    print_table(figures["clusters"], f"{label}: detected clusters")
    if figures.get("place_effect"):
        print_table(figures["place_effect"], f"{label}: per role without and with claimed places")
    abroad = [c for c in figures.get("evidence", []) if c]
    for text in abroad:
        print("```\n" + text + "\n```")
    print_table([figures["timings"]], f"{label}: seconds per stage")
    if figures_dir is not None:
        name = label.replace(",", "").replace(" ", "_").replace("=", "")
        _write(
            figures_dir / f"quality_roles_{name}.svg",
            strip_figure(figures["strips"], f"Synthetic {label}"),
        )
        points = [
            {
                "x": c["coordination"],
                "y": c["government_link"],
                "size": c["size"],
                "role": c["majority_role"],
                "label": f"cluster {c['cluster_id']} ({c['majority_group']})",
            }
            for c in figures["clusters"]
        ]
        _write(
            figures_dir / f"quality_clusters_{name}.svg",
            scatter_figure(points, f"Synthetic {label}: detected clusters"),
        )


def _report_ira(figures: dict, figures_dir: Path | None) -> None:
    print("\n## IRA tweets\n", flush=True)
    if "error" in figures:
        print(f"error: {figures['error']}")
        return
    accounts = figures["accounts"]
    print(
        f"{figures['posts']:,} posts, {accounts:,} accounts; read {figures['read_s']:.1f} s, "
        f"detect {figures['detect_s']:.1f} s, load average {figures['load_avg']}, peak RSS "
        f"{figures.get('peak_rss_gb')} GB; params {figures['params']}; "
        f"{figures['edges']:,} fused edges"
    )
    print(f"warnings: {figures['warnings']}")
    print(
        f"{figures['clustered_accounts']:,} of {accounts:,} accounts "
        f"({figures['clustered_accounts'] / accounts:.1%}) in {figures['n_clusters']} clusters; "
        f"they wrote {figures['clustered_posts']:,} of {figures['posts']:,} posts "
        f"({figures['clustered_posts'] / figures['posts']:.1%})"
    )
    sizes = figures["sizes"]
    print(f"cluster sizes (largest first): {sizes[:30]}{' ...' if len(sizes) > 30 else ''}")
    labels, n_clusters, n_accounts = _size_histogram(sizes)
    print_table(
        [
            {"size": lab, "clusters": c, "accounts": a}
            for lab, c, a in zip(labels, n_clusters, n_accounts, strict=True)
        ],
        "IRA: cluster sizes",
    )
    print_table(figures["activity"], "IRA: share in clusters by posts per account")
    print_table(
        [{"utc_offset": _offset_label(r["utc_offset"]), **r} for r in figures["offsets"]],
        "IRA: inferred schedule offset (accounts = sum of cluster sizes)",
    )
    print_table([{"part": k, **v} for k, v in figures["parts"].items()], "IRA: cluster score parts")
    print_table([{"trace": t, "clusters": n} for t, n in figures["traces"]], "IRA: traces")
    print_table([figures["timings"]], "IRA: seconds per stage")
    for title, rows in (("by score", figures["top_score"]), ("by size", figures["top_size"])):
        print(f"\n### IRA: top clusters {title}\n")
        for row in rows:
            evidence = row.pop("evidence", "")
            print(
                ", ".join(
                    f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
                )
            )
            print("```\n" + (evidence or "") + "\n```")
    if figures_dir is not None:
        _write(
            figures_dir / "ira_cluster_sizes.svg",
            bars_figure(
                labels,
                n_clusters,
                "IRA tweets: detected clusters by size",
                f"{figures['n_clusters']} clusters holding {figures['clustered_accounts']:,} of "
                f"{accounts:,} accounts; bar = number of clusters",
            ),
        )
        offsets = sorted(
            (r for r in figures["offsets"] if r["utc_offset"] is not None),
            key=lambda r: r["utc_offset"],
        )
        merged: dict[str, int] = {}
        for r in offsets:
            key = _offset_label(r["utc_offset"])
            merged[key] = merged.get(key, 0) + r["accounts"]
        _write(
            figures_dir / "ira_offsets.svg",
            bars_figure(
                list(merged),
                [v / figures["clustered_accounts"] for v in merged.values()],
                "IRA tweets: inferred office-hours UTC offset",
                "share of clustered accounts whose cluster's best 09:00-18:00 offset is this",
                rotate=True,
            ),
        )
        points = [
            {
                "x": c["coordination"],
                "y": c["government_link"],
                "size": c["size"],
                "role": None,
                "label": f"cluster {c['cluster_id']}",
            }
            for c in figures["points"]
        ]
        _write(
            figures_dir / "ira_clusters.svg",
            scatter_figure(points, "IRA tweets: detected clusters (no accounts table)"),
        )
        if figures["heatmap"]:
            _write(figures_dir / "ira_largest_cluster_heatmap.svg", figures["heatmap"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[100_000, 1_000_000])
    parser.add_argument(
        "--seeds",
        type=lambda text: [int(s) for s in text.split(",") if s.strip()],
        default=None,
        help="seeds of every size (default: 0 and 1 up to 100,000 posts, 0 above)",
    )
    parser.add_argument(
        "--place-effect",
        action="store_true",
        help="score each run again without the claimed places and compare per role",
    )
    parser.add_argument("--ira", action="store_true", help="also the IRA tweets")
    parser.add_argument("--limit-gb", type=float, default=DEFAULT_LIMIT_GB)
    parser.add_argument(
        "--figures", default=str(FIGURES), help="folder of the SVG figures ('' for none)"
    )
    args = parser.parse_args(argv)
    figures_dir = Path(args.figures) if args.figures else None
    ensure_synthetic(args.sizes)
    summary = []
    for n in args.sizes:
        seeds = args.seeds or ((0, 1) if n <= TWO_SEEDS_UP_TO else (0,))
        for seed in seeds:
            figures = run_guarded(
                case_synthetic,
                limit_gb=args.limit_gb,
                n=n,
                seed=seed,
                place_effect=args.place_effect,
            )
            label = f"{n:,} seed={seed}"
            _report_synthetic(label, figures, figures_dir)
            if "error" not in figures:
                a, c = figures["account_metrics"], figures["cluster_metrics"]
                summary.append(
                    {
                        "posts": f"{n:,}",
                        "seed": seed,
                        "hidden": a["n_positive"],
                        "roc_auc": a["roc_auc"],
                        "avg_precision": a["average_precision"],
                        "precision@k": a["precision_at_k"],
                        "precision": a["precision"],
                        "recall": a["recall"],
                        "f1": a["f1"],
                        "ari": c.get("adjusted_rand"),
                        "nmi": c.get("nmi"),
                        "weighted_precision": c.get("weighted_precision"),
                        "abroad_median": next(
                            (r["median"] for r in figures["roles"] if r["role"] == "hidden_abroad"),
                            None,
                        ),
                        "clusters": figures["n_clusters"],
                        "detect_s": figures["detect_s"],
                        "load_avg": figures["load_avg"],
                    }
                )
    print_table(summary, "Summary: synthetic data")
    if args.ira:
        _report_ira(run_guarded(case_ira, limit_gb=args.limit_gb), figures_dir)


if __name__ == "__main__":
    main()
