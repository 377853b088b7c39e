"""Crowds versus storms: the signals of one-burst clusters on hand-made frames, the
verdict, the growth of a storm, and the storm of the synthetic data recovered whole."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import combinations, pairwise

import polars as pl
import pytest

import cib_detect as cd
from cib_detect.score.bursts import drop_crowd_bursts
from cib_detect.score.storms import (
    KeyBackground,
    burst_windows,
    grow_bursts,
    storm_signals,
)

T0 = datetime(2024, 3, 20, 14, tzinfo=timezone.utc)
START = datetime(2024, 3, 1, tzinfo=timezone.utc)
STORM = [f"s{i}" for i in range(6)]
CROWD = [f"f{i}" for i in range(6)]
CAMPAIGN = [f"c{i}" for i in range(4)]
OUTSIDE = [f"o{i:02d}" for i in range(20)]
US = 1_000_000


def _evidence_rows(members, cluster, keys, *, trace, start, step, days=False):
    rows = []
    for a, b in combinations(members, 2):
        for k, key in enumerate(keys):
            t = start + (timedelta(days=3 * k) if days else timedelta(minutes=step * k))
            rows.append((trace, a, b, f"{a}-{key}", f"{b}-{key}", key, t, t, 5.0, cluster))
    return rows


def _evidence() -> pl.DataFrame:
    rows = (
        # the storm: every pair on eight hashtags and a slogan within two hours
        _evidence_rows(STORM, 0, [f"h{k}" for k in range(8)], trace="co_hashtag", start=T0, step=15)
        + _evidence_rows(STORM, 0, ["slogan"], trace="co_text", start=T0, step=0)
        # the crowd: every pair on the match's hashtag and the goal, within an hour
        + _evidence_rows(CROWD, 1, ["cupfinal", "goal"], trace="co_hashtag", start=T0, step=30)
        # a campaign: the same pairs every three days
        + _evidence_rows(
            CAMPAIGN, 2, [f"k{k}" for k in range(6)], trace="co_hashtag", start=START, step=0,
            days=True,
        )
    )  # fmt: skip
    columns = [
        "trace", "account_a", "account_b", "post_a", "post_b", "key",
        "timestamp_a", "timestamp_b", "dt", "cluster_id",
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=columns, orient="row").with_columns(
        pl.col("cluster_id").cast(pl.Int64)
    )


def _clusters(extra=()) -> pl.DataFrame:
    labels = [(a, 0) for a in STORM] + [(a, 1) for a in CROWD] + [(a, 2) for a in CAMPAIGN]
    labels += [(a, -1) for a in OUTSIDE] + [(a, -1) for a in extra]
    return pl.DataFrame(labels, schema=["account_id", "cluster_id"], orient="row").with_columns(
        pl.col("cluster_id").cast(pl.Int64)
    )


def _accounts() -> pl.DataFrame:
    rows = [(a, T0 - timedelta(days=3 if i < 3 else 900)) for i, a in enumerate(STORM)]
    rows += [(a, T0 - timedelta(days=1500)) for a in CROWD + CAMPAIGN + OUTSIDE]
    return pl.DataFrame(rows, schema=["account_id", "created_at"], orient="row")


def _posts() -> pl.DataFrame:
    rows = []

    def post(account, t, tags=(), repost=None):
        rows.append((f"p{len(rows)}", account, t, list(tags), repost, None))

    for i, a in enumerate(STORM):
        if i >= 3:  # the old storm accounts: silent since early March
            post(a, START + timedelta(days=1, hours=i))
        for k in range(8):
            post(a, T0 + timedelta(minutes=15 * k, seconds=i), [f"h{k}"])
    for i, a in enumerate(CROWD):  # the fans post every day, and at the match
        for day in range(19):
            post(a, START + timedelta(days=day, hours=9, minutes=i), ["morning"])
        post(a, T0 + timedelta(seconds=i), ["cupfinal"])
        post(a, T0 + timedelta(minutes=30, seconds=i), ["cupfinal", "goal"])
    for i, a in enumerate(OUTSIDE):  # so do many other accounts
        post(a, START + timedelta(hours=i))
        post(a, T0 + timedelta(minutes=i), ["CupFinal"])
        post(a, T0 + timedelta(minutes=31, seconds=i), ["goal"])
    for i, a in enumerate(CAMPAIGN):
        for k in range(6):
            post(a, START + timedelta(days=3 * k, seconds=i), [f"k{k}"])
    return pl.DataFrame(
        rows,
        schema={
            "post_id": pl.String,
            "account_id": pl.String,
            "timestamp": pl.Datetime("us", "UTC"),
            "hashtags": pl.List(pl.String),
            "repost_of": pl.String,
            "reply_to": pl.String,
        },
        orient="row",
    )


def _edges(extra_links=()) -> pl.DataFrame:
    rows = [(a, b, 2, 0, 0.2) for a, b in combinations(STORM, 2)]
    rows += [(a, b, 0, 2, 0.4) for a, b in combinations(CROWD, 2)]
    rows += [(a, b, 0, 6, 0.001) for a, b in combinations(CAMPAIGN, 2)]
    rows += [(*pair, 0, 2, 0.9) for pair in extra_links]
    return pl.DataFrame(
        rows,
        schema=["account_a", "account_b", "co_text_n_keys", "co_hashtag_n_keys", "p_value"],
        orient="row",
    )


class _Memory:
    """A posts source in memory: every post, no background count."""

    def __init__(self, posts):
        self.posts = posts
        self.columns = posts.columns

    def score_posts(self, columns, accounts, *, background=None):
        return self.posts, None


class _Streamed(_Memory):
    """A streamed posts source: the members' posts, the background counted on a scan."""

    def score_posts(self, columns, accounts, *, background=None):
        mine = self.posts.filter(pl.col("account_id").is_in(sorted(accounts))).select(columns)
        return mine, background(self.posts.lazy()) if background is not None else None


def _signals(**options) -> pl.DataFrame:
    evidence = _evidence()
    windows = burst_windows(evidence, 6 * 3600 * US)
    return storm_signals([0, 1], _clusters(), evidence, windows, **options).sort("cluster_id")


def test_burst_windows_find_the_busiest_stretch_and_its_span():
    windows = burst_windows(_evidence(), 6 * 3600 * US).sort("cluster_id")
    storm = windows.row(0, named=True)
    assert storm["burst_from"] == int(T0.timestamp() * US)
    assert storm["burst_to"] - storm["burst_from"] == 6 * 3600 * US
    assert storm["span_hours"] == pytest.approx(105 / 60)
    assert windows.row(2, named=True)["span_hours"] == 0  # one day of the campaign


def test_keys_per_pair_tell_many_keys_from_the_event_keys():
    signals = _signals()
    assert signals["storm_keys_per_pair"].to_list() == [9.0, 2.0]
    assert signals["n_keys"].to_list() == [9, 2]
    assert signals["n_accounts"].to_list() == [6, 6]


def test_copied_texts_from_the_edges_or_from_the_evidence_traces():
    from_edges = _signals(edges=_edges())
    assert from_edges["storm_copied_text"].to_list() == [1.0, 0.0]
    # without edges: the pairs with a text trace in the evidence
    assert _signals()["storm_copied_text"].to_list() == [1.0, 0.0]


def test_woken_accounts_are_created_or_silent_in_the_weeks_before():
    signals = _signals(posts=_posts(), accounts=_accounts())
    assert signals["storm_young"].to_list() == [0.5, 0.0]
    # the young three and the three silent since March 2 (the posts reach back 19 days)
    assert signals["storm_woken"].to_list() == [1.0, 0.0]
    # only created_at: the old storm accounts are not known to be silent
    only_dates = _signals(accounts=_accounts())
    assert only_dates["storm_woken"].to_list() == [0.5, 0.0]
    # posts reaching back less than the two weeks: silence is unknown
    short = _posts().filter(pl.col("timestamp") >= T0 - timedelta(days=5))
    assert _signals(posts=short)["storm_woken"].to_list() == [None, None]


def test_outside_use_of_the_burst_keys():
    signals = _signals(posts=_posts())
    assert signals["storm_outside"][0] == 0.0
    # the fans' 18 key uses: 12 of the 32 #cupfinal posts, 6 of the 26 #goal posts
    assert signals["storm_outside"][1] == pytest.approx((12 * 20 / 32 + 6 * 20 / 26) / 18)


def test_background_counted_on_a_stream_is_the_same():
    posts = _posts()
    windows = burst_windows(_evidence(), 6 * 3600 * US).filter(pl.col("cluster_id") < 2)
    counter = KeyBackground(windows)
    whole = counter(posts)
    parts = KeyBackground.merge([counter(posts[:200]), counter(posts[200:].lazy())])
    assert parts[1] == whole[1] == int(START.timestamp() * US)
    assert parts[0].sort("cluster_id", "key").equals(whole[0].sort("cluster_id", "key"))
    crowd = whole[0].filter(pl.col("cluster_id") == 1)
    assert crowd.filter(pl.col("key") == "#cupfinal")["n_posts"].item() == 32


def test_verdict_needs_many_keys_and_two_more_signals():
    full = _signals(edges=_edges(), posts=_posts(), accounts=_accounts())
    assert full["storm"].to_list() == [True, False]
    text = full["burst_evidence"][0]
    assert text.startswith("one-afternoon storm: 6 accounts co-acted on 9 keys within 1.8 h")
    assert "100% of linked pairs shared near-identical texts" in text
    assert "0% of the posts on its keys in the burst by outside accounts" in text
    assert full["burst_evidence"][1].startswith("crowd at one event: 6 accounts")
    # copied texts alone (nothing known of the accounts and the keys' use): no storm
    assert _signals(edges=_edges())["storm"].to_list() == [False, False]
    # copied texts and keys of its own, the accounts unknown: a storm
    assert _signals(edges=_edges(), posts=_posts())["storm"].to_list() == [True, False]


def test_growth_adds_the_accounts_linked_to_most_members():
    # x is paired with five of the six storm accounts, y with one, z with two fans
    links = [("x", a) for a in STORM[:5]] + [("y", "s0"), ("z", "f0"), ("z", "f1")]
    links += [(o, p) for o, p in pairwise(OUTSIDE)]  # a background of pairs
    grown, added = grow_bursts(_clusters(["x", "y", "z"]), _edges(links), [0, 1])
    label = dict(grown.iter_rows())
    assert (label["x"], label["y"], label["z"]) == (0, -1, -1)
    assert added.rows() == [("x", 0)]
    # the campaign (not one burst) does not grow, and nothing grows without edges
    assert grow_bursts(_clusters(), None, [0])[1].height == 0


def test_growth_brings_the_pieces_of_a_storm_together():
    # the storm split in two by the community detection: s0-s3 and s4, s5, y; y is
    # paired with the four others, x with s0 only
    clusters = _clusters(["x", "y"]).with_columns(
        cluster_id=pl.when(pl.col("account_id").is_in(["s4", "s5", "y"]))
        .then(5)
        .otherwise(pl.col("cluster_id"))
    )
    links = [("y", a) for a in STORM[:4]] + [("x", "s0")]
    grown, joined = grow_bursts(clusters, _edges(links), [0, 1, 5])
    label = dict(grown.iter_rows())
    assert {label[a] for a in [*STORM, "y"]} == {0} and label["x"] == -1
    assert sorted(joined["account_id"]) == ["s4", "s5", "y"]
    # a piece left with too few members is dissolved: s4 and s5 leave x alone
    clusters = _clusters(["x", "y"]).with_columns(
        cluster_id=pl.when(pl.col("account_id").is_in(["s4", "s5", "x"]))
        .then(5)
        .otherwise(pl.col("cluster_id"))
    )
    grown, _ = grow_bursts(clusters, _edges([("y", a) for a in STORM[:4]]), [0, 5])
    label = dict(grown.iter_rows())
    assert label["x"] == -1 and label["y"] == 0


@pytest.mark.parametrize("source", [_Memory, _Streamed])
def test_drop_crowd_bursts_keeps_the_storm_and_leaves_the_crowd_out(source):
    warnings: list[str] = []
    links = [("x", a) for a in STORM[:5]]
    clusters, evidence, bursts = drop_crowd_bursts(
        _clusters(["x"]),
        _evidence(),
        0.9,
        warnings,
        edges=_edges(links),
        source=source(_posts()),
        accounts=_accounts(),
    )
    label = dict(clusters.iter_rows())
    assert {label[a] for a in [*STORM, "x"]} == {0}
    assert {label[a] for a in CROWD} == {-1}
    assert {label[a] for a in CAMPAIGN} == {1}
    assert sorted(evidence["cluster_id"].unique()) == [0, 1]
    storm = bursts.filter(pl.col("cluster_id") == 0).row(0, named=True)
    assert storm["burst_kind"] == "storm"
    assert storm["burst_evidence"].startswith("one-afternoon storm: 7 accounts")
    assert bursts.filter(pl.col("cluster_id") == 1)["burst_kind"].item() is None
    (crowds,) = [w for w in warnings if "are crowds" in w]
    assert "1 clusters (6 accounts)" in crowds and "synchronous, not coordinated" in crowds
    (storms,) = [w for w in warnings if "are storms" in w]
    assert "7 accounts, 1 of them joined by their links to most of its members" in storms


def test_without_a_source_or_edges_a_burst_is_judged_on_the_evidence():
    warnings: list[str] = []
    clusters, _, _ = drop_crowd_bursts(_clusters(), _evidence(), 0.9, warnings)
    # copied texts and many keys only: not enough for a storm; left out like the crowd
    assert clusters.filter(pl.col("cluster_id") >= 0)["account_id"].to_list() == CAMPAIGN
    # max_burst_share=1.0 keeps every cluster
    kept, _, bursts = drop_crowd_bursts(_clusters(), _evidence(), 1.0, [])
    assert kept["cluster_id"].max() == 2 and bursts["burst_kind"].null_count() == 3


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_the_synthetic_storm_is_found_whole_and_the_crowds_stay_out(seed):
    data = cd.datasets.synthetic(200_000, seed=seed)
    result = cd.detect(data.posts, data.accounts)
    labels = data.truth.join(result.clusters, on="account_id", how="left").with_columns(
        pl.col("cluster_id").fill_null(-1)
    )
    storm = labels.filter(pl.col("group").str.starts_with("storm"))
    assert storm.height > 0
    top = storm.filter(pl.col("cluster_id") >= 0)["cluster_id"].mode()
    assert len(top) == 1
    found = storm.filter(pl.col("cluster_id") == top[0]).height
    assert found >= 0.9 * storm.height
    cluster = labels.filter(pl.col("cluster_id") == top[0])
    assert found >= 0.9 * cluster.height  # and the cluster is the storm
    scores = result.cluster_scores.filter(pl.col("cluster_id") == top[0]).row(0, named=True)
    assert scores["burst_kind"] == "storm"
    assert scores["burst_evidence"].startswith("one-afternoon storm")
    for role in ("fans", "activists"):
        crowd = labels.filter(pl.col("role") == role)
        assert crowd.height > 0
        assert (crowd["cluster_id"] >= 0).sum() == 0, role
    assert any("are crowds" in w for w in result.warnings)
