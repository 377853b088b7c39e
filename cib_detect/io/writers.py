"""Writers of result tables and graphs: parquet, csv, GraphML, GEXF and JSON.

CSV and the graph formats hold flat values only, so :func:`flat_columns` turns nested
columns (lists, arrays, structs) into JSON text first; parquet keeps every dtype.

Two kinds of value are made safe on the way out (``docs/input_and_output_safety.md``),
and only in the formats they would break; parquet and JSON keep every value exactly:

- CSV: a text cell that a spreadsheet would run as a formula (it begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``
  (:func:`csv_safe_columns`; ``csv_safe=False`` turns it off).
- GraphML and GEXF: a character XML 1.0 forbids (controls other than tab, newline and
  carriage return, U+FFFE, U+FFFF, lone surrogates) becomes visible text, ``\\x00`` or
  ``\\ufffe`` (:func:`escape_xml_illegal`, :func:`xml_safe_graph`).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path

import networkx as nx
import polars as pl

from cib_detect.errors import ParameterError

__all__ = [
    "GRAPH_FORMATS",
    "TABLE_FORMATS",
    "WRITE_FORMATS",
    "csv_safe_columns",
    "escape_xml_illegal",
    "flat_columns",
    "graph_safe_columns",
    "write_csv",
    "write_graph",
    "write_json",
    "write_parquet",
    "xml_safe_graph",
]

#: Graph file formats :func:`write_graph` writes, with their file suffix.
GRAPH_FORMATS = {"graphml": ".graphml", "gexf": ".gexf"}
#: Table file formats: :func:`write_parquet` and :func:`write_csv`.
TABLE_FORMATS = ("parquet", "csv")
#: File formats a whole result is written in (``Detection.write``): tables and graphs.
WRITE_FORMATS = (*TABLE_FORMATS, *GRAPH_FORMATS)

_NESTED = (pl.List, pl.Array, pl.Struct)
# what a spreadsheet reads as the start of a formula (OWASP, "CSV injection")
_FORMULA_START = r"^[=+\-@\t\r]"
# what XML 1.0 forbids in a document: C0 controls but tab, newline and carriage return;
# U+FFFE, U+FFFF; surrogates (a Python str can hold a lone one, polars cannot)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: Node attribute that keeps, as JSON text, an id :func:`xml_safe_graph` had to change.
ORIGINAL_ID = "original_id"


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


def csv_safe_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell a spreadsheet would run as a formula prefixed by ``'``.

    A cell of a String, Categorical or Enum column that begins with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return (the OWASP list for CSV injection) gets a leading
    single quote, which spreadsheets show as text; such columns come back as String.
    Numbers are not text cells: a negative number stays a number.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"t": ['=HYPERLINK("http://x")', "-1", "a-b"], "x": [-1.5, 0.0, 2.0]})
    >>> csv_safe_columns(frame).rows()
    [('\\'=HYPERLINK("http://x")', -1.5), ("'-1", 0.0), ('a-b', 2.0)]
    """
    text = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(column.str.contains(_FORMULA_START))
        .then(pl.lit("'") + column)
        .otherwise(column)
        .alias(name)
        for name, column in ((name, pl.col(name).cast(pl.String)) for name in text)
    )


def write_csv(frame: pl.DataFrame, path, *, csv_safe: bool = True) -> Path:
    """Write ``frame`` to csv at ``path``, nested columns as JSON text; return the path.

    Durations, which csv cannot hold, are written as float seconds.

    Parameters
    ----------
    frame : polars.DataFrame
        The table.
    path : str or pathlib.Path
        The file to write (replaced if it exists).
    csv_safe : bool
        Prefix text cells that a spreadsheet would run as a formula with ``'``
        (:func:`csv_safe_columns`). ``False`` writes every cell as it is, for programs
        that read the file as data.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import polars as pl, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> print(write_csv(pl.DataFrame({"a": [1], "tags": [["x", "y"]]}), path).read_text())
    a,tags
    1,"[""x"",""y""]"
    <BLANKLINE>
    >>> frame = pl.DataFrame({"id": ["=1+1"]})
    >>> write_csv(frame, path).read_text(), write_csv(frame, path, csv_safe=False).read_text()
    ("id\\n'=1+1\\n", 'id\\n=1+1\\n')
    """
    path = Path(path)
    frame = flat_columns(frame)
    durations = [n for n, dtype in frame.schema.items() if isinstance(dtype, pl.Duration)]
    if durations:
        frame = frame.with_columns(pl.col(durations).dt.total_microseconds().cast(pl.Float64) / 1e6)
    if csv_safe:
        frame = csv_safe_columns(frame)
    frame.write_csv(path)
    return path


def escape_xml_illegal(text: str) -> str:
    r"""``text`` with each character XML 1.0 forbids written as a visible escape.

    C0 controls other than tab, newline and carriage return become ``\xNN``; U+FFFE,
    U+FFFF and lone surrogates become ``\uNNNN`` (lowercase hex, as Python writes them).
    Every other character is kept.

    Examples
    --------
    >>> escape_xml_illegal("a\x00b\x1fc\ufffe\tnew\nline")
    'a\\x00b\\x1fc\\ufffe\tnew\nline'
    """
    return _XML_ILLEGAL.sub(_escape_char, text)


def _escape_char(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_safe_graph(graph: nx.Graph) -> nx.Graph:
    r"""``graph`` if GraphML and GEXF can hold its text as it is, else a copy that they can.

    In the copy, node ids, attribute names and string attribute values have each
    XML-illegal character escaped (:func:`escape_xml_illegal`). A node whose id changed
    keeps its exact id, as JSON text, in the attribute ``original_id``; if its escaped id
    is already taken (by an id that needed no escape, or an earlier escaped id in sorted
    order), ``~2``, ``~3``, ... is appended, so ids stay distinct.

    Examples
    --------
    >>> import networkx as nx
    >>> graph = nx.Graph([("a\x00", "a\\x00")])  # the second id is the text of an escape
    >>> xml_safe_graph(graph).nodes(data=True)
    NodeDataView({'a\\x00~2': {'original_id': '"a\\u0000"'}, 'a\\x00': {}})
    >>> clean = nx.Graph([("a", "b")])
    >>> xml_safe_graph(clean) is clean  # nothing to escape: no copy
    True
    """
    if not _holds_xml_illegal(graph):
        return graph
    ids = _escaped_ids(graph)
    safe = graph.__class__()
    safe.graph.update(_safe_attributes(graph.graph))
    for node, data in graph.nodes(data=True):
        attributes = _safe_attributes(data)
        if node in ids:
            attributes[ORIGINAL_ID] = json.dumps(node)
        safe.add_node(ids.get(node, node), **attributes)
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else graph.edges(data=True)
    for u, v, *key, data in edges:
        safe.add_edge(ids.get(u, u), ids.get(v, v), *key, **_safe_attributes(data))
    return safe


def _holds_xml_illegal(graph: nx.Graph) -> bool:
    """Whether a node id, attribute name or attribute value of ``graph`` is a str holding
    a character XML forbids; one regex pass over all the text at once."""
    texts = [node for node in graph if isinstance(node, str)]
    names = set()
    data = [graph.graph, *graph.nodes.values()]
    for mapping in itertools.chain(data, (d for *_, d in graph.edges(data=True))):
        names.update(mapping)
        texts.extend(value for value in mapping.values() if isinstance(value, str))
    texts.extend(name for name in names if isinstance(name, str))
    return _XML_ILLEGAL.search("\n".join(texts)) is not None


def _escaped_ids(graph: nx.Graph) -> dict:
    """New ids of the nodes whose id holds an XML-illegal character, distinct from all."""
    changed = sorted(n for n in graph if isinstance(n, str) and _XML_ILLEGAL.search(n))
    if not changed:
        return {}
    taken = {str(node) for node in graph if not isinstance(node, str) or node not in changed}
    ids = {}
    for node in changed:
        base = candidate = escape_xml_illegal(node)
        suffix = 1
        while candidate in taken:
            suffix += 1
            candidate = f"{base}~{suffix}"
        taken.add(candidate)
        ids[node] = candidate
    return ids


def _safe_attributes(data: Mapping) -> dict:
    return {
        (escape_xml_illegal(k) if isinstance(k, str) else k): (
            escape_xml_illegal(v) if isinstance(v, str) else v
        )
        for k, v in data.items()
    }


def write_graph(graph: nx.Graph, path, *, format: str) -> Path:
    """Write ``graph`` as ``"graphml"`` or ``"gexf"`` at ``path`` and return the path.

    Attribute values must be bool, int, float or str (see :func:`graph_safe_columns`).
    Text XML cannot hold is escaped first (:func:`xml_safe_graph`; ``graph`` itself is
    left as it is), so the file always parses.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "g.graphml"
    >>> graph = nx.Graph([("a", "b", {"weight": 2.5})])
    >>> nx.read_graphml(write_graph(graph, path, format="graphml")).edges(data=True)
    EdgeDataView([('a', 'b', {'weight': 2.5})])
    """
    path = Path(path)
    if format not in GRAPH_FORMATS:
        raise ParameterError(
            f"the 'format' parameter of write_graph must be one of "
            f"{', '.join(map(repr, GRAPH_FORMATS))}; got {format!r} instead"
        )
    graph = xml_safe_graph(graph)
    if format == "graphml":
        nx.write_graphml(graph, path)
    else:
        nx.write_gexf(graph, path)
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


# -- graph files straight from the tables ---------------------------------------------------

# what xml.etree writes for text and for attribute values (networkx writes through it)
_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE_ESCAPES = (
    *_TEXT_ESCAPES,
    ('"', "&quot;"),
    ("\r", "&#13;"),
    ("\n", "&#10;"),
    ("\t", "&#09;"),
)
# attribute names networkx's GEXF writer treats apart (not as attvalues)
_GEXF_NODE_RESERVED = frozenset({"id", "label", "pid", "start", "end", "viz", "parents", "spells"})
_GEXF_EDGE_RESERVED = frozenset({"id", "label", "type", "start", "end", "viz", "key", "spells"})
# _XML_ILLEGAL for polars, whose strings hold no surrogates
_XML_ILLEGAL_POLARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"
_CHUNK = 50_000  # rows of XML text built at a time


def _escape_expr(expr: pl.Expr, escapes) -> pl.Expr:
    patterns, replacements = zip(*escapes, strict=True)
    return expr.str.replace_many(list(patterns), list(replacements))


def _escape_name(name: str, escapes) -> str:
    for char, entity in escapes:
        name = name.replace(char, entity)
    return name


def _xml_type(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "long"
    if dtype.is_float():
        return "double"
    return "string"


def _value_text(name: str, dtype: pl.DataType, *, gexf: bool, infinite: bool = True) -> pl.Expr:
    """The text networkx writes for the values of a :func:`graph_safe_columns` column
    (``str(value)``, booleans in lower case in GEXF, non-finite floats as GEXF spells them);
    null where the value is null."""
    column = pl.col(name)
    if dtype == pl.Boolean:
        true, false = ("true", "false") if gexf else ("True", "False")
        return pl.when(column).then(pl.lit(true)).when(column.not_()).then(pl.lit(false))
    if dtype.is_float():
        text = column.cast(pl.Float64).cast(pl.String)  # Python floats are doubles
        if gexf and infinite:
            spelled = pl.when(column == math.inf).then(pl.lit("INF"))
            return spelled.when(column == -math.inf).then(pl.lit("-INF")).otherwise(text)
        return text
    if dtype.is_integer():
        return column.cast(pl.String)
    escapes = _ATTRIBUTE_ESCAPES if gexf else _TEXT_ESCAPES
    return _escape_expr(column.cast(pl.String), escapes)


def _graph_frames(edges: pl.DataFrame, nodes: pl.DataFrame):
    """Node and edge tables in the order and orientation networkx writes the graph of
    ``edges_to_networkx(edges, nodes)``, or None where that graph is not a plain copy of
    the tables (then the caller goes through networkx).

    networkx writes nodes in insertion order and an undirected edge from whichever end
    comes first in that order, edges grouped by that end, each group in insertion order.
    """
    id_types = (pl.String, pl.Categorical, pl.Enum)
    for frame, keys in ((nodes, ["account_id"]), (edges, ["account_a", "account_b"])):
        for key in keys:
            dtype = frame.schema[key]
            if not (isinstance(dtype, id_types) or dtype == pl.String or dtype.is_integer()):
                return None
            if frame.get_column(key).null_count():
                return None
    node_ids = nodes.get_column("account_id").cast(pl.String)
    if node_ids.is_duplicated().any():
        return None
    position = pl.DataFrame(
        {"account_id": node_ids, "_pos": pl.int_range(nodes.height, eager=True)}
    )
    ends = edges.select(
        pl.col("account_a").cast(pl.String), pl.col("account_b").cast(pl.String)
    ).with_row_index("_row")
    ends = ends.join(
        position.rename({"account_id": "account_a", "_pos": "_pa"}), on="account_a", how="left"
    ).join(position.rename({"account_id": "account_b", "_pos": "_pb"}), on="account_b", how="left")
    if ends.get_column("_pa").null_count() or ends.get_column("_pb").null_count():
        return None  # an end that is not a node: networkx would add it after the nodes
    first = pl.min_horizontal("_pa", "_pb").alias("_first")
    second = pl.max_horizontal("_pa", "_pb").alias("_second")
    if ends.select(pl.struct(first, second).is_duplicated().any()).item():
        return None  # a pair twice: networkx keeps one edge
    order = ends.select("_row", first, swap=pl.col("_pa") > pl.col("_pb")).sort(
        "_first", "_row", maintain_order=True
    )
    swap = order.get_column("swap")
    rows = order.get_column("_row")
    a = edges.get_column("account_a").cast(pl.String).gather(rows)
    b = edges.get_column("account_b").cast(pl.String).gather(rows)
    source = pl.select(pl.when(swap).then(b).otherwise(a)).to_series()
    target = pl.select(pl.when(swap).then(a).otherwise(b)).to_series()
    edge_values = graph_safe_columns(edges.drop("account_a", "account_b")[rows])
    node_values = graph_safe_columns(nodes.drop("account_id"))
    texts = [node_ids, source, target]
    texts += [node_values.get_column(n) for n, t in node_values.schema.items() if t == pl.String]
    texts += [edge_values.get_column(n) for n, t in edge_values.schema.items() if t == pl.String]
    names = [*node_values.columns, *edge_values.columns]
    if any(_XML_ILLEGAL.search(name) for name in names) or any(
        s.str.contains(_XML_ILLEGAL_POLARS).any() for s in texts
    ):
        return None  # xml_safe_graph renames ids: networkx does it
    return node_ids, node_values, source, target, edge_values


class _XmlFile:
    """A binary file that also takes text (as UTF-8), for :func:`_write_rows`."""

    def __init__(self, path: Path):
        self._file = open(path, "wb")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()

    def write(self, data) -> int:
        return self._file.write(data.encode("utf-8") if isinstance(data, str) else data)

    def flush(self) -> None:
        self._file.flush()


def _beside(frame: pl.DataFrame, **columns: pl.Series) -> pl.DataFrame:
    """``columns`` and then those of ``frame`` (which may have none, and then no rows)."""
    return pl.DataFrame(columns).hstack(frame) if frame.width else pl.DataFrame(columns)


def _write_rows(handle, frame: pl.DataFrame, line: pl.Expr) -> None:
    """One line of text per row of ``frame``, written by polars (a csv of one column, never
    quoted, is the lines as they are), ``_CHUNK`` rows at a time."""
    for start in range(0, frame.height, _CHUNK):
        lines = frame.slice(start, _CHUNK).select(line.alias("__cib_line__"))
        lines.write_csv(handle, include_header=False, quote_style="never")


def _graphml(path: Path, parts) -> None:
    node_ids, node_values, source, target, edge_values = parts
    keys = {}
    for scope, frame in (("node", node_values), ("edge", edge_values)):
        for name, dtype in frame.schema.items():
            keys[(scope, name)] = (f"d{len(keys)}", _xml_type(dtype))

    def data_lines(scope, frame, indent):
        nulls = frame.null_count().row(0) if frame.width else ()
        pieces = []
        for (name, dtype), n_null in zip(frame.schema.items(), nulls, strict=True):
            key = keys[(scope, name)][0]
            value = _value_text(name, dtype, gexf=False)
            pieces.append((f'\n{indent}<data key="{key}">', value, "</data>", n_null > 0))
        return pieces

    with _XmlFile(path) as handle:
        handle.write(
            "<?xml version='1.0' encoding='utf-8'?>\n"
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        )
        for (scope, name), (key, xml_type) in reversed(keys.items()):
            title = _escape_name(name, _ATTRIBUTE_ESCAPES)
            handle.write(
                f'  <key id="{key}" for="{scope}" attr.name="{title}" attr.type="{xml_type}" />\n'
            )
        handle.write('  <graph edgedefault="undirected">\n')
        for frame, head, close, pieces in (
            (
                _beside(node_values, __cib_id__=node_ids),
                [pl.lit('    <node id="'), _escape_expr(pl.col("__cib_id__"), _ATTRIBUTE_ESCAPES)],
                "</node>",
                data_lines("node", node_values, "      "),
            ),
            (
                _beside(edge_values, __cib_source__=source, __cib_target__=target),
                [
                    pl.lit('    <edge source="'),
                    _escape_expr(pl.col("__cib_source__"), _ATTRIBUTE_ESCAPES),
                    pl.lit('" target="'),
                    _escape_expr(pl.col("__cib_target__"), _ATTRIBUTE_ESCAPES),
                ],
                "</edge>",
                data_lines("edge", edge_values, "      "),
            ),
        ):
            line = pl.concat_str(
                *head, *_maybe_empty(pieces, '">', f"\n    {close}", '" />'), ignore_nulls=True
            )
            _write_rows(handle, frame, line)
        handle.write("  </graph>\n</graphml>")


def _gexf(path: Path, parts) -> None:
    node_ids, node_values, source, target, edge_values = parts
    weight = edge_values.schema.get("weight")
    attributes = {}
    for scope, frame in (("node", node_values), ("edge", edge_values)):
        for name, dtype in frame.schema.items():
            if not (scope == "edge" and name == "weight"):
                attributes[(scope, name)] = (str(len(attributes)), _xml_type(dtype))

    def attvalues(scope, frame):
        floats = [name for name, dtype in frame.schema.items() if dtype.is_float()]
        infinite = frame.select(pl.col(floats).is_infinite().any()).row(0) if floats else ()
        infinite = {name for name, any_inf in zip(floats, infinite, strict=True) if any_inf}
        nulls = dict(zip(frame.columns, frame.null_count().row(0), strict=True))
        pieces = []
        for name, dtype in frame.schema.items():
            if (scope, name) not in attributes:
                continue
            key = attributes[(scope, name)][0]
            value = _value_text(name, dtype, gexf=True, infinite=name in infinite)
            start = f'\n          <attvalue for="{key}" value="'
            pieces.append((start, value, '" />', nulls[name] > 0))
        return pieces

    with _XmlFile(path) as handle:
        handle.write(
            "<?xml version='1.0' encoding='utf-8'?>\n"
            '<gexf xmlns="http://www.gexf.net/1.2draft" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.gexf.net/1.2draft '
            'http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
            f'  <meta lastmodifieddate="{date.today().isoformat()}">\n'
            f"    <creator>NetworkX {nx.__version__}</creator>\n"
            "  </meta>\n"
            '  <graph defaultedgetype="undirected" mode="static" name="">\n'
        )
        for scope in ("edge", "node"):
            declared = [(n, a) for (s, n), a in attributes.items() if s == scope]
            if not declared:
                continue
            handle.write(f'    <attributes mode="static" class="{scope}">\n')
            for name, (key, xml_type) in declared:
                title = _escape_name(name, _ATTRIBUTE_ESCAPES)
                handle.write(f'      <attribute id="{key}" title="{title}" type="{xml_type}" />\n')
            handle.write("    </attributes>\n")
        handle.write("    <nodes>\n")
        node_id = _escape_expr(pl.col("__cib_id__"), _ATTRIBUTE_ESCAPES)
        nodes = _beside(node_values, __cib_id__=node_ids)
        _write_rows(
            handle,
            nodes,
            _closed(
                [pl.lit('      <node id="'), node_id, pl.lit('" label="'), node_id, pl.lit('"')],
                attvalues("node", node_values),
                "node",
            ),
        )
        handle.write("    </nodes>\n    <edges>\n")
        edges = _beside(
            edge_values,
            __cib_source__=source,
            __cib_target__=target,
            __cib_id__=pl.int_range(source.len(), eager=True).cast(pl.String),
        )
        head = [
            pl.lit('      <edge source="'),
            _escape_expr(pl.col("__cib_source__"), _ATTRIBUTE_ESCAPES),
            pl.lit('" target="'),
            _escape_expr(pl.col("__cib_target__"), _ATTRIBUTE_ESCAPES),
            pl.lit('" id="'),
            pl.col("__cib_id__"),
            pl.lit('"'),
        ]
        if weight is not None:
            text = _value_text("weight", weight, gexf=False)  # str(weight), as networkx
            head.append(pl.concat_str(pl.lit(' weight="'), text, pl.lit('"')).fill_null(""))
        _write_rows(handle, edges, _closed(head, attvalues("edge", edge_values), "edge"))
        handle.write("    </edges>\n  </graph>\n</gexf>")


def _closed(head: list, pieces: list, tag: str) -> pl.Expr:
    """A GEXF node or edge: ``head``, then its attvalues, or `` />`` when it has none."""
    open_, close = ">\n        <attvalues>", f"\n        </attvalues>\n      </{tag}>"
    return pl.concat_str(*head, *_maybe_empty(pieces, open_, close, " />"), ignore_nulls=True)


def _maybe_empty(pieces: list, open_: str, close: str, empty: str) -> list[pl.Expr]:
    """Expressions for ``concat_str(..., ignore_nulls=True)``: ``open_``, the pieces, then
    ``close``, or ``empty`` in a row where every piece is null.

    A piece is ``(before, value, after, nullable)``: the text ``before + value + after``,
    or nothing where ``value`` is null. Pieces that are never null are given to the outer
    ``concat_str`` as they are (no text column of their own), and the test for an empty
    row is left out when one of them is there.
    """
    exprs = []
    for before, value, after, nullable in pieces:
        if nullable:
            exprs.append(pl.concat_str(pl.lit(before), value, pl.lit(after)))
        else:
            exprs += [pl.lit(before), value, pl.lit(after)]
    if pieces and not all(nullable for *_, nullable in pieces):
        return [pl.lit(open_), *exprs, pl.lit(close)]
    if not pieces:
        return [pl.lit(empty)]
    body = pl.concat_str(exprs, ignore_nulls=True)
    filled = pl.concat_str(pl.lit(open_), body, pl.lit(close))
    return [pl.when(body == "").then(pl.lit(empty)).otherwise(filled)]


def write_graph_frames(
    edges: pl.DataFrame, nodes: pl.DataFrame, path, *, format: str
) -> Path | None:
    """Write the graph of ``edges_to_networkx(edges, nodes)`` as ``"graphml"`` or ``"gexf"``.

    The same file networkx writes for that graph (:func:`write_graph`), built from the
    tables by polars string expressions instead of per-node Python: reading it back gives
    the same nodes, edges, attributes and types. Tables that networkx would change on the
    way (XML-illegal text, which :func:`xml_safe_graph` renames; repeated pairs; edge
    ends that are not nodes; GEXF's reserved attribute names) are not written: the
    function returns None, and the caller writes them through networkx
    (:func:`write_graph`), which this layer does not import.

    Examples
    --------
    >>> import networkx as nx, polars as pl, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "g.gexf"
    >>> edges = pl.DataFrame({"account_a": ["b"], "account_b": ["a"], "weight": [2.5]})
    >>> nodes = pl.DataFrame({"account_id": ["a", "b"], "flag": [True, None]})
    >>> graph = nx.read_gexf(write_graph_frames(edges, nodes, path, format="gexf"))
    >>> graph.nodes(data=True), graph.edges(data=True)
    (NodeDataView({'a': {'flag': True, 'label': 'a'}, 'b': {'label': 'b'}}), EdgeDataView([('a', 'b', {'id': '0', 'weight': 2.5})]))
    """  # noqa: E501
    path = Path(path)
    if format not in GRAPH_FORMATS:
        raise ParameterError(
            f"the 'format' parameter of write_graph_frames must be one of "
            f"{', '.join(map(repr, GRAPH_FORMATS))}; got {format!r} instead"
        )
    reserved = format == "gexf" and (
        _GEXF_NODE_RESERVED & set(nodes.columns) or _GEXF_EDGE_RESERVED & set(edges.columns)
    )
    parts = None if reserved else _graph_frames(edges, nodes)
    if parts is None:
        return None
    (_graphml if format == "graphml" else _gexf)(path, parts)
    return path
