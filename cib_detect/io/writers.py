"""Writers of result tables and graphs: parquet, csv, GraphML, GEXF and JSON.

CSV and the graph formats hold flat values only, so :func:`flat_columns` turns nested
columns (lists, arrays, structs) into JSON text first; parquet keeps every dtype.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path

import networkx as nx
import polars as pl

from cib_detect.errors import ParameterError

__all__ = [
    "GRAPH_FORMATS",
    "flat_columns",
    "graph_safe_columns",
    "write_csv",
    "write_graph",
    "write_json",
    "write_parquet",
]

#: Graph file formats :func:`write_graph` writes, with their file suffix.
GRAPH_FORMATS = {"graphml": ".graphml", "gexf": ".gexf"}

_NESTED = (pl.List, pl.Array, pl.Struct)


def flat_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with list, array and struct columns as JSON text (nulls stay null).

    Examples
    --------
    >>> import polars as pl
    >>> flat_columns(pl.DataFrame({"a": [1, 2], "tags": [["x", 'say "hi"'], None]})).rows()
    [(1, '["x","say \\\\"hi\\\\""]'), (2, None)]
    """
    nested = [name for name, dtype in frame.schema.items() if isinstance(dtype, _NESTED)]
    if not nested:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).is_null())
        .then(None)
        .otherwise(
            # polars encodes a struct, not a bare list: wrap as {"v": ...} and unwrap
            pl.struct(pl.col(name).alias("v"))
            .struct.json_encode()
            .str.strip_prefix('{"v":')
            .str.strip_suffix("}")
        )
        .alias(name)
        for name in nested
    )


def graph_safe_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with only the value types GraphML and GEXF hold: bool, int, float, str.

    Nested columns become JSON text (:func:`flat_columns`), datetimes ISO 8601 text
    (``2024-01-02T10:00:00+00:00``, as :meth:`datetime.datetime.fromisoformat` reads),
    dates and times text, durations float seconds, decimals floats, anything else text;
    all-null columns are dropped.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import date
    >>> graph_safe_columns(pl.DataFrame({"d": [date(2024, 1, 2)], "l": [[1, 2]]})).rows()
    [('2024-01-02', '[1,2]')]
    """
    frame = flat_columns(frame)
    exprs = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Null:
            continue
        if (dtype.is_numeric() and not isinstance(dtype, pl.Decimal)) or dtype == pl.Boolean:
            exprs.append(column)
        elif isinstance(dtype, pl.Duration):
            exprs.append(column.dt.total_microseconds().cast(pl.Float64) / 1e6)
        elif isinstance(dtype, pl.Decimal):
            exprs.append(column.cast(pl.Float64))
        elif isinstance(dtype, pl.Datetime):
            iso = "%Y-%m-%dT%H:%M:%S%.f" + ("%:z" if dtype.time_zone else "")
            exprs.append(column.dt.to_string(iso))
        else:
            exprs.append(column.cast(pl.String))
    return frame.select(exprs)


def write_parquet(frame: pl.DataFrame, path) -> Path:
    """Write ``frame`` to parquet at ``path`` and return the path.

    Examples
    --------
    >>> import polars as pl, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> pl.read_parquet(write_parquet(pl.DataFrame({"a": [[1]]}), path))["a"].to_list()
    [[1]]
    """
    path = Path(path)
    frame.write_parquet(path)
    return path


def write_csv(frame: pl.DataFrame, path) -> Path:
    """Write ``frame`` to csv at ``path``, nested columns as JSON text; return the path.

    Durations, which csv cannot hold, are written as float seconds.

    Examples
    --------
    >>> import polars as pl, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> print(write_csv(pl.DataFrame({"a": [1], "tags": [["x", "y"]]}), path).read_text())
    a,tags
    1,"[""x"",""y""]"
    <BLANKLINE>
    """
    path = Path(path)
    frame = flat_columns(frame)
    durations = [n for n, dtype in frame.schema.items() if isinstance(dtype, pl.Duration)]
    if durations:
        frame = frame.with_columns(pl.col(durations).dt.total_microseconds().cast(pl.Float64) / 1e6)
    frame.write_csv(path)
    return path


def write_graph(graph: nx.Graph, path, *, format: str) -> Path:
    """Write ``graph`` as ``"graphml"`` or ``"gexf"`` at ``path`` and return the path.

    Attribute values must be bool, int, float or str (see :func:`graph_safe_columns`).

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "g.graphml"
    >>> graph = nx.Graph([("a", "b", {"weight": 2.5})])
    >>> nx.read_graphml(write_graph(graph, path, format="graphml")).edges(data=True)
    EdgeDataView([('a', 'b', {'weight': 2.5})])
    """
    path = Path(path)
    if format == "graphml":
        nx.write_graphml(graph, path)
    elif format == "gexf":
        nx.write_gexf(graph, path)
    else:
        raise ParameterError(
            f"the 'format' parameter of write_graph must be one of "
            f"{', '.join(map(repr, GRAPH_FORMATS))}; got {format!r} instead"
        )
    return path


def write_json(value: Mapping, path) -> Path:
    """Write ``value`` as indented JSON at ``path`` and return the path.

    Values JSON lacks are converted: datetimes and dates to ISO text, timedeltas to
    seconds, paths and other objects to text, sets and tuples to lists, non-finite floats
    to null (strict JSON has no NaN).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from datetime import timedelta
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.json"
    >>> print(write_json({"window": timedelta(minutes=1), "x": float("nan")}, path).read_text())
    {
      "window": 60.0,
      "x": null
    }
    """
    path = Path(path)
    path.write_text(json.dumps(_jsonable(value), indent=2, allow_nan=False) + "\n")
    return path


def _jsonable(value):
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_jsonable(item) for item in items]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _jsonable(value.item())
    return str(value)
