"""Backbone extraction: which edges of an account-pair table to keep before clustering.

Four rules, from the strictest statistical one to the ones the peers use:

- ``"significance"``: edges whose Benjamini-Hochberg ``q_value`` is at most ``alpha``.
- ``"disparity"``: the disparity filter of Serrano, Boguñá & Vespignani (2009), "Extracting
  the multiscale backbone of complex weighted networks", PNAS 106(16):6483-6488.
- ``"min_weight"``: edges with a weight of at least ``min_weight`` (any numeric column).
- ``"percentile"``: edges whose weight is strictly above a quantile of all weights, the
  rule of CooRnet (``percentile_edge_weight``) and CooRTweet (``edge_weight``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
from scipy import sparse

from cib_detect._params import check_choice, check_number
from cib_detect.errors import ParameterError, SchemaError
from cib_detect.graph._validate import as_edge_frame

__all__ = [
    "BACKBONE_METHODS",
    "backbone",
    "check_backbone_options",
    "corroborated",
    "disparity_alpha",
]

#: The backbone rules :func:`backbone` knows.
BACKBONE_METHODS = ("significance", "disparity", "min_weight", "percentile")

_FUNCTION = "backbone"


def backbone(
    edges: pl.DataFrame,
    *,
    method: Literal["significance", "disparity", "min_weight", "percentile"] = "significance",
    alpha: float = 0.05,
    min_weight: float | None = None,
    percentile: float | None = None,
    weight: str = "weight",
) -> pl.DataFrame:
    """The rows of an account-pair edge table that belong to its backbone.

    Parameters
    ----------
    edges : polars.DataFrame
        One row per unordered account pair with ``account_a``, ``account_b`` and the
        column the method reads (a LazyFrame is collected, a pandas frame converted).
    method : {"significance", "disparity", "min_weight", "percentile"}
        - ``"significance"``: keep ``q_value <= alpha`` (Benjamini-Hochberg q-values of
          the fused table); rows with a null q-value are dropped.
        - ``"disparity"``: the disparity filter (Serrano, Boguñá & Vespignani 2009) on the
          ``weight`` column. For an endpoint ``i`` with degree ``k_i`` and strength
          ``s_i`` (sum of its weights), an edge's p-value under the null of uniformly
          split strength is ``alpha_ij = (1 - w_ij / s_i) ** (k_i - 1)``; the edge is
          kept when ``alpha_ij < alpha`` for at least one endpoint. A degree-1 endpoint
          gives ``alpha_ij = 1`` (``0 ** 0``: its only edge carries all its strength,
          which is exactly what the null predicts, so it is no evidence), hence an edge
          of a degree-1 account is kept only if significant for its other endpoint, and
          an isolated pair is dropped; this is the paper's rule applied literally and
          what the R packages ``backbone`` and ``disparityfilter`` do. See
          :func:`disparity_alpha`.
        - ``"min_weight"``: keep ``weight >= min_weight``.
        - ``"percentile"``: keep ``weight > quantile(weight, percentile)``, strictly
          greater, with linear interpolation (R's default type 7), as CooRnet and
          CooRTweet do.
    alpha : float
        Significance level in (0, 1] of ``"significance"`` and ``"disparity"``.
    min_weight : float, optional
        Smallest weight kept by ``"min_weight"`` (required by it, refused by the others).
    percentile : float, optional
        Quantile in [0, 1] for ``"percentile"``, e.g. ``0.9`` for the 90th percentile
        (CooRnet's ``percentile_edge_weight``); required by it, refused by the others.
    weight : str
        Numeric column read by ``"disparity"``, ``"min_weight"`` and ``"percentile"``,
        e.g. ``"weight"`` (fused strength, ``-log10`` of the fused p-value) or a raw count
        such as ``"co_repost_n_coactions"`` or ``"n_coactions"``.

    Returns
    -------
    polars.DataFrame
        The kept rows, with all columns, in their input order. Null and NaN weights are
        never kept; in the disparity filter they count as absent edges (they add to
        neither degree nor strength) and in the percentile they are left out of the
        quantile.

    Raises
    ------
    ParameterError
        A parameter is out of range or does not apply to ``method``.
    SchemaError
        ``edges`` lacks a column the method needs, or the disparity filter meets a
        negative weight.

    Notes
    -----
    Infinite weights (``-log10`` of a p-value that underflowed to 0) are allowed in the
    disparity filter: a node's infinite edges share its strength equally and its finite
    edges get ``w / s = 0``, the limit of growing weights.

    Examples
    --------
    >>> import polars as pl
    >>> edges = pl.DataFrame({
    ...     "account_a": ["a", "a", "a", "b"], "account_b": ["b", "c", "d", "c"],
    ...     "weight": [10.0, 1.0, 1.0, 2.0], "q_value": [0.001, 0.2, 0.3, 0.04]})
    >>> backbone(edges)["account_b"].to_list()
    ['b', 'c']
    >>> backbone(edges, method="min_weight", min_weight=2)["account_b"].to_list()
    ['b', 'c']
    >>> backbone(edges, method="percentile", percentile=0.5)["weight"].to_list()
    [10.0, 2.0]
    >>> backbone(edges, method="disparity", alpha=0.2)["account_b"].to_list()
    ['b']
    """
    check_choice(method, BACKBONE_METHODS, name="method", function=_FUNCTION)
    check_backbone_options(method, alpha, min_weight, percentile, weight)
    if method == "significance":
        frame = as_edge_frame(
            edges,
            function=_FUNCTION,
            numeric=("q_value",),
            needs="that method='significance' needs (a fused table has it; for one "
            "trace's edges use method='disparity', 'min_weight' or 'percentile')",
        )
        return frame.filter(pl.col("q_value") <= alpha)
    frame = as_edge_frame(
        edges, function=_FUNCTION, numeric=(weight,), needs=f"(the weight= column of {method!r})"
    )
    w = _weight_expr(weight)
    if method == "min_weight":
        return frame.filter(w >= min_weight)
    if method == "percentile":
        return frame.filter(w > w.quantile(percentile, interpolation="linear"))
    return frame.filter(pl.Series(disparity_alpha(frame, weight=weight) < alpha))


def disparity_alpha(edges: pl.DataFrame, *, weight: str = "weight") -> pl.Series:
    """The disparity-filter p-value of every edge: the smaller of its two endpoints'.

    For endpoint ``i`` of degree ``k_i`` and strength ``s_i``, ``alpha_ij = (1 - w_ij /
    s_i) ** (k_i - 1)`` (Serrano, Boguñá & Vespignani 2009, eq. 2), taken as 1 when
    ``k_i = 1`` or ``s_i = 0``. Null and NaN weights give null and do not count in
    degrees or strengths. See :func:`backbone` for the rule built on it.

    Parameters
    ----------
    edges : polars.DataFrame
        Account pairs with ``account_a``, ``account_b`` and the ``weight`` column.
    weight : str
        Numeric, non-negative column to test.

    Returns
    -------
    polars.Series
        Float64 named ``"disparity_alpha"``, aligned with the rows of ``edges``.

    Examples
    --------
    >>> import polars as pl
    >>> edges = pl.DataFrame({"account_a": ["a", "a", "a"], "account_b": ["b", "c", "d"],
    ...                       "weight": [2.0, 1.0, 1.0]})
    >>> disparity_alpha(edges).round(4).to_list()  # (1 - 2/4)**2, (1 - 1/4)**2; leaves: 1
    [0.25, 0.5625, 0.5625]
    """
    frame = as_edge_frame(edges, function="disparity_alpha", numeric=(weight,))
    w = _weight_expr(weight)
    negative = frame.select((w < 0).sum()).item()
    if negative:
        raise SchemaError(
            f"edges column {weight!r} has {negative} negative value"
            f"{'s' if negative > 1 else ''}; the disparity filter needs non-negative weights "
            f"(pass another weight= or use method='min_weight')"
        )
    n = frame.height
    # both endpoints of every edge in one long frame: rows [0, n) are the account_a side,
    # rows [n, 2n) the account_b side, so the two halves line up with the edges
    ends = pl.concat(
        [
            frame.select(pl.col(side).alias("node"), w.alias("w"))
            for side in ("account_a", "account_b")
        ]
    )
    # per-node degree, strength and count of infinite weights, joined back to both ends
    # (one group_by and a join are several times faster than three windows over strings)
    infinite = pl.col("w") == float("inf")
    nodes = ends.group_by("node").agg(
        pl.col("w").count().alias("degree"),
        pl.col("w").sum().alias("strength"),
        infinite.sum().alias("n_infinite"),
    )
    ends = ends.join(nodes, on="node", how="left", maintain_order="left")
    share = (
        pl.when(pl.col("n_infinite") > 0)
        .then(infinite.cast(pl.Float64) / pl.col("n_infinite"))
        .otherwise(pl.col("w") / pl.col("strength"))
    )
    alpha = (
        pl.when(pl.col("w").is_null())
        .then(None)
        .when((pl.col("degree") <= 1) | share.is_nan())  # a leaf, or a node of zero strength
        .then(1.0)
        .otherwise((1.0 - share) ** (pl.col("degree") - 1).cast(pl.Float64))
    )
    sides = ends.select(alpha.alias("alpha")).get_column("alpha")
    pair = pl.DataFrame({"a": sides.head(n), "b": sides.tail(n)})
    return pair.select(pl.min_horizontal("a", "b").alias("disparity_alpha")).to_series()


def _weight_expr(weight: str) -> pl.Expr:
    """The weight column as Float64 with NaN turned into null (never kept, never counted)."""
    return pl.col(weight).cast(pl.Float64).fill_nan(None)


def check_backbone_options(
    method, alpha, min_weight=None, percentile=None, weight="weight", *, function=_FUNCTION
) -> None:
    """Fail unless ``alpha``, ``min_weight``, ``percentile`` and ``weight`` fit ``method``,
    naming each problem and ``function``.

    Examples
    --------
    >>> check_backbone_options("min_weight", 0.05, min_weight=3, weight="n_coactions")
    >>> check_backbone_options("min_weight", 0.05)
    Traceback (most recent call last):
    ...
    cib_detect.errors.ParameterError: backbone: method='min_weight' needs min_weight=...
    """
    check_number(alpha, name="alpha", function=function, low=0, high=1, low_open=True)
    if not isinstance(weight, str):
        raise ParameterError(
            f"the 'weight' parameter of {function} must be a column name (str); "
            f"got {weight!r} instead"
        )
    problems = []
    for name, value in (("min_weight", min_weight), ("percentile", percentile)):
        if method == name and value is None:
            problems.append(f"method={name!r} needs {name}=...")
        elif method != name and value is not None:
            problems.append(
                f"{name}={value!r} is only used by method={name!r} but method={method!r}; "
                f"pass method={name!r} or drop {name}"
            )
    if problems:
        raise ParameterError(f"{function}: {'; '.join(problems)}")
    if method == "min_weight":
        check_number(min_weight, name="min_weight", function=function)
    if method == "percentile":
        if isinstance(percentile, int | float) and not isinstance(percentile, bool):
            if 1 < percentile <= 100:
                raise ParameterError(
                    f"the 'percentile' parameter of {function} is a quantile in [0, 1] "
                    f"(as CooRnet's percentile_edge_weight); got {percentile!r}, did you "
                    f"mean {percentile / 100:g}?"
                )
        check_number(percentile, name="percentile", function=function, low=0, high=1)


def corroborated(edges: pl.DataFrame, timing_traces) -> pl.DataFrame:
    """The edges but those resting on timing alone with no common neighbour.

    A timing trace (``sync_activity``, ``activity_profile``) tests every two accounts
    active in the same minutes, so even at a controlled false discovery rate its false
    pairs are many where true ones are (each campaign adds hundreds of discoveries, and
    the rate lets 5 % of them be chance), and they fall on random pairs of busy ordinary
    accounts. A group that works to one schedule is dense instead: its members are in
    step with one another, not one partner each. So an edge whose only tested traces
    (``{trace}_p_value < 1``) are timing traces is kept only when its two accounts share
    a neighbour among ``edges``; an edge with a tested content trace is always kept.

    Parameters
    ----------
    edges : polars.DataFrame
        Backbone edges of a fused table (``account_a``, ``account_b``,
        ``{trace}_p_value``).
    timing_traces : sequence of str
        The traces whose evidence alone needs corroboration.

    Returns
    -------
    polars.DataFrame
        The kept rows, in their order.

    Examples
    --------
    >>> import polars as pl
    >>> edges = pl.DataFrame({"account_a": ["a", "a", "b", "x"],
    ...                       "account_b": ["b", "c", "c", "y"],
    ...                       "sync_activity_p_value": [1e-4, 1e-4, 1e-4, 1e-4]})
    >>> corroborated(edges, ["sync_activity"])["account_b"].to_list()
    ['b', 'c', 'c']
    """
    timing = [f"{t}_p_value" for t in timing_traces if f"{t}_p_value" in edges.columns]
    content = [c for c in edges.columns if c.endswith("_p_value") and c not in timing]
    if not timing or edges.height == 0:
        return edges
    lone = np.ones(edges.height, bool)
    for column in content:
        lone &= edges.get_column(column).fill_null(1.0).to_numpy() >= 1.0
    if not lone.any():
        return edges
    ids, codes = np.unique(
        np.concatenate([edges["account_a"].to_numpy(), edges["account_b"].to_numpy()]),
        return_inverse=True,
    )
    a, b = codes[: edges.height], codes[edges.height :]
    n = len(ids)
    adjacency = sparse.coo_matrix((np.ones(len(a), np.int32), (a, b)), shape=(n, n)).tocsr()
    adjacency = ((adjacency + adjacency.T) > 0).astype(np.int32)
    shared = np.asarray(adjacency[a[lone]].multiply(adjacency[b[lone]]).sum(axis=1)).ravel()
    keep = np.ones(edges.height, bool)
    keep[lone] = shared > 0
    return edges.filter(pl.Series(keep))
