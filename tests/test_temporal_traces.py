"""sync_activity and activity_profile against dense references."""

from datetime import datetime, timedelta, timezone

import numba
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cib_detect as cd
from cib_detect.errors import CappedKeysWarning, ParameterError
from cib_detect.kernels.sparse_cosine import sparse_cosine_pairs
from cib_detect.kernels.top_k import dense_top_k, simhash_top_k
from tests.reference_similarity import naive_profiles, naive_sync_activity, naive_top_k

T0 = datetime(2024, 3, 4, tzinfo=timezone.utc)  # a Monday
BIN_US = 1800 * 1_000_000


@st.composite
def activity(draw, max_posts=80):
    """(account, second offset) rows: a few accounts, sometimes on a shared schedule."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_accounts = draw(st.integers(1, 8))
    n = draw(st.integers(0, max_posts))
    span = draw(st.sampled_from([3 * 3600, 86_400, 14 * 86_400]))
    schedule = rng.integers(0, span, 6)
    rows = []
    for _ in range(n):
        account = int(rng.integers(n_accounts))
        if account % 2 and rng.random() < 0.7:  # odd accounts mostly follow the schedule
            t = int(schedule[rng.integers(6)] + rng.integers(0, 120))
        else:
            t = int(rng.integers(0, span))
        rows.append((f"acc{account}", t))
    return rows


def _posts(rows):
    return pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(len(rows))],
            "account_id": [a for a, _ in rows],
            "timestamp": [T0 + timedelta(seconds=s) for _, s in rows],
        },
        schema={
            "post_id": pl.String,
            "account_id": pl.String,
            "timestamp": pl.Datetime("us", "UTC"),
        },
    )


def _t0_us():
    return int(T0.timestamp() * 1_000_000)


@settings(max_examples=60, deadline=None)
@given(activity(), st.integers(1, 4), st.sampled_from([0.0, 0.3, 0.7]), st.integers(1, 2))
def test_sync_activity_equals_the_dense_tf_idf_cosine(rows, min_posts, min_similarity, min_weight):
    got = cd.co_action_edges(
        _posts(rows),
        trace="sync_activity",
        bin="30m",
        min_weight=min_weight,
        min_posts=min_posts,
        min_similarity=min_similarity,
    )
    expected = naive_sync_activity(
        [(a, _t0_us() + s * 1_000_000) for a, s in rows], BIN_US, min_posts, -2.0, min_weight
    )
    got = {
        (r["account_a"], r["account_b"]): (
            r["n_coactions"],
            r["n_posts_a"],
            r["n_posts_b"],
            r["similarity"],
        )
        for r in got.iter_rows(named=True)
    }
    # away from the threshold (float rounding may fall either side of it)
    near = {p for p, v in expected.items() if abs(v[3] - min_similarity) < 1e-9}
    expected = {p: v for p, v in expected.items() if v[3] >= min_similarity}
    assert set(got) - near == set(expected) - near
    for pair in set(got) - near:
        assert got[pair][:3] == expected[pair][:3]
        assert got[pair][3] == pytest.approx(expected[pair][3], abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(activity(), st.integers(1, 3))
def test_sync_activity_top_k_keeps_each_accounts_best_partners(rows, top_k):
    posts = _posts(rows)
    every = cd.co_action_edges(
        posts, trace="sync_activity", bin="30m", min_posts=1, min_similarity=0.0
    )
    top = cd.co_action_edges(
        posts, trace="sync_activity", bin="30m", min_posts=1, min_similarity=0.0, top_k=top_k
    )
    assert set(top.select("account_a", "account_b").rows()) <= set(
        every.select("account_a", "account_b").rows()
    )
    both = pl.concat(
        [
            every.select(
                pl.col("account_a").alias("x"), pl.col("account_b").alias("y"), "similarity"
            ),
            every.select(
                pl.col("account_b").alias("x"), pl.col("account_a").alias("y"), "similarity"
            ),
        ]
    )
    expected = set()
    for (x,), group in both.group_by(["x"]):
        best = group.sort(["similarity", "y"], descending=[True, False]).head(top_k)
        expected |= {(min(x, y), max(x, y)) for y in best["y"]}
    assert set(top.select("account_a", "account_b").rows()) == expected


@settings(max_examples=50, deadline=None)
@given(activity(), st.integers(2, 5), st.integers(1, 4), st.sampled_from([0.0, 0.5, 0.9]))
def test_activity_profile_equals_the_dense_top_k(rows, min_posts, top_k, min_similarity):
    got = cd.co_action_edges(
        _posts(rows),
        trace="activity_profile",
        min_posts=min_posts,
        top_k=top_k,
        min_similarity=min_similarity,
    )
    profiles = naive_profiles([(a, T0 + timedelta(seconds=s)) for a, s in rows], min_posts)
    expected = naive_top_k(profiles, top_k, min_similarity)
    got = {
        (r["account_a"], r["account_b"]): (r["similarity"], r["rank"])
        for r in got.iter_rows(named=True)
    }
    assert set(got) == set(expected)
    for pair, (sim, rank) in expected.items():
        assert got[pair][0] == pytest.approx(sim, abs=1e-12)
        assert got[pair][1] == rank


def test_profile_evidence_names_the_shared_hours():
    rows = [("a", 9 * 3600), ("a", 9 * 3600 + 86_400), ("b", 9 * 3600 + 60), ("b", 10 * 3600)]
    evidence = cd.co_action_evidence(_posts(rows), trace="activity_profile", pairs=[("a", "b")])
    assert evidence.select("key", "share_a", "share_b").rows() == [("Mon 09:00 UTC", 0.5, 0.5)]


def test_sync_evidence_gives_the_closest_posts_of_each_shared_bin():
    rows = [("a", 60), ("a", 4000), ("b", 120), ("b", 1000), ("c", 5000)]
    evidence = cd.co_action_evidence(
        _posts(rows), trace="sync_activity", pairs=[("a", "b")], bin="30m"
    )
    assert evidence.select("post_a", "post_b", "dt", "n_posts_b").rows() == [("p0", "p2", 60.0, 2)]


def test_temporal_options_are_checked():
    posts = _posts([("a", 0)])
    with pytest.raises(ParameterError, match="min_weight"):
        cd.co_action_edges(posts, trace="activity_profile", min_weight=2)
    with pytest.raises(ParameterError, match=r"'threshold'.*'sync_activity'"):
        cd.co_action_edges(posts, trace="sync_activity", threshold=0.5)
    with pytest.raises(ParameterError, match="min_similarity"):
        cd.co_action_edges(posts, trace="sync_activity", min_similarity=2)


def test_sync_activity_beyond_its_cost_limit_is_left_out_and_says_so():
    # three accounts active in the same five minutes (3 pairs per bin, 15 in all), three
    # others alone in minutes of their own
    rows = [(account, 60 * m + i) for m in range(5) for i, account in enumerate("abc")]
    rows += [
        (account, 3600 * (i + 1) + 60 * m) for m in range(5) for i, account in enumerate("def")
    ]
    posts = _posts(rows)
    assert cd.co_action_edges(posts, trace="sync_activity", max_bin_pairs=15).height == 3
    with pytest.warns(CappedKeysWarning, match=r"15 pairs of accounts share a bin.*=14"):
        edges = cd.co_action_edges(posts, trace="sync_activity", max_bin_pairs=14)
    assert edges.height == 0
    result = cd.detect(posts, trace_options={"sync_activity": {"max_bin_pairs": 14}})
    assert any("'sync_activity' was left out" in w for w in result.warnings)
    assert result.trace_tests.filter(pl.col("trace") == "sync_activity")["pairs_tested"].item() == 0


# --------------------------------------------------------------------------- kernels


def _unit_rows(rng, n, d):
    x = rng.random((n, d)) ** 4  # skewed, like histograms
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_dense_top_k_equals_the_full_matrix_with_blocks_and_threads():
    rng = np.random.default_rng(0)
    x = _unit_rows(rng, 500, 40)
    x[7] = x[3]  # an exact tie
    full = x @ x.T
    np.fill_diagonal(full, -np.inf)
    expected = np.argsort(-full, axis=1, kind="stable")[:, :5]
    all_threads = numba.get_num_threads()
    for threads in (1, all_threads):
        numba.set_num_threads(threads)
        try:
            for block_rows, n_tasks in ((64, 1), (1000, 3), (7, None)):
                nb, sim = dense_top_k(x, 5, block_rows=block_rows, n_tasks=n_tasks)
                assert np.array_equal(nb, expected)
                assert np.allclose(sim, np.take_along_axis(full, expected, axis=1), atol=1e-12)
        finally:
            numba.set_num_threads(all_threads)


def test_simhash_top_k_is_exact_when_every_row_is_a_candidate_and_close_beyond():
    rng = np.random.default_rng(1)
    small = _unit_rows(rng, 30, 20)
    assert np.array_equal(simhash_top_k(small, 3, reach=16)[0], dense_top_k(small, 3)[0])
    # clustered rows: approximate neighbours mostly equal the exact ones
    centres = _unit_rows(rng, 40, 30)
    x = centres[rng.integers(0, 40, 3000)] + 0.05 * rng.random((3000, 30))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    exact, _ = dense_top_k(x, 5)
    approx, _ = simhash_top_k(x, 5)
    recall = np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approx, exact, strict=True)])
    assert recall >= 0.8


def test_sparse_cosine_pairs_are_identical_with_one_thread_and_all_threads():
    rng = np.random.default_rng(2)
    n, n_cols = 3000, 400
    cells = {
        (int(a), int(c))
        for a, c in zip(rng.integers(0, n, 30_000), rng.integers(0, n_cols, 30_000), strict=True)
    }
    cells = sorted(cells)
    row = np.array([a for a, _ in cells])
    cols = np.array([c for _, c in cells], dtype=np.int64)
    vals = rng.random(len(cells))
    norms = np.sqrt(np.bincount(row, vals**2, minlength=n))
    vals = vals / norms[row]
    row_starts = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n))]).astype(np.int64)
    counts = np.ones(len(cells), np.int64)
    all_threads = numba.get_num_threads()
    outputs = []
    for threads in (1, all_threads):
        numba.set_num_threads(threads)
        try:
            for top_k, n_tasks in ((None, 1), (None, 3), (4, 1), (4, 2)):
                outputs.append(
                    (
                        top_k,
                        sparse_cosine_pairs(
                            row_starts, cols, vals, counts, n_cols, 0.2, 1, top_k, n_tasks=n_tasks
                        ),
                    )
                )
        finally:
            numba.set_num_threads(all_threads)
    for top_k, output in outputs:
        reference = next(o for k, o in outputs if k == top_k)
        for got, expected in zip(output, reference, strict=True):
            assert np.array_equal(got, expected)
    # every pair once (a < b) without top_k, and symmetric values
    a, b, sim = outputs[0][1][:3]
    assert np.all(a < b)
    dense = np.zeros((n, n_cols))
    dense[row, cols] = vals
    assert np.allclose(sim, np.einsum("ij,ij->i", dense[a], dense[b]), atol=1e-12)


def test_sync_activity_is_the_same_in_every_run_to_the_last_bit():
    import cib_detect as cd

    posts = cd.datasets.synthetic(20_000, seed=1).posts
    first = cd.co_action_edges(posts, trace="sync_activity")
    assert first.height > 100
    for _ in range(3):
        assert cd.co_action_edges(posts, trace="sync_activity").equals(first)
