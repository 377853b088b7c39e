"""The Dask backend on a LocalCluster (2 worker processes) equals the single-process path."""

import warnings

import numpy as np
import polars as pl
import pytest

import cib_detect as cd
from cib_detect.traces.registry import DETECT_TRACES, TRACES

KEY_DETECT_TRACES = {t for t in DETECT_TRACES if TRACES[t].kind == "key"}

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

N_PARTITIONS = 4
N_CHUNKS = 5
MAX_KEY_POSTS = 300


def options(trace):
    return {"min_hashtags": 2} if trace == "hashtag_sequence" else {}


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def posts():
    return cd.datasets.synthetic(20_000, seed=5).posts


@pytest.fixture(scope="module")
def dask_posts(posts):
    frame = posts.to_pandas(types_mapper=pd.ArrowDtype)
    return dd.from_pandas(frame, npartitions=N_PARTITIONS)


def single(posts, trace, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cd.errors.CappedKeysWarning)
        return cd.co_action_edges(
            posts, trace=trace, max_key_posts=MAX_KEY_POSTS, **options(trace), **kwargs
        )


def on_dask(posts, trace, client, n_chunks=N_CHUNKS, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cd.errors.CappedKeysWarning)
        return cd.co_action_edges(
            posts,
            trace=trace,
            max_key_posts=MAX_KEY_POSTS,
            backend="dask",
            client=client,
            n_chunks=n_chunks,
            **options(trace),
            **kwargs,
        )


# The synthetic posts have no sounds or effects: co_sound and co_effect are compared in
# every mode in tests/test_platform_traces.py, on the TikTok fixture.
@pytest.mark.parametrize("trace", sorted(KEY_DETECT_TRACES - {"co_sound", "co_effect"}))
def test_every_key_trace_equals_the_single_process_path(client, posts, dask_posts, trace):
    expected = single(posts, trace)
    assert expected.height > 0
    assert on_dask(dask_posts, trace, client).equals(expected)


@pytest.mark.parametrize("trace", ["co_repost", "co_hashtag"])
def test_min_weight_and_default_chunks(client, posts, dask_posts, trace):
    expected = single(posts, trace, min_weight=2)
    assert 0 < expected.height < single(posts, trace).height
    assert on_dask(dask_posts, trace, client, min_weight=2).equals(expected)
    assert on_dask(dask_posts, trace, client, n_chunks=None, min_weight=2).equals(expected)


def test_a_glob_of_parquet_files(client, posts, tmp_path):
    for number, part in enumerate(posts.iter_slices(7_000)):
        part.write_parquet(tmp_path / f"part{number}.parquet")
    got = on_dask(str(tmp_path / "*.parquet"), "co_url", client)
    assert got.equals(single(posts, "co_url"))


def test_keys_and_accounts_span_partitions(client, posts, dask_posts):
    from cib_detect.engine.dask.chunks import dask_chunks

    lengths = np.array(dask_posts.map_partitions(len).compute())
    input_starts = np.cumsum(lengths)[:-1]

    def layout(chunk):
        encoded, split = chunk.encoded, chunk.split
        return pl.DataFrame(
            {
                "key": encoded.keys.gather(
                    np.repeat(np.arange(encoded.n_groups), np.diff(encoded.starts))
                ),
                "account_code": encoded.account,
                "split": np.isin(encoded.post, split if split is not None else []),
                "input_partition": np.searchsorted(input_starts, encoded.post, "right"),
            }
        )

    with dask_chunks(
        dask_posts,
        "co_hashtag",
        {},
        n_chunks=N_CHUNKS,
        client=client,
        max_key_posts=None,
        window_us=60_000_000,
        function="test",
    ) as chunks:
        ids = chunks.account_ids
        assert chunks.partitions.npartitions == N_CHUNKS
        parts = chunks.map(layout)
        sizes = chunks.sizes()
    assert ids.equals(posts["account_id"].unique().sort())
    # encoding a chunk counts a post's repeated hashtag once: at most the rows shuffled
    assert len(parts) == N_CHUNKS and sizes["rows"].sum() >= sum(len(p) for p in parts)
    rows = pl.concat([p.with_columns(pl.lit(c).alias("chunk")) for c, p in enumerate(parts)])
    per_key = rows.group_by("key").agg(pl.col("chunk", "input_partition").n_unique())
    assert per_key["chunk"].max() == 1  # a key's rows meet in one chunk
    assert per_key["input_partition"].max() > 1  # ... coming from several input partitions
    per_account = rows.group_by("account_code").agg(pl.col("chunk").n_unique())
    assert (per_account["chunk"] > 1).sum() > per_account.height // 2
    assert rows["split"].any()  # posts whose hashtags fall in several chunks


def test_capped_keys_are_reported(client, dask_posts):
    with pytest.warns(cd.errors.CappedKeysWarning, match="co_hashtag"):
        cd.co_action_edges(
            dask_posts, trace="co_hashtag", max_key_posts=50, backend="dask", client=client
        )


def test_wrong_input_types_are_explained(client, posts):
    with pytest.raises(cd.errors.ParameterError, match=r"'posts' parameter.*backend='polars'"):
        cd.co_action_edges(posts, trace="co_repost", backend="dask", client=client)
    with pytest.raises(cd.errors.ParameterError, match=r"'hashtags'.*convert-string"):
        converted = dd.from_pandas(posts.head(100).to_pandas(), npartitions=2)
        cd.co_action_edges(converted, trace="co_hashtag", backend="dask", client=client)
    times = posts.head(100).with_columns(pl.col("timestamp").dt.epoch("s"))
    with pytest.raises(cd.errors.ParameterError, match=r"'timestamp'.*Int64.*read_posts"):
        frame = dd.from_pandas(times.to_pandas(types_mapper=pd.ArrowDtype), npartitions=2)
        cd.co_action_edges(frame, trace="co_repost", backend="dask", client=client)
    with pytest.raises(cd.errors.ParameterError, match="does not exist"):
        cd.co_action_edges("no/such/posts.parquet", trace="co_repost", backend="dask")


def test_wrong_parameters_are_named(client, dask_posts):
    with pytest.raises(cd.errors.ParameterError, match="'backend'"):
        cd.co_action_edges(dask_posts, trace="co_repost", backend="spark")
    with pytest.raises(cd.errors.ParameterError, match=r"'client'.*backend='dask'"):
        cd.co_action_edges(pl.DataFrame(), trace="co_repost", client=client)


@pytest.mark.parametrize("trace", ["sync_activity", "activity_profile"])
def test_profile_traces_run_on_dask_like_in_memory(client, posts, dask_posts, trace):
    options = {"min_posts": 5, "min_similarity": 0.5} if trace == "activity_profile" else {}
    expected = cd.co_action_edges(posts, trace=trace, **options)
    got = cd.co_action_edges(dask_posts, trace=trace, backend="dask", client=client, **options)
    assert expected.height > 0
    assert got.equals(expected)


def test_missing_required_values_are_named(client, posts):
    frame = posts.head(100).with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise("account_id").alias("account_id")
    )
    ddf = dd.from_pandas(frame.to_pandas(types_mapper=pd.ArrowDtype), npartitions=2)
    with pytest.raises(cd.errors.SchemaError, match="'account_id' \\(1 rows\\)"):
        cd.co_action_edges(ddf, trace="co_repost", backend="dask", client=client)


def test_detect_on_dask_equals_detect_in_memory(client, posts, dask_posts):
    from polars.testing import assert_frame_equal

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cd.detect(posts, max_key_posts=MAX_KEY_POSTS)
        got = cd.detect(
            dask_posts,
            max_key_posts=MAX_KEY_POSTS,
            backend="dask",
            client=client,
            n_chunks=N_CHUNKS,
        )
    assert expected.n_clusters > 0
    # p-values add up the null model's chunk tables in another order: last bits only, which
    # can swap edges of (nearly) equal p-value in the edge table's order (accounts of
    # nearly equal strength)
    pair = ["account_a", "account_b"]
    assert_frame_equal(got.edges.sort(pair), expected.edges.sort(pair), rel_tol=1e-9)
    assert_frame_equal(
        got.account_scores.sort("account_id"),
        expected.account_scores.sort("account_id"),
        rel_tol=1e-9,
    )
    for table in ("clusters", "cluster_scores", "evidence"):
        assert_frame_equal(getattr(got, table), getattr(expected, table), rel_tol=1e-9)
    assert got.params["backend"] == "dask" and got.params["n_posts"] == posts.height


def test_detect_client_needs_dask_backend(client, posts):
    with pytest.raises(cd.errors.ParameterError, match="backend='dask'"):
        cd.detect(posts, client=client)
