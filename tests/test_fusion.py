"""fuse(): Simes per family of traces, Benjamini-Hochberg per family, the smallest over
families; corroborated(): timing-only edges need a common neighbour."""

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.graph.backbone import corroborated
from cib_detect.graph.fusion import fuse

ACCOUNTS = [f"a{i}" for i in range(6)]
PAIRS = list(itertools.combinations(ACCOUNTS, 2))
TRACES = ["co_repost", "co_url", "sync_activity", "activity_profile"]
FAMILY = {"co_repost": "key", "co_url": "key"}  # the others: a family each


def _naive_bh(p: dict) -> dict:
    """q_i = min over j with p_j >= p_i of p_j * m / rank_j, written out."""
    m = len(p)
    ranked = sorted(p.values())
    return {
        k: min(1.0, min(v * m / (ranked.index(v) + ranked.count(v)) for v in ranked if v >= pk))
        for k, pk in p.items()
    }


def _naive_fuse(tables: dict, family_of: dict, first=None, alpha=0.05) -> dict:
    """Pair -> (p, q), computed the slow way, family by family: the ``first`` family's
    discoveries at ``alpha`` are no tests of the others."""
    families = sorted(set(family_of.values()), key=lambda f: (f != first, f))
    size = {f: sum(1 for t in family_of if family_of[t] == f) for f in families}
    pairs = {pair for table in tables.values() for pair in table}
    simes = {}
    for f in families:
        for pair in pairs:
            ps = sorted(tables[t][pair] for t in tables if family_of[t] == f and pair in tables[t])
            if ps:
                simes[f, pair] = min(1.0, min(size[f] * p / (i + 1) for i, p in enumerate(ps)))
    q_values, found = {}, set()
    for f in families:
        tested = {k: v for (g, k), v in simes.items() if g == f and v < 1 and k not in found}
        q_values[f] = _naive_bh(tested)
        if f == first:
            found = {k for k, q in q_values[f].items() if q <= alpha}
    fused = {}
    for pair in pairs:
        in_families = [f for f in families if (f, pair) in simes]
        best_p = min(simes[f, pair] for f in in_families)
        best_q = min(q_values[f].get(pair, 1.0) for f in in_families)
        fused[pair] = (best_p, best_q)
    return fused


def _table(pairs, p_values) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_a": [a for a, _ in pairs],
            "account_b": [b for _, b in pairs],
            "n_coactions": [1] * len(pairs),
            "min_dt": [1.0] * len(pairs),
            "p_value": list(p_values),
        }
    )


p_values = st.one_of(st.just(1.0), st.floats(1e-9, 1.0), st.sampled_from([0.01, 0.2]))


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(TRACES),
        st.dictionaries(st.sampled_from(PAIRS), p_values, min_size=1),
        min_size=1,
    )
)
def test_fused_p_and_q_values_match_the_slow_computation(tables):
    frames = {trace: _table(list(table), table.values()) for trace, table in tables.items()}
    family_of = {t: FAMILY.get(t, t) for t in tables}
    for first in (None, "key"):
        fused = fuse(frames, families=FAMILY, first_family=first, alpha=0.05)
        expected = _naive_fuse(tables, family_of, first, 0.05)
        assert fused.height == len(expected)
        for a, b, p, q in fused.select("account_a", "account_b", "p_value", "q_value").rows():
            np.testing.assert_allclose((p, q), expected[a, b], rtol=1e-12)


def test_one_family_is_simes_and_benjamini_hochberg_over_every_trace():
    a = _table([("x", "y"), ("x", "z")], [1e-4, 0.3])
    b = _table([("x", "y")], [0.02])
    together = fuse({"co_repost": a, "sync_activity": b})
    assert together.select("p_value").to_series().to_list() == [2e-4, 0.6]
    assert together.select("q_value").to_series().to_list() == [4e-4, 0.6]


def test_a_temporal_family_leaves_the_key_pairs_q_values_alone():
    key = _table([("x", "y"), ("x", "w")], [1e-4, 0.01])
    sync = _table([("x", "z"), ("y", "z"), ("x", "y")], [1e-3, 0.5, 0.9])
    alone = fuse({"co_repost": key}).sort("account_a", "account_b")
    both = fuse({"co_repost": key, "sync_activity": sync}, families={"co_repost": "key"})
    mixed = fuse({"co_repost": key, "sync_activity": sync})  # one family
    pair = (pl.col("account_a") == "x") & (pl.col("account_b") == "w")
    assert both.filter(pair)["q_value"].item() == alone.filter(pair)["q_value"].item()
    assert mixed.filter(pair)["q_value"].item() > alone.filter(pair)["q_value"].item()
    # the temporal family's own Benjamini-Hochberg over its three tests
    assert both.filter(pl.col("account_b") == "z")["q_value"].to_list() == pytest.approx(
        [3e-3, 0.75]
    )


def test_pairs_the_first_family_found_are_no_tests_of_the_others():
    key = _table([("x", "y")], [1e-6])
    sync = _table([("x", "y"), ("x", "z"), ("y", "z")], [1e-9, 0.01, 0.2])
    families = {"co_repost": "key"}
    pooled = fuse({"co_repost": key, "sync_activity": sync}, families=families)
    first = fuse({"co_repost": key, "sync_activity": sync}, families=families, first_family="key")
    xz = (pl.col("account_a") == "x") & (pl.col("account_b") == "z")
    # x-y, found by the key traces, no longer lowers the bar of x-z in the timing family
    assert pooled.filter(xz)["q_value"].item() == pytest.approx(0.015)
    assert first.filter(xz)["q_value"].item() == pytest.approx(0.02)


def test_a_timing_only_edge_stays_only_with_a_common_neighbour():
    edges = pl.DataFrame(
        {
            # a-b-c: a triangle of timing edges; x-y: a lone timing edge...
            "account_a": ["a", "a", "b", "x", "p"],
            "account_b": ["b", "c", "c", "y", "q"],
            "sync_activity_p_value": [1e-5, 1e-5, 1e-5, 1e-5, 1e-5],
            # ...while p-q is also tested on content, so it stays alone
            "co_url_p_value": [None, None, 1.0, None, 0.3],
        }
    )
    kept = corroborated(edges, ["sync_activity"])
    assert kept.select("account_a", "account_b").rows() == [
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
        ("p", "q"),
    ]
    assert corroborated(edges, []).equals(edges)
