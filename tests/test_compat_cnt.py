"""coordination-network-toolkit compatibility: exact equality with the toolkit's outputs."""

import json

import polars as pl
import pytest

import cib_detect as cd
from cib_detect.compat import cnt


def _as_set(frame: pl.DataFrame) -> set[tuple[str, str, int]]:
    return {(u1, u2, int(w)) for u1, u2, w in frame.select("user_1", "user_2", "weight").rows()}


@pytest.fixture(scope="module")
def fixture_posts(shared_data):
    return cd.read_posts(shared_data / "cnt" / "coretweet_test_input.csv", format="cnt")


def _fixture_cases(shared_data):
    return json.loads(
        (shared_data / "cnt" / "oracle" / "fixture_co_retweet_results.json").read_text()
    )


def test_fixture_all_six_settings_match_the_toolkit(fixture_posts, shared_data):
    cases = _fixture_cases(shared_data)
    assert len(cases) == 6
    for case in cases:
        got = cnt.network(
            fixture_posts,
            kind="co_retweet",
            time_window=case["time_window"],
            min_edge_weight=case["min_edge_weight"],
            loops=case["loops"],
        )
        expected = {(a, b, w) for a, b, w in case["edges"]}
        assert _as_set(got) == expected, case


def _russian_posts(shared_data) -> pl.DataFrame:
    """CooRTweet's russian retweets as toolkit messages (first row of a duplicated id wins,
    as the toolkit's `insert or ignore`)."""
    raw = pl.read_parquet(shared_data / "coortweet" / "russian_coord_tweets.parquet")
    frame = raw.unique("content_id", keep="first", maintain_order=True).select(
        pl.col("content_id").alias("post_id"),
        "account_id",
        pl.from_epoch("timestamp_share", time_unit="s")
        .dt.replace_time_zone("UTC")
        .dt.cast_time_unit("us")
        .alias("timestamp"),
        pl.col("object_id").alias("repost_of"),
    )
    return cd.read_posts(frame)


@pytest.mark.parametrize("window", [10, 60])
def test_russian_co_retweet_matches_the_toolkit(shared_data, window):
    oracle = pl.read_csv(
        shared_data
        / "cnt"
        / "oracle"
        / f"russian_co_retweet_tw{window}_minw1_edges_directed_with_loops.csv.gz"
    )
    got = cnt.network(
        _russian_posts(shared_data), kind="co_retweet", time_window=window, loops=True
    )
    assert len(got) == len(oracle)
    assert _as_set(got) == _as_set(oracle)


@pytest.mark.parametrize("window", [30, 60])
def test_german_co_link_matches_the_toolkit(shared_data, window):
    oracle_dir = shared_data / "cnt" / "oracle"
    posts = cd.read_posts(oracle_dir / "german_urls_cnt_input.csv.gz", format="cnt")
    oracle = pl.read_csv(
        oracle_dir / f"german_co_link_tw{window}_minw1_edges_directed_with_loops.csv.gz"
    )
    got = cnt.network(posts, kind="co_link", time_window=window, loops=True)
    assert _as_set(got) == _as_set(oracle)
    no_loops = cnt.network(posts, kind="co_link", time_window=window)
    assert _as_set(no_loops) == {e for e in _as_set(oracle) if e[0] != e[1]}


def _naive_toolkit(rows, kind_key, window, loops):
    """Brute force of the toolkit's SQL: for each (user_1, user_2), distinct messages of
    user_1 with a different message of user_2 sharing the key within the window."""
    matched = {}
    for m1, u1, k1, t1 in rows:
        for m2, u2, k2, t2 in rows:
            if m1 == m2 or k1 is None or k1 != k2 or abs(t1 - t2) > window:
                continue
            if u1 == u2 and not loops:
                continue
            matched.setdefault((u1, u2), set()).add(m1)
    return {(u1, u2, len(ms)) for (u1, u2), ms in matched.items()}


def test_co_tweet_uses_the_toolkit_text_normalisation():
    from datetime import datetime, timezone

    t = lambda s: datetime(2024, 1, 1, 0, 0, s, tzinfo=timezone.utc)  # noqa: E731
    texts = [
        "Hello  WORLD @bob",
        "hello world",
        "@x hello\tworld",
        "other",
        "hello world!",
        "@only",
    ]
    accounts = ["a", "b", "c", "d", "e", "f"]
    posts = pl.DataFrame(
        {
            "post_id": [str(i) for i in range(6)],
            "account_id": accounts,
            "timestamp": [t(i) for i in range(6)],
            "text": texts,
            "repost_of": [None, None, None, None, None, "zz"],
        }
    )
    got = cnt.network(posts, kind="co_tweet", time_window=60)
    normalised = [" ".join(s.lower().replace("@bob", "").replace("@x", "").split()) for s in texts]
    rows = [(i, accounts[i], normalised[i], i) for i in range(5)]
    assert _as_set(got) == _naive_toolkit(rows, None, 60, False)
    assert {("a", "b", 1), ("b", "c", 1), ("a", "c", 1)} <= _as_set(got)


def test_co_post_links_posts_close_in_time_whatever_their_content():
    from datetime import datetime, timezone

    t = lambda s: datetime(2024, 1, 1, 0, 0, s, tzinfo=timezone.utc)  # noqa: E731
    posts = pl.DataFrame(
        {
            "post_id": ["1", "2", "3"],
            "account_id": ["a", "b", "c"],
            "timestamp": [t(0), t(5), t(30)],
        }
    )
    got = cnt.network(posts, kind="co_post", time_window=10)
    assert _as_set(got) == {("a", "b", 1), ("b", "a", 1)}


def test_unknown_kind_names_the_choices():
    with pytest.raises(cd.errors.ParameterError, match=r"'kind'.*co_retweet"):
        cnt.network(pl.DataFrame(), kind="co_banana", time_window=1)
