"""CooRTweet compatibility: exact equality with CooRTweet 2.1.3's outputs."""

import polars as pl
import pytest

from cib_detect.compat import coortweet

PAIR_COLUMNS = [
    "object_id",
    "content_id",
    "content_id_y",
    "time_delta",
    "account_id",
    "account_id_y",
]
EDGE_INT_COLUMNS = ["weight", "n_content_id", "n_content_id_y", "weight_threshold"]


def _read(path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema_length=0)


def _pairs(frame: pl.DataFrame) -> list[tuple]:
    cast = frame.select(
        *(pl.col(c).cast(pl.String) for c in PAIR_COLUMNS if c != "time_delta"),
        pl.col("time_delta").cast(pl.Float64),
    )
    return sorted(cast.rows())


def _assert_same_edges(got: pl.DataFrame, oracle: pl.DataFrame) -> None:
    assert len(got) == len(oracle)
    # Undirected edges: igraph writes each pair in its own vertex order, we write from < to.
    joined = oracle.select(
        pl.min_horizontal("from", "to").alias("from"),
        pl.max_horizontal("from", "to").alias("to"),
        *(pl.col(c).cast(pl.Int64) for c in EDGE_INT_COLUMNS),
        pl.col("avg_time_delta", "edge_symmetry_score").cast(pl.Float64),
    ).join(got, on=["from", "to"], how="left", suffix="_got")
    assert joined["weight_got"].null_count() == 0, "edges missing from our network"
    for column in EDGE_INT_COLUMNS:
        assert (joined[column] == joined[f"{column}_got"]).all(), column
    for column in ["avg_time_delta", "edge_symmetry_score"]:
        assert ((joined[column] - joined[f"{column}_got"]).abs() < 1e-9).all(), column


@pytest.fixture(scope="module")
def russian(shared_data):
    return pl.read_parquet(shared_data / "coortweet" / "russian_coord_tweets.parquet")


@pytest.fixture(scope="module")
def oracle(shared_data):
    return shared_data / "coortweet" / "oracle"


def test_russian_window_60_pairs_and_network_match(russian, oracle):
    groups = coortweet.detect_groups(russian, time_window=60, min_participation=2)
    assert _pairs(groups) == _pairs(_read(oracle / "russian_tw60_mp2_detect_groups.csv.gz"))
    full = coortweet.generate_coordinated_network(groups, edge_weight=0.5)
    _assert_same_edges(full, _read(oracle / "russian_tw60_mp2_network_edges_subgraph0.csv.gz"))
    assert full.height == 3721
    assert pl.concat([full["from"], full["to"]]).n_unique() == 2110
    sub = coortweet.generate_coordinated_network(groups, edge_weight=0.5, subgraph=1)
    _assert_same_edges(sub, _read(oracle / "russian_tw60_mp2_network_edges_subgraph1_ew0.5.csv.gz"))


@pytest.mark.parametrize("remove_loops", [True, False])
def test_russian_window_10_min_participation_5_with_and_without_loops(
    russian, oracle, remove_loops
):
    stem = f"russian_tw10_mp5_removeloops{str(remove_loops).upper()}"
    groups = coortweet.detect_groups(
        russian, time_window=10, min_participation=5, remove_loops=remove_loops
    )
    assert _pairs(groups) == _pairs(_read(oracle / f"{stem}_detect_groups.csv"))
    network = coortweet.generate_coordinated_network(groups)
    _assert_same_edges(network, _read(oracle / f"{stem}_network_edges.csv"))


def test_german_urls_and_images_window_30_match_the_vignette(oracle):
    # The vignette runs detect_groups on URLs and on images separately, then binds rows.
    groups = pl.concat(
        [
            coortweet.detect_groups(
                _read(oracle / f"german_prepped_{kind}_input.csv.gz"),
                time_window=30,
                min_participation=2,
            )
            for kind in ("urls", "images")
        ]
    )
    expected = _read(oracle / "german_urls_images_tw30_mp2_detect_groups.csv.gz")
    assert _pairs(groups) == _pairs(expected)
    full = coortweet.generate_coordinated_network(groups, edge_weight=0.5)
    _assert_same_edges(
        full, _read(oracle / "german_urls_images_tw30_mp2_ew0.5_subgraph0_edges.csv.gz")
    )
    assert (full.height, pl.concat([full["from"], full["to"]]).n_unique()) == (1732, 671)
    sub = coortweet.generate_coordinated_network(groups, edge_weight=0.5, subgraph=1)
    _assert_same_edges(sub, _read(oracle / "german_urls_images_tw30_mp2_ew0.5_subgraph1_edges.csv"))


@pytest.fixture(scope="module")
def german(shared_data):
    return pl.read_parquet(shared_data / "coortweet" / "german_elections.parquet")


def _german_shares(german: pl.DataFrame, column: str, *, prefix: str = "", fb_only=False):
    """One object type of the German election data in CooRTweet's layout: distinct
    (account, post, object, time) rows, as the oracle's preparation did."""
    rows = german.filter(pl.col(column).is_not_null() & pl.col("post_id").is_not_null())
    if fb_only:
        rows = rows.filter(pl.col("account_id").str.starts_with("fb_"))
    return rows.select(
        "account_id",
        pl.col("post_id").alias("content_id"),
        (pl.lit(prefix) + pl.col(column).cast(pl.String)).alias("object_id"),
        pl.col("timestamp").alias("timestamp_share"),
    ).unique(maintain_order=True)


@pytest.mark.parametrize(
    ("case", "column"),
    [("U", "url_id"), ("I", "phash_id"), ("H", "hashtag_id"), ("D", "domain_id")],
)
def test_german_object_types_at_quantile_0_25_match(german, oracle, case, column):
    groups = coortweet.detect_groups(
        _german_shares(german, column), time_window=30, min_participation=2
    )
    network = coortweet.generate_coordinated_network(groups, edge_weight=0.25, subgraph=1)
    _assert_same_edges(
        network, _read(oracle / f"german_{case}_tw30_mp2_ew0.25_subgraph1_edges.csv")
    )


def test_german_facebook_urls_with_objects_match_in_order(german, oracle):
    shares = _german_shares(german, "url_id", prefix="url_", fb_only=True)
    groups = coortweet.detect_groups(shares, time_window=60, min_participation=2)
    assert len(groups) == 6288
    network = coortweet.generate_coordinated_network(groups, edge_weight=0.5, objects=True)
    oracle_edges = _read(oracle / "german_fb_urls_tw60_mp2_ew0.5_objects_edges.csv")
    _assert_same_edges(network.drop("object_ids"), oracle_edges.drop("object_ids"))
    ours = dict(
        zip(zip(network["from"], network["to"], strict=True), network["object_ids"], strict=True)
    )
    for a, b, objects in oracle_edges.select("from", "to", "object_ids").rows():
        assert ours[min(a, b), max(a, b)] == objects


@pytest.mark.parametrize("case", ["small", "medium", "large"])
def test_simulated_sets_detect_exactly_the_coordinated_truth_pairs(shared_data, case):
    folder = shared_data / "coortweet" / "simulated"
    summary = pl.read_csv(folder / "SUMMARY.csv").filter(pl.col("case") == case).row(0, named=True)
    shares = _read(folder / f"{case}_input.csv.gz")
    truth = _read(folder / f"{case}_truth_pairs.csv.gz").filter(pl.col("coordinated") == "TRUE")
    groups = coortweet.detect_groups(
        shares,
        time_window=int(summary["time_window"]),
        min_participation=int(summary["min_participation"]),
    )
    assert len(groups) == summary["truth_coord_pair_rows"]
    assert _pairs(groups) == _pairs(truth)
