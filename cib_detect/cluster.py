"""Clusters of accounts: connected components of a backbone, refined by Louvain when large."""

from __future__ import annotations

from typing import Literal

import networkx as nx
import numpy as np
import polars as pl
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from cib_detect._params import check_choice, check_int, check_number
from cib_detect.errors import ParameterError, SchemaError
from cib_detect.graph._validate import as_edge_frame

__all__ = ["CLUSTER_METHODS", "NOISE", "attach_accounts", "cluster_accounts"]

#: The clustering rules :func:`cluster_accounts` knows.
CLUSTER_METHODS = ("auto", "components", "louvain")

#: ``cluster_id`` of an account in no cluster (scikit-learn's noise label).
NOISE = -1

_FUNCTION = "cluster_accounts"


def cluster_accounts(
    edges: pl.DataFrame,
    *,
    accounts=None,
    min_cluster_size: int = 3,
    method: Literal["auto", "components", "louvain"] = "auto",
    resolution: float = 1.0,
    max_component_size: int = 50,
    dense: float = 0.5,
    random_state: int | None = 0,
    weight: str | None = "weight",
) -> pl.DataFrame:
    """Group accounts into clusters over the edges of a (backbone) account-pair graph.

    Every connected component is a candidate cluster. Components too large to be one
    operation are split into communities by Louvain (``networkx.community.
    louvain_communities``, modularity with ``resolution``), each community then split into
    its connected parts (so every cluster is connected, the guarantee Leiden adds over
    Louvain). Groups smaller than ``min_cluster_size`` are noise.

    Parameters
    ----------
    edges : polars.DataFrame
        Account pairs with ``account_a``, ``account_b`` and, when ``weight`` is not None,
        a non-negative finite ``weight`` column; usually the output of
        :func:`cib_detect.graph.backbone`. Every row is an edge, whatever its weight.
    accounts : polars.Series, polars.DataFrame, sequence of str, optional
        All accounts to label (a frame must have ``account_id``); those with no edge get
        ``-1``. Accounts of ``edges`` are always labelled.
    min_cluster_size : int
        Smallest cluster (>= 2); smaller groups get ``-1``.
    method : {"auto", "components", "louvain"}
        ``"auto"``: components, those with more than ``max_component_size`` accounts split
        by Louvain. ``"components"``: components only. ``"louvain"``: Louvain on every
        component of at least ``min_cluster_size`` accounts.
    resolution : float
        Louvain resolution (> 0); larger gives smaller communities.
    max_component_size : int
        Largest component kept whole by ``method="auto"``.
    dense : float
        ``method="auto"`` keeps a larger component whole too when at least this share
        of its account pairs are edges: a campaign whose members all co-act with each
        other is one operation, however many accounts it runs.
    random_state : int or None
        Seed of Louvain. The labels depend only on it and on the set of edges (not on
        row order or thread count); ``None`` draws a fresh seed.
    weight : str or None
        Column of edge weights used by Louvain; ``None`` treats every edge alike.
        Components ignore weights, so ``method="components"`` never reads it.

    Returns
    -------
    polars.DataFrame
        ``account_id`` (dtype of ``edges``' account columns) and ``cluster_id`` (Int64),
        one row per account, sorted by ``account_id``. Clusters are numbered ``0, 1, ...``
        by decreasing size, ties by smallest account id; ``-1`` is no cluster.

    Raises
    ------
    ParameterError
        A parameter is out of range.
    SchemaError
        ``edges`` lacks a column, or its weights are null, negative or not finite.

    Examples
    --------
    >>> import polars as pl
    >>> edges = pl.DataFrame({"account_a": ["a", "a", "b", "x", "p"],
    ...                       "account_b": ["b", "c", "c", "y", "q"],
    ...                       "weight": [1.0, 1.0, 1.0, 1.0, 1.0]})
    >>> cluster_accounts(edges, accounts=["a", "lonely"]).rows()
    [('a', 0), ('b', 0), ('c', 0), ('lonely', -1), ('p', -1), ('q', -1), ('x', -1), ('y', -1)]
    >>> cluster_accounts(edges, min_cluster_size=2)["cluster_id"].to_list()
    [0, 0, 0, 1, 1, 2, 2]
    """
    check_choice(method, CLUSTER_METHODS, name="method", function=_FUNCTION)
    check_int(min_cluster_size, name="min_cluster_size", function=_FUNCTION, minimum=2)
    check_int(max_component_size, name="max_component_size", function=_FUNCTION, minimum=2)
    check_number(resolution, name="resolution", function=_FUNCTION, low=0, low_open=True)
    check_int(random_state, name="random_state", function=_FUNCTION, allow_none=True)
    if weight is not None and not isinstance(weight, str):
        raise ParameterError(
            f"the 'weight' parameter of {_FUNCTION} must be a column name (str) or None; "
            f"got {weight!r} instead"
        )
    if method == "components":
        weight = None  # components ignore weights: do not ask for a column never read
    frame = as_edge_frame(
        edges, function=_FUNCTION, numeric=() if weight is None else (weight,), needs="(weight=)"
    )
    nodes, a, b = _encode(frame, _account_series(accounts, frame.schema["account_a"]))
    w = _weights(frame, weight)
    check_number(dense, name="dense", function=_FUNCTION, low=0, high=1)
    if method == "components":
        refine_above = None
    elif method == "louvain":
        refine_above, dense = min_cluster_size - 1, float("inf")
    else:
        refine_above = max_component_size
    labels = _labels(len(nodes), a, b, w, refine_above, dense, resolution, random_state)
    return pl.DataFrame(
        {"account_id": nodes, "cluster_id": _number(labels, min_cluster_size)},
        schema={"account_id": nodes.dtype, "cluster_id": pl.Int64},
    )


def _account_series(accounts, dtype) -> pl.Series | None:
    if accounts is None:
        return None
    if isinstance(accounts, pl.LazyFrame):
        accounts = accounts.collect()
    if isinstance(accounts, pl.DataFrame):
        if "account_id" not in accounts.columns:
            raise SchemaError(
                f"accounts has no column 'account_id' (columns found: "
                f"{', '.join(map(repr, accounts.columns))}); pass a frame with account_id or "
                f"a sequence of account ids"
            )
        accounts = accounts.get_column("account_id")
    elif isinstance(accounts, str) or not hasattr(accounts, "__iter__"):
        raise ParameterError(
            f"the 'accounts' parameter of {_FUNCTION} must be a polars Series, a frame with "
            f"'account_id' or a sequence of account ids; got {type(accounts).__name__} instead"
        )
    try:
        series = pl.Series("account_id", accounts).cast(dtype)
    except Exception as error:  # polars raises several kinds on a failed strict cast
        raise SchemaError(
            f"accounts could not be read as {dtype} account ids like those of edges: {error}"
        ) from None
    return series.drop_nulls()


def _encode(frame: pl.DataFrame, accounts: pl.Series | None):
    """Sorted unique account ids and the edge endpoints as int64 positions in them."""
    parts = [frame.get_column("account_a"), frame.get_column("account_b")]
    if accounts is not None:
        parts.append(accounts)
    nodes = pl.concat([p.alias("account_id") for p in parts]).unique().sort()
    index = nodes.to_frame().with_row_index("code")
    # a hash join is several times faster than search_sorted or rank on string ids
    codes = [
        frame.select(pl.col(side).alias("account_id"))
        .join(index, on="account_id", how="left", maintain_order="left")
        .get_column("code")
        .to_numpy()
        .astype(np.int64)
        for side in ("account_a", "account_b")
    ]
    return nodes, codes[0], codes[1]


def _weights(frame: pl.DataFrame, weight: str | None) -> np.ndarray:
    if weight is None:
        return np.ones(frame.height)
    w = frame.get_column(weight).cast(pl.Float64)
    n_null = w.null_count()
    values = w.fill_null(0.0).to_numpy()
    n_bad = int((~np.isfinite(values)).sum() + (values < 0).sum())
    if n_null or n_bad:
        raise SchemaError(
            f"edges column {weight!r} has {n_null} null and {n_bad} negative, NaN or infinite "
            f"values; Louvain needs finite non-negative weights (clip p-values away from 0 "
            f"before taking -log10, filter those rows, or pass weight=None)"
        )
    return values


def _labels(n, a, b, w, refine_above, dense, resolution, random_state) -> np.ndarray:
    """One label per node: its component, or its Louvain community's connected part."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    labels = _components(n, a, b)
    sizes = np.bincount(labels)
    if refine_above is None:
        return labels
    edges_in = np.bincount(labels[a[a != b]], minlength=len(sizes))
    density = edges_in / np.maximum(sizes * (sizes - 1) / 2, 1)
    big = np.flatnonzero((sizes > refine_above) & (density < dense))
    if len(big) == 0:
        return labels
    # canonical edge order, whatever the input row order: (low, high) positions, then weight
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    edge_label = labels[lo]
    community = labels.copy()
    next_label = len(sizes)
    for component in big:
        members = np.flatnonzero(labels == component)
        inside = np.flatnonzero(edge_label == component)
        graph = nx.Graph()
        graph.add_nodes_from(members.tolist())
        graph.add_weighted_edges_from(
            zip(lo[inside].tolist(), hi[inside].tolist(), w[inside], strict=True)
        )
        parts = nx.community.louvain_communities(
            graph, weight="weight", resolution=resolution, seed=random_state
        )
        # number communities by smallest member, so labels never depend on set order
        for part in sorted(parts, key=min):
            community[np.fromiter(part, dtype=np.int64, count=len(part))] = next_label
            next_label += 1
    keep = community[lo] == community[hi]
    return _components(n, lo[keep], hi[keep])


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    graph = sparse.coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n)).tocsr()
    return connected_components(graph, directed=False)[1].astype(np.int64)


def _number(labels: np.ndarray, min_cluster_size: int) -> np.ndarray:
    """Cluster ids 0.. by decreasing size then smallest member; small groups get -1.

    Nodes are sorted by account id, so a group's first node is its smallest account id.
    """
    if len(labels) == 0:
        return np.zeros(0, dtype=np.int64)
    groups, first, inverse, sizes = np.unique(
        labels, return_index=True, return_inverse=True, return_counts=True
    )
    rank = np.empty(len(groups), dtype=np.int64)
    rank[np.lexsort((first, -sizes))] = np.arange(len(groups))
    ids = np.where(sizes >= min_cluster_size, rank, NOISE)
    return ids[inverse]


def attach_accounts(
    clusters: pl.DataFrame, edges: pl.DataFrame, *, alpha: float = 0.05, tie_p: float = 0.05
) -> pl.DataFrame:
    """Add to a cluster the accounts tied to more of its members than chance allows.

    Pairwise tests are weak for an account of a large group whose every single tie is
    only moderately unlikely (a member of a 200-account network sharing five or six posts
    with each other member, where chance explains two or three): no one edge passes the
    false discovery rate, yet ties to half the group cannot be chance. For an account in
    no cluster and a cluster of ``m`` members, ``k`` counts the members it has a tie with
    ``p_value <= tie_p``. Under the null each member is such a tie with probability at
    most ``tie_p`` (p-values are valid), so ``P(Binomial(m, tie_p) >= k)`` is a p-value
    of the account's link to the cluster. Benjamini-Hochberg runs over every (account,
    cluster) pair with a tie; an account joins the cluster with its smallest p-value if
    that q-value is at most ``alpha``.

    Parameters
    ----------
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (``-1`` = none), as from :func:`cluster_accounts`.
    edges : polars.DataFrame
        Tested account pairs with ``account_a``, ``account_b`` and ``p_value`` (all of
        them, not just the backbone).
    alpha : float
        False discovery rate of the attachments.
    tie_p : float
        Largest edge p-value that counts as a tie.

    Returns
    -------
    polars.DataFrame
        ``clusters`` with the attached accounts' ``cluster_id`` set.

    Examples
    --------
    >>> members = [f"m{i}" for i in range(10)]
    >>> clusters = pl.DataFrame({"account_id": members + ["v", "w"],
    ...                          "cluster_id": [0] * 10 + [-1, -1]})
    >>> edges = pl.DataFrame({"account_a": members[:6] + ["m0"], "account_b": ["v"] * 6 + ["w"],
    ...                       "p_value": [0.01] * 6 + [0.001]})
    >>> attach_accounts(clusters, edges).filter(pl.col("account_id").is_in(["v", "w"])).rows()
    [('v', 0), ('w', -1)]
    """
    from scipy import stats

    from cib_detect.graph.significance import bh_qvalues

    check_number(alpha, name="alpha", function="attach_accounts", low=0, high=1)
    check_number(tie_p, name="tie_p", function="attach_accounts", low=0, high=1, low_open=True)
    ties = edges.filter(pl.col("p_value") <= tie_p).select("account_a", "account_b")
    member = clusters.filter(pl.col("cluster_id") != NOISE)
    both_ways = pl.concat(
        [
            ties,
            ties.select(
                pl.col("account_b").alias("account_a"), pl.col("account_a").alias("account_b")
            ),
        ]
    )
    candidates = (
        both_ways.join(member, left_on="account_b", right_on="account_id")
        .join(member.select("account_id"), left_on="account_a", right_on="account_id", how="anti")
        .group_by("account_a", "cluster_id")
        .agg(pl.len().alias("ties"))
        .join(member.group_by("cluster_id").agg(pl.len().alias("size")), on="cluster_id")
        .sort("account_a", "cluster_id")
    )
    if candidates.height == 0:
        return clusters
    p = stats.binom.sf(candidates["ties"].to_numpy() - 1, candidates["size"].to_numpy(), tie_p)
    joined = (
        candidates.with_columns(pl.Series("p", p), pl.Series("q", bh_qvalues(p)))
        .filter(pl.col("q") <= alpha)
        .sort("account_a", "p", "cluster_id")
        .unique("account_a", keep="first")
        .select(pl.col("account_a").alias("account_id"), pl.col("cluster_id").alias("joined"))
    )
    return (
        clusters.join(joined, on="account_id", how="left", maintain_order="left")
        .with_columns(pl.coalesce("joined", "cluster_id").alias("cluster_id"))
        .drop("joined")
    )
