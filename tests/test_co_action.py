"""co_action_edges / co_action_evidence on posts frames, against the naive reference."""

from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cib_detect as cd
import cib_detect.traces.tables
from cib_detect.errors import CappedKeysWarning, ParameterError, SchemaError
from tests.reference import naive_account_pair_stats, naive_window_pairs

T0 = datetime(2024, 3, 1, tzinfo=timezone.utc)


def _posts(accounts, keys, seconds, column="repost_of"):
    return pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(len(accounts))],
            "account_id": [f"acc{a}" for a in accounts],
            "timestamp": [T0 + timedelta(seconds=float(s)) for s in seconds],
            column: [None if k is None else f"k{k}" for k in keys],
        },
        schema={
            "post_id": pl.String,
            "account_id": pl.String,
            "timestamp": pl.Datetime("us", "UTC"),
            column: pl.String,
        },
    )


rows = st.lists(
    st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 3)), st.integers(0, 120)),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows=rows, window=st.integers(0, 60), min_weight=st.integers(1, 3))
def test_co_repost_edges_equal_the_naive_reference(rows, window, min_weight):
    accounts = [r[0] for r in rows]
    keys = [r[1] for r in rows]
    seconds = [r[2] for r in rows]
    got = cd.co_action_edges(
        _posts(accounts, keys, seconds), trace="co_repost", window=window, min_weight=min_weight
    )
    kept = [i for i, k in enumerate(keys) if k is not None]
    # account ids "acc<n>" sort like their string, so map through the strings
    names = sorted({f"acc{a}" for a in accounts})
    code = {name: i for i, name in enumerate(names)}
    expected = naive_account_pair_stats(
        np.array([keys[i] for i in kept], dtype=np.int64),
        np.array([seconds[i] for i in kept], dtype=np.int64) * 1_000_000,
        np.array([code[f"acc{accounts[i]}"] for i in kept], dtype=np.int64),
        np.array(kept, dtype=np.int64),
        window * 1_000_000,
        min_coactions=min_weight,
    )
    as_dict = {
        (code[a], code[b]): (n, k, pa, pb, round(mn * 1e6), round(mean * n * 1e6))
        for a, b, n, k, pa, pb, mn, mean in got.rows()
    }
    assert as_dict == expected
    assert (got["account_a"] < got["account_b"]).all()
    assert got.schema == pl.Schema(cd.traces.tables.EDGE_SCHEMA)


@settings(max_examples=40, deadline=None)
@given(rows=rows, window=st.integers(0, 60))
def test_evidence_lists_every_post_pair_of_the_chosen_edges(rows, window):
    accounts = [r[0] for r in rows]
    keys = [r[1] for r in rows]
    seconds = [r[2] for r in rows]
    posts = _posts(accounts, keys, seconds)
    edges = cd.co_action_edges(posts, trace="co_repost", window=window)
    chosen = edges.head(2)
    evidence = cd.co_action_evidence(posts, trace="co_repost", window=window, pairs=chosen)
    wanted = set(chosen.select("account_a", "account_b").rows())
    kept = [i for i, k in enumerate(keys) if k is not None]
    expected = set()
    for i, j in naive_window_pairs(
        [keys[i] for i in kept], [seconds[i] for i in kept], [accounts[i] for i in kept], window
    ):
        a, b = f"acc{accounts[kept[i]]}", f"acc{accounts[kept[j]]}"
        pa, pb = f"p{kept[i]}", f"p{kept[j]}"
        if a > b:
            a, b, pa, pb = b, a, pb, pa
        if (a, b) in wanted:
            expected.add((a, b, pa, pb, abs(seconds[kept[i]] - seconds[kept[j]])))
    got = {(a, b, pa, pb, dt) for a, b, pa, pb, _, _, _, dt in evidence.rows()}
    assert got == expected
    assert evidence.height == len(expected)
    counts = evidence.group_by("account_a", "account_b").len()
    joined = chosen.join(counts, on=["account_a", "account_b"])
    assert (joined["len"] == joined["n_coactions"]).all()


def test_hand_computed_edge_of_a_small_example():
    # a and b repost x 10 s apart and y 40 s apart; c reposts x 100 s after a.
    posts = _posts([0, 1, 2, 0, 1], [0, 0, 0, 1, 1], [0, 10, 100, 200, 240])
    edges = cd.co_action_edges(posts, trace="co_repost", window="60s")
    assert edges.rows() == [("acc0", "acc1", 2, 2, 2, 2, 10.0, 25.0)]


def test_content_traces_ignore_reposts_and_count_a_post_once_per_key():
    posts = pl.DataFrame(
        {
            "post_id": ["1", "2", "3", "4"],
            "account_id": ["a", "b", "c", "b"],
            "timestamp": [T0, T0 + timedelta(seconds=5), T0 + timedelta(seconds=6), T0],
            "urls": [
                ["https://x.org/a", "https://x.org/a"],
                ["http://www.X.org/a/?utm_source=t"],
                ["https://x.org/a"],
                ["https://x.org/b"],
            ],
            "repost_of": [None, None, "9", None],
        }
    )
    edges = cd.co_action_edges(posts, trace="co_url", window=60)
    assert edges.select("account_a", "account_b", "n_coactions", "n_posts_a").rows() == [
        ("a", "b", 1, 1)
    ]


def test_popular_keys_above_the_cap_are_left_out_and_reported():
    accounts = [0, 1, 2, 3, 4, 5, 0, 1]
    keys = [0] * 6 + [1, 1]
    posts = _posts(accounts, keys, [0, 1, 2, 3, 4, 5, 10, 11])
    with pytest.warns(CappedKeysWarning, match="1 keys with more than 5 posts"):
        edges = cd.co_action_edges(posts, trace="co_repost", max_key_posts=5)
    assert edges.select("account_a", "account_b", "n_keys").rows() == [("acc0", "acc1", 1)]
    uncapped = cd.co_action_edges(posts, trace="co_repost", max_key_posts=None)
    assert uncapped.height == 15


def test_unknown_trace_and_bad_window_are_named():
    posts = _posts([0], [0], [0])
    with pytest.raises(ParameterError, match=r"'trace'.*co_repost"):
        cd.co_action_edges(posts, trace="co_banana")
    with pytest.raises(ParameterError, match=r"'window'.*'60s'"):
        cd.co_action_edges(posts, trace="co_repost", window="soon")
    with pytest.raises(ParameterError, match=r"'min_weight'"):
        cd.co_action_edges(posts, trace="co_repost", min_weight=0)


def test_missing_trace_column_names_it_and_the_fix():
    posts = _posts([0], [0], [0]).drop("repost_of")
    with pytest.raises(SchemaError, match=r"'repost_of'.*column_map"):
        cd.co_action_edges(posts, trace="co_repost")


def test_empty_posts_give_an_empty_table_with_the_documented_columns():
    edges = cd.co_action_edges(_posts([], [], []), trace="co_repost")
    assert edges.height == 0
    assert edges.columns == list(cd.traces.tables.EDGE_SCHEMA)
