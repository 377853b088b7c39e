"""The versioned JSON export and its schema."""

from __future__ import annotations

import json

import polars as pl
import pytest

import cib_detect as cd
from cib_detect import Detection, export

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates the export")


def _validator(kind="detection"):
    schema = export.schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def planted():
    data = cd.datasets.synthetic(20_000, seed=2)
    return data, cd.detect(data.posts, data.accounts)


def test_real_outputs_validate_against_the_shipped_schema(planted, tmp_path):
    _, result = planted
    paths = {p.name: p for p in result.write(tmp_path, formats=("parquet",), report=False)}
    doc = json.loads(paths["detection.json"].read_text(encoding="utf-8"))
    _validator().validate(doc)
    lines = paths["clusters.jsonl"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == result.n_clusters == len(doc["clusters"]) > 0
    check = _validator("cluster")
    for line in lines:
        check.validate(json.loads(line))


def test_export_content(planted):
    _, result = planted
    doc = export.to_json(result)
    assert doc["schema_version"] == export.SCHEMA_VERSION
    assert doc["generator"] == {"name": "cib_detect", "version": cd.__version__}
    assert doc["parameters"]["window_seconds"] == result.params["window_seconds"]
    assert doc["counts"]["clusters"] == result.n_clusters
    clusters = doc["clusters"]
    scores = [c["scores"]["score"] for c in clusters]
    assert scores == sorted(scores, reverse=True)
    assert [c["rank"] for c in clusters] == list(range(1, len(clusters) + 1))
    labels = result.clusters.filter(pl.col("cluster_id") >= 0)
    for c in clusters:
        members = {m["account_id"] for m in c["members"]}
        expected = labels.filter(pl.col("cluster_id") == c["cluster_id"])["account_id"]
        assert members == set(expected) and c["size"] == len(members)
        assert all(e["account_a"] in members and e["account_b"] in members for e in c["edges"])
        for pair in c["evidence"]:
            assert pair["timestamp_a"].endswith("Z") and pair["seconds_apart"] >= 0
        # parts carry the columns beyond the contract, whatever they are
        row = result.cluster_scores.filter(pl.col("cluster_id") == c["cluster_id"]).row(
            0, named=True
        )
        for name, value in c["parts"].items():
            assert value == pytest.approx(row[name], nan_ok=True) or value is None
    assert sum(len(c["evidence"]) for c in clusters) == result.evidence.height


def test_nan_and_missing_columns_export_as_null(tmp_path):
    result = Detection(
        pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [float("inf")]}),
        pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, 0]}),
        pl.DataFrame({"account_id": ["a"], "score": [float("nan")]}),
        pl.DataFrame(
            {"cluster_id": [0], "score": [float("nan")], "odd": [None]},
            schema_overrides={"odd": pl.Float64},
        ),
    )
    doc = export.to_json(result)
    _validator().validate(doc)
    [c] = doc["clusters"]
    assert c["scores"]["score"] is None and c["parts"] == {"odd": None} and c["size"] == 3
    assert c["edges"][0]["weight"] is None and c["evidence"] == []
    export.write_json(result, tmp_path / "d.json")
    json.loads((tmp_path / "d.json").read_text())  # strict JSON, no NaN


def test_schema_rejects_a_broken_document(planted):
    _, result = planted
    doc = export.to_json(result)
    doc["clusters"][0]["scores"]["score"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(doc)
    del doc["schema_version"]
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(doc)


def test_schema_kind_is_checked():
    with pytest.raises(cd.errors.ParameterError, match="'kind'"):
        export.schema("nope")
