"""Account-pair tables as networkx graphs, with attributes the graph file formats hold."""

from __future__ import annotations

import itertools

import networkx as nx
import polars as pl

from cib_detect.graph._validate import as_edge_frame
from cib_detect.io.writers import graph_safe_columns

__all__ = ["edges_to_networkx"]


def edges_to_networkx(edges: pl.DataFrame, nodes: pl.DataFrame | None = None) -> nx.Graph:
    """An undirected graph of an account-pair edge table, with every column as attribute.

    Parameters
    ----------
    edges : polars.DataFrame
        One row per account pair: ``account_a``, ``account_b`` and any other columns,
        which become edge attributes.
    nodes : polars.DataFrame, optional
        One row per account: ``account_id`` and any other columns, which become node
        attributes. Its accounts are added even when they have no edge.

    Returns
    -------
    networkx.Graph
        Nodes are account ids (accounts of ``nodes`` first, in their order, then new
        accounts of ``edges``); edges follow the row order of ``edges``. Attribute values
        are bool, int, float or str, as GraphML and GEXF require: lists and structs are
        JSON text, dates ISO text, durations float seconds, and a null value leaves the
        attribute out of that node or edge.

    Examples
    --------
    >>> import polars as pl
    >>> edges = pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [2.0],
    ...                       "keys": [["k1", "k2"]]})
    >>> nodes = pl.DataFrame({"account_id": ["a", "b"], "score": [0.9, None]})
    >>> graph = edges_to_networkx(edges, nodes)
    >>> graph.nodes(data=True)
    NodeDataView({'a': {'score': 0.9}, 'b': {}})
    >>> graph.edges(data=True)
    EdgeDataView([('a', 'b', {'weight': 2.0, 'keys': '["k1","k2"]'})])
    """
    edges = as_edge_frame(edges, function="edges_to_networkx")
    graph = nx.Graph()
    if nodes is not None:
        graph.add_nodes_from(_with_attributes(nodes, ["account_id"]))
    graph.add_edges_from(_with_attributes(edges, ["account_a", "account_b"]))
    return graph


def _with_attributes(frame: pl.DataFrame, keys: list[str]):
    """``(*keys, {attribute: value})`` per row, null values left out."""
    attributes = graph_safe_columns(frame.drop(keys))
    names = attributes.columns
    ids = [frame.get_column(key).to_list() for key in keys]
    # a frame of no columns has no rows either: then every row has no attributes
    rows = attributes.iter_rows() if names else itertools.repeat(())
    for *row_ids, values in zip(*ids, rows, strict=bool(names)):
        yield (*row_ids, {n: v for n, v in zip(names, values, strict=True) if v is not None})
