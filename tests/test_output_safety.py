"""Output safety: graph files that always parse, CSV cells that are never formulas, output
directories that always hold one complete run, a report that is valid markup, and empty
results written like any other (see docs/input_and_output_safety.md)."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import polars as pl
import pytest

import cib_detect.io.writers
from cib_detect import export
from cib_detect.detection import Detection
from cib_detect.io.writers import write_csv, write_graph
from cib_detect.report import render, write_report
from cib_detect.report.svg import esc

T0 = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
# every character XML 1.0 forbids that a polars string can hold, one per id
ILLEGAL = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]] + [
    "\ufffe",
    "\uffff",
]
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _hand_escape(text: str) -> str:
    """The documented escape, written out: ``\\xNN`` below U+0100, ``\\uNNNN`` above."""
    out = []
    for char in text:
        if XML_ILLEGAL.match(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _hostile(*, evidence_text: str = "3 accounts\x00 co-reposted\x1b[31m") -> Detection:
    """Cluster 0 of accounts whose ids and texts hold XML-illegal characters."""
    ids = [f"acc{i}{char}" for i, char in enumerate(ILLEGAL)]
    n = len(ids)
    edges = pl.DataFrame(
        {
            "account_a": ids[:-1],
            "account_b": ids[1:],
            "weight": [float(i + 1) for i in range(n - 1)],
            "q_value": [0.001] * (n - 1),
            "keys": [[f"k\x07{i}"] for i in range(n - 1)],
            "label": [f"lab\x0c{i}" for i in range(n - 1)],
        }
    )
    clusters = pl.DataFrame({"account_id": ids, "cluster_id": [0] * n})
    account_scores = pl.DataFrame(
        {
            "account_id": ids,
            "cluster_id": [0] * n,
            "score": [0.5] * n,
            "name": [f"name\x00{i}\ufffe" for i in range(n)],
        }
    )
    cluster_scores = pl.DataFrame(
        {"cluster_id": [0], "size": [n], "score": [0.8], "evidence": [evidence_text]}
    )
    evidence = pl.DataFrame(
        {
            "account_a": ids[:2],
            "account_b": ids[1:3],
            "post_a": ["p\x00", "p\x01"],
            "post_b": ["q\x02", "q\x03"],
            "key": ["http://x.org/\x00", "#tag\x1f"],
            "trace": ["co_repost", "co_hashtag"],
            "timestamp_a": [T0, T0],
            "dt": [1.0, 2.0],
            "cluster_id": [0, 0],
        },
        schema_overrides={"timestamp_a": pl.Datetime("us", "UTC")},
    )
    return Detection(
        edges, clusters, account_scores, cluster_scores, evidence, params={"alpha": 0.05}
    )


# -- 1. graph files parse whatever the ids and texts hold -------------------------------------


def _read_graph(path: Path) -> nx.Graph:
    return nx.read_graphml(path) if path.suffix == ".graphml" else nx.read_gexf(path)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_files_parse_when_ids_and_texts_hold_xml_illegal_characters(tmp_path, fmt):
    result = _hostile()
    result.write(tmp_path / "out", formats=fmt, report=False, export=False)
    back = _read_graph(tmp_path / "out" / f"graph.{fmt}")
    ids = result.clusters["account_id"].to_list()
    assert sorted(back.nodes) == sorted(_hand_escape(i) for i in ids)
    assert "acc0\\x00" in back and "acc30\\uffff" in back
    assert back.nodes["acc0\\x00"]["name"] == "name\\x000\\ufffe"
    assert back.nodes["acc0\\x00"]["original_id"] == json.dumps("acc0\x00")
    assert back.number_of_edges() == result.edges.height
    edge = back.edges["acc0\\x00", "acc1\\x01"]
    assert edge["label"] == "lab\\x0c0"
    assert edge["keys"] == '["k\\u00070"]'  # JSON text escapes control characters itself


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_ids_that_collide_after_escaping_stay_distinct_and_keep_the_original(tmp_path, fmt):
    # "a\x00" escapes to the text of the id "a\\x00", which exists already
    edges = pl.DataFrame({"account_a": ["a\\x00", "a\x00"], "account_b": ["a\x00", "b"]})
    clusters = pl.DataFrame({"account_id": ["a\\x00", "a\x00", "b"], "cluster_id": [-1] * 3})
    no_scores = pl.DataFrame(schema={"cluster_id": pl.Int64})
    result = Detection(edges, clusters, pl.DataFrame({"account_id": ["b"]}), no_scores)
    result.write(tmp_path, formats=fmt, report=False, export=False)
    back = _read_graph(tmp_path / f"graph.{fmt}")
    assert sorted(back.nodes) == ["a\\x00", "a\\x00~2", "b"]
    assert "original_id" not in back.nodes["a\\x00"]  # unchanged ids win
    assert json.loads(back.nodes["a\\x00~2"]["original_id"]) == "a\x00"
    assert sorted(map(sorted, back.edges)) == [["a\\x00", "a\\x00~2"], ["a\\x00~2", "b"]]


def test_write_graph_escapes_lone_surrogates_and_attribute_names(tmp_path):
    graph = nx.Graph(name="g\x00")
    graph.add_edge("x\ud800", "y", **{"w\x01": "v\udfff", "n": 1})
    back = nx.read_graphml(write_graph(graph, tmp_path / "g.graphml", format="graphml"))
    assert sorted(back.nodes) == ["x\\ud800", "y"]
    assert back.edges["x\\ud800", "y"] == {"w\\x01": "v\\udfff", "n": 1}
    assert graph.has_node("x\ud800")  # the graph passed in is left as it was


def test_tables_and_json_keep_the_exact_values(tmp_path):
    result = _hostile()
    result.write(tmp_path, formats=("parquet", "graphml"))
    for name, table in result.tables().items():
        assert pl.read_parquet(tmp_path / f"{name}.parquet").equals(table), name
    doc = json.loads((tmp_path / "detection.json").read_text(encoding="utf-8"))
    members = [m["account_id"] for m in doc["clusters"][0]["members"]]
    assert sorted(members) == sorted(result.clusters["account_id"])
    assert result.to_networkx().has_node("acc0\x00")  # the graph in memory is exact


# -- 2. CSV cells are never formulas ------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil","x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\ry"]
HARMLESS = ["a=b", "3-2", "plain", "", None, "'quoted"]


def _formula_result() -> Detection:
    ids = [f"id{i}" for i in range(len(FORMULAS))]
    clusters = pl.DataFrame({"account_id": [*FORMULAS, "ok"], "cluster_id": [0] * 6 + [-1]})
    return Detection(
        pl.DataFrame({"account_a": ids[:1], "account_b": ids[1:2], "weight": [-1.5]}),
        clusters,
        pl.DataFrame({"account_id": ids, "score": [-0.5, 0.0, 0.1, 0.2, 0.3, 0.4]}),
        pl.DataFrame({"cluster_id": [0], "score": [-0.25], "evidence": [FORMULAS[0]]}),
    )


def test_csv_cells_that_look_like_formulas_get_a_leading_quote(tmp_path):
    result = _formula_result()
    result.write(tmp_path, formats="csv", report=False, export=False)
    clusters = pl.read_csv(tmp_path / "clusters.csv")
    assert clusters["account_id"].to_list() == ["'" + f for f in FORMULAS] + ["ok"]
    scores = pl.read_csv(tmp_path / "cluster_scores.csv")
    assert scores["evidence"].to_list() == ['\'=HYPERLINK("http://evil","x")']
    # numbers are not text cells: negative values stay numbers
    assert scores.schema["score"] == pl.Float64 and scores["score"].to_list() == [-0.25]
    edges = pl.read_csv(tmp_path / "edges.csv")
    assert edges["weight"].to_list() == [-1.5]
    assert pl.read_csv(tmp_path / "account_scores.csv")["score"][0] == -0.5


def test_csv_safe_false_writes_the_raw_cells(tmp_path):
    result = _formula_result()
    result.write(tmp_path, formats="csv", report=False, export=False, csv_safe=False)
    clusters = pl.read_csv(tmp_path / "clusters.csv")
    assert clusters["account_id"].to_list() == [*FORMULAS, "ok"]


@pytest.mark.parametrize("csv_safe", [True, False])
def test_write_csv_neutralises_text_cells_only(tmp_path, csv_safe):
    frame = pl.DataFrame(
        {
            "text": FORMULAS + HARMLESS,
            "category": pl.Series(FORMULAS + HARMLESS, dtype=pl.Categorical),
            "number": [-1.0] * 12,
            "tags": [["=x"]] * 12,
        }
    )
    path = write_csv(frame, tmp_path / "t.csv", csv_safe=csv_safe)
    back = pl.read_csv(path, schema_overrides={"text": pl.String, "category": pl.String})
    quoted = ["'" + f for f in FORMULAS] if csv_safe else FORMULAS
    assert back["text"].to_list() == quoted + HARMLESS
    assert back["category"].to_list() == quoted + HARMLESS
    assert back["number"].to_list() == [-1.0] * 12
    assert back["tags"].to_list() == ['["=x"]'] * 12  # JSON text starts with a bracket


def test_csv_safety_leaves_parquet_and_json_exact(tmp_path):
    result = _formula_result()
    result.write(tmp_path, formats=("parquet", "csv"))
    assert pl.read_parquet(tmp_path / "clusters.parquet").equals(result.clusters)
    doc = json.loads((tmp_path / "detection.json").read_text(encoding="utf-8"))
    assert doc["clusters"][0]["evidence_text"] == FORMULAS[0]


# -- 3. an output directory always holds one complete run --------------------------------------


def _snapshot(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def _small(weight: float = 3.0) -> Detection:
    return Detection(
        pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [weight]}),
        pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, -1]}),
        pl.DataFrame({"account_id": ["a", "b"], "score": [0.4, 0.5]}),
        pl.DataFrame({"cluster_id": [0], "size": [2], "score": [0.45]}),
        params={"run": weight},
    )


def test_a_rerun_with_fewer_formats_leaves_no_file_of_the_earlier_run(tmp_path):
    out = tmp_path / "out"
    _small(1.0).write(out)
    assert (out / "edges.csv").is_file() and (out / "graph.gexf").is_file()
    paths = _small(2.0).write(out, formats="parquet", report=False, export=False)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in paths)
    assert names == sorted(
        [f"{t}.parquet" for t in ("edges", "clusters", "account_scores", "cluster_scores")]
        + ["run.json"]
    )
    assert json.loads((out / "run.json").read_text())["params"] == {"run": 2.0}
    assert all(p.parent == out for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_rerun_leaves_the_previous_run_intact(tmp_path, monkeypatch, error):
    out = tmp_path / "out"
    _small(1.0).write(out)
    before = _snapshot(out)

    def fail(*args, **kwargs):  # the gexf comes after the tables and the graphml
        raise error

    monkeypatch.setattr(cib_detect.io.writers, "_gexf", fail)
    with pytest.raises(type(error)):
        _small(2.0).write(out)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary directory


def test_a_failed_first_write_leaves_nothing(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(cib_detect.io.writers, "_gexf", fail)
    with pytest.raises(OSError, match="disk full"):
        _small().write(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_holding_files_cib_detect_did_not_write_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "posts.csv").write_text("post_id\n1\n")
    with pytest.raises(FileExistsError, match=r"'notes.txt', 'posts.csv'"):
        _small().write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "posts.csv"]


def test_a_previous_run_with_a_foreign_file_added_is_refused(tmp_path):
    out = tmp_path / "out"
    _small(1.0).write(out, formats="csv")
    (out / "notes.txt").write_text("mine")
    before = _snapshot(out)
    with pytest.raises(FileExistsError, match=r"notes\.txt"):
        _small(2.0).write(out, formats="csv")
    assert _snapshot(out) == before


def test_an_empty_existing_directory_is_written_into(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    paths = _small().write(out, formats="csv")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)


def test_a_file_in_place_of_the_directory_is_refused(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(NotADirectoryError, match="not a directory"):
        _small().write(tmp_path / "out")


def test_a_symbolic_link_to_the_directory_is_followed_and_kept(tmp_path):
    real, link = tmp_path / "real", tmp_path / "link"
    _small(1.0).write(real, formats="csv")
    link.symlink_to(real, target_is_directory=True)
    paths = _small(2.0).write(link, formats="parquet", report=False, export=False)
    assert link.is_symlink() and all(p.parent == real for p in paths)
    assert not (real / "edges.csv").exists() and (link / "edges.parquet").is_file()


# -- 4. the report is valid markup whatever the ids and texts hold ------------------------------


class _Strict(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br", "link", "img", "input", "hr"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()


def _posts(result: Detection) -> pl.DataFrame:
    ids = result.clusters["account_id"].to_list()
    return pl.DataFrame(
        {
            "post_id": ["p\x00", "p\x01", "q\x02", "q\x03"] + [f"z{i}" for i in range(len(ids))],
            "account_id": ids[:4] + ids,
            "timestamp": [T0] * (4 + len(ids)),
            "text": ["text\x00 with NUL", "bell\x07", "esc\x1b[0m", "ok"] + ["t"] * len(ids),
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )


def test_report_with_control_characters_is_valid_html_and_svg(tmp_path):
    result = _hostile()
    path = write_report(result, tmp_path / "report.html", posts=_posts(result), title="t\x00")
    page = path.read_text(encoding="utf-8")
    assert not XML_ILLEGAL.search(page)
    parser = _Strict()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) > 3 and any("acc0\\x00" in s for s in svgs)
    for svg in svgs:
        ET.fromstring(svg)
    assert "3 accounts\\x00 co-reposted\\x1b[31m" in page
    assert "text\\x00 with NUL" in page


def test_esc_escapes_markup_and_xml_illegal_characters():
    assert esc("<a>\x00\x1f\ufffe\ud800&\"'") == (
        "&lt;a&gt;\\x00\\x1f\\ufffe\\ud800&amp;&quot;&#x27;"
    )
    assert esc("tab\tnewline\ncr\r") == "tab\tnewline\ncr\r"  # legal in XML, kept


# -- 5. an empty result is a normal result ------------------------------------------------------


def _empty(kind: str) -> Detection:
    if kind == "documented":
        return Detection(
            pl.DataFrame(
                schema={
                    "account_a": pl.String,
                    "account_b": pl.String,
                    "weight": pl.Float64,
                    "p_value": pl.Float64,
                    "q_value": pl.Float64,
                }
            ),
            pl.DataFrame(schema={"account_id": pl.String, "cluster_id": pl.Int64}),
            pl.DataFrame(
                schema={"account_id": pl.String, "cluster_id": pl.Int64, "score": pl.Float64}
            ),
            pl.DataFrame(
                schema={
                    "cluster_id": pl.Int64,
                    "size": pl.Int64,
                    "coordination": pl.Float64,
                    "government_link": pl.Float64,
                    "undisclosed": pl.Float64,
                    "score": pl.Float64,
                    "evidence": pl.String,
                }
            ),
            pl.DataFrame(
                schema={
                    "account_a": pl.String,
                    "account_b": pl.String,
                    "post_a": pl.String,
                    "post_b": pl.String,
                    "dt": pl.Float64,
                    "cluster_id": pl.Int64,
                }
            ),
        )
    # the bare minimum: key columns of no dtype, evidence with no columns at all
    return Detection(
        pl.DataFrame({"account_a": [], "account_b": []}),
        pl.DataFrame(schema={"account_id": pl.String, "cluster_id": pl.Int64}),
        pl.DataFrame({"account_id": []}),
        pl.DataFrame({"cluster_id": []}),
        pl.DataFrame(),
    )


EMPTY_KINDS = ["documented", "bare"]


@pytest.mark.parametrize("kind", EMPTY_KINDS)
def test_empty_result_to_networkx_is_an_empty_graph(kind):
    graph = _empty(kind).to_networkx()
    assert graph.number_of_nodes() == 0 and graph.number_of_edges() == 0


@pytest.mark.parametrize("kind", EMPTY_KINDS)
def test_empty_result_writes_every_format(tmp_path, kind):
    result = _empty(kind)
    paths = result.write(tmp_path / "out")
    names = {p.name for p in paths}
    tables = ("edges", "clusters", "account_scores", "cluster_scores", "evidence")
    assert {f"{t}.{ext}" for t in tables for ext in ("parquet", "csv")} <= names
    for name, table in result.tables().items():
        back = pl.read_parquet(tmp_path / "out" / f"{name}.parquet")
        assert back.height == 0 and back.columns == table.columns
    for fmt in ("graphml", "gexf"):
        assert _read_graph(tmp_path / "out" / f"graph.{fmt}").number_of_nodes() == 0
    assert (tmp_path / "out" / "clusters.jsonl").read_text() == ""
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["counts"]["clusters"] == 0 and run["counts"]["edges"] == 0


@pytest.mark.parametrize("kind", EMPTY_KINDS)
def test_empty_result_export_validates_against_the_schema(kind):
    jsonschema = pytest.importorskip("jsonschema")
    doc = export.to_json(_empty(kind))
    validator = jsonschema.Draft202012Validator(
        export.schema(), format_checker=jsonschema.FormatChecker()
    )
    validator.validate(json.loads(json.dumps(doc)))
    assert doc["clusters"] == [] and doc["counts"]["accounts"] == 0


@pytest.mark.parametrize("kind", EMPTY_KINDS)
def test_empty_result_report_says_no_clusters(kind):
    page = render(_empty(kind))
    assert "No coordinated clusters found" in page
    _Strict().feed(page)


# -- 6. layering: writers take a Detection, Detection writes nothing ----------------------------

PACKAGE = Path(__file__).parents[1] / "cib_detect"


def _imports(path: Path) -> set[str]:
    """Every cib_detect module ``path`` imports, inside functions too."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.startswith("cib_detect")}


@pytest.mark.parametrize(
    "module", ["export.py", "report/__init__.py", "report/svg.py", "io/detection_files.py"]
)
def test_output_modules_do_not_import_detection(module):
    assert not any(n.startswith("cib_detect.detection") for n in _imports(PACKAGE / module))


def test_detection_does_not_import_export_or_report():
    imported = _imports(PACKAGE / "detection.py")
    assert not any(n.startswith(("cib_detect.export", "cib_detect.report")) for n in imported)
