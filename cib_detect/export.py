"""Versioned JSON export of a :class:`~cib_detect.Detection` for trust-and-safety tooling.

Two layouts, both described by the JSON Schema shipped in the package
(``cib_detect/schemas/detection.schema.json``, draft 2020-12, see :func:`schema`):

- ``detection.json`` (:func:`to_json`, :func:`write_json`): one document with the run
  (library version, parameters, counts, warnings, timings) and every cluster.
- ``clusters.jsonl`` (:func:`write_jsonl`): one cluster per line, each line a
  self-contained record carrying ``schema_version`` and the library version, for
  streaming into queues and case-management systems.

A cluster holds its members (account ids and their scores), its internal edges, its
scores and their parts, readable evidence text and the post pairs behind it (post ids,
ISO 8601 UTC timestamps, seconds apart). ``schema_version`` follows semantic versioning:
fields are only added within a major version.
"""

from __future__ import annotations

import functools
import json
import math
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import polars as pl

from cib_detect.cluster import NOISE
from cib_detect.score.ranking import clusters_best_first

__all__ = ["SCHEMA_VERSION", "cluster_records", "schema", "to_json", "write_json", "write_jsonl"]

#: Version of the export layout (semantic versioning).
SCHEMA_VERSION = "1.1.0"
_SCORES = ("score", "coordination", "government_link", "undisclosed")
_CONTRACT = ("cluster_id", "size", *_SCORES, "evidence")
_EVIDENCE = {
    "trace": "trace",
    "key": "key",
    "account_a": "account_a",
    "account_b": "account_b",
    "post_a": "post_a",
    "post_b": "post_b",
    "timestamp_a": "timestamp_a",
    "timestamp_b": "timestamp_b",
    "dt": "seconds_apart",
}
# Line ends to str.splitlines() that json.dumps(ensure_ascii=False) leaves raw.
_LINE_ENDS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})
_EDGE_FIELDS = ("weight", "p_value", "q_value", "n_traces", "n_significant_traces", "traces")


def schema(kind: str = "detection") -> dict:
    """The JSON Schema of ``detection.json`` (``kind="detection"``) or of one line of
    ``clusters.jsonl`` (``kind="cluster"``).

    Examples
    --------
    >>> schema()["$schema"]
    'https://json-schema.org/draft/2020-12/schema'
    >>> schema("cluster")["$ref"]
    '#/$defs/cluster_record'
    """
    text = resources.files("cib_detect").joinpath("schemas/detection.schema.json").read_text()
    document = json.loads(text)
    if kind == "detection":
        return document
    if kind == "cluster":
        return {
            "$schema": document["$schema"],
            "$id": document["$id"].replace("detection.schema.json", "cluster.schema.json"),
            "$defs": document["$defs"],
            "$ref": "#/$defs/cluster_record",
        }
    from cib_detect.errors import ParameterError

    raise ParameterError(
        f"the 'kind' parameter of schema must be 'detection' or 'cluster'; got {kind!r} instead"
    )


def _value(value):
    """A JSON value: ISO 8601 UTC times, seconds for durations, null for NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        text = value.astimezone(timezone.utc).isoformat()
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_value(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if hasattr(value, "item") and callable(value.item):
        return _value(value.item())
    return str(value)


def _scalar_columns(frame: pl.DataFrame, skip) -> list[str]:
    return [
        c
        for c, t in frame.schema.items()
        if c not in skip and (t.is_numeric() or t in (pl.String, pl.Boolean) or t.is_temporal())
    ]


def cluster_records(detection) -> list[dict]:
    """The clusters of ``detection`` as JSON-ready dicts, best score first.

    Each has ``cluster_id``, ``rank``, ``size``, ``scores`` (``score``,
    ``coordination``, ``government_link``, ``undisclosed``), ``parts`` (every other
    numeric column of ``cluster_scores``), ``attributes`` (its other text columns),
    ``evidence_text``, ``members``, ``edges`` (internal edges) and ``evidence`` (post
    pairs).

    Examples
    --------
    >>> import polars as pl
    >>> from cib_detect import Detection
    >>> result = Detection(
    ...     pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [5.0]}),
    ...     pl.DataFrame({"account_id": ["a", "b"], "cluster_id": [0, 0]}),
    ...     pl.DataFrame({"account_id": ["a", "b"], "score": [0.5, 0.5]}),
    ...     pl.DataFrame({"cluster_id": [0], "size": [2], "score": [0.5], "density": [1.0]}))
    >>> [record] = cluster_records(result)
    >>> record["scores"], record["parts"], [m["account_id"] for m in record["members"]]
    ({'score': 0.5, 'coordination': None, 'government_link': None, 'undisclosed': None}, {'density': 1.0}, ['a', 'b'])
    """  # noqa: E501
    scores = clusters_best_first(detection.cluster_scores)
    numeric = [
        c
        for c, t in scores.schema.items()
        if c not in _CONTRACT and (t.is_numeric() or t == pl.Boolean)
    ]
    text = [c for c, t in scores.schema.items() if c not in _CONTRACT and c not in numeric]
    labels = detection.clusters.select("account_id", "cluster_id")
    members = labels.filter(pl.col("cluster_id") != NOISE)
    account_scores = _ids_like(detection.account_scores, ["account_id"], labels)
    member_columns = _scalar_columns(account_scores, ("account_id", "cluster_id"))
    members = members.join(
        account_scores.select("account_id", *member_columns), on="account_id", how="left"
    ).sort("cluster_id", "account_id")
    by_cluster = {int(k[0]): f for k, f in members.partition_by("cluster_id", as_dict=True).items()}
    edges = _internal_edges(detection.edges, labels)
    evidence = detection.evidence
    if evidence is None or "cluster_id" not in evidence.columns:
        evidence_by = {}
    else:
        evidence_by = {
            int(k[0]): f
            for k, f in evidence.filter(pl.col("cluster_id") != NOISE)
            .partition_by("cluster_id", as_dict=True)
            .items()
        }
    records = []
    for rank, row in enumerate(scores.iter_rows(named=True), start=1):
        cid = int(row["cluster_id"])
        mine = by_cluster.get(cid)
        record = {
            "cluster_id": cid,
            "rank": rank,
            "size": _value(row.get("size")) if row.get("size") is not None else None,
            "scores": {name: _value(row.get(name)) for name in _SCORES},
            "parts": {name: _value(row.get(name)) for name in numeric},
            "attributes": {
                name: _value(row.get(name)) if isinstance(row.get(name), str) else None
                for name in text
                if scores.schema[name] == pl.String
            },
            "evidence_text": row.get("evidence") if isinstance(row.get("evidence"), str) else None,
            "members": _json_rows(mine) if mine is not None else [],
            "edges": edges.get(cid, []),
            "evidence": _evidence_items(evidence_by.get(cid)),
        }
        if record["size"] is None:
            record["size"] = len(record["members"])
        records.append(record)
    return records


def _rows(frame):
    if frame is None:
        return []
    order = [c for c in ("dt", "timestamp_a", "account_a", "account_b") if c in frame.columns]
    return frame.sort(order, nulls_last=True).iter_rows(named=True) if order else []


def _iso_utc(column: pl.Expr, dtype: pl.Datetime) -> pl.Expr:
    """What :func:`_value` makes of a datetime (naive ones are UTC): ISO 8601 with ``Z``,
    microseconds only when there are some (as ``datetime.isoformat``)."""
    utc = (
        column.dt.convert_time_zone("UTC")
        if dtype.time_zone
        else column.dt.replace_time_zone("UTC")
    )
    return (
        pl.when(utc.dt.microsecond() == 0)
        .then(utc.dt.to_string("%Y-%m-%dT%H:%M:%SZ"))
        .otherwise(utc.dt.to_string("%Y-%m-%dT%H:%M:%S%.6fZ"))
    )


def _json_ready(frame: pl.DataFrame) -> tuple[pl.DataFrame, set[str]]:
    """``frame`` with the values :func:`_value` would give, for the columns polars can
    convert (floats, datetimes, dates; ints, bools and text as they are), and the names of
    the other columns, whose values still need :func:`_value`."""
    exprs, slow = [], set()
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype.is_float():
            exprs.append(pl.when(column.is_finite()).then(column.cast(pl.Float64)).alias(name))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(_iso_utc(column, dtype).alias(name))
        elif dtype == pl.Date:
            exprs.append(column.dt.to_string("%Y-%m-%d").alias(name))
        elif dtype.is_integer() or dtype in (pl.String, pl.Boolean, pl.Null):
            exprs.append(column)
        else:
            exprs.append(column)
            slow.add(name)
    return frame.select(exprs), slow


def _json_rows(frame: pl.DataFrame, drop=("cluster_id",)) -> list[dict]:
    """``[{k: _value(v) for k, v in row.items() if k not in drop} for row in frame]``,
    converted by polars where it can."""
    ready, slow = _json_ready(frame.drop(drop, strict=False))
    rows = ready.iter_rows(named=True)
    if not slow:
        return list(rows)
    return [{k: _value(v) if k in slow else v for k, v in row.items()} for row in rows]


def _evidence_items(frame) -> list[dict]:
    """``[_evidence_item(row) for row in _rows(frame)]``, converted by polars where it can."""
    if frame is None:
        return []
    columns = [c for c in frame.columns if c != "cluster_id"]
    targets = [_EVIDENCE.get(c, c) for c in columns]
    schema = frame.schema
    plain = len(set(targets)) == len(targets) and all(
        schema[c] == pl.String
        or schema[c].is_integer()
        or schema[c] == pl.Null
        or isinstance(schema[c], pl.Datetime)
        for c in columns
        if c in _EVIDENCE and c != "dt"
    )
    if not plain or ("dt" in columns and not schema["dt"].is_numeric()):
        return [_evidence_item(e) for e in _rows(frame)]
    order = [c for c in ("dt", "timestamp_a", "account_a", "account_b") if c in frame.columns]
    if not order:
        return []
    frame = frame.sort(order, nulls_last=True).select(
        pl.col(c).cast(pl.Float64)
        if c == "dt"
        else pl.col(c).cast(pl.String)
        if c in _EVIDENCE and schema[c].is_integer()
        else pl.col(c)
        for c in columns
    )
    return _json_rows(frame.rename(dict(zip(columns, targets, strict=True))), drop=())


def _evidence_item(row: dict) -> dict:
    item = {}
    for source, value in row.items():
        if source == "cluster_id":
            continue
        target = _EVIDENCE.get(source, source)
        if source == "dt":
            item[target] = None if value is None else _value(float(value))
        elif source in _EVIDENCE and value is not None and not isinstance(value, str | datetime):
            item[target] = str(value)  # ids and keys are text
        else:
            item[target] = _value(value)
    return item


def _ids_like(frame: pl.DataFrame, columns: list[str], labels: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with id columns of dtype Null (a table built by hand) cast to the ids of
    ``labels``, so that they join."""
    nulls = [c for c in columns if frame.schema[c] == pl.Null]
    if not nulls:
        return frame
    return frame.with_columns(pl.col(nulls).cast(labels.schema["account_id"]))


def _internal_edges(edges: pl.DataFrame, labels: pl.DataFrame) -> dict[int, list[dict]]:
    edges = _ids_like(edges, ["account_a", "account_b"], labels)
    keep = [c for c in _EDGE_FIELDS if c in edges.columns]
    left = labels.rename({"account_id": "account_a"})
    right = labels.rename({"account_id": "account_b", "cluster_id": "cluster_b"})
    inside = (
        edges.select("account_a", "account_b", *keep)
        .join(left, on="account_a")
        .join(right, on="account_b")
        .filter((pl.col("cluster_id") == pl.col("cluster_b")) & (pl.col("cluster_id") != NOISE))
        .drop("cluster_b")
        .sort("cluster_id", "account_a", "account_b")
    )
    if "q_value" in inside.columns:
        inside = inside.with_columns(pl.col("q_value").cast(pl.Float64))
    return {
        int(k[0]): _json_rows(f) for k, f in inside.partition_by("cluster_id", as_dict=True).items()
    }


def _run(detection) -> dict:
    from cib_detect import __version__

    labels = detection.clusters.get_column("cluster_id")
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "cib_detect", "version": __version__},
        "created_at": _value(datetime.now(timezone.utc).replace(microsecond=0)),
        "parameters": _value(dict(detection.params or {})),
        "counts": {
            "accounts": detection.n_accounts,
            "accounts_in_clusters": int((labels != NOISE).sum()),
            "clusters": detection.n_clusters,
            "edges": detection.edges.height,
            "evidence_pairs": None if detection.evidence is None else detection.evidence.height,
        },
        "warnings": [str(w) for w in detection.warnings],
        # schema 1.0 required it; rows are dropped (and counted) only by the readers now
        "dropped": {},
        "trace_tests": [
            _value(row)
            for row in (
                detection.trace_tests.iter_rows(named=True)
                if detection.trace_tests is not None
                else []
            )
        ],
        "timings": _value(dict(detection.timings or {})),
    }


def to_json(detection) -> dict:
    """``detection`` as a JSON-ready dict following ``detection.schema.json``.

    Parameters
    ----------
    detection : Detection
        Result of :func:`cib_detect.detect`.

    Returns
    -------
    dict
        ``schema_version``, ``generator`` (library name and version), ``created_at``,
        ``parameters``, ``counts``, ``warnings``, ``dropped`` (always empty), ``trace_tests``,
        ``timings`` and
        ``clusters``: one entry per cluster with its members, scores and their parts,
        edges and evidence (post ids and timestamps).

    Examples
    --------
    >>> import polars as pl
    >>> from cib_detect import Detection
    >>> result = Detection(
    ...     pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [5.0]}),
    ...     pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, -1]}),
    ...     pl.DataFrame({"account_id": ["a", "b"], "score": [0.5, 0.5]}),
    ...     pl.DataFrame({"cluster_id": [0], "size": [2], "score": [0.5]}))
    >>> doc = to_json(result)
    >>> doc["schema_version"], doc["counts"]["clusters"], doc["clusters"][0]["edges"]
    ('1.1.0', 1, [{'account_a': 'a', 'account_b': 'b', 'weight': 5.0}])
    """
    return {**_run(detection), "clusters": cluster_records(detection)}


def write_json(detection, path) -> Path:
    """Write :func:`to_json` of ``detection`` to ``path`` (UTF-8) and return the path.

    Parameters
    ----------
    detection : Detection
        Result of :func:`cib_detect.detect`.
    path : str or pathlib.Path
        The file to write (replaced if it exists).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import json, tempfile
    >>> import polars as pl
    >>> from pathlib import Path
    >>> from cib_detect import Detection
    >>> result = Detection(
    ...     pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [5.0]}),
    ...     pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, -1]}),
    ...     pl.DataFrame({"account_id": ["a", "b"], "score": [0.5, 0.5]}),
    ...     pl.DataFrame({"cluster_id": [0], "size": [2], "score": [0.5]}))
    >>> path = write_json(result, Path(tempfile.mkdtemp()) / "detection.json")
    >>> json.loads(path.read_text(encoding="utf-8"))["counts"]["clusters"]
    1
    """
    return _write_document(Path(path), _run(detection), cluster_records(detection))


def _write_document(path: Path, run: dict, records: list[dict]) -> Path:
    text = _indented({**run, "clusters": records}, "")
    path.write_text(text + "\n", encoding="utf-8")
    return path


_SCALARS = (str, int, float, bool, type(None))


@functools.cache
def _flat_encoder(indent: str):
    encoder = json.JSONEncoder(
        ensure_ascii=False, allow_nan=False, separators=(",\n" + indent, ": ")
    )
    return encoder.encode


def _indented(value, indent: str) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)``, the same text,
    with every container of scalars written by the C encoder (which has no ``indent``; its
    separators put the line breaks and indents in) rather than the pure Python one."""
    if isinstance(value, dict | list) and value:
        inner = indent + "  "
        if isinstance(value, dict):
            flat = all(isinstance(item, _SCALARS) for item in value.values())
            open_, close = "{", "}"
        else:
            flat = all(isinstance(item, _SCALARS) for item in value)
            open_, close = "[", "]"
        if flat:
            body = _flat_encoder(inner)(value)[1:-1]
        elif isinstance(value, dict):
            body = (",\n" + inner).join(
                f"{json.dumps(str(key), ensure_ascii=False)}: {_indented(item, inner)}"
                for key, item in value.items()
            )
        elif _flat_records(value):
            return _records_indented(value, indent)
        else:
            body = (",\n" + inner).join(_indented(item, inner) for item in value)
        return f"{open_}\n{inner}{body}\n{indent}{close}"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _flat_records(items: list) -> bool:
    """Whether ``items`` are non-empty dicts of scalars (members, edges, evidence)."""
    return all(isinstance(item, dict) and item for item in items) and all(
        isinstance(value, _SCALARS) for item in items for value in item.values()
    )


def _records_indented(items: list[dict], indent: str) -> str:
    """:func:`_indented` of a list of :func:`_flat_records`, in one call of the C encoder.

    Its item separator (a line break and the indent of the dict items) ends every line,
    since the encoder writes a line break inside a string as ``\\n``; the ones between two
    dicts (before a ``{``, where those in a dict come before a key's ``"``) are then
    rewritten to close one dict and open the next at the indent of the list items.
    """
    inner, deeper = indent + "  ", indent + "    "
    text = _flat_encoder(deeper)(items)[2:-2]  # without the outer [{ and }]
    text = text.replace("},\n" + deeper + "{", f"\n{inner}}},\n{inner}{{\n{deeper}")
    return f"[\n{inner}{{\n{deeper}{text}\n{inner}}}\n{indent}]"


def write_json_files(detection, json_path, jsonl_path) -> tuple[Path, Path]:
    """:func:`write_json` and :func:`write_jsonl` of ``detection`` with the clusters
    gathered once (and one ``created_at`` for both files); returns the two paths."""
    run, records = _run(detection), cluster_records(detection)
    return (
        _write_document(Path(json_path), run, records),
        _write_lines(Path(jsonl_path), run, records),
    )


def write_jsonl(detection, path) -> Path:
    """Write one JSON line per cluster (best first) to ``path`` and return the path.

    Each line is ``{"record": "cluster", "schema_version", "generator", "created_at",
    "parameters", ...the cluster}``; an empty file when there is no cluster. Text is
    UTF-8, except U+2028, U+2029 and U+0085, which ``str.splitlines`` and some JSON
    Lines readers take for line ends: they are written as ``\\u`` escapes.

    Parameters
    ----------
    detection : Detection
        Result of :func:`cib_detect.detect`.
    path : str or pathlib.Path
        The file to write (replaced if it exists).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import json, tempfile
    >>> import polars as pl
    >>> from pathlib import Path
    >>> from cib_detect import Detection
    >>> result = Detection(
    ...     pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [5.0]}),
    ...     pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, -1]}),
    ...     pl.DataFrame({"account_id": ["a", "b"], "score": [0.5, 0.5]}),
    ...     pl.DataFrame({"cluster_id": [0], "size": [2], "score": [0.5]}))
    >>> path = write_jsonl(result, Path(tempfile.mkdtemp()) / "clusters.jsonl")
    >>> record = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    >>> record["record"], [m["account_id"] for m in record["members"]]
    ('cluster', ['a', 'b'])
    """
    return _write_lines(Path(path), _run(detection), cluster_records(detection))


def _escape_line_ends(line: str) -> str:
    """``line.translate(_LINE_ENDS)``, faster on lines that hold none of them."""
    for char, escape in _LINE_ENDS.items():
        char = chr(char)
        if char in line:
            line = line.replace(char, escape)
    return line


def _write_lines(path: Path, run: dict, records: list[dict]) -> Path:
    header = {k: run[k] for k in ("schema_version", "generator", "created_at", "parameters")}
    lines = [
        json.dumps({"record": "cluster", **header, **record}, ensure_ascii=False, allow_nan=False)
        for record in records
    ]
    # only inside strings, where the escape means the same
    lines = [_escape_line_ends(line) for line in lines]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
