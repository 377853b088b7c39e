"""The HTML report: self-contained, escaped, and readable in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import polars as pl
import pytest

import cib_detect as cd
from cib_detect import Detection
from cib_detect.report import render, safe_href, write_report

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
     if p and shutil.which(p)),
    None,
)  # fmt: skip

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS = "javascript:alert(1)"
SVG = "<svg/onload=alert(1)>"
PAYLOADS = (SCRIPT, IMG, JS, SVG)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script>/<style>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _hostile_detection():
    a, b, c = f"acc{SCRIPT}", f"acc{IMG}", f"acc{SVG}"
    t0 = datetime(2024, 4, 15, 9, tzinfo=timezone.utc)
    evidence = pl.DataFrame(
        {
            "trace": ["co_url", "co_text"],
            "account_a": [a, b],
            "account_b": [b, c],
            "post_a": [f"p1{IMG}", "p3"],
            "post_b": ["p2", f"p4{SCRIPT}"],
            "key": [JS, "https://evil.example/a?x=1&y=2"],
            "timestamp_a": [t0, t0],
            "timestamp_b": [t0 + timedelta(seconds=3), t0 + timedelta(seconds=5)],
            "dt": [3.0, 5.0],
            "cluster_id": [0, 0],
        }
    )
    return Detection(
        edges=pl.DataFrame(
            {"account_a": [a, a, b], "account_b": [b, c, c], "weight": [9.0, 8.0, 7.0]}
        ),
        clusters=pl.DataFrame({"account_id": [a, b, c], "cluster_id": [0, 0, 0]}),
        account_scores=pl.DataFrame(
            {
                "account_id": [a, b, c],
                "cluster_id": [0, 0, 0],
                "score": [0.9, 0.8, 0.7],
                f"col{SCRIPT}": [1.0, 2.0, 3.0],
            }
        ),
        cluster_scores=pl.DataFrame(
            {
                "cluster_id": [0],
                "size": [3],
                "coordination": [0.9],
                "government_link": [0.5],
                "undisclosed": [1.0],
                "score": [0.7],
                "evidence": [f"3 accounts {SCRIPT}\nrepost of {IMG} {JS}"],
                f"part{IMG}": [0.4],
                "state_domains": [f"rt.com, {SVG}"],
                "schedule_text": [f"Mon-Fri 09-18 {SCRIPT}"],
            }
        ),
        evidence=evidence,
        params={"window_seconds": 60.0, "traces": [SCRIPT], f"k{IMG}": JS},
        warnings=[f"warned {SCRIPT}"],
        trace_tests=pl.DataFrame({"trace": [f"bad {IMG}"], "accounts": [2]}),
    )


def _hostile_posts():
    t0 = datetime(2024, 4, 15, 9, tzinfo=timezone.utc)
    return pl.DataFrame(
        {
            "post_id": [f"p1{IMG}", "p2", "p3", f"p4{SCRIPT}"],
            "account_id": [f"acc{SCRIPT}", f"acc{IMG}", f"acc{IMG}", f"acc{SVG}"],
            "timestamp": [t0 + timedelta(seconds=s) for s in (0, 3, 0, 5)],
            "text": [f"look {SCRIPT} {JS}", IMG, SVG, "<iframe src=//evil>"],
        }
    )


def test_payloads_never_survive_unescaped():
    page = render(_hostile_detection(), _hostile_posts())
    lower = page.lower()
    assert "<script" not in lower
    assert "<img" not in lower and "<iframe" not in lower
    assert not re.search(r"<[^>]*\son\w+\s*=", lower), "an event handler attribute in a tag"
    assert 'href="javascript:' not in lower and "href='javascript:" not in lower
    parser = _Tags()
    parser.feed(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "header", "main", "section",
               "footer", "h1", "h2", "h3", "p", "div", "span", "b", "i", "ul", "li", "table",
               "tr", "th", "td", "a", "br", "svg", "rect", "line", "circle", "text"}  # fmt: skip
    for tag, attrs in parser.tags:
        assert tag in allowed, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name == "href":
                assert value.startswith(("#", "http://", "https://")), value
    # the payloads are still there, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "onerror=alert(1)&gt;" in page
    # the hostile https key is a link, escaped, with a safe rel
    links = [dict(a) for t, a in parser.tags if t == "a" and dict(a)["href"].startswith("http")]
    assert links and all(link["rel"] == "noopener noreferrer nofollow" for link in links)
    assert [link["href"] for link in links] == ["https://evil.example/a?x=1&y=2"]
    assert 'href="https://evil.example/a?x=1&amp;y=2"' in page


def test_report_has_no_external_resource_and_no_script():
    page = render(_hostile_detection(), _hostile_posts())
    for needle in ("<script", "<link", "<iframe", "<object", "<embed", "@import", "url("):
        assert needle not in page.lower(), needle
    parser = _Tags()
    parser.feed(page)
    assert not [a for t, a in parser.tags for n, _ in a if n == "src"]
    [csp] = [dict(a)["content"] for t, a in parser.tags if t == "meta" and
             dict(a).get("http-equiv") == "Content-Security-Policy"]  # fmt: skip
    assert "default-src 'none'" in csp and "script-src" not in csp


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", " javascript:x", "JAVASCRIPT:x", "data:text/html,x",
            "vbscript:x", "//evil.org", "http://x.org/\"onmouseover=1", "https://a.b/\tx", "", None]
)  # fmt: skip
def test_safe_href_refuses_anything_but_plain_http(url):
    assert safe_href(url) is None


@pytest.fixture(scope="module")
def planted():
    data = cd.datasets.synthetic(20_000, seed=1)
    return data, cd.detect(data.posts, data.accounts)


def test_report_shows_clusters_timelines_heatmaps_networks_and_evidence(planted):
    data, result = planted
    page = render(result, data.posts)
    n = result.n_clusters
    assert n > 0
    assert page.count('<section class="cluster"') == n
    assert page.count("posts by weekday and hour") == n
    assert page.count('aria-label="posts per ') == n
    assert page.count("<circle") >= result.cluster_scores.get_column("size").sum()
    assert "Post pairs" in page and "seconds apart" in page
    # clusters sorted by score
    ids = [int(x) for x in re.findall(r'<section class="cluster" id="cluster-(\d+)"', page)]
    by_score = result.cluster_scores.sort("score", descending=True)["cluster_id"].to_list()
    assert ids == by_score
    # without posts: no timelines, a note instead
    bare = render(result)
    assert "posts by weekday and hour" not in bare and "pass posts=" in bare


def test_write_report_and_detection_write(planted, tmp_path):
    data, result = planted
    path = write_report(result, tmp_path / "r.html", posts=data.posts)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    written = {p.name for p in result.write(tmp_path / "out", posts=data.posts, formats="csv")}
    assert {"report.html", "detection.json", "clusters.jsonl", "run.json"} <= written
    skipped = {p.name for p in result.write(tmp_path / "o2", report=False, export=False)}
    assert not {"report.html", "detection.json"} & skipped


def _screenshot(html_path, png_path, profile):
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--screenshot={png_path}",
        "--window-size=1280,2000",
    ]
    return subprocess.run(
        [CHROMIUM, *flags, html_path.as_uri()], capture_output=True, timeout=90, check=False
    )


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium not found (install the Debian package 'chromium' to run the browser check)",
)
def test_report_renders_in_headless_chromium(planted, tmp_path):
    data, result = planted
    html_path = write_report(result, tmp_path / "report.html", posts=data.posts)
    png = tmp_path / "shot.png"
    run = _screenshot(html_path, png, tmp_path / "profile")
    assert png.exists(), run.stderr.decode(errors="replace")[-2000:]
    blob = png.read_bytes()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(blob) > 50_000  # a blank 1280x2000 page compresses to a few kB
    # the hostile report renders too, and nothing it contains ran or loaded
    hostile = write_report(_hostile_detection(), tmp_path / "hostile.html", posts=_hostile_posts())
    run = _screenshot(hostile, tmp_path / "hostile.png", tmp_path / "profile2")
    assert (tmp_path / "hostile.png").exists()
