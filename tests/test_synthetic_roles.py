"""Tests of the roles added to the synthetic generator after the first nine: the hidden
state groups that hide the usual traces (paraphrase-only, shift work, one-afternoon storm)
and the look-alikes of state operations (automated news aggregators, an office-hours
marketing firm, a crypto spam farm), and that adding them changed no other role's posts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from functools import reduce

import holidays
import numpy as np
import polars as pl
import pytest

from cib_detect.datasets import state_media_domains, synthetic
from cib_detect.datasets._synth_lookalikes import CADENCES, NEWS_OUTLETS
from cib_detect.datasets._synth_text import MARKETING_WORDS
from cib_detect.datasets.synthetic import ADDED_ROLES, HIDDEN_VARIANTS, PLANTED
from cib_detect.errors import ParameterError
from cib_detect.normalize.text import normalize_text
from cib_detect.score.disclosure import AFFILIATION_PATTERN

N = 30_000
NEW_TRUTH_ROLES = ("aggregator", "marketing", "commercial_spam")
NEW_GROUPS = ("paraphrase_RU", "shifts_IR", "storm_TR", "aggregators_1", "marketing_1",
              "commercial_spam_1")  # fmt: skip
#: The roles as they were before these were added.
EARLIER = [r for r in PLANTED if r not in (*HIDDEN_VARIANTS, *NEW_TRUTH_ROLES)]
STATE_DOMAINS = set(state_media_domains()["domain"])


@pytest.fixture(scope="module")
def data():
    return synthetic(N, seed=5)


@pytest.fixture(scope="module")
def posts(data):
    """Posts with the author's truth and the normalised text."""
    return data.posts.join(data.truth, on="account_id").with_columns(
        norm=normalize_text("text"), host=pl.col("urls").list.first().str.extract(_HOST)
    )


_HOST = r"^https?://(?:www\.)?([^/?]+)"


def _words(text: str) -> set[str]:
    return set(text.split())


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def _local(frame: pl.DataFrame, zone: str) -> pl.Series:
    return frame["timestamp"].dt.convert_time_zone(zone)


# ---------------------------------------------------------------------------------------
# Presence, determinism, the other roles unchanged.


def test_every_new_role_is_planted_even_in_small_data():
    small = synthetic(5_000, seed=1)
    groups = small.groups.filter(pl.col("group").is_in(NEW_GROUPS))
    assert groups["group"].to_list() == list(NEW_GROUPS)
    assert groups["role"].to_list() == ["hidden_state"] * 3 + list(NEW_TRUTH_ROLES)
    assert groups["country"].to_list() == ["RU", "IR", "TR", None, None, None]
    assert (groups["n_posts"] > 0).all()
    assert set(NEW_TRUTH_ROLES) <= set(small.truth["role"])
    counted = small.truth.group_by("group").len()
    joined = groups.join(counted, on="group")
    assert (joined["len"] == joined["n_accounts"]).all()


def test_group_sizes_scale_like_the_campaigns(data):
    sizes = dict(data.groups.select("group", "n_accounts").iter_rows())
    scale = math.sqrt(N / 50_000)
    assert sizes["paraphrase_RU"] == round(10 * scale)
    assert sizes["storm_TR"] == round(45 * scale)
    big = synthetic(2_000, seed=1, role_sizes={"hidden_storm": 80, "marketing": 4})
    sizes = dict(big.groups.select("group", "n_accounts").iter_rows())
    assert sizes["storm_TR"] == 80 and sizes["marketing_1"] == 4
    # a storm keeps 8 to 60 accounts whatever the size
    assert synthetic(1_000, seed=0).params["role_sizes"]["hidden_storm"] == 8


def test_same_seed_same_new_roles_other_seed_other_posts():
    a, b, c = (synthetic(3_000, seed=s) for s in (4, 4, 5))
    for name in ("posts", "accounts", "truth", "groups"):
        assert getattr(a, name).equals(getattr(b, name)), name
    new = pl.col("group").is_in(NEW_GROUPS)

    def texts(d):
        return d.posts.join(d.truth.filter(new), on="account_id")["text"].to_list()

    assert texts(a) != texts(c)


def _content(d, roles):
    """Posts of ``roles`` (campaign groups only, no hidden variants) with account ids
    masked: ids are shuffled over all accounts, so they differ when roles are added."""
    return (
        d.posts.join(d.truth, on="account_id")
        .filter(pl.col("role").is_in(roles), ~pl.col("group").is_in(NEW_GROUPS[:3]))
        .select(
            "role",
            "group",
            "timestamp",
            pl.col("text").str.replace_all(r"@a\d+", "@a"),
            "hashtags",
            "urls",
            "media_hashes",
            pl.col("repost_of").is_null(),
            pl.col("reply_to").is_null(),
        )
        .sort(pl.all())
    )


def test_the_new_roles_leave_every_other_role_as_it_was():
    every = synthetic(20_000, seed=2)
    earlier = synthetic(20_000, seed=2, include_roles=EARLIER)
    assert not set(earlier.groups["group"]) & set(NEW_GROUPS)
    assert earlier.accounts["automated_label"].null_count() == earlier.accounts.height
    assert _content(every, EARLIER).equals(_content(earlier, EARLIER))
    columns = ["created_at", "followers", "label", "description", "location", "language"]
    kept = pl.col("role").is_in(EARLIER) & ~pl.col("group").fill_null("").is_in(NEW_GROUPS)
    accounts = [
        d.accounts.join(d.truth, on="account_id").filter(kept).select(columns).sort(columns)
        for d in (every, earlier)
    ]
    assert accounts[0].equals(accounts[1])
    assert every.groups.head(earlier.groups.height).equals(earlier.groups)


def test_each_new_role_can_be_left_out():
    for role in (*HIDDEN_VARIANTS, *NEW_TRUTH_ROLES):
        d = synthetic(3_000, seed=3, include_roles=[r for r in PLANTED if r != role])
        group = NEW_GROUPS[(*HIDDEN_VARIANTS, *NEW_TRUTH_ROLES).index(role)]
        assert group not in d.groups["group"], role
        assert role not in d.params["include_roles"]
        assert len(set(NEW_GROUPS) & set(d.groups["group"])) == 5
    # "hidden_state" is the campaigns of campaign_sizes; the variants are named apart
    variants = synthetic(3_000, seed=3, include_roles=["organic", *HIDDEN_VARIANTS])
    assert variants.groups["group"].to_list() == list(NEW_GROUPS[:3])
    assert set(variants.truth["role"]) == {"organic", "hidden_state"}
    assert set(ADDED_ROLES) >= set(HIDDEN_VARIANTS) | set(NEW_TRUTH_ROLES)


def test_invalid_new_parameters_are_reported():
    with pytest.raises(ParameterError) as error:
        synthetic(
            5_000,
            role_sizes={"storm": 5, "marketing": 1},
            role_countries={"hidden_storm": "XX"},
            include_roles=["organic", "paraphrase"],
        )
    message = str(error.value)
    for name in ("role_sizes", "role_countries", "include_roles"):
        assert name in message
    d = synthetic(3_000, seed=1, role_countries={"hidden_storm": "ru", "hidden_shifts": "CU"})
    assert {"storm_RU", "shifts_CU", "paraphrase_RU"} <= set(d.groups["group"])


# ---------------------------------------------------------------------------------------
# The paraphrase-only campaign.


def test_paraphrase_campaign_never_copies(posts):
    group = posts.filter(group="paraphrase_RU")
    assert group.height > 50
    assert group["norm"].n_unique() == group.height  # no two texts equal, normalised
    assert group["norm"].str.to_lowercase().str.replace_all(r"\s+", " ").n_unique() == group.height
    assert group["repost_of"].null_count() == group.height
    urls = group["urls"].explode().drop_nulls()
    assert urls.len() > 10 and urls.n_unique() == urls.len()  # no URL twice
    # ... but on its country's state-media domains, and nobody else posts those URLs
    assert set(group["host"].drop_nulls()) <= set(
        state_media_domains().filter(country="RU")["domain"]
    )
    others = posts.filter(pl.col("group") != "paraphrase_RU")["urls"].explode().drop_nulls()
    assert not set(urls) & set(others)


def test_paraphrases_of_one_point_are_near_duplicates(posts):
    group = posts.filter(group="paraphrase_RU")
    words = [_words(t) for t in group["norm"]]
    pairs = np.array([_jaccard(a, b) for a, b in itertools.combinations(words, 2)])
    # paraphrases of one talking point against pairs of different points: bimodal
    assert np.mean((pairs > 0.2) & (pairs < 0.3)) < 0.01
    same = pairs[pairs >= 0.3]
    assert len(same) > 100
    assert 0.55 <= np.median(same) <= 0.72
    assert np.mean((same >= 0.5) & (same <= 0.8)) >= 0.7
    assert same.max() < 1.0


def test_paraphrase_campaign_posts_minutes_apart_in_office_hours(posts):
    group = posts.filter(group="paraphrase_RU").sort("timestamp")
    words = [_words(t) for t in group["norm"]]
    seconds = group["timestamp"].dt.epoch("s").to_numpy()
    gaps = [
        abs(int(seconds[j] - seconds[i]))
        for i, j in itertools.combinations(range(len(words)), 2)
        if abs(int(seconds[j] - seconds[i])) < 1800 and _jaccard(words[i], words[j]) >= 0.3
    ]
    assert len(gaps) > 30
    assert np.median(gaps) >= 180
    assert np.mean(np.array(gaps) < 60) < 0.2
    local = _local(group, "Europe/Moscow")
    assert local.dt.hour().is_between(9, 17).all()
    calendar = holidays.country_holidays("RU", years=2024)
    days = set(local.dt.date())
    assert not days & set(calendar)
    assert all(d.weekday() < 5 or d in calendar.weekend_workdays for d in days)


# ---------------------------------------------------------------------------------------
# Shift work.


def test_shift_workers_post_at_the_same_minutes_of_their_shift(posts):
    group = posts.filter(group="shifts_IR")
    local = group.with_columns(local=pl.col("timestamp").dt.convert_time_zone("Asia/Tehran"))
    assert local.height > 30
    hours = local["local"].dt.hour()
    assert hours.is_between(8, 19).all()
    assert (local["local"].dt.minute() < 5).mean() >= 0.9  # right after the slot
    # one shift per member, at most five weekdays (two fixed days off)
    per = local.group_by("account_id").agg(
        early=(pl.col("local").dt.hour() < 14).all(),
        late=(pl.col("local").dt.hour() >= 14).all(),
        weekdays=pl.col("local").dt.weekday().n_unique(),
    )
    assert (per["early"] | per["late"]).all()
    assert (per["weekdays"] <= 5).all()
    # synchronised: most slots see several members within the same few minutes
    slots = local.group_by(pl.col("local").dt.truncate("1h")).agg(
        pl.col("account_id").n_unique().alias("k"),
        (pl.col("local").max() - pl.col("local").min()).dt.total_seconds().alias("spread"),
    )
    slots = slots.join(local.group_by(pl.col("local").dt.truncate("1h")).len(), on="local")
    busy = slots.filter(pl.col("k") >= 2)
    assert busy["len"].sum() >= 0.7 * local.height
    assert busy["spread"].median() <= 300


def test_shift_workers_share_nothing_but_the_clock(posts):
    group = posts.filter(group="shifts_IR")
    assert group["norm"].n_unique() == group.height
    words = [_words(t) for t in group["norm"].head(200)]
    pairs = [_jaccard(a, b) for a, b in itertools.combinations(words, 2)]
    assert np.mean(pairs) < 0.08 and np.quantile(pairs, 0.99) < 0.3
    assert group["repost_of"].null_count() == group.height
    assert not set(group["host"].drop_nulls()) & STATE_DOMAINS
    # no hashtag or link of the group used by more than two of its members
    for column in ("hashtags", "urls"):
        used = (
            group.explode(column)
            .drop_nulls(column)
            .group_by(column)
            .agg(pl.col("account_id").n_unique())
        )
        assert used.filter(pl.col("account_id") > 2).height <= 2, column


# ---------------------------------------------------------------------------------------
# Automated news aggregators.


def test_aggregators_declare_their_automation_in_eight_languages():
    d = synthetic(3_000, seed=2, role_sizes={"aggregator": 12})
    accounts = d.accounts.join(d.truth, on="account_id").filter(role="aggregator")
    assert set(accounts["language"]) == {"en", "zh", "ru", "ar", "fa", "es", "fr", "tr"}
    assert accounts["label"].null_count() == accounts.height  # no state label
    labelled = accounts["automated_label"].drop_nulls()
    assert 0 < labelled.len() < accounts.height and set(labelled) == {"Automated"}
    assert not accounts["description"].str.contains(AFFILIATION_PATTERN).any()
    marker = r"(?i)automat|rss|bot|自动|无人值守|автоматическ|آلي|خودکار|otomatik"
    assert accounts["description"].str.contains(marker).all()
    others = d.accounts.join(d.truth, on="account_id").filter(pl.col("role") != "aggregator")
    assert others["automated_label"].null_count() == others.height


def test_aggregators_relay_many_outlets_in_proportion_to_their_output(posts, data):
    relay = posts.filter(role="aggregator")
    assert relay.height > 50
    assert relay["urls"].list.len().eq(1).all()
    assert relay["host"].n_unique() >= 15
    # the state share of the article pool: one unit per state-media outlet of the data
    n_state = data.accounts.filter(
        pl.col("description").str.starts_with("Official account of")
        & ~pl.col("label").str.contains("government", literal=True)
    ).height
    expected = n_state / (n_state + sum(r for _, r in NEWS_OUTLETS))
    share = relay["host"].is_in(list(STATE_DOMAINS)).mean()
    assert abs(share - expected) < 0.08, (share, expected)
    # a relayed state article is one its outlet posted, with that post's words
    state = posts.filter(role="state_media").select(
        url=pl.col("urls").list.first().str.replace(r"\?.*$", ""), source=pl.col("norm")
    )
    relayed = relay.filter(pl.col("host").is_in(list(STATE_DOMAINS))).with_columns(
        url=pl.col("urls").list.first().str.replace(r"\?.*$", "")
    )
    joined = relayed.join(state.unique("url"), on="url", how="left")
    assert joined["source"].null_count() == 0
    assert (
        joined.select(pl.col("source").str.starts_with(pl.col("norm").str.head(30)))
        .to_series()
        .all()
    )


def test_aggregators_post_on_fixed_cadences(posts):
    relay = posts.filter(role="aggregator").with_columns(s=pl.col("timestamp").dt.epoch("s"))
    assert (relay["s"] % 60 < 4).all()  # a few seconds after the tick
    for (_,), group in relay.group_by("account_id"):
        minutes = (group["s"] // 60).to_numpy()
        if len(minutes) < 3:
            continue
        step = reduce(math.gcd, (int(m) for m in minutes - minutes.min()))
        assert step == 0 or any(step % c == 0 for c in CADENCES), step


# ---------------------------------------------------------------------------------------
# Office-hours marketing firm and crypto spam farm.


def test_marketing_firm_pushes_products_in_utc8_office_hours(posts):
    firm = posts.filter(role="marketing")
    assert firm.height > 30
    local = _local(firm, "Asia/Shanghai")
    assert local.dt.hour().is_between(9, 17).all()
    calendar = holidays.country_holidays("CN", years=2024)
    days = set(local.dt.date())  # Chinese working days: no holidays, make-up Saturdays
    assert not days & set(calendar)
    assert all(d.weekday() < 5 or d in calendar.weekend_workdays for d in days)
    words = firm["norm"].str.split(" ").explode()
    assert words.is_in(MARKETING_WORDS).mean() > 0.3  # buy, discount, download, offer ...
    assert not set(firm["host"].drop_nulls()) & STATE_DOMAINS
    assert firm["hashtags"].list.len().min() >= 2
    # one push: near-duplicate adverts with the same product link
    by_link = firm.with_columns(url=pl.col("urls").list.first().str.replace(r"\?.*$", ""))
    within = []
    for _, push in by_link.group_by("url"):
        texts = [_words(t) for t in push["norm"]]
        within += [_jaccard(a, b) for a, b in itertools.combinations(texts, 2)]
    assert len(within) > 20 and np.mean(within) > 0.5


def test_crypto_farm_is_reply_spam_not_a_wave_botnet(posts, data):
    farm = posts.filter(role="commercial_spam")
    accounts = data.accounts.join(data.truth, on="account_id").filter(role="commercial_spam")
    assert (
        accounts["label"].null_count()
        == accounts["automated_label"].null_count()
        == (accounts.height)
    )
    assert not accounts["description"].fill_null("").str.contains(AFFILIATION_PATTERN).any()
    assert accounts["created_at"].max() - accounts["created_at"].min() > dt.timedelta(days=90)
    assert farm["reply_to"].is_not_null().mean() > 0.5
    assert farm["timestamp"].dt.hour().n_unique() >= 12
    assert not set(farm["host"].drop_nulls()) & STATE_DOMAINS
    # each bot its own referral link; no waves of copies within seconds
    per_url = farm.explode("urls").group_by("urls").agg(pl.col("account_id").n_unique())
    assert (per_url["account_id"] == 1).all()
    seconds = np.sort(farm["timestamp"].dt.epoch("s").to_numpy())
    assert np.mean(np.diff(seconds) <= 10) < 0.1
    spam = posts.filter(role="spam").sort("timestamp")["timestamp"].dt.epoch("s").to_numpy()
    assert np.mean(np.diff(spam) <= 10) > 0.5  # the botnet's waves, for contrast
    # bots meet under the same viral posts
    targets = farm.drop_nulls("reply_to").group_by("reply_to").agg(pl.col("account_id").n_unique())
    assert targets["account_id"].max() >= 2


# ---------------------------------------------------------------------------------------
# One-afternoon storm.


def _storm(posts, data):
    tags = data.groups.filter(group="storm_TR")["hashtags"][0].to_list()
    group = posts.filter(group="storm_TR")
    acting = group.filter(
        (pl.col("hashtags").list.set_intersection(tags).list.len() > 0)
        | pl.col("reply_to").is_not_null()
        | pl.col("repost_of").is_not_null()
    )
    return group, acting, tags


def test_storm_acts_inside_one_afternoon_across_many_keys(posts, data):
    _, acting, tags = _storm(posts, data)
    assert acting["account_id"].n_unique() >= 30
    span = acting["timestamp"].max() - acting["timestamp"].min()
    assert span <= dt.timedelta(hours=4)
    local = _local(acting, "Europe/Istanbul")
    assert local.dt.hour().min() >= 13 and local.dt.hour().max() <= 18
    assert local.dt.date().n_unique() == 1
    # several hashtags and several reply targets, each shared by many members
    shared_tags = acting.explode("hashtags").filter(pl.col("hashtags").is_in(tags))
    shared_tags = shared_tags.group_by("hashtags").agg(pl.col("account_id").n_unique())
    assert shared_tags.filter(pl.col("account_id") >= 5).height >= 3
    replies = (
        acting.drop_nulls("reply_to").group_by("reply_to").agg(pl.col("account_id").n_unique())
    )
    assert replies.filter(pl.col("account_id") >= 3).height >= 3
    # near-identical texts
    texts = [
        _words(t)
        for t in acting.filter(pl.col("reply_to").is_null(), pl.col("repost_of").is_null())["norm"]
    ]
    pairs = [_jaccard(a, b) for a, b in itertools.combinations(texts[:120], 2)]
    assert np.mean(np.array(pairs) > 0.8) > 0.25


def test_storm_accounts_are_young_or_woken_from_dormancy(posts, data):
    group, acting, _ = _storm(posts, data)
    start = acting["timestamp"].min()
    accounts = data.accounts.join(data.truth, on="account_id").filter(group="storm_TR")
    young = (start - accounts["created_at"]) < dt.timedelta(days=11)
    assert young.mean() >= 0.25
    before = (
        group.filter(pl.col("timestamp") < start)
        .group_by("account_id")
        .agg(pl.col("timestamp").max().alias("last"))
    )
    dormant = (start - before["last"]) >= dt.timedelta(days=14)
    assert dormant.sum() >= 0.2 * accounts.height
    # the young ones did not post before the storm
    young_ids = accounts.filter(young)["account_id"]
    assert not before["account_id"].is_in(young_ids.implode()).any()


def test_fans_and_activists_still_react_to_their_events(posts):
    # the live event stays an evening burst on its hashtag; the cause stays spread out
    event = posts.filter(pl.col("repost_of").is_null(), role="fans")
    event = event.filter(pl.col("hashtags").list.contains("cupfinal"))
    assert event["timestamp"].max() - event["timestamp"].min() <= dt.timedelta(hours=4)
    cause = posts.filter(pl.col("repost_of").is_null(), role="activists")
    assert cause["timestamp"].dt.date().n_unique() >= 10
