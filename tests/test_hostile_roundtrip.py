"""Hostile and messy input, end to end: ``read_posts -> detect -> write -> read back``.

The property: every run ends either in a Detection whose files all read back (parquet and
csv with polars, GraphML and GEXF with networkx, ``detection.json`` and each line of
``clusters.jsonl`` valid against the shipped JSON Schema, ``run.json`` strict JSON,
``report.html`` well-formed markup), or in an exception of a class of
:mod:`cib_detect.errors`, never another type.

The frames hold nulls in any column, hostile unicode (emoji, RTL marks, zero-width and
control characters, NUL, combining marks, spreadsheet formulas), repeated post ids, ids as
ints/floats/bools, times as ISO strings, epoch numbers in s/ms/us/ns, naive datetimes,
dates or garbage, hashtags and URLs as lists or as text, empty frames, single rows, posts
all at one instant, and sometimes a planted coordinated group so that clusters form.
"""

from __future__ import annotations

import inspect
import json
import re
import tempfile
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import networkx as nx
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings, target
from hypothesis import strategies as st

import cib_detect as cd
from cib_detect import errors, export

#: Every exception class of cib_detect.errors (the warnings are not raised).
LIBRARY_ERRORS = tuple(
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, Exception) and not issubclass(cls, Warning)
)
T0 = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
# the planted group: PLANTED accounts repost the same ITEMS items (enough to pass alpha
# against 30 background posts whatever other trace columns the posts have)
PLANTED, ITEMS = 3, 8
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# -- strategies ---------------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "=1+1",
    '=HYPERLINK("http://evil")',
    "+cmd",
    "-2",
    "@SUM(A1:A9)",
    "\tlead tab",
    "\rcr",
    "a\x00b",
    "\x00",
    "\x1b[31mred",
    "\x07bell\x0c",
    "\u202eevil\u202c",
    "\u200fRTL\u200e",
    "zero\u200bwidth\u200d",
    "\ufeffbom",
    "e\u0301\u0301\u0301",
    "\u0361",
    "👍🏽",
    "👨‍👩‍👧",
    "🇺🇦",
    "\ufffe\uffff",
    "<script>alert(1)</script>",
    "]]><!--",
    "&amp;&#0;",
    '"quoted", comma',
    "line\nbreak\r\n",
    "null",
    "NaN",
    "\\u0000",
    '{"a": [1]}',
    "[a, 'b']",
    "#tag",
    "مرحبا بالعالم",
    "日本語テキスト",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=8),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=4)),
)
URLS = [
    "http://example.com/a",
    "HTTPS://Example.COM/a/?utm_source=x#frag",
    "https://rt.com/news/1",
    "http://[::1]:80/x",
    "javascript:alert(1)",
    '=HYPERLINK("x")',
    "http://例え.jp/パス",
    "not a url",
    "http://a.com/\x00",
    "",
]
TIME_UNITS = ("ms", "us", "ns")
TIME_ZONES = ("UTC", "Asia/Kolkata", "America/New_York")
STRING_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%:z",
    "%Y-%m-%d",
    "%a %b %d %H:%M:%S %z %Y",
)


# columns of dtypes no canonical column has, by length
ODD = [
    lambda n: pl.Series([i % 2 == 0 for i in range(n)], dtype=pl.Boolean),
    lambda n: pl.Series([{"a": i} for i in range(n)], dtype=pl.Struct({"a": pl.Int64})),
    lambda n: pl.Series([[[str(i)]] for i in range(n)], dtype=pl.List(pl.List(pl.String))),
    lambda n: pl.Series([str(i).encode() for i in range(n)], dtype=pl.Binary),
    lambda n: pl.Series([timedelta(seconds=i) for i in range(n)], dtype=pl.Duration("us")),
    lambda n: pl.Series([time(i % 24) for i in range(n)], dtype=pl.Time),
    lambda n: pl.Series([Decimal(i) for i in range(n)], dtype=pl.Decimal(10, 0)),
    lambda n: pl.Series([object() for _ in range(n)], dtype=pl.Object),
    lambda n: pl.Series([2**63 + i for i in range(n)], dtype=pl.UInt64),
    lambda n: pl.Series([i / 3 for i in range(n)], dtype=pl.Float32),
    lambda n: pl.Series([[i] for i in range(n)], dtype=pl.Array(pl.Int64, 1)),
    lambda n: pl.Series(["x" if i % 2 else "y" for i in range(n)], dtype=pl.Enum(["x", "y"])),
]
LOOSE_OPTIONS = [
    {"alpha": 1.0},
    {"alpha": 1.0, "min_cluster_size": 2},
    {"max_key_posts": 2},
    {"backbone_method": "disparity"},
    {"max_burst_share": 1.0, "alpha": 0.5},
]
BAD_PARAMETERS = [
    ("window", "-5s"),
    ("window", 0),
    ("window", "abc"),
    ("window", float("nan")),
    ("window", True),
    ("alpha", 2.0),
    ("alpha", float("nan")),
    ("min_cluster_size", 0),
    ("min_cluster_size", 2.5),
    ("traces", ["no_such_trace"]),
    ("traces", []),
    ("max_key_posts", 0),
    ("random_state", "x"),
    ("backbone_method", "nope"),
    ("seed_accounts", 5),
]


@dataclass
class Case:
    """One run: the posts frame, read options, an optional accounts frame, detect options."""

    posts: pl.DataFrame
    read: dict = field(default_factory=dict)
    accounts: pl.DataFrame | None = None
    read_accounts: bool = False  # accounts through read_accounts, or raw to detect
    detect: dict = field(default_factory=dict)
    lazy: bool = False  # posts given to read_posts as a LazyFrame
    report_posts: bool = True


def _times(us: list[int | None], rep: str, draw) -> pl.Series:
    """Times (microseconds after T0) in representation ``rep``."""
    utc = pl.Series("t", [None if u is None else T0 + timedelta(microseconds=u) for u in us]).cast(
        pl.Datetime("us", "UTC")
    )
    if rep == "aware":
        unit = draw(st.sampled_from(TIME_UNITS))
        return utc.dt.convert_time_zone(draw(st.sampled_from(TIME_ZONES))).dt.cast_time_unit(unit)
    if rep == "naive":
        return utc.dt.replace_time_zone(None).dt.cast_time_unit(draw(st.sampled_from(TIME_UNITS)))
    if rep == "date":
        return utc.dt.date()
    if rep == "string":
        fmt = draw(st.sampled_from(STRING_FORMATS))
        zone = draw(st.sampled_from(TIME_ZONES)) if "z" in fmt else "UTC"
        return utc.dt.convert_time_zone(zone).dt.to_string(fmt)
    if rep.startswith("epoch_"):
        unit = rep.removeprefix("epoch_")
        if unit == "float":
            return utc.dt.epoch("ms").cast(pl.Float64) / 1000
        if unit == "text":
            return utc.dt.epoch(draw(st.sampled_from(["s", "ms"]))).cast(pl.String)
        return utc.dt.epoch(unit)
    raise AssertionError(rep)


def _garble(values: pl.Series, draw) -> pl.Series:
    """Replace a few values by nonsense of the column's own dtype."""
    n = values.len()
    if n == 0:
        return values
    at = draw(st.lists(st.integers(0, n - 1), max_size=3, unique=True))
    dtype = values.dtype
    if dtype == pl.String:
        junk = st.one_of(hostile_text, st.sampled_from(["2024-13-45", "yesterday", "1e400", "-"]))
    elif dtype.is_integer():  # -1e11 + 1 s is year -1199, 1e11 - 1 s year 5138
        junk = st.sampled_from([0, -1, 2**62, -(2**62), -(2**63), 10**11, 10**17, 1 - 10**11])
    elif dtype.is_float():
        junk = st.sampled_from([float("nan"), float("inf"), -1e30, 1e25, 0.5, -9.9e10])
    elif isinstance(dtype, pl.Datetime | pl.Date):
        # physical values, so that years Python's datetime cannot hold (-1000, 12000) come too
        ns = getattr(dtype, "time_unit", None) == "ns"
        years = [1970, 2200] if ns else [-1000, 1, 1970, 9999, 12000]
        days = [int((year - 1970) * 365.2425) for year in years]
        per_day = {"ns": 86400 * 10**9, "us": 86400 * 10**6, "ms": 86400 * 10**3}
        scale = per_day[dtype.time_unit] if isinstance(dtype, pl.Datetime) else 1
        physical = values.to_physical()
        new = pl.Series([draw(st.sampled_from(days)) * scale for _ in at], dtype=physical.dtype)
        return physical.scatter(at, new).cast(dtype) if at else values
    else:
        return values
    out = values.to_list()
    for i in at:
        out[i] = draw(junk)
    return pl.Series(values.name, out, dtype=dtype, strict=False)


def _ids(index: list[int | None], rep: str, names: list[str], name: str) -> pl.Series:
    """Ids given as indices into ``names``, in representation ``rep``."""
    if rep == "str":
        return pl.Series(name, [None if i is None else names[i] for i in index], pl.String)
    if rep == "cat":
        return pl.Series(name, [None if i is None else names[i] for i in index], pl.Categorical)
    if rep == "int":
        return pl.Series(name, index, pl.Int64)
    if rep == "big":
        return pl.Series(name, [None if i is None else 2**63 - 1 - i for i in index], pl.Int64)
    if rep == "float":
        return pl.Series(name, [None if i is None else i + 0.0 for i in index], pl.Float64)
    if rep == "frac":
        return pl.Series(name, [None if i is None else i / 2 for i in index], pl.Float64)
    if rep == "bool":
        return pl.Series(name, [None if i is None else i % 2 == 0 for i in index], pl.Boolean)
    if rep == "null":
        return pl.Series(name, [None] * len(index), pl.Null)
    raise AssertionError(rep)


def _with_nulls(values: list, draw, *, rate: float) -> list:
    if not values or rate == 0 or not draw(st.booleans()):
        return values
    size = max(1, int(len(values) * rate))
    at = set(draw(st.lists(st.integers(0, len(values) - 1), max_size=size)))
    return [None if i in at else v for i, v in enumerate(values)]


def _list_column(lists: list[list[str] | None], name: str, draw) -> pl.Series:
    rep = draw(st.sampled_from(["list", "list", "text", "json", "int_list", "null"]))
    if rep == "list":
        return pl.Series(name, lists, pl.List(pl.String))
    if rep == "text":
        sep = draw(st.sampled_from([", ", " ", ";", "#"]))
        text = [None if v is None else sep.join("#" + (x or "") for x in v) for v in lists]
        return pl.Series(name, text, pl.String)
    if rep == "json":
        return pl.Series(name, [None if v is None else json.dumps(v) for v in lists], pl.String)
    if rep == "int_list":
        return pl.Series(name, [None if v is None else list(range(len(v))) for v in lists])
    return pl.Series(name, [None] * len(lists), pl.Null)


@st.composite
def cases(draw) -> Case:
    planted = draw(st.booleans())
    # the accounts: a pool of distinct names, few so that they repeat
    n_pool = draw(st.integers(1, 8)) + (PLANTED if planted else 0)
    pool = draw(st.lists(hostile_text, min_size=n_pool, max_size=n_pool, unique=True))
    rows = []  # (account index, microseconds, item)
    if planted:  # 3 accounts reposting the same 8 items within seconds, 3 h apart
        for item in range(ITEMS):
            for a in range(PLANTED):
                rows.append((a, item * 3 * 3600 * 10**6 + a * 10**6, f"orig{item}"))
        n_background = draw(st.integers(30, 60 - len(rows)))
    else:
        n_background = draw(st.integers(0, 40))
    one_instant = draw(st.integers(0, 9)) == 0
    for i in range(n_background):
        account = draw(st.integers(PLANTED if planted else 0, n_pool - 1))
        us = 0 if one_instant else draw(st.integers(0, 48 * 3600)) * 10**6
        item = f"bg{i}" if planted else draw(st.sampled_from(["bg0", "bg1", f"bg{i}"]))
        rows.append((account, us, item))
    if one_instant:
        rows = [(a, 0, item) for a, _, item in rows]
    n = len(rows)
    messy = not planted or draw(st.integers(0, 3)) == 0  # planted groups mostly stay readable

    post_index = list(range(n))
    if messy and n > 1 and draw(st.booleans()):  # repeated post ids
        for _ in range(draw(st.integers(1, 3))):
            post_index[draw(st.integers(0, n - 1))] = draw(st.integers(0, n - 1))
    prefix = draw(hostile_text) if messy else "p"
    post_names = [f"{prefix}{i}" for i in range(n)]
    id_reps = ["str"] * 6 + ["int", "big", "float", "frac", "bool", "cat", "null"]
    post_rep = draw(st.sampled_from(id_reps)) if messy else "str"
    account_rep = draw(st.sampled_from(id_reps)) if messy else "str"
    account_index = [a for a, _, _ in rows]
    null_rate = 0.2 if messy else 0.0
    data = {
        "post_id": _ids(_with_nulls(post_index, draw, rate=null_rate), post_rep, post_names, ""),
        "account_id": _ids(_with_nulls(account_index, draw, rate=null_rate), account_rep, pool, ""),
    }
    time_reps = ["aware", "naive", "date", "string", "epoch_s", "epoch_ms", "epoch_us"]
    time_reps += ["epoch_ns", "epoch_float", "epoch_text"]
    time_rep = draw(st.sampled_from(time_reps)) if messy else "aware"
    times = _times(_with_nulls([us for _, us, _ in rows], draw, rate=null_rate), time_rep, draw)
    data["timestamp"] = _garble(times, draw) if messy and draw(st.booleans()) else times

    optional = ["text", "hashtags", "urls", "mentions", "repost_of", "reply_to", "media_hashes"]
    present = draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
    if planted and "repost_of" not in present:
        present.append("repost_of")
    texts = draw(st.lists(hostile_text, min_size=1, max_size=4))
    tags = draw(st.lists(hostile_text, min_size=1, max_size=4))
    for column in present:
        if column in ("repost_of", "reply_to"):
            keys = [item for _, _, item in rows]
            if messy and draw(st.booleans()):
                keys = [draw(st.sampled_from([k, *HOSTILE[:8]])) for k in keys]
            keys = _with_nulls(keys, draw, rate=null_rate)
            rep = draw(st.sampled_from(["str", "str", "int", "cat"])) if messy else "str"
            names = sorted({k for k in keys if k is not None})
            index = [None if k is None else names.index(k) for k in keys]
            data[column] = _ids(index, rep, names, column)
        elif column == "text":
            values = [draw(st.sampled_from(texts)) for _ in range(n)]
            data[column] = pl.Series(_with_nulls(values, draw, rate=null_rate), dtype=pl.String)
        else:
            pool_items = URLS if column == "urls" else tags
            lists = [
                draw(st.lists(st.sampled_from(pool_items), max_size=3)) if messy else []
                for _ in range(n)
            ]
            if messy and n and draw(st.booleans()):  # nulls inside the lists too
                lists[draw(st.integers(0, n - 1))] = [None, "x"]
            data[column] = _list_column(_with_nulls(lists, draw, rate=null_rate), column, draw)
    if messy and draw(st.booleans()):  # extra columns, hostile names and a struct
        data[draw(st.sampled_from(["=extra\x00", "language", "\u202ecol"]))] = pl.Series(
            [draw(hostile_text) for _ in range(n)], dtype=pl.String
        )
        data["nested"] = pl.Series([{"a": i, "b": [str(i)]} for i in range(n)])
    if messy and draw(st.integers(0, 7)) == 0:  # a column of a dtype it cannot have
        data[draw(st.sampled_from(sorted(data)))] = draw(st.sampled_from(ODD))(n)
    posts = pl.DataFrame({k: v.alias(k) for k, v in data.items()}, strict=False)
    if draw(st.integers(0, 19)) == 0:  # a required column missing
        posts = posts.drop(draw(st.sampled_from(["post_id", "account_id", "timestamp"])))

    read = {}
    if messy:
        read = {
            "on_duplicate": draw(st.sampled_from(["raise", "drop"])),
            "on_invalid": draw(st.sampled_from(["raise", "drop"])),
        }
    case = Case(posts=posts, read=read, lazy=draw(st.booleans()), report_posts=draw(st.booleans()))
    if draw(st.booleans()):
        case.accounts = draw(_accounts(pool, messy))
        case.read_accounts = draw(st.booleans())
    if draw(st.booleans()):
        case.detect["window"] = draw(st.sampled_from(["60s", 30, timedelta(minutes=5), "5m"]))
    if draw(st.integers(0, 3)) == 0:
        case.detect["seed_accounts"] = [draw(st.sampled_from(pool))]
        case.detect["seed_domains"] = ["example.com", "=evil.com"]
    if draw(st.integers(0, 3)) == 0:  # options that let more through: clusters of messy data
        case.detect.update(draw(st.sampled_from(LOOSE_OPTIONS)))
    if draw(st.integers(0, 9)) == 0:  # a bad parameter: a ParameterError, before any work
        name, value = draw(st.sampled_from(BAD_PARAMETERS))
        case.detect[name] = value
    return case


@st.composite
def _accounts(draw, pool: list[str], messy: bool) -> pl.DataFrame:
    index = list(range(len(pool)))
    if messy and draw(st.booleans()):
        index = draw(st.lists(st.sampled_from(index), max_size=len(pool) + 2))  # repeats
    n = len(index)
    rep = draw(st.sampled_from(["str", "str", "int", "cat"])) if messy else "str"
    labels = ["state-affiliated media", "government organization", "", None, *HOSTILE[:6]]
    data = {
        "account_id": _ids(index, rep, pool, "account_id"),
        "label": pl.Series([draw(st.sampled_from(labels)) for _ in range(n)], dtype=pl.String),
        "description": pl.Series([draw(hostile_text) for _ in range(n)], dtype=pl.String),
    }
    if draw(st.booleans()):
        us = [draw(st.integers(-(10**15), 10**14)) for _ in range(n)]
        reps = ["aware", "naive", "date", "string", "epoch_s", "epoch_ms", "epoch_text"]
        data["created_at"] = _times(us, draw(st.sampled_from(reps)), draw)
    if draw(st.booleans()):
        followers = st.sampled_from([0, 12, -1, 2**40, None])
        values = [draw(followers) for _ in range(n)]
        dtype = draw(st.sampled_from([pl.String, pl.Float64])) if messy else pl.Int64
        data["followers"] = pl.Series(
            [None if v is None else str(v) if dtype == pl.String else v for v in values],
            dtype=dtype,
        )
        if messy:
            data["followers"] = _garble(data["followers"], draw)
    if messy and draw(st.booleans()):
        data["location"] = pl.Series([draw(hostile_text) for _ in range(n)], dtype=pl.String)
    return pl.DataFrame({k: v.alias(k) for k, v in data.items()})


# -- reading back ---------------------------------------------------------------------------------


class _StrictHTML(HTMLParser):
    """Fails on an end tag that does not close the innermost open element."""

    VOID = ("meta", "br", "link", "img", "input", "hr", "col", "wbr", "source")

    def __init__(self):
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()


def _strict_json(text: str):
    """JSON as the standard has it: NaN and Infinity are not JSON."""

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def check_files(result: cd.Detection, directory: Path, written: list[Path]) -> None:
    """Every file ``result.write`` wrote reads back, and holds what ``result`` holds."""
    assert written and all(path.parent == directory for path in written)
    assert sorted(p.name for p in written) == sorted(p.name for p in directory.iterdir())
    tables = result.tables()
    for name, table in tables.items():
        parquet = pl.read_parquet(directory / f"{name}.parquet")
        assert parquet.equals(table), name
        csv = pl.read_csv(directory / f"{name}.csv", infer_schema=False)
        assert csv.columns == table.columns and csv.height == table.height, name

    graph = result.to_networkx()
    graphml = nx.read_graphml(directory / "graph.graphml")
    gexf = nx.read_gexf(directory / "graph.gexf")
    for read in (graphml, gexf):
        assert read.number_of_nodes() == graph.number_of_nodes()
        assert read.number_of_edges() == graph.number_of_edges()

    document = _strict_json((directory / "detection.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(export.schema("detection")).validate(document)
    cluster_schema = jsonschema.Draft202012Validator(export.schema("cluster"))
    text = (directory / "clusters.jsonl").read_text(encoding="utf-8")
    lines = text.splitlines()  # also at U+2028, U+2029, U+0085: none may be raw
    assert len(lines) == result.n_clusters == text.count("\n")
    for line in lines:
        cluster_schema.validate(_strict_json(line))
    run = _strict_json((directory / "run.json").read_text(encoding="utf-8"))
    assert isinstance(run, dict)

    page = (directory / "report.html").read_text(encoding="utf-8")
    assert not XML_ILLEGAL.search(page)
    parser = _StrictHTML()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    for svg in re.findall(r"<svg\b.*?</svg>", page, flags=re.S):
        ET.fromstring(svg)


def run_case(case: Case) -> cd.Detection | None:
    """The pipeline on ``case``; None when it stopped with a library error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.CibDetectWarning)
        try:
            posts = cd.read_posts(case.posts.lazy() if case.lazy else case.posts, **case.read)
            accounts = case.accounts
            if accounts is not None and case.read_accounts:
                accounts = cd.read_accounts(accounts)
            result = cd.detect(posts, accounts=accounts, **case.detect)
        except LIBRARY_ERRORS as error:
            assert str(error).strip(), f"{type(error).__name__} without a message"
            return None
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            written = result.write(out, posts=posts if case.report_posts else None)
            check_files(result, out, written)
    return result


# -- the property ---------------------------------------------------------------------------------

EMPTY = pl.DataFrame(
    schema={"post_id": pl.String, "account_id": pl.String, "timestamp": pl.Datetime("us", "UTC")}
)
ONE_ROW = pl.DataFrame(
    {"post_id": ["1"], "account_id": ["=a"], "timestamp": [T0], "repost_of": ["x"]}
)
ONE_INSTANT = pl.DataFrame(
    {
        "post_id": [str(i) for i in range(12)],
        "account_id": [f"acc{i % 4}" for i in range(12)],
        "timestamp": [T0] * 12,
        "repost_of": [f"item{i // 4}" for i in range(12)],
        "text": ["same text for everyone here"] * 12,
    }
)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
@example(case=Case(posts=pl.DataFrame()))
@example(case=Case(posts=EMPTY))
@example(case=Case(posts=ONE_ROW))
@example(case=Case(posts=ONE_INSTANT))
def test_hostile_posts_end_in_files_that_read_back_or_a_library_error(case):
    result = run_case(case)
    target(float(result.n_clusters if result is not None else -1), label="clusters")


# -- deterministic: the success path with clusters -------------------------------------------------


def planted_posts(names: list[str]) -> pl.DataFrame:
    """Accounts ``names`` (3) repost the same 8 items within seconds, 3 h apart, among 30
    posts of 10 other accounts that each repost their own item."""
    rows = []
    for item in range(ITEMS):
        for a in range(PLANTED):
            when = T0 + timedelta(hours=3 * item, seconds=a)
            rows.append((f"p{item}-{a}", names[a], when, f"orig{item}", names[a] + " says"))
    for i in range(30):
        when = T0 + timedelta(minutes=37 * i)
        rows.append((f"n{i}", f"noise{i % 10}", when, f"bg{i}", HOSTILE[i % len(HOSTILE)]))
    return pl.DataFrame(
        rows,
        schema=["post_id", "account_id", "timestamp", "repost_of", "text"],
        orient="row",
    )


@pytest.mark.parametrize(
    "names",
    [["a", "b", "c"], ["=cmd", "\x00nul", "\u202eevil👨‍👩‍👧\u200b"]],
    ids=["plain", "hostile"],
)
def test_planted_group_is_a_cluster_whose_files_read_back(names):
    accounts = pl.DataFrame(
        {"account_id": names, "label": [None, "=1+1", "x\x00"], "description": HOSTILE[:3]}
    )
    result = run_case(Case(posts=planted_posts(names), accounts=accounts))
    assert result is not None and result.n_clusters >= 1
    members = result.clusters.filter(pl.col("cluster_id") >= 0)["account_id"].to_list()
    assert set(members) == set(names)


# -- regressions: what the property found ----------------------------------------------------------


def test_run_without_clusters_has_the_evidence_columns_and_its_csv_reads_back():
    # was: evidence was pl.DataFrame() (no columns), evidence.csv a bare newline that
    # polars refuses to read (NoDataError: empty CSV)
    with_cluster = run_case(Case(posts=planted_posts(["a", "b", "c"])))
    without = run_case(Case(posts=ONE_INSTANT))
    assert with_cluster.n_clusters >= 1 and without.n_clusters == 0
    assert without.evidence.height == 0
    assert without.evidence.schema == with_cluster.evidence.schema


@pytest.mark.parametrize(
    "followers", [[1e30, 2.0], [float("inf"), 2.0], [float("nan"), 2.0], ["1e30", "2"],
                  ["inf", "2"], ["9223372036854775808", "2"]], ids=repr,
)  # fmt: skip
def test_followers_no_int64_holds_are_a_schema_error(followers):
    # was: polars InvalidOperationError (strict cast of a whole float to Int64)
    accounts = pl.DataFrame({"account_id": ["a", "b"], "followers": followers})
    message = "column 'followers' of accounts has 1 value that cannot be read as a count"
    with pytest.raises(errors.SchemaError, match=message):
        cd.read_accounts(accounts)
    posts = cd.read_posts(ONE_INSTANT)
    with pytest.raises(errors.SchemaError, match=message):
        cd.detect(posts, accounts=accounts)


def test_epoch_int64_min_is_read_by_its_magnitude_not_as_1970():
    # was: abs(-2**63) overflowed in Int64, so the value was taken for seconds and
    # multiplied by 1e6, wrapping around to 1970-01-01
    frame = ONE_ROW.with_columns(timestamp=pl.lit(-(2**63), pl.Int64))
    as_text = ONE_ROW.with_columns(timestamp=pl.lit(str(-(2**63))))
    expected = datetime(1677, 9, 21, 0, 12, 43, 145224, tzinfo=timezone.utc)
    assert cd.read_posts(frame)["timestamp"].item() == expected
    assert cd.read_posts(as_text)["timestamp"].item() == expected


def _days_after_1970(series: pl.Series, days: int, dtype) -> pl.Series:
    """``series`` with its first value ``days`` after 1970 (any year polars holds)."""
    physical = series.cast(dtype).to_physical()
    scale = 1 if dtype == pl.Date else 86400 * 10**6
    return physical.scatter(0, days * scale).cast(dtype)


@pytest.mark.parametrize(
    "times",
    [
        pl.Series([-90_000_000_000, 1_700_000_000]),  # epoch seconds: year -882
        pl.Series(["0000-06-01", "2024-01-01"]),
        pl.Series(["10000-01-01T00:00:00Z", "2024-01-01"]),
        _days_after_1970(pl.Series([T0, T0]), -1_100_000, pl.Datetime("us", "UTC")),
        _days_after_1970(pl.Series([T0, T0]), 3_000_000, pl.Datetime("us")),
        _days_after_1970(pl.Series([T0.date(), T0.date()]), -1_100_000, pl.Date),
    ],
    ids=["epoch", "year 0", "year 10000", "datetime", "naive", "date"],
)
def test_times_outside_the_years_1_to_9999_are_a_schema_error(times):
    # was: read as times; detect then failed in score/schedule.py with OverflowError
    # (date value out of range), and a Datetime column failed quoting its examples with
    # ValueError (year -1000 is out of range)
    posts = pl.DataFrame(
        {"post_id": ["1", "2"], "account_id": ["a", "b"], "timestamp": times, "text": ["x", "y"]}
    )
    with pytest.raises(
        errors.SchemaError, match=r"1 value that cannot be read as a time.*1 to 9999"
    ):
        cd.read_posts(posts)
    with pytest.warns(errors.DroppedRowsWarning, match="timestamp unreadable: 1"):
        assert cd.read_posts(posts, on_invalid="drop")["post_id"].to_list() == ["2"]
    accounts = posts.select("account_id", created_at="timestamp")
    with pytest.raises(errors.SchemaError, match="'created_at' of accounts has 1 value that"):
        cd.read_accounts(accounts)


def test_planted_group_in_year_minus_882_is_a_schema_error_not_an_overflow():
    posts = planted_posts(["a", "b", "c"])
    posts = posts.with_columns(pl.col("timestamp").dt.epoch("s") - 90_000_000_000)
    assert run_case(Case(posts=posts)) is None


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"], ids=repr)
def test_clusters_jsonl_escapes_what_splitlines_takes_for_a_line_end(separator):
    # was: the character was written raw (ensure_ascii=False), so a cluster whose account
    # id held it came back from str.splitlines() as 2 or more broken lines
    names = ["a" + separator, "b", "c"]
    result = run_case(Case(posts=planted_posts(names)))
    assert result.n_clusters == 1  # run_case read each line back and validated it
    with tempfile.TemporaryDirectory() as tmp:
        path = export.write_jsonl(result, Path(tmp) / "clusters.jsonl")
        (line,) = path.read_text(encoding="utf-8").splitlines()
    assert {m["account_id"] for m in json.loads(line)["members"]} == set(names)


def test_window_zero_is_valid_in_the_json_schema():
    # was: detect accepts window=0 (a non-negative duration) but the schema demanded
    # window_seconds > 0, so detection.json of such a run failed validation
    result = run_case(Case(posts=planted_posts(["a", "b", "c"]), detect={"window": 0}))
    assert result.params["window_seconds"] == 0.0


def test_repeated_post_ids_beside_an_object_column_are_a_schema_error():
    # was: polars InvalidOperationError (nested objects are not allowed) while counting
    # the exact row copies for the message
    posts = ONE_INSTANT.with_columns(
        pl.lit("1").alias("post_id"), pl.Series("mentions", [object()] * 12, dtype=pl.Object)
    )
    with pytest.raises(errors.SchemaError, match="11 rows repeating an earlier post_id"):
        cd.read_posts(posts)
