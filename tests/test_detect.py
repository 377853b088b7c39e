"""detect(): calibration on data without coordination, recovery of planted campaigns,
CooRTweet's simulated sets, determinism and result round trips."""

import math
import warnings
from contextlib import ExitStack

import networkx as nx
import numba
import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

import cib_detect as cd
from cib_detect.engine.memory import MemoryPosts
from cib_detect.engine.runner import TraceRunner
from cib_detect.traces.registry import TRACES

# Every role without coordination: shared daily rhythms in nine time zones, readers of the
# same outlets (state media's audience, the diaspora), travellers and a live-event crowd.
NULL_ROLES = ["organic", "fans", "activists", "state_media", "diaspora", "travellers"]


@pytest.fixture(scope="module")
def null_data():
    return cd.datasets.synthetic(150_000, seed=7, include_roles=NULL_ROLES)


@pytest.fixture(scope="module")
def planted():
    return cd.datasets.synthetic(150_000, seed=3)


@pytest.fixture(scope="module")
def planted_result(planted):
    return cd.detect(planted.posts, planted.accounts)


# co_text has no edge at all without coordination (ordinary posts are not duplicated);
# the temporal traces are calibrated in tests/test_temporal_nulls.py
@pytest.mark.parametrize(
    "trace", ["co_repost", "co_url", "co_domain", "co_hashtag", "co_reply", "co_similar_text"]
)
def test_pvalues_are_calibrated_without_coordination(null_data, trace):
    window = cd._params.duration_microseconds(TRACES[trace].default_window, name="w", function="t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ExitStack() as stack:
            runner = TraceRunner(MemoryPosts(null_data.posts), stack, max_key_posts=10_000)
            edges = runner.edges(TRACES[trace], {}, window_us=window, min_coactions=1, pvalues=True)
    p = edges.get_column("p_value").to_numpy()
    assert len(p) > 0
    for alpha in (0.01, 0.05):
        # at most alpha, up to three binomial standard errors
        bound = alpha + 3 * math.sqrt(alpha * (1 - alpha) / max(len(p), 1))
        assert np.mean(p < alpha) <= bound, (trace, alpha, np.mean(p < alpha), len(p))


def test_detect_clusters_almost_no_account_without_coordination(null_data):
    result = cd.detect(null_data.posts, null_data.accounts)
    clustered = result.clusters.filter(pl.col("cluster_id") >= 0).height
    assert clustered <= 0.01 * null_data.truth.height


def test_every_planted_campaign_is_recovered_as_its_own_clusters(planted, planted_result):
    labels = planted_result.clusters.join(planted.truth, on="account_id")
    # shift work shares no content, only minutes: sync_activity finds it
    campaigns = labels.filter(pl.col("role") == "hidden_state")
    assert adjusted_rand_score(campaigns["group"], campaigns["cluster_id"]) >= 0.9
    for group, members in campaigns.group_by("group"):
        if members.height < 5:
            continue
        found = members.filter(pl.col("cluster_id") >= 0)
        assert found.height >= 0.9 * members.height, group
        # the clusters holding the campaign contain nothing else
        others = labels.filter(
            pl.col("cluster_id").is_in(found["cluster_id"].unique().implode())
            & (pl.col("group").ne_missing(group[0]))
        )
        assert others.height == 0, (group, others.head())


def test_no_organic_or_fan_account_is_clustered_when_campaigns_exist(planted, planted_result):
    labels = planted_result.clusters.join(planted.truth, on="account_id")
    innocent = labels.filter(pl.col("role").is_in(["organic", "fans", "activists"]))
    assert innocent.filter(pl.col("cluster_id") >= 0).height <= 0.01 * innocent.height


@pytest.mark.parametrize(("case", "min_recall"), [("medium", 1.0), ("large", 1.0)])
def test_coortweet_simulated_coordinated_accounts_are_found(shared_data, case, min_recall):
    folder = shared_data / "coortweet" / "simulated"
    summary = pl.read_csv(folder / "SUMMARY.csv").filter(pl.col("case") == case).row(0, named=True)
    shares = pl.read_csv(folder / f"{case}_input.csv.gz", infer_schema_length=0)
    truth = pl.read_csv(folder / f"{case}_truth_pairs.csv.gz", infer_schema_length=0)
    coordinated = truth.filter(pl.col("coordinated") == "TRUE")
    expected = set(coordinated["account_id"]) | set(coordinated["account_id_y"])
    posts = cd.read_posts(shares, format="coortweet")
    result = cd.detect(posts, window=int(summary["time_window"]))
    found = set(result.clusters.filter(pl.col("cluster_id") >= 0)["account_id"])
    recall = len(found & expected) / len(expected)
    precision = len(found & expected) / max(len(found), 1)
    assert recall >= min_recall and precision >= 0.95, (recall, precision)


def test_detect_is_deterministic_under_row_order_and_thread_count(planted):
    posts = planted.posts.head(60_000)
    first = cd.detect(posts)
    shuffled = cd.detect(posts.sample(fraction=1.0, shuffle=True, seed=1))
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = cd.detect(posts)
    finally:
        numba.set_num_threads(threads)
    for other in (shuffled, single):
        assert other.clusters.equals(first.clusters)
        assert other.edges.sort("account_a", "account_b").equals(
            first.edges.sort("account_a", "account_b")
        )


def test_scores_and_evidence_explain_each_cluster(planted_result):
    scores = planted_result.cluster_scores
    assert scores.height > 0
    for column in ("coordination", "government_link", "undisclosed", "score"):
        values = scores[column]
        assert ((values >= 0) & (values <= 1)).all(), column
    assert scores["evidence"].str.contains("accounts").all()
    assert planted_result.evidence.height > 0
    windows = planted_result.params["trace_windows_seconds"]
    assert windows["co_repost"] == 60 and windows["co_similar_text"] == 1800
    within = planted_result.evidence.with_columns(
        pl.col("trace").replace_strict(windows, return_dtype=pl.Float64).alias("window")
    )
    assert (within["dt"] <= within["window"]).all()


def test_networkx_graph_and_files_round_trip(tmp_path):
    data = cd.datasets.synthetic(30_000, seed=5)
    result = cd.detect(data.posts, data.accounts)
    graph = result.to_networkx()
    edges = result.edges
    assert graph.number_of_edges() == edges.height
    a, b, w = edges.row(0)[:3]
    assert math.isclose(graph.edges[a, b]["weight"], w)
    written = result.write(tmp_path)
    assert {p.name for p in written} >= {"edges.parquet", "clusters.csv", "graph.graphml"}
    assert pl.read_parquet(tmp_path / "edges.parquet").equals(edges)
    back = nx.read_graphml(tmp_path / "graph.graphml")
    assert back.number_of_edges() == graph.number_of_edges()


def test_bad_parameters_are_named():
    posts = cd.datasets.synthetic(2_000, seed=0).posts
    with pytest.raises(cd.errors.ParameterError, match="'traces'"):
        cd.detect(posts, traces=["co_banana"])
    with pytest.raises(cd.errors.ParameterError, match="'backbone_method'"):
        cd.detect(posts, backbone_method="magic")
    with pytest.raises(cd.errors.ParameterError, match="'window'"):
        cd.detect(posts, window="-5s")


def _group_posts(days: list[int], seed: int) -> pl.DataFrame:
    """12 accounts reposting 6 posts each within seconds, on the given days, among 300
    background accounts reposting at random over 30 days."""
    from datetime import datetime, timedelta, timezone

    rng = np.random.default_rng(seed)
    t0 = datetime(2024, 3, 1, tzinfo=timezone.utc)
    rows = []
    for day_index, day in enumerate(days):
        for k in range(6):
            key = f"event{day_index}_{k}"
            base = t0 + timedelta(days=day, hours=20, minutes=10 * k)
            for member in range(12):
                rows.append(
                    (f"g{member:02d}", key, base + timedelta(seconds=int(rng.integers(0, 20))))
                )
    for _ in range(6_000):
        account = f"b{int(rng.integers(0, 300)):03d}"
        key = f"post{int(rng.zipf(1.6)) % 2_000}"
        rows.append((account, key, t0 + timedelta(seconds=int(rng.integers(0, 30 * 86_400)))))
    return pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(len(rows))],
            "account_id": [r[0] for r in rows],
            "timestamp": [r[2] for r in rows],
            "repost_of": [r[1] for r in rows],
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )


def test_a_group_acting_in_one_burst_is_synchronous_not_coordinated():
    crowd = _group_posts([3], seed=1)
    result = cd.detect(crowd)
    assert (
        result.clusters.filter(pl.col("account_id").str.starts_with("g"))["cluster_id"].max() == -1
    )
    assert any("synchronous, not coordinated" in w for w in result.warnings)
    kept = cd.detect(crowd, max_burst_share=1.0)
    group = kept.clusters.filter(pl.col("account_id").str.starts_with("g"))
    assert group["cluster_id"].n_unique() == 1 and group["cluster_id"][0] >= 0


def test_a_group_acting_on_many_days_is_a_cluster():
    result = cd.detect(_group_posts([1, 5, 9, 14, 20], seed=2))
    group = result.clusters.filter(pl.col("account_id").str.starts_with("g"))
    assert group["cluster_id"].n_unique() == 1 and group["cluster_id"][0] >= 0
    share = result.cluster_scores.filter(pl.col("cluster_id") == group["cluster_id"][0])
    assert share["burst_share"][0] < 0.5
