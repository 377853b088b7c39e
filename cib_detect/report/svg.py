"""Inline SVG charts for the HTML report, drawn in plain Python (no plotting library).

Every function returns an ``<svg>`` element as text. Every label that comes from the
data goes through :func:`esc`; numbers are formatted by the code.
"""

from __future__ import annotations

import html
import math
from datetime import datetime, timedelta

import networkx as nx
import polars as pl

from cib_detect.io.writers import escape_xml_illegal

__all__ = ["bar_chart", "esc", "heatmap", "network", "score_bar"]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FONT = 'font-family="system-ui, sans-serif"'
# cluster-neutral palette (viridis-like, colour-blind safe)
_BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594")


def esc(value) -> str:
    r"""HTML-escape any value (quotes too, so the result is safe in attributes), and write
    each character XML forbids (controls but tab, newline and carriage return, U+FFFE,
    U+FFFF, lone surrogates) as visible text, ``\x00``, so that the page and its inline
    SVG stay well-formed.

    Parameters
    ----------
    value : object
        Any value; ``None`` becomes the empty string, others their ``str``.

    Returns
    -------
    str

    Examples
    --------
    >>> esc('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    >>> esc(None), esc(3), esc("nul\x00 bell\x07")
    ('', '3', 'nul\\x00 bell\\x07')
    """
    return escape_xml_illegal(html.escape("" if value is None else str(value), quote=True))


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _shade(fraction: float) -> str:
    if fraction <= 0:
        return "#ffffff"
    index = 1 + min(len(_BLUES) - 2, int(fraction * (len(_BLUES) - 1)))
    return _BLUES[index]


def score_bar(value, *, width: int = 120, height: int = 12, colour: str = "#c0392b") -> str:
    """A horizontal bar for a value in [0, 1]; ``-`` for a missing value.

    Examples
    --------
    >>> score_bar(0.5).startswith('<svg')
    True
    >>> score_bar(None)
    '<span class="na">-</span>'
    """
    if value is None or not isinstance(value, int | float) or math.isnan(value):
        return '<span class="na">-</span>'
    fill = max(0.0, min(1.0, float(value))) * width
    return (
        f'<svg class="bar" width="{width}" height="{height}" role="img" '
        f'aria-label="{value:.3f}"><rect width="{width}" height="{height}" fill="#eee"/>'
        f'<rect width="{_num(fill)}" height="{height}" fill="{colour}"/></svg>'
    )


def bar_chart(
    times: pl.Series, *, width: int = 1100, height: int = 170, max_bars: int = 240
) -> str:
    """Posts per hour (spans up to 10 days) or per day, as an SVG bar chart.

    ``times`` is a Datetime series (UTC). Empty bins are drawn as gaps, so silences (nights,
    weekends, holidays) show.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = pl.Series([datetime(2024, 1, 1, h, tzinfo=timezone.utc) for h in (1, 1, 5)])
    >>> svg = bar_chart(t)
    >>> svg.count("<rect") >= 2, "per hour" in svg
    (True, True)
    """
    times = times.drop_nulls()
    if times.len() == 0:
        return '<p class="na">no posts</p>'
    start, end = times.min(), times.max()
    span = end - start
    hourly = span <= timedelta(days=10)
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    unit = "hour" if hourly else "day"
    first = start.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        first = first.replace(hour=0)
    n_bins = max(1, int((end - first) / step) + 1)
    if n_bins > max_bars:  # wider bins for long periods
        factor = math.ceil(n_bins / max_bars)
        step, unit = step * factor, f"{factor} {unit}s"
        n_bins = int((end - first) / step) + 1
    index = (times.dt.epoch("us") - _epoch_us(first)) // (step // timedelta(microseconds=1))
    counts = index.value_counts()
    per_bin = [0] * n_bins
    for b, c in counts.rows():
        if 0 <= b < n_bins:
            per_bin[b] = int(c)
    top = max(per_bin) or 1
    left, bottom, right, top_pad = 44, 28, 40, 18
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    bar_w = plot_w / n_bins
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="posts per {esc(unit)}" {_FONT} font-size="11">',
        f'<text x="{left}" y="12" fill="#444">posts per {esc(unit)} (UTC), max {top}</text>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" '
        f'y2="{top_pad + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end" fill="#444">{top}</text>',
        f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end" fill="#444">0</text>',
    ]
    for i, count in enumerate(per_bin):
        if count == 0:
            continue
        h = count / top * plot_h
        when = first + step * i
        parts.append(
            f'<rect x="{_num(left + i * bar_w)}" y="{_num(top_pad + plot_h - h)}" '
            f'width="{_num(max(bar_w - 0.5, 0.8))}" height="{_num(h)}" fill="#2171b5">'
            f"<title>{esc(when.strftime('%Y-%m-%d %H:%M'))}: {count} posts</title></rect>"
        )
    for i in _ticks(n_bins, 6):
        when = first + step * i
        label = when.strftime("%m-%d %Hh" if hourly else "%Y-%m-%d")
        parts.append(
            f'<text x="{_num(left + (i + 0.5) * bar_w)}" y="{height - 8}" text-anchor="middle" '
            f'fill="#444">{esc(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _epoch_us(when: datetime) -> int:
    return int(when.timestamp()) * 1_000_000 + when.microsecond


def _ticks(n: int, k: int) -> list[int]:
    if n <= k:
        return list(range(n))
    return [round(i * (n - 1) / (k - 1)) for i in range(k)]


def heatmap(times: pl.Series, *, cell: int = 26) -> str:
    """Hour-of-week posting heatmap: 7 rows (Monday first) by 24 hours (UTC).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = pl.Series([datetime(2024, 1, 1, 9, tzinfo=timezone.utc)] * 3)  # a Monday
    >>> svg = heatmap(t)
    >>> "Mon 09:00" in svg and svg.count("<title>") == 7 * 24
    True
    """
    times = times.drop_nulls()
    grid = [[0] * 24 for _ in range(7)]
    if times.len():
        frame = pl.DataFrame(
            {"d": times.dt.weekday() - 1, "h": times.dt.hour()}  # weekday: Monday = 1
        )
        for d, h, c in frame.group_by("d", "h").len().rows():
            grid[int(d)][int(h)] = int(c)
    top = max(max(row) for row in grid) or 1
    left, top_pad = 40, 30
    width, height = left + 24 * cell + 10, top_pad + 7 * cell + 26
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="posts by hour of week" {_FONT} font-size="11">',
        f'<text x="{left}" y="12" fill="#444">posts by weekday and hour (UTC), max {top} '
        f"per cell (square-root colour scale)</text>",
    ]
    for h in range(0, 24, 3):
        parts.append(
            f'<text x="{left + h * cell + cell / 2}" y="{top_pad - 4}" text-anchor="middle" '
            f'fill="#444">{h:02d}</text>'
        )
    for d in range(7):
        y = top_pad + d * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell * 0.65:.1f}" text-anchor="end" '
            f'fill="#444">{DAYS[d]}</text>'
        )
        for h in range(24):
            c = grid[d][h]
            parts.append(
                f'<rect x="{left + h * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{_shade(math.sqrt(c / top))}" stroke="#e5e5e5">'
                f"<title>{DAYS[d]} {h:02d}:00 UTC: {c} posts</title></rect>"
            )
    # legend
    lx, ly = left, top_pad + 7 * cell + 8
    for i, colour in enumerate(_BLUES):
        parts.append(f'<rect x="{lx + i * 18}" y="{ly}" width="18" height="10" fill="{colour}"/>')
    parts.append(
        f'<text x="{lx + len(_BLUES) * 18 + 6}" y="{ly + 9}" fill="#444">0 to {top} posts</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def network(
    edges: pl.DataFrame,
    *,
    nodes=(),
    scores: dict | None = None,
    size: int = 420,
    max_nodes: int = 120,
    seed: int = 0,
) -> str:
    """The cluster's internal edges drawn with ``networkx.spring_layout`` (fixed seed).

    ``edges`` has ``account_a``, ``account_b`` and optionally ``weight``; ``nodes`` are
    accounts drawn even without an edge shown (a member attached by a weaker link). The
    ``max_nodes`` accounts with the largest weighted degree are drawn; node size follows
    the degree.

    Examples
    --------
    >>> e = pl.DataFrame({"account_a": ["a", "a"], "account_b": ["b", "c"], "weight": [2.0, 1.0]})
    >>> svg = network(e)
    >>> svg.count("<circle"), svg.count("<line")
    (3, 2)
    """
    if edges.height == 0:
        return '<p class="na">no internal edges</p>'
    weight = edges.get_column("weight") if "weight" in edges.columns else None
    graph = nx.Graph()
    graph.add_nodes_from(str(node) for node in nodes)
    for i, (a, b) in enumerate(edges.select("account_a", "account_b").iter_rows()):
        w = float(weight[i]) if weight is not None and weight[i] is not None else 1.0
        graph.add_edge(str(a), str(b), weight=w if math.isfinite(w) else 1.0)
    omitted = 0
    if graph.number_of_nodes() > max_nodes:
        degree = dict(graph.degree(weight="weight"))
        keep = sorted(graph.nodes, key=lambda n: (-degree[n], n))[:max_nodes]
        omitted = graph.number_of_nodes() - max_nodes
        graph = graph.subgraph(keep).copy()
    nodes = sorted(graph.nodes)
    ordered = nx.Graph()
    ordered.add_nodes_from(nodes)
    ordered.add_edges_from(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])))
    pos = nx.spring_layout(ordered, seed=seed, weight=None)
    pad, pad_right = 24, 24
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0

    label = len(nodes) <= 25
    if label:
        pad_right = 24 + 6 * min(18, max(len(n) for n in nodes))

    def xy(node):
        x, y = pos[node]
        return (
            pad + (x - min(xs)) / span_x * (size - pad - pad_right),
            pad + (y - min(ys)) / span_y * (size - 2 * pad),
        )

    top_w = max((d["weight"] for *_, d in ordered.edges(data=True)), default=1.0) or 1.0
    degree = dict(ordered.degree())
    top_deg = max(degree.values(), default=1) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'role="img" aria-label="network of the cluster" {_FONT} font-size="10">',
        f'<rect width="{size}" height="{size}" fill="#fcfcfc" stroke="#ddd"/>',
    ]
    for a, b, d in ordered.edges(data=True):
        (x1, y1), (x2, y2) = xy(a), xy(b)
        stroke = 0.5 + 2.5 * d["weight"] / top_w
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#7f8c8d" '
            f'stroke-opacity="0.55" stroke-width="{stroke:.2f}"/>'
        )
    for node in nodes:
        x, y = xy(node)
        r = 3 + 6 * degree[node] / top_deg
        extra = ""
        if scores and node in scores and scores[node] is not None:
            extra = f", score {scores[node]:.2f}"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#c0392b" stroke="#fff">'
            f"<title>{esc(node)}: {degree[node]} links{esc(extra)}</title></circle>"
        )
        if label:
            parts.append(
                f'<text x="{x + r + 2:.1f}" y="{y + 3:.1f}" fill="#333">{esc(node[:18])}</text>'
            )
    if omitted:
        parts.append(
            f'<text x="6" y="{size - 6}" fill="#666">{omitted} weaker accounts not drawn</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
