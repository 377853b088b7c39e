"""Chunked co-action statistics equal the in-memory ones, whatever the chunking."""

import warnings

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cib_detect as cd
from cib_detect.engine.pair_stats import (
    chunk_pair_stats,
    combine_chunks,
    encode_chunk,
    split_posts,
)
from cib_detect.kernels.account_pairs import account_pair_stats
from cib_detect.traces.registry import DETECT_TRACES, TRACES
from cib_detect.traces.tables import PARTIAL_SCHEMA
from tests.reference import sort_posts
from tests.test_kernels_pairs import posts, windows

KEY_DETECT_TRACES = {t for t in DETECT_TRACES if TRACES[t].kind == "key"}


def whole(data, window, min_coactions):
    starts, time, account, order = sort_posts(data.key, data.time, data.account)
    stats = account_pair_stats(
        starts, time, account, data.post[order], data.n_accounts, window, min_coactions
    )
    return pl.DataFrame(dict(zip(PARTIAL_SCHEMA, stats, strict=True)), schema=PARTIAL_SCHEMA)


def by_chunks(data, window, min_coactions, chunk_of_key):
    keyed = pl.DataFrame(
        {
            "post_row": data.post,
            "account_code": data.account,
            "time_us": data.time,
            "key": data.key,
            "chunk": chunk_of_key[data.key] if len(data.key) else np.zeros(0, np.int64),
        }
    )
    split = split_posts(keyed).collect().get_column("post_row")
    keyed = keyed.with_columns(pl.col("post_row").is_in(split.implode()).alias("split"))
    parts = [
        chunk_pair_stats(
            encode_chunk(rows, max_key_posts=None, dedupe=True), data.n_accounts, window
        )
        for _, rows in keyed.group_by("chunk")
    ]
    if not parts:
        return pl.DataFrame(schema=PARTIAL_SCHEMA)
    return combine_chunks(
        [p.edges for p in parts], [p.split for p in parts], min_coactions=min_coactions
    )


@settings(max_examples=100, deadline=None)
@given(posts(), windows, st.integers(1, 3), st.integers(1, 4), st.randoms(use_true_random=False))
def test_chunks_add_up_to_the_whole(data, window, min_coactions, n_chunks, random):
    chunk_of_key = np.array([random.randrange(n_chunks) for _ in range(8)])
    expected = whole(data, window, min_coactions)
    assert by_chunks(data, window, min_coactions, chunk_of_key).equals(expected)


def test_a_post_meeting_a_partner_in_two_chunks_counts_once():
    # Post 0 (account 0) and post 1 (account 1) share keys 0 and 1, which go to
    # different chunks: two co-actions, two keys, but one post on each side.
    data_key = np.array([0, 1, 0, 1])
    keyed = pl.DataFrame(
        {
            "post_row": [0, 0, 1, 1],
            "account_code": [0, 0, 1, 1],
            "time_us": [0, 0, 5, 5],
            "key": data_key,
            "chunk": data_key,
            "split": [True] * 4,
        }
    )
    parts = [
        chunk_pair_stats(encode_chunk(rows, max_key_posts=None, dedupe=True), 2, 10)
        for _, rows in keyed.group_by("chunk")
    ]
    summed = sum(p.edges["n_posts_a"].item() for p in parts)
    combined = combine_chunks([p.edges for p in parts], [p.split for p in parts])
    assert summed == 2  # without the correction the post would count twice
    assert combined.select("n_coactions", "n_keys", "n_posts_a", "n_posts_b").row(0) == (
        2,
        2,
        1,
        1,
    )


@pytest.fixture(scope="module")
def synthetic_parquet(tmp_path_factory):
    data = cd.datasets.synthetic(20_000, seed=5)
    path = tmp_path_factory.mktemp("posts") / "posts.parquet"
    data.posts.write_parquet(path)
    return data.posts, path


# The synthetic posts have no sounds or effects: co_sound and co_effect are compared in
# every mode in tests/test_platform_traces.py, on the TikTok fixture.
@pytest.mark.parametrize("trace", sorted(KEY_DETECT_TRACES - {"co_sound", "co_effect"}))
def test_streamed_chunks_equal_the_in_memory_edges(synthetic_parquet, trace, tmp_path):
    posts, path = synthetic_parquet
    options = {"min_hashtags": 2} if trace == "hashtag_sequence" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cd.co_action_edges(posts, trace=trace, max_key_posts=300, **options)
        for n_chunks in (1, 5):
            got = cd.co_action_edges(
                path,
                trace=trace,
                max_key_posts=300,
                n_chunks=n_chunks,
                spill_dir=tmp_path,
                **options,
            )
            assert got.equals(expected), (trace, n_chunks)
    assert expected.height > 0 or trace == "co_media"
    assert list(tmp_path.iterdir()) == []  # the spill is removed


def test_capped_keys_are_reported_in_chunked_mode(synthetic_parquet):
    _, path = synthetic_parquet
    with pytest.warns(cd.errors.CappedKeysWarning, match="co_hashtag"):
        cd.co_action_edges(path, trace="co_hashtag", max_key_posts=50, n_chunks=3)


def test_missing_required_values_are_named(tmp_path):
    path = tmp_path / "posts.parquet"
    pl.DataFrame(
        {
            "post_id": ["1", "2"],
            "account_id": ["a", None],
            "timestamp": pl.Series([0, 1]).cast(pl.Datetime("us", "UTC")),
            "repost_of": ["x", "x"],
        }
    ).write_parquet(path)
    with pytest.raises(cd.errors.SchemaError, match="'account_id' is missing in 1 row"):
        cd.co_action_edges(path, trace="co_repost", n_chunks=2)


def test_bad_n_chunks_is_named():
    with pytest.raises(cd.errors.ParameterError, match="n_chunks"):
        cd.co_action_edges(pl.DataFrame(), trace="co_repost", n_chunks=0)


def test_chunked_detect_equals_in_memory_detect(tmp_path):
    from polars.testing import assert_frame_equal

    data = cd.datasets.synthetic(30_000, seed=11)
    path = tmp_path / "posts.parquet"
    data.posts.write_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cd.detect(data.posts, data.accounts)
        got = cd.detect(path, data.accounts, n_chunks=4, spill_dir=tmp_path)
    assert expected.n_clusters > 0
    # p-values add up the null model's chunk tables in another order: last bits only, so
    # edges sorted by p-value (accounts by strength) may swap places with a near-equal
    # neighbour
    pair = ["account_a", "account_b"]
    assert_frame_equal(got.edges.sort(pair), expected.edges.sort(pair), rel_tol=1e-9)
    assert_frame_equal(
        got.account_scores.sort("account_id"),
        expected.account_scores.sort("account_id"),
        rel_tol=1e-9,
    )
    for table in ("clusters", "cluster_scores", "evidence"):
        assert_frame_equal(getattr(got, table), getattr(expected, table), rel_tol=1e-9)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.parquet"]


def test_scan_posts_reads_like_read_posts(tmp_path):
    raw = pl.DataFrame(
        {
            "tweet_id": [3, 1, 2],
            "user": ["b", "a", "b"],
            "time": ["2017-01-01 12:34", "2017-01-01T12:35:00Z", "1483274160"],
            "hashtags": ["[x, y]", "", "z"],
        }
    )
    path = tmp_path / "posts.csv"
    raw.write_csv(path)
    names = {"tweet_id": "post_id", "user": "account_id", "time": "timestamp"}
    expected = cd.read_posts(path, column_map=names)
    assert cd.scan_posts(path, column_map=names).collect().equals(expected)


def test_scan_posts_names_unreadable_values(tmp_path):
    path = tmp_path / "posts.csv"
    pl.DataFrame(
        {"post_id": ["1", "2"], "account_id": ["a", "b"], "timestamp": ["2017-01-01", "soon"]}
    ).write_csv(path)
    with pytest.raises(cd.errors.SchemaError, match="'timestamp' has 1 value that could not"):
        cd.scan_posts(path)


def test_chunked_edges_stream_a_csv_in_an_archive_format(tmp_path):
    posts = cd.datasets.synthetic(5_000, seed=2).posts
    path = tmp_path / "posts.csv"
    posts.select(
        pl.col("post_id"),
        pl.col("account_id"),
        pl.col("timestamp").dt.epoch("s"),
        pl.col("repost_of"),
    ).write_csv(path)
    expected = cd.co_action_edges(cd.read_posts(path), trace="co_repost")
    assert cd.co_action_edges(path, trace="co_repost", n_chunks=3).equals(expected)
    assert expected.height > 0


def test_spill_dir_without_chunks_is_named(tmp_path):
    with pytest.raises(cd.errors.ParameterError, match="spill_dir"):
        cd.detect(cd.datasets.synthetic(2_000, seed=1).posts, spill_dir=tmp_path)


@pytest.mark.parametrize("trace", ["sync_activity", "co_similar_text"])
def test_profile_and_near_duplicate_traces_stream_like_in_memory(tmp_path, trace):
    data = cd.datasets.synthetic(20_000, seed=4)
    path = tmp_path / "posts.parquet"
    data.posts.write_parquet(path)
    expected = cd.co_action_edges(data.posts, trace=trace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cd.errors.ParameterWarning)
        got = cd.co_action_edges(path, trace=trace, n_chunks=2, spill_dir=tmp_path)
    assert expected.height > 0
    assert got.equals(expected)
