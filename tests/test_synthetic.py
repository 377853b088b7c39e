"""Tests of the synthetic benchmark data (cib_detect.datasets.synthetic).

Schedules are checked against an independent reading of the calendars: Python's
zoneinfo for local time and the ``holidays`` package for public holidays and weekend
working days, with the government weekends written out here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import polars as pl
import pytest

from cib_detect.datasets import ROLES, state_media_domains, synthetic
from cib_detect.errors import ParameterError
from cib_detect.io.validate import validate_accounts, validate_posts
from cib_detect.schema import ACCOUNT_COLUMNS, POST_COLUMNS

N = 30_000
#: Government weekends (Monday = 0): Friday in Iran, Saturday-Sunday in the others.
WEEKEND = {"CN": {5, 6}, "RU": {5, 6}, "IR": {4}, "VE": {5, 6}, "TR": {5, 6}}
#: The campaigns of ``campaign_sizes`` (not the hidden variants, which have their own tests).
CAMPAIGNS = pl.col("group").str.starts_with("hidden_state_")
TIMEZONE = {"CN": "Asia/Shanghai", "RU": "Europe/Moscow", "IR": "Asia/Tehran",
            "VE": "America/Caracas", "TR": "Europe/Istanbul"}  # fmt: skip


@pytest.fixture(scope="module")
def data():
    return synthetic(N, seed=7)


@pytest.fixture(scope="module")
def posts(data):
    """Posts with the author's truth (role, group, country)."""
    return data.posts.join(data.truth, on="account_id", how="left")


def _tokens(text: str) -> set[str]:
    return {t for t in text.split() if not t.startswith(("http", "#", "@"))}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def test_same_seed_gives_identical_tables():
    a, b = synthetic(3_000, seed=11), synthetic(3_000, seed=11)
    for name in ("posts", "accounts", "truth", "groups"):
        assert getattr(a, name).equals(getattr(b, name)), name


def test_different_seeds_give_different_posts():
    a, b = synthetic(3_000, seed=1), synthetic(3_000, seed=2)
    assert not a.posts.equals(b.posts)
    assert a.posts["text"].head(50).to_list() != b.posts["text"].head(50).to_list()


def test_tables_have_the_canonical_schema(data):
    # every canonical column but the short-video ones (sound_id, effect_ids), in order
    assert data.posts.schema == pl.Schema(
        {name: dtype for name, dtype in POST_COLUMNS.items() if name in data.posts.columns}
    )
    assert set(POST_COLUMNS) - set(data.posts.columns) == {"sound_id", "effect_ids"}
    # the canonical columns, then the platform's automated-account label
    assert data.accounts.schema == pl.Schema({**ACCOUNT_COLUMNS, "automated_label": pl.String})
    assert data.truth.columns == ["account_id", "role", "group", "country"]


def test_tables_pass_the_library_validation_unchanged(data):
    assert validate_posts(data.posts).equals(data.posts)
    assert validate_accounts(data.accounts).equals(data.accounts)


def test_posts_lie_inside_the_period():
    data = synthetic(4_000, seed=2, start="2024-03-01T12:00", days=1)
    start = dt.datetime(2024, 3, 1, 12, tzinfo=dt.timezone.utc)
    assert data.posts["timestamp"].min() >= start
    assert data.posts["timestamp"].max() < start + dt.timedelta(days=1)


def test_post_ids_are_unique_and_follow_time(data):
    posts = data.posts
    assert posts["post_id"].n_unique() == posts.height
    assert posts["timestamp"].is_sorted()
    assert posts["post_id"].is_sorted()
    assert posts["post_id"].str.contains(r"^p\d{6,}$").all()
    assert data.accounts["account_id"].str.contains(r"^a\d{5,}$").all()


def test_reposts_and_replies_point_to_earlier_existing_posts(data):
    times = data.posts.select(pl.col("post_id").alias("ref"), pl.col("timestamp").alias("t0"),
                              pl.col("repost_of").alias("ref_repost"))  # fmt: skip
    for column in ("repost_of", "reply_to"):
        linked = data.posts.filter(pl.col(column).is_not_null()).join(
            times, left_on=column, right_on="ref", how="left"
        )
        assert linked.height > 0
        assert linked["t0"].null_count() == 0, f"{column} points to a missing post"
        assert (linked["timestamp"] > linked["t0"]).all(), f"{column} is not later"
        # a repost always names the original, never another repost
        assert linked["ref_repost"].null_count() == linked.height


def test_reposts_carry_the_reposted_content(data):
    original = data.posts.select(
        pl.col("post_id").alias("repost_of"),
        pl.col("account_id").alias("author"),
        pl.col("text").alias("original_text"),
        pl.col("hashtags").alias("original_hashtags"),
        pl.col("urls").alias("original_urls"),
    )
    reposts = data.posts.filter(pl.col("repost_of").is_not_null()).join(original, on="repost_of")
    expected = "RT @" + reposts["author"] + ": " + reposts["original_text"]
    assert (reposts["text"] == expected).all()
    assert reposts["hashtags"].equals(reposts["original_hashtags"], check_names=False)
    assert reposts["urls"].equals(reposts["original_urls"], check_names=False)
    assert (reposts["mentions"].list.first() == reposts["author"]).all()


def test_replies_start_with_the_replied_author(data):
    authors = data.posts.select(
        pl.col("post_id").alias("reply_to"), pl.col("account_id").alias("to")
    )
    replies = data.posts.filter(pl.col("reply_to").is_not_null()).join(authors, on="reply_to")
    assert replies["text"].str.starts_with("@").all()
    assert (replies["text"].str.split(" ").list.first() == "@" + replies["to"]).all()


def test_truth_covers_every_account_once(data):
    assert data.truth["account_id"].n_unique() == data.truth.height == data.accounts.height
    assert data.truth["account_id"].equals(data.accounts["account_id"])
    assert set(data.posts["account_id"].unique()) <= set(data.truth["account_id"])
    assert set(data.truth["role"].unique()) == set(ROLES)


def test_hashtags_are_lowercase_without_hash_sign(data):
    tags = data.posts["hashtags"].explode().drop_nulls()
    assert tags.len() > 0
    assert (tags == tags.str.to_lowercase()).all()
    assert not tags.str.starts_with("#").any()


def test_n_posts_is_approximately_honoured():
    # the roles added later come on top: about 3 % more posts, a little more in small data
    for n in (5_000, 20_000):
        assert abs(synthetic(n, seed=3).posts.height - n) <= 0.045 * n
    quiet = synthetic(5_000, include_roles=["organic", "fans", "activists"])
    assert abs(quiet.posts.height - 5_000) <= 0.03 * 5_000


def test_hidden_state_posts_only_in_office_hours_of_working_days(posts):
    campaigns = posts.filter(CAMPAIGNS)
    assert set(campaigns["country"].unique()) == {"CN", "RU", "IR", "VE"}
    for (country,), group in campaigns.group_by("country"):
        calendar = holidays.country_holidays(country, years=2024)
        local = [t.astimezone(ZoneInfo(TIMEZONE[country])) for t in group["timestamp"]]
        assert all(9 <= t.hour < 18 for t in local), country
        days = {t.date() for t in local}
        assert not days & set(calendar), f"{country} posts on a holiday"
        weekend = {d for d in days if d.weekday() in WEEKEND[country]}
        assert weekend <= set(calendar.weekend_workdays), f"{country} posts on a weekend"


def test_the_period_has_holidays_the_campaigns_keep(posts):
    # the default period contains holidays of every campaign country, and others post then
    start = dt.date(2024, 4, 15)
    period = {start + dt.timedelta(days=i) for i in range(30)}
    for country in ("CN", "RU", "IR", "VE"):
        assert period & set(holidays.country_holidays(country, years=2024)), country
    may_day = posts.filter(pl.col("timestamp").dt.date() == dt.date(2024, 5, 1))
    assert may_day.filter(role="organic").height > 0
    assert may_day.filter(role="spam").height > 0


def test_without_campaign_roles_no_coordinated_accounts():
    quiet = synthetic(8_000, seed=5, include_roles=["organic", "fans", "activists"])
    assert set(quiet.truth["role"].unique()) == {"organic", "fans", "activists"}
    domains = set(state_media_domains()["domain"])
    hosts = quiet.posts["urls"].explode().drop_nulls().str.extract(r"^https?://([^/]+)/")
    assert not set(hosts.unique()) & domains
    assert set(quiet.groups["role"]) == {"fans", "activists"}


def test_campaign_texts_are_near_duplicates(posts):
    # originals of one campaign sharing a state-media article come from one talking point
    originals = posts.filter(
        pl.col("repost_of").is_null(), pl.col("reply_to").is_null(), CAMPAIGNS
    ).with_columns(article=pl.col("urls").list.first().str.extract(r"^(https://[^/]+/\w+/\d+)"))
    within = []
    for _, group in originals.drop_nulls("article").group_by("article"):
        texts = [_tokens(t) for t in group["text"]]
        within += [_jaccard(a, b) for a, b in itertools.combinations(texts, 2)]
    organic = posts.filter(pl.col("repost_of").is_null(), role="organic").sample(1_000, seed=0)[
        "text"
    ]
    texts = [_tokens(t) for t in organic]
    between = [_jaccard(a, b) for a, b in zip(texts[::2], texts[1::2], strict=True)]
    assert len(within) > 100
    assert np.mean(within) > 0.4
    assert np.mean(within) > 5 * np.mean(between)
    # paraphrased, so mostly not byte-identical, but some exact copies
    assert 0 < np.mean(np.array(within) == 1.0) < 0.2


def test_campaigns_repost_their_state_media_within_minutes(posts, data):
    authors = posts.select(pl.col("post_id").alias("repost_of"), pl.col("group").alias("source"))
    reposts = posts.filter(CAMPAIGNS).drop_nulls("repost_of").join(authors, on="repost_of")
    assert reposts.height > 0
    # every amplified post comes from the campaign country's own state media
    assert (reposts["source"] == "state_media_" + reposts["country"]).all()
    spread = reposts.group_by("repost_of").agg(
        (pl.col("timestamp").max() - pl.col("timestamp").min()).dt.total_seconds().alias("s"),
        pl.len(),
    )
    assert spread.filter(pl.col("len") >= 3)["s"].median() < 300


def test_state_links_use_reference_domains_of_the_country(posts):
    reference = state_media_domains().select("domain", "country")
    links = (
        posts.filter(pl.col("role").is_in(["hidden_state", "state_media"]))
        .select("country", host=pl.col("urls").list.first().str.extract(r"^https://([^/]+)/"))
        .drop_nulls()
        .join(reference, left_on="host", right_on="domain", how="left", suffix="_ref")
    )
    state = links.filter(pl.col("country_ref").is_not_null())
    assert state.height > 0.5 * links.height
    assert (state["country"] == state["country_ref"]).all()


def test_accounts_look_their_part(data):
    accounts = data.accounts.join(data.truth, on="account_id")
    labelled = accounts.filter(role="state_media")
    assert labelled["label"].str.contains("state-affiliated media|government organization").all()
    assert labelled["description"].str.starts_with("Official account of").all()
    assert accounts.filter(pl.col("role") != "state_media")["label"].null_count() == (
        accounts.height - labelled.height
    )
    bursts = pl.col("group").str.contains("^(hidden_state_|paraphrase_|shifts_|spam_1)")
    for (_, role), group in accounts.filter(bursts).group_by("group", "role"):
        burst = group["created_at"].max() - group["created_at"].min()
        assert burst <= dt.timedelta(days=3), role


def test_spam_posts_round_the_clock_in_synchronised_waves(posts):
    spam = posts.filter(role="spam")
    # waves at any hour of any day: no office hours, no weekends
    assert spam["timestamp"].dt.hour().n_unique() >= 12
    assert spam["timestamp"].dt.weekday().n_unique() == 7
    waves = (
        spam.drop_nulls("repost_of")
        .group_by("repost_of")
        .agg((pl.col("timestamp").max() - pl.col("timestamp").min()).dt.total_seconds().alias("s"))
    )
    assert waves["s"].max() < 60
    links = spam["urls"].explode().drop_nulls().str.extract(r"^https://([^/]+)/")
    assert not set(links) & set(state_media_domains()["domain"])


def test_fans_burst_around_the_event_with_their_own_words(posts):
    event = posts.filter(pl.col("repost_of").is_null(), role="fans").filter(
        pl.col("hashtags").list.contains("cupfinal")
    )
    per_minute = event.group_by(pl.col("timestamp").dt.truncate("1m")).len()["len"]
    assert per_minute.max() >= 20
    span = event["timestamp"].max() - event["timestamp"].min()
    assert span <= dt.timedelta(hours=4)
    texts = [_tokens(t) for t in event["text"].head(400)]
    pairs = [_jaccard(a, b) for a, b in zip(texts[::2], texts[1::2], strict=True) if a and b]
    assert np.mean(pairs) < 0.2


def test_activists_share_a_petition_over_days_not_seconds(posts):
    cause = posts.filter(pl.col("repost_of").is_null(), role="activists").filter(
        pl.col("urls").list.first().str.contains("change.org")
    )
    assert cause["timestamp"].dt.date().n_unique() >= 10
    authors = posts.select(
        pl.col("post_id").alias("repost_of"),
        pl.col("timestamp").alias("t0"),
        pl.col("role").alias("of"),
    )
    shares = posts.filter(role="activists").join(authors, on="repost_of").filter(of="activists")
    delay = (shares["timestamp"] - shares["t0"]).dt.total_seconds()
    assert delay.len() > 50
    assert delay.median() > 3600
    assert (delay <= 60).mean() < 0.05


def test_organic_users_co_repost_popular_posts_by_chance(posts):
    organic = posts.filter(role="organic").drop_nulls("repost_of").sort("timestamp")
    gaps = organic.group_by("repost_of").agg(pl.col("timestamp").diff().dt.total_seconds())
    assert (gaps["timestamp"].explode().drop_nulls() <= 60).sum() > 50


def test_groups_describe_the_planted_structure(data):
    groups = data.groups
    assert set(groups["role"]) == set(ROLES) - {"organic"}
    hidden = groups.filter(CAMPAIGNS)
    assert hidden["n_accounts"].to_list() == list(data.params["campaign_sizes"])
    assert hidden["country"].to_list() == ["CN", "RU", "IR", "VE"]
    variants = groups.filter(pl.col("role") == "hidden_state", ~CAMPAIGNS)
    assert variants["group"].to_list() == ["paraphrase_RU", "shifts_IR", "storm_TR"]
    # (5, 12, 30, 60) at 50,000 posts, scaled by the square root of the size
    assert data.params["campaign_sizes"] == tuple(
        round(s * (N / 50_000) ** 0.5) for s in (5, 12, 30, 60)
    )
    counted = data.truth.group_by("group").len().rename({"len": "n"})
    joined = groups.join(counted, on="group")
    assert (joined["n"] == joined["n_accounts"]).all()
    assert groups["n_posts"].sum() < data.posts.height


def test_parameters_shape_the_campaigns():
    data = synthetic(6_000, campaign_sizes=[8], countries=["KP"], paraphrase=0.0, seed=4)
    hidden = data.truth.filter(CAMPAIGNS)
    assert hidden.height == 8
    assert set(hidden["country"]) == {"KP"}
    originals = data.posts.join(data.truth, on="account_id").filter(
        pl.col("repost_of").is_null(), pl.col("reply_to").is_null(), CAMPAIGNS
    )
    assert originals.height > 0


def test_invalid_parameters_are_reported_together():
    with pytest.raises(ParameterError) as error:
        synthetic(10, countries=["XX"], paraphrase=2.0, include_roles=["spam"])
    message = str(error.value)
    for name in ("n_posts", "countries", "paraphrase", "include_roles"):
        assert name in message
    with pytest.raises(ParameterError, match="its own country"):
        synthetic(5_000, campaign_sizes=[5, 5], countries=["CN"])


def test_state_media_reference_list():
    domains = state_media_domains()
    assert domains.schema == pl.Schema(
        {"domain": pl.String, "country": pl.String, "outlet": pl.String, "kind": pl.String,
         "source": pl.String, "noted": pl.Date}
    )  # fmt: skip
    assert domains["domain"].n_unique() == domains.height
    assert set(domains["kind"]) == {"state media", "government"}
    assert {"CN", "RU", "IR", "KP", "VE", "SA", "AE", "EG", "TR"} <= set(domains["country"])
    assert domains["domain"].str.contains(r"^[a-z0-9.-]+\.[a-z]{2,}$").all()
    assert domains.null_count().sum_horizontal().item() == 0
    for name in ("rt.com", "sputniknews.com", "cgtn.com", "presstv.ir", "kcna.kp", "aa.com.tr"):
        assert name in domains["domain"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(domains["noted"].max()))
