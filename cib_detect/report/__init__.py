"""A self-contained HTML report of a :class:`~cib_detect.Detection`.

One file, no network: inline CSS and inline SVG drawn by :mod:`cib_detect.report.svg`,
no JavaScript at all (a Content-Security-Policy forbids scripts and remote resources).
Every value from the data (account ids, post text, keys, URLs, evidence) is
HTML-escaped, attributes included, and characters XML forbids (NUL and other controls)
are shown as visible ``\\x00`` escapes, so the page and its SVG are well-formed; only
``http``/``https`` URLs become links, with ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import urlsplit

import polars as pl

from cib_detect.cluster import NOISE
from cib_detect.report.svg import bar_chart, esc, heatmap, network, score_bar
from cib_detect.score.ranking import clusters_best_first

__all__ = ["render", "safe_href", "write_report"]
_CORE = ("cluster_id", "size", "coordination", "government_link", "undisclosed", "score")
_PARTS = ("coordination", "government_link", "undisclosed")
_EVIDENCE_ROWS = 30
_MEMBER_ROWS = 60
_TEXT_CHARS = 160
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#f4f5f7;line-height:1.4}
header{background:#1f2d3d;color:#fff;padding:18px 32px}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;color:#cfd8e3}
main{padding:8px 32px 40px;max-width:1500px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:16px 0;padding:14px 20px}
h2{font-size:19px;margin:4px 0 10px}
h3{font-size:15px;margin:14px 0 6px;color:#34495e}
table{border-collapse:collapse;font-size:13px;margin:4px 0}
th,td{border-bottom:1px solid #e6e8eb;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#f0f4f8;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:22px}
.note{color:#555;font-size:13px}
.na{color:#999}
.warn{color:#8a4b00}
.evidence{white-space:pre-wrap;background:#fafafa;border-left:3px solid #c0392b;padding:6px 10px;
font-size:13px;overflow-wrap:anywhere}
.charts{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.grow{flex:1;min-width:320px}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
.text{max-width:380px;overflow-wrap:anywhere}
svg.bar{vertical-align:middle;margin-right:6px}
a{color:#1f5fa8}
.scroll{overflow-x:auto}
p.kv{font-size:13px;margin:3px 0}
"""


def safe_href(url) -> str | None:
    """``url`` if it is a plain ``http``/``https`` URL that may be a link, else ``None``.

    Examples
    --------
    >>> safe_href("https://example.org/a?b=1")
    'https://example.org/a?b=1'
    >>> safe_href("javascript:alert(1)") is None, safe_href(" JaVaScRiPt:x") is None
    (True, True)
    >>> safe_href("http://x.org/\\nnext") is None
    True
    """
    if not isinstance(url, str) or len(url) > 2000:
        return None
    if any(ord(c) < 33 or c in "\"'<>`\\" or ord(c) == 127 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _link(url, text=None) -> str:
    href = safe_href(url)
    label = esc(url if text is None else text)
    if href is None:
        return label
    return f'<a href="{esc(href)}" rel="noopener noreferrer nofollow" target="_blank">{label}</a>'


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _fmt(value) -> str:
    if _missing(value):
        return '<span class="na">-</span>'
    if isinstance(value, bool):
        return esc(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3g}"
        return f"{value:.3f}"
    if hasattr(value, "strftime"):
        return esc(value.strftime("%Y-%m-%d %H:%M:%S" if hasattr(value, "hour") else "%Y-%m-%d"))
    return esc(value)


def _score(value) -> str:
    """A score with three decimals (``-`` when missing)."""
    if isinstance(value, float) and not math.isnan(value):
        return f"{value:.3f}"
    return _fmt(value)


def _extra_columns(scores: pl.DataFrame) -> tuple[list[str], list[str]]:
    """Columns beyond the contract: numeric ones and text ones, shown generically."""
    numeric, text = [], []
    for name, dtype in scores.schema.items():
        if name in _CORE or name == "evidence":
            continue
        if dtype.is_numeric() or dtype == pl.Boolean:
            numeric.append(name)
        elif dtype == pl.String:
            text.append(name)
    return numeric, text


def render(detection, posts=None, *, title: str = "cib_detect report", top: int = 25) -> str:
    """The report of ``detection`` as one self-contained HTML document.

    Parameters
    ----------
    detection : Detection
        The result of :func:`cib_detect.detect`.
    posts : polars.DataFrame, optional
        The posts the detection ran on (``post_id``, ``account_id``, ``timestamp``,
        optionally ``text``); needed for the posting timelines, the hour-of-week heatmaps
        and the post texts of the evidence. Without them those parts are left out.
    title : str
        Title of the page (escaped).
    top : int
        Clusters shown in detail, best score first; all are listed in the overview.

    Returns
    -------
    str
        The HTML text.

    Examples
    --------
    >>> import polars as pl
    >>> from cib_detect import Detection
    >>> result = Detection(
    ...     pl.DataFrame({"account_a": ["a", "a"], "account_b": ["b", "c"], "weight": [9.0, 7.0]}),
    ...     pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, 0]}),
    ...     pl.DataFrame({"account_id": ["a", "b", "c"], "score": [0.8, 0.8, 0.8]}),
    ...     pl.DataFrame({"cluster_id": [0], "size": [3], "score": [0.8],
    ...                   "evidence": ["<b>3</b> accounts"]}))
    >>> page = render(result)
    >>> page.startswith("<!DOCTYPE html>"), "&lt;b&gt;3&lt;/b&gt;" in page, "<script" in page
    (True, True, False)
    """
    from cib_detect import __version__

    scores = clusters_best_first(detection.cluster_scores)
    numeric, text = _extra_columns(scores)
    posts = _posts_frame(posts)
    params = detection.params or {}
    clusters = detection.clusters
    in_clusters = int((clusters.get_column("cluster_id") != NOISE).sum())
    meta = [f"cib_detect {esc(__version__)}"]
    if "n_posts" in params:
        meta.append(f"{_fmt(params['n_posts'])} posts")
    windows = params.get("trace_windows_seconds") or {}
    if params.get("window_seconds") is not None:
        meta.append(f"window {_fmt(params['window_seconds'])} s")
    elif windows:
        meta.append(f"windows {' / '.join(_fmt(w) for w in sorted(set(windows.values())))} s")
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{esc(title)}</h1><p>{' · '.join(meta)}</p></header><main>",
    ]
    # -- summary ---------------------------------------------------------------------------
    cards = [
        ("accounts", detection.n_accounts),
        ("edges", detection.edges.height),
        ("clusters", detection.n_clusters),
        ("accounts in clusters", in_clusters),
    ]
    if scores.height and "score" in scores.columns:
        best = scores.get_column("score").fill_nan(None).max()
        cards.append(("top score", best))
    out.append('<section id="summary"><h2>Summary</h2><div class="cards">')
    out += [f'<div class="card"><b>{_fmt(v)}</b>{esc(k)}</div>' for k, v in cards]
    out.append("</div>")
    out.append(
        '<p class="note">Scores are in [0, 1]: <i>coordination</i> (how strong and unlikely '
        "by chance the co-actions are), <i>government link</i> (amplification of state "
        "sources, state schedules), <i>undisclosed</i> (share of accounts without a "
        "disclosure label); <i>score</i> combines them. Coordination is evidence of acting "
        "together, not proof of inauthenticity: read the evidence.</p>"
    )
    if detection.warnings:
        out.append('<h3>Warnings</h3><ul class="warn">')
        out += [f"<li>{esc(w)}</li>" for w in detection.warnings]
        out.append("</ul>")
    if detection.trace_tests is not None and detection.trace_tests.height:
        out.append("<h3>What each trace could test</h3>" + _frame_table(detection.trace_tests))
    out.append('<div class="charts">')
    for heading, mapping in (
        ("Parameters", params),
        ("Timings (s)", detection.timings),
    ):
        if mapping:
            out.append(f"<div><h3>{heading}</h3>{_kv_table(mapping)}</div>")
    out.append("</div></section>")
    # -- overview --------------------------------------------------------------------------
    out.append('<section id="clusters"><h2>Clusters by score</h2>')
    if scores.height == 0:
        out.append("<p>No coordinated clusters found.</p>")
    else:
        shown = min(top, scores.height)
        if scores.height > shown:
            out.append(
                f'<p class="note">{scores.height} clusters; the top {shown} are shown in '
                "detail below.</p>"
            )
        head = ["#", "cluster", "size", "score", *_PARTS, "evidence"]
        out.append("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>")
        for rank, row in enumerate(scores.iter_rows(named=True), start=1):
            cid = int(row["cluster_id"])
            name = f'<a href="#cluster-{cid}">{cid}</a>' if rank <= shown else str(cid)
            cells = [
                f'<td class="num">{rank}</td>',
                f"<td>{name}</td>",
                f'<td class="num">{_fmt(row.get("size"))}</td>',
                f"<td>{score_bar(row.get('score'))}{_score(row.get('score'))}</td>",
            ]
            cells += [
                f"<td>{score_bar(row.get(p), width=60, colour='#2c7fb8')}{_score(row.get(p))}</td>"
                for p in _PARTS
            ]
            cells.append(f'<td class="text">{esc(_first_line(row.get("evidence")))}</td>')
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
    out.append("</section>")
    # -- clusters in detail ----------------------------------------------------------------
    detail = scores.head(top)
    if detail.height:
        ids = detail.get_column("cluster_id")
        members = clusters.filter(pl.col("cluster_id").is_in(ids.implode()))
        activity = _activity(posts, members)
        texts = _texts(posts, detection.evidence, ids)
        for rank, row in enumerate(detail.iter_rows(named=True), start=1):
            out.append(
                _cluster_section(detection, row, rank, numeric, text, members, activity, texts)
            )
    out.append(
        '<footer class="note"><p>Generated by cib_detect. All times are UTC. Post texts, '
        "names and URLs are shown as found in the data and are not endorsed; only http(s) "
        "links are clickable.</p></footer></main></body></html>"
    )
    return "\n".join(out) + "\n"


def write_report(detection, path, posts=None, **kwargs) -> Path:
    """Write :func:`render` of ``detection`` to ``path`` (UTF-8) and return the path.

    Examples
    --------
    >>> import polars as pl, tempfile, pathlib
    >>> from cib_detect import Detection
    >>> empty = Detection(pl.DataFrame({"account_a": [], "account_b": []}),
    ...     pl.DataFrame({"account_id": [], "cluster_id": []}, schema={"account_id": pl.String,
    ...                   "cluster_id": pl.Int64}),
    ...     pl.DataFrame({"account_id": []}), pl.DataFrame({"cluster_id": []}))
    >>> path = write_report(empty, pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> "No coordinated clusters found" in path.read_text()
    True
    """
    path = Path(path)
    path.write_text(render(detection, posts, **kwargs), encoding="utf-8")
    return path


# -- pieces -------------------------------------------------------------------------------


def _first_line(text) -> str:
    if _missing(text):
        return "-"
    line = str(text).strip().split("\n", 1)[0]
    return line if len(line) <= 140 else line[:137] + "..."


def _kv_table(mapping: dict) -> str:
    rows = []
    for key, value in mapping.items():
        if isinstance(value, list | tuple):
            shown = esc(", ".join(map(str, value))) if value else '<span class="na">-</span>'
        else:
            shown = _fmt(value)
        rows.append(f"<tr><th>{esc(key)}</th><td>{shown}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _posts_frame(posts) -> pl.DataFrame | None:
    if posts is None:
        return None
    if isinstance(posts, pl.LazyFrame):
        posts = posts.collect()
    if not isinstance(posts, pl.DataFrame):
        from cib_detect.io import read_posts

        posts = read_posts(posts)
    needed = {"account_id", "timestamp"}
    if not needed <= set(posts.columns):
        return None
    if posts.schema["timestamp"] != pl.Datetime("us", "UTC"):
        from cib_detect.io import read_posts

        posts = read_posts(posts)
    return posts


def _activity(posts, members: pl.DataFrame) -> dict[int, pl.Series]:
    """Post times of each detailed cluster's members."""
    if posts is None or members.height == 0:
        return {}
    times = posts.select(pl.col("account_id").cast(pl.String), "timestamp").join(
        members.select(pl.col("account_id").cast(pl.String), "cluster_id"), on="account_id"
    )
    return {
        int(key[0]): frame.get_column("timestamp")
        for key, frame in times.partition_by("cluster_id", as_dict=True).items()
    }


def _texts(posts, evidence, ids: pl.Series) -> dict[str, str]:
    """Text of the posts cited by the evidence of the detailed clusters."""
    if posts is None or "text" not in posts.columns or evidence is None:
        return {}
    if not {"post_a", "post_b", "cluster_id"} <= set(evidence.columns):
        return {}
    cited = evidence.filter(pl.col("cluster_id").is_in(ids.implode()))
    wanted = pl.concat([cited.get_column("post_a"), cited.get_column("post_b")]).cast(pl.String)
    found = posts.select(pl.col("post_id").cast(pl.String), "text").filter(
        pl.col("post_id").is_in(wanted.unique().implode())
    )
    return dict(found.iter_rows())


def _cluster_section(detection, row, rank, numeric, text, members, activity, texts) -> str:
    cid = int(row["cluster_id"])
    out = [
        f'<section class="cluster" id="cluster-{cid}">',
        f"<h2>#{rank}: cluster {cid} · {_fmt(row.get('size'))} accounts · score "
        f"{_fmt(row.get('score'))}</h2>",
        '<div class="charts"><div><h3>Score and its parts</h3><table>',
    ]
    for part in ("score", *_PARTS):
        out.append(
            f"<tr><th>{esc(part)}</th><td>{score_bar(row.get(part))}{_score(row.get(part))}</td></tr>"
        )
    for name in numeric:
        value = row.get(name)
        bar = ""
        if isinstance(value, float) and 0 <= value <= 1:
            bar = score_bar(value, width=80, colour="#7f8c8d")
        shown = _score(value) if bar else _fmt(value)
        out.append(f"<tr><th>{esc(name)}</th><td>{bar}{shown}</td></tr>")
    out.append('</table></div><div class="grow">')
    if not _missing(row.get("evidence")):
        out.append(f'<h3>Evidence</h3><div class="evidence">{esc(row["evidence"])}</div>')
    state = [n for n in text if "state" in n or "domain" in n or "source" in n]
    schedule = [
        n
        for n in text
        if any(w in n for w in ("schedule", "office", "timezone", "holiday", "quiet", "workweek"))
    ]
    for heading, names in (("State sources amplified", state), ("Inferred schedule", schedule)):
        shown = [(n, row.get(n)) for n in names if not _missing(row.get(n)) and row.get(n) != ""]
        if shown:
            out.append(f"<h3>{heading}</h3>")
            out += [f'<p class="kv"><b>{esc(n)}</b>: {esc(v)}</p>' for n, v in shown]
    others = [n for n in text if n not in state and n not in schedule]
    if others:
        out.append("<h3>Details</h3>" + _kv_table({n: row.get(n) for n in others}))
    out.append("</div></div>")
    # charts
    times = activity.get(cid)
    if times is not None:
        out.append(f"<div><h3>Posting timeline</h3>{bar_chart(times)}</div>")
    out.append('<div class="charts">')
    if times is not None:
        out.append(f"<div><h3>Hour of week</h3>{heatmap(times)}</div>")
    elif not activity:
        out.append('<p class="note">Timelines need the posts: pass posts= to the report.</p>')
    member_ids = members.filter(pl.col("cluster_id") == cid).get_column("account_id")
    internal = detection.edges.filter(
        pl.col("account_a").is_in(member_ids.implode())
        & pl.col("account_b").is_in(member_ids.implode())
    )
    alpha = (detection.params or {}).get("alpha")
    kind = "links"
    if "q_value" in internal.columns and isinstance(alpha, int | float):
        internal, kind = internal.filter(pl.col("q_value") <= alpha), "significant links"
    account_scores = _member_scores(detection.account_scores, member_ids)
    node_scores = (
        dict(account_scores.select("account_id", "score").iter_rows())
        if "score" in account_scores.columns
        else None
    )
    out.append(
        f"<div><h3>Network ({internal.height} {kind})</h3>"
        f"{network(internal, nodes=member_ids, scores=node_scores)}</div>"
    )
    out.append("</div>")
    out.append(_members_table(account_scores))
    out.append(_evidence_table(detection.evidence, cid, texts))
    out.append("</section>")
    return "\n".join(out)


def _member_scores(account_scores: pl.DataFrame, member_ids: pl.Series) -> pl.DataFrame:
    table = account_scores.filter(pl.col("account_id").is_in(member_ids.implode()))
    missing = member_ids.filter(~member_ids.is_in(table.get_column("account_id").implode()))
    if missing.len():
        table = pl.concat([table, missing.to_frame()], how="diagonal_relaxed")
    order = [c for c in ("score", "strength", "degree") if c in table.columns]
    return table.sort([*order, "account_id"], descending=[*(True for _ in order), False])


def _frame_table(table: pl.DataFrame) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>" for row in table.rows()
    )
    return f'<div class="scroll"><table><tr>{head}</tr>{rows}</table></div>'


def _members_table(table: pl.DataFrame) -> str:
    columns = ["account_id"] + [
        c
        for c, t in table.schema.items()
        if c not in ("account_id", "cluster_id") and (t.is_numeric() or t == pl.String)
    ]
    out = [f'<h3>Members ({table.height})</h3><div class="scroll"><table><tr>']
    out += [f"<th>{esc(c)}</th>" for c in columns]
    out.append("</tr>")
    for row in table.head(_MEMBER_ROWS).iter_rows(named=True):
        cells = []
        for c in columns:
            value = row.get(c)
            cls = ' class="mono"' if c == "account_id" else ' class="num"'
            cells.append(f"<td{cls}>{_fmt(value)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table></div>")
    if table.height > _MEMBER_ROWS:
        out.append(f'<p class="note">{table.height - _MEMBER_ROWS} more accounts not shown.</p>')
    return "".join(out)


def _evidence_table(evidence, cid: int, texts: dict[str, str]) -> str:
    if evidence is None or "cluster_id" not in evidence.columns:
        return ""
    rows = evidence.filter(pl.col("cluster_id") == cid)
    if rows.height == 0:
        return ""
    order = [c for c in ("dt", "timestamp_a") if c in rows.columns]
    if order:
        rows = rows.sort(order, nulls_last=True)
    out = [
        f"<h3>Post pairs ({rows.height}; closest in time first)</h3><table><tr>"
        "<th>trace</th><th>key</th><th>account / post A</th><th>account / post B</th>"
        "<th>time A (UTC)</th><th>seconds apart</th></tr>"
    ]
    for row in rows.head(_EVIDENCE_ROWS).iter_rows(named=True):
        key = row.get("key")
        side = []
        for s in ("a", "b"):
            post = row.get(f"post_{s}")
            body = texts.get(str(post)) if post is not None else None
            snippet = ""
            if body:
                body = body if len(body) <= _TEXT_CHARS else body[: _TEXT_CHARS - 3] + "..."
                snippet = f"<br><span>{esc(body)}</span>"
            side.append(
                f'<td class="text"><span class="mono">{esc(row.get(f"account_{s}"))} / '
                f"{esc(post)}</span>{snippet}</td>"
            )
        out.append(
            f"<tr><td>{esc(row.get('trace'))}</td>"
            f'<td class="mono text">{_link(key) if key is not None else "-"}</td>'
            f"{side[0]}{side[1]}<td>{_fmt(row.get('timestamp_a'))}</td>"
            f'<td class="num">{_fmt(row.get("dt"))}</td></tr>'
        )
    out.append("</table>")
    if rows.height > _EVIDENCE_ROWS:
        out.append(
            f'<p class="note">{rows.height - _EVIDENCE_ROWS} more pairs in evidence.csv.</p>'
        )
    return "".join(out)
