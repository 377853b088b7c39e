"""backbone(): significance, disparity filter, min weight and percentile rules."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.errors import ParameterError, SchemaError
from cib_detect.graph.backbone import backbone, disparity_alpha


def _edges(pairs, weights, **columns):
    return pl.DataFrame(
        {
            "account_a": [a for a, _ in pairs],
            "account_b": [b for _, b in pairs],
            "weight": pl.Series(weights, dtype=pl.Float64),
            **columns,
        }
    )


def naive_disparity_alpha(pairs, weights):
    """Serrano et al. 2009 eq. 2, one edge and one endpoint at a time."""
    valid = [w is not None and not math.isnan(w) for w in weights]
    alphas = []
    for (a, b), w, ok in zip(pairs, weights, valid, strict=True):
        if not ok:
            alphas.append(None)
            continue
        sides = []
        for node in (a, b):
            incident = [
                x for (p, x, v) in zip(pairs, weights, valid, strict=True) if v and node in p
            ]
            k, s = len(incident), sum(incident)
            if math.isinf(s):
                n_inf = sum(math.isinf(x) for x in incident)
                share = (1.0 / n_inf) if math.isinf(w) else 0.0
            else:
                share = w / s if s > 0 else None
            sides.append(1.0 if k <= 1 or share is None else (1.0 - share) ** (k - 1))
        alphas.append(min(sides))
    return alphas


# a hub "h" with five spokes, one of them heavy, and a triangle x-y-z hanging off spoke "a"
HAND_PAIRS = [("a", "h"), ("b", "h"), ("c", "h"), ("d", "h"), ("e", "h"), ("a", "x")]
HAND_PAIRS += [("x", "y"), ("x", "z"), ("y", "z")]
HAND_WEIGHTS = [16.0, 1.0, 1.0, 1.0, 1.0, 4.0, 1.0, 1.0, 6.0]


def test_disparity_alpha_equals_hand_computed_values():
    # h: k=5, s=20; a: k=2, s=20; x: k=3, s=6; y: k=2, s=7; z: k=2, s=7; b..e are leaves
    expected = [
        min((1 - 16 / 20) ** 4, (1 - 16 / 20) ** 1),  # a-h: 0.2**4 = 0.0016
        (1 - 1 / 20) ** 4,  # b-h, leaf b gives 1
        (1 - 1 / 20) ** 4,
        (1 - 1 / 20) ** 4,
        (1 - 1 / 20) ** 4,
        min((1 - 4 / 20) ** 1, (1 - 4 / 6) ** 2),  # a-x: 1/9
        min((1 - 1 / 6) ** 2, (1 - 1 / 7) ** 1),  # x-y
        min((1 - 1 / 6) ** 2, (1 - 1 / 7) ** 1),  # x-z
        (1 - 6 / 7) ** 1,  # y-z: 1/7 from both ends
    ]
    got = disparity_alpha(_edges(HAND_PAIRS, HAND_WEIGHTS)).to_list()
    assert got == pytest.approx(expected)


def test_disparity_filter_keeps_edges_significant_for_one_endpoint():
    edges = _edges(HAND_PAIRS, HAND_WEIGHTS)
    kept = backbone(edges, method="disparity", alpha=0.05)
    assert kept.select("account_a", "account_b").rows() == [("a", "h")]
    kept = backbone(edges, method="disparity", alpha=0.15)
    assert kept.select("account_a", "account_b").rows() == [("a", "h"), ("a", "x"), ("y", "z")]


def test_disparity_filter_keeps_leaf_edge_only_when_significant_for_the_other_end():
    # leaf "l" hangs off hub "h" with a dominant edge; "p"-"q" is an isolated pair whose
    # weight is huge but tested by no endpoint (both are leaves): it is dropped
    pairs = [("h", "l"), ("h", "m"), ("h", "n"), ("p", "q")]
    kept = backbone(_edges(pairs, [100.0, 1.0, 1.0, 1000.0]), method="disparity", alpha=0.05)
    assert kept.select("account_a", "account_b").rows() == [("h", "l")]


def test_disparity_filter_treats_infinite_weights_as_the_limit_and_nan_as_absent():
    pairs = [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c")]
    weights = [math.inf, 5.0, float("nan"), 1.0]
    got = disparity_alpha(_edges(pairs, weights)).to_list()
    assert got == pytest.approx(naive_disparity_alpha(pairs, weights), nan_ok=True)
    assert got[0] == 0.0 and got[2] is None


def test_disparity_filter_refuses_negative_weights():
    with pytest.raises(SchemaError, match="1 negative value"):
        backbone(_edges([("a", "b")], [-1.0]), method="disparity")


accounts = st.sampled_from("abcdefg")
edge_lists = st.lists(
    st.tuples(
        st.tuples(accounts, accounts).filter(lambda p: p[0] < p[1]),
        st.one_of(
            st.floats(0, 50, allow_nan=False),
            st.sampled_from([0.0, 1.0, math.inf, None, float("nan")]),
        ),
    ),
    unique_by=lambda e: e[0],
    max_size=18,
)


@settings(max_examples=150, deadline=None)
@given(edge_list=edge_lists, alpha=st.sampled_from([0.01, 0.05, 0.3, 0.9, 1.0]))
def test_disparity_filter_equals_the_naive_loop(edge_list, alpha):
    pairs = [p for p, _ in edge_list]
    weights = [w for _, w in edge_list]
    edges = _edges(pairs, weights).with_row_index("row")
    expected_alpha = naive_disparity_alpha(pairs, weights)
    assert disparity_alpha(edges).to_list() == pytest.approx(expected_alpha, nan_ok=True)
    expected_rows = [i for i, x in enumerate(expected_alpha) if x is not None and x < alpha]
    kept = backbone(edges, method="disparity", alpha=alpha)
    assert kept["row"].to_list() == expected_rows
    assert kept.columns == edges.columns


@settings(max_examples=100, deadline=None)
@given(
    weights=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40),
    q=st.floats(0, 1),
)
def test_percentile_keeps_weights_strictly_above_the_numpy_quantile(weights, q):
    edges = _edges([(f"a{i}", f"b{i}") for i in range(len(weights))], weights)
    threshold = np.quantile(np.array(weights), q, method="linear")
    expected = [w for w in weights if w > threshold]
    kept = backbone(edges, method="percentile", percentile=q)["weight"].to_list()
    # polars and numpy interpolate in different float orders: allow a last-bit tie
    assert kept == expected or all(
        math.isclose(w, threshold, rel_tol=1e-12) for w in set(kept) ^ set(expected)
    )


def test_percentile_ignores_null_and_nan_weights_in_the_quantile():
    edges = _edges([(f"a{i}", f"b{i}") for i in range(6)], [1.0, 2.0, 3.0, 4.0, None, math.nan])
    # quantile 0.5 of [1, 2, 3, 4] is 2.5
    assert backbone(edges, method="percentile", percentile=0.5)["weight"].to_list() == [3.0, 4.0]


def test_percentile_matches_coortweet_on_ties():
    # CooRTweet keeps weight > quantile: all-equal weights keep nothing
    edges = _edges([("a", "b"), ("a", "c"), ("b", "c")], [2.0, 2.0, 2.0])
    assert backbone(edges, method="percentile", percentile=0.5).height == 0


def test_significance_keeps_q_values_at_or_below_alpha():
    edges = _edges(
        [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")],
        [1.0, 1.0, 1.0, 1.0],
        q_value=[0.05, 0.050001, None, 0.0],
    )
    kept = backbone(edges, alpha=0.05)
    assert kept.select("account_a", "account_b").rows() == [("a", "b"), ("c", "d")]
    assert kept.columns == edges.columns


def test_min_weight_reads_the_chosen_column():
    edges = _edges(
        [("a", "b"), ("a", "c"), ("b", "c")], [9.0, 0.1, 5.0], co_repost_n_coactions=[1, 7, 3]
    )
    kept = backbone(edges, method="min_weight", min_weight=3, weight="co_repost_n_coactions")
    assert kept["co_repost_n_coactions"].to_list() == [7, 3]
    assert backbone(edges, method="min_weight", min_weight=5)["weight"].to_list() == [9.0, 5.0]


def test_every_method_returns_an_empty_frame_with_the_columns_on_empty_input():
    edges = _edges([], [], q_value=pl.Series([], dtype=pl.Float64))
    for kwargs in (
        {},
        {"method": "disparity"},
        {"method": "min_weight", "min_weight": 1},
        {"method": "percentile", "percentile": 0.5},
    ):
        kept = backbone(edges, **kwargs)
        assert kept.height == 0 and kept.schema == edges.schema


def test_backbone_accepts_a_lazy_frame():
    edges = _edges([("a", "b"), ("a", "c")], [3.0, 1.0])
    kept = backbone(edges.lazy(), method="min_weight", min_weight=2)
    assert isinstance(kept, pl.DataFrame) and kept.height == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "dispersion"}, "'method' parameter of backbone must be one of"),
        ({"alpha": 0}, r"'alpha' parameter of backbone must be a number in \(0, 1\]; got 0"),
        ({"method": "min_weight"}, "method='min_weight' needs min_weight="),
        ({"min_weight": 3}, "min_weight=3 is only used by method='min_weight'"),
        ({"method": "percentile", "percentile": 90}, "did you mean 0.9"),
        ({"method": "percentile", "percentile": -0.1}, "must be a number in"),
        ({"method": "min_weight", "min_weight": math.nan}, "'min_weight' parameter"),
        ({"method": "disparity", "weight": 3}, "'weight' parameter of backbone must be"),
    ],
)
def test_bad_parameters_raise_a_parameter_error_naming_the_fix(kwargs, message):
    edges = _edges([("a", "b")], [1.0], q_value=[0.01])
    with pytest.raises(ParameterError, match=message):
        backbone(edges, **kwargs)


def test_missing_or_non_numeric_columns_raise_a_schema_error():
    edges = _edges([("a", "b")], [1.0])
    with pytest.raises(SchemaError, match="missing column 'q_value' that method='significance'"):
        backbone(edges)
    with pytest.raises(SchemaError, match="missing column 'n_coactions'"):
        backbone(edges, method="min_weight", min_weight=1, weight="n_coactions")
    with pytest.raises(SchemaError, match="'label' \\(String\\) must be numeric"):
        backbone(
            edges.with_columns(label=pl.lit("x")),
            method="min_weight",
            min_weight=1,
            weight="label",
        )
    with pytest.raises(ParameterError, match="must be a polars DataFrame"):
        backbone([("a", "b")], method="disparity")
