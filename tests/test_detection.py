"""Detection: the result object, its graph, its files and its summary."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime, timezone

import networkx as nx
import polars as pl
import pytest

from cib_detect.detection import Detection
from cib_detect.errors import ParameterError, SchemaError
from cib_detect.io.writers import flat_columns

T0 = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)


def _result(**overrides) -> Detection:
    """A small hand-made result: clusters 0 (a, b, c) and 1 (d, e, f), g on an edge only,
    h in no cluster and on no edge."""
    edges = pl.DataFrame(
        {
            "account_a": ["a", "a", "b", "d", "d", "e", "f"],
            "account_b": ["b", "c", "c", "e", "f", "f", "g"],
            "weight": [12.5, 9.0, 7.25, 4.0, 3.5, 5.0, 0.5],
            "p_value": [10**-12.5, 1e-9, 10**-7.25, 1e-4, 10**-3.5, 1e-5, 10**-0.5],
            "q_value": [1e-11, 1e-8, 1e-6, 1e-3, 2e-3, 1e-4, 0.6],
            "n_traces": [2, 2, 1, 1, 1, 1, 1],
            "n_significant_traces": [2, 1, 1, 1, 1, 1, 0],
            "co_repost_n_coactions": [40, 31, 22, 5, 4, 6, 1],
            "co_repost_min_dt": [1.0, 2.0, None, 30.0, 42.0, 12.0, 59.0],
            "co_url_keys": [["u1", "u2"], ["u1"], None, [], ["u3"], ["u3"], ["u4"]],
        }
    )
    accounts = list("abcdefgh")
    cluster_ids = [0, 0, 0, 1, 1, 1, -1, -1]
    clusters = pl.DataFrame(
        {"account_id": accounts, "cluster_id": cluster_ids},
        schema={"account_id": pl.String, "cluster_id": pl.Int64},
    )
    account_scores = pl.DataFrame(
        {
            "account_id": accounts,
            "cluster_id": cluster_ids,
            "score": [0.9, 0.85, 0.8, 0.3, 0.25, 0.2, 0.0, None],
            "coordination": [0.95, 0.9, 0.9, 0.6, 0.55, 0.5, 0.1, None],
            "disclosed": [False, False, False, True, True, False, False, None],
            "created_at": [T0, T0, T0, None, T0, T0, T0, T0],
        },
        schema_overrides={"cluster_id": pl.Int64},
    )
    cluster_scores = pl.DataFrame(
        {
            "cluster_id": [1, 0],
            "size": [3, 3],
            "coordination": [0.55, 0.92],
            "government_link": [0.1, 0.75],
            "undisclosed": [0.33, 1.0],
            "score": [0.02, 0.69],
            "evidence": [
                "3 accounts shared 3 URLs within 60 s",
                "3 accounts co-reposted 93 posts, median 2 s apart\nstate domain: rt.com",
            ],
        },
        schema_overrides={"cluster_id": pl.Int64, "size": pl.Int64},
    )
    evidence = pl.DataFrame(
        {
            "account_a": ["a", "a"],
            "account_b": ["b", "c"],
            "post_a": ["p1", "p2"],
            "post_b": ["p7", "p9"],
            "timestamp_a": [T0, T0],
            "dt": [1.0, 2.0],
            "hashtags": [["#x", 'say "hi"'], None],
        },
        schema_overrides={"timestamp_a": pl.Datetime("us", "UTC")},
    )
    fields = {
        "edges": edges,
        "clusters": clusters,
        "account_scores": account_scores,
        "cluster_scores": cluster_scores,
        "evidence": evidence,
        "params": {"window": 60.0, "traces": ["co_repost", "co_url"], "backbone": "significance"},
        "warnings": ["trace 'co_url': 1 keys with more than 10000 posts were left out"],
        "trace_tests": pl.DataFrame(
            {
                "trace": ["co_repost"],
                "accounts": [8],
                "keys": [12],
                "capped_keys": [0],
                "pairs_tested": [5],
                "pairs_3_keys": [3],
                "min_p_value": [1e-6],
            }
        ),
        "timings": {"read": 0.01, "traces": 0.2, "cluster": 0.003},
    }
    fields.update(overrides)
    return Detection(**fields)


def _graph_nodes(result):
    """Expected node attributes, from the tables by hand: cluster member or edge endpoint."""
    on_edges = set(result.edges["account_a"]) | set(result.edges["account_b"])
    clusters = dict(result.clusters.rows())
    members = {a for a, c in clusters.items() if c != -1}
    scores = {r["account_id"]: r for r in result.account_scores.iter_rows(named=True)}
    expected = {}
    for account in sorted(on_edges | members):
        data = {"cluster_id": clusters[account]}
        for key, value in scores[account].items():
            if key in ("account_id", "cluster_id") or value is None:
                continue
            data[key] = value
        expected[account] = data
    return expected


def test_to_networkx_holds_the_accounts_and_edges_of_the_tables():
    result = _result()
    graph = result.to_networkx()
    expected_nodes = _graph_nodes(result)
    got = {
        node: {k: datetime.fromisoformat(v) if k == "created_at" else v for k, v in data.items()}
        for node, data in graph.nodes(data=True)
    }
    assert got == expected_nodes
    assert graph.nodes["a"]["created_at"] == "2024-03-01T12:00:00+00:00"
    assert "h" not in graph  # in no cluster and on no edge
    assert graph.number_of_edges() == result.edges.height
    for row in result.edges.iter_rows(named=True):
        data = graph.edges[row["account_a"], row["account_b"]]
        for key, value in row.items():
            if key in ("account_a", "account_b"):
                continue
            if value is None:
                assert key not in data
            elif isinstance(value, list):
                assert json.loads(data[key]) == value
            else:
                assert data[key] == value


def test_to_networkx_values_are_plain_graph_file_types():
    graph = _result().to_networkx()
    values = [v for _, d in graph.nodes(data=True) for v in d.values()]
    values += [v for *_, d in graph.edges(data=True) for v in d.values()]
    assert {type(v) for v in values} <= {bool, int, float, str}


def test_write_round_trips_tables_through_parquet_and_csv(tmp_path):
    result = _result()
    paths = result.write(tmp_path / "out" / "run1")
    names = sorted(p.name for p in paths)
    tables = ["account_scores", "cluster_scores", "clusters", "edges", "evidence", "trace_tests"]
    expected = sorted(
        [f"{t}.{ext}" for t in tables for ext in ("parquet", "csv")]
        + ["graph.graphml", "graph.gexf", "report.html", "detection.json", "clusters.jsonl"]
        + ["run.json"]
    )
    assert names == expected
    assert all(p.is_file() for p in paths)
    for name, table in result.tables().items():
        assert pl.read_parquet(tmp_path / "out" / "run1" / f"{name}.parquet").equals(table)
        flat = flat_columns(table)
        back = pl.read_csv(tmp_path / "out" / "run1" / f"{name}.csv", schema=flat.schema)
        assert back.equals(flat), name
    # list columns come back as JSON, readable by any csv consumer
    evidence = pl.read_csv(tmp_path / "out" / "run1" / "evidence.csv")
    assert json.loads(evidence["hashtags"][0]) == ["#x", 'say "hi"']
    assert evidence["hashtags"][1] is None


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_write_round_trips_the_graph(tmp_path, fmt):
    result = _result(evidence=None)
    [path] = [p for p in result.write(tmp_path, formats=[fmt]) if p.suffix == f".{fmt}"]
    back = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    graph = result.to_networkx()
    assert set(back.nodes) == set(graph.nodes)
    edge_key = lambda u, v: tuple(sorted((u, v)))  # noqa: E731
    assert {edge_key(u, v) for u, v in back.edges} == {edge_key(u, v) for u, v in graph.edges}
    for u, v, data in graph.edges(data=True):
        assert back.edges[u, v]["weight"] == pytest.approx(data["weight"])
        assert back.edges[u, v]["co_repost_n_coactions"] == data["co_repost_n_coactions"]
    for node, data in graph.nodes(data=True):
        assert back.nodes[node]["cluster_id"] == data["cluster_id"]
        if "score" in data:
            assert back.nodes[node]["score"] == pytest.approx(data["score"])


def test_write_records_the_run_in_run_json(tmp_path):
    result = _result()
    paths = result.write(tmp_path, formats="parquet")
    assert [p.name for p in paths][-1] == "run.json"
    assert not (tmp_path / "edges.csv").exists()
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["params"] == result.params
    assert run["warnings"] == result.warnings
    assert run["timings"] == result.timings
    assert run["counts"] == {
        "accounts": 8,
        "accounts_in_clusters": 6,
        "clusters": 2,
        "edges": 7,
        "evidence": 2,
    }


def test_write_without_evidence_writes_no_evidence_file(tmp_path):
    paths = _result(evidence=None).write(tmp_path, formats=("parquet",))
    assert "evidence.parquet" not in {p.name for p in paths}


def test_write_refuses_unknown_formats(tmp_path):
    with pytest.raises(ParameterError, match="got 'html', 'xlsx'"):
        _result().write(tmp_path, formats=("csv", "html", "xlsx"))
    assert not any(tmp_path.iterdir())


def test_summary_lists_the_top_clusters_by_score_with_the_first_evidence_line():
    text = _result().summary()
    lines = text.splitlines()
    assert lines[0] == "8 accounts, 7 edges, 2 clusters (6 accounts in clusters)"
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("cluster_id"))
    for name in ("size", "score", "coordination", "government_link", "undisclosed", "evidence"):
        assert name in lines[header]
    first, second = lines[header + 1], lines[header + 2]
    assert first.split()[:6] == ["0", "3", "0.690", "0.920", "0.750", "1.000"]
    assert first.endswith("3 accounts co-reposted 93 posts, median 2 s apart")
    assert second.split()[0] == "1"
    assert "rt.com" not in text  # only the first line of evidence
    assert "1 warning(s)" in text
    assert len(_result().summary(top=1).splitlines()) == header + 2


def test_summary_without_clusters_says_so_and_what_each_trace_could_test():
    empty = pl.DataFrame({"cluster_id": []}, schema={"cluster_id": pl.Int64})
    text = _result(cluster_scores=empty).summary()
    assert text.splitlines()[-3:] == [
        "no coordinated clusters found",
        "what each trace could test:",
        "  co_repost: 8 accounts, 12 keys, 5 pairs tested, 3 on 3+ keys, smallest p-value 1e-06",
    ]
    assert (
        _result(cluster_scores=empty, trace_tests=None)
        .summary()
        .endswith("no coordinated clusters found")
    )


def test_repr_is_short():
    assert repr(_result()) == "Detection(accounts=8, edges=7, clusters=2, top_score=0.69)"


def test_detection_is_read_only():
    with pytest.raises(dataclasses.FrozenInstanceError):
        _result().edges = pl.DataFrame()


def test_detection_checks_its_tables():
    with pytest.raises(SchemaError, match=r"clusters is missing column\(s\) 'cluster_id'"):
        _result(clusters=pl.DataFrame({"account_id": ["a"]}), cluster_scores=None)


def test_nan_scores_are_written_and_shown_as_missing(tmp_path):
    scores = _result().cluster_scores.with_columns(score=pl.Series([math.nan, 0.5]))
    result = _result(cluster_scores=scores)
    rows = [line.split() for line in result.summary().splitlines()[-2:]]
    assert [row[:3] for row in rows] == [["0", "3", "0.500"], ["1", "3", "-"]]
    result.write(tmp_path, formats=("csv", "graphml"))
    back = pl.read_csv(tmp_path / "cluster_scores.csv")
    assert math.isnan(back["score"][0]) and back["score"][1] == 0.5


def test_every_table_a_detection_holds_counts_as_ours_when_rewriting(tmp_path):
    from cib_detect.detection import _KEYS
    from cib_detect.io.detection_files import TABLES

    assert set(_KEYS) <= set(TABLES)
    result = _result()
    result.write(tmp_path / "out")
    result.write(tmp_path / "out", formats="parquet")  # a rerun over every file we write
    assert (tmp_path / "out" / "trace_tests.parquet").exists()
