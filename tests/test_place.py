"""Claimed places (cib_detect.score.place) and the synthetic roles that test them.

Offsets are checked against Python's zoneinfo read here, not against the bundled file;
clusters are hand-made posting schedules whose expected shares are worked out by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import polars as pl
import pytest

import cib_detect as cd
from cib_detect.datasets import reference
from cib_detect.datasets.synthetic import ADDED_ROLES
from cib_detect.score.government import government_link_expr
from cib_detect.score.place import (
    TOLERANCE,
    Place,
    account_places,
    cluster_place_consistency,
    language_place,
    normalise_place,
    region_place,
    time_zone_place,
)
from cib_detect.score.schedule import cluster_schedule

UTC = dt.timezone.utc
DATA = Path(__file__).parent / "data"


def _offsets(zone: str) -> set[float]:
    """Winter and summer UTC offsets of a zone in 2012-2026 (the list's years), from
    zoneinfo."""
    tz = ZoneInfo(zone)
    return {
        dt.datetime(year, month, 15, 12, tzinfo=UTC).astimezone(tz).utcoffset().total_seconds()
        / 3600
        for year in range(2012, 2027)
        for month in (1, 7)
    }


# -- the normaliser -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("GB", "GB"),
        ("gb", "GB"),
        ("GBR", "GB"),
        ("USA", "US"),
        ("DEU", "DE"),
        ("DE", "DE"),  # a bare code is the country, not Delaware
        ("CHN", "CN"),
    ],
)
def test_iso_codes_give_their_country(text, country):
    assert normalise_place(text).countries == (country,)


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Germany", "DE"),
        ("Deutschland", "DE"),  # native
        ("Allemagne", "DE"),  # French
        ("Alemania", "DE"),  # Spanish
        ("Германия", "DE"),  # Russian
        ("德国", "DE"),  # Chinese
        ("ألمانيا", "DE"),  # Arabic
        ("Vereinigtes Königreich", "GB"),  # German
        ("Royaume-Uni", "GB"),
        ("Estados Unidos", "US"),
        ("США", "US"),
        ("美国", "US"),
        ("中国", "CN"),
        ("Россия", "RU"),
        ("日本", "JP"),
        ("الإمارات", "AE"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Holland", "NL"),
        ("Côte d'Ivoire", "CI"),
        ("Trinidad & Tobago", "TT"),
    ],
)
def test_country_names_in_several_languages(text, country):
    assert normalise_place(text).countries == (country,)


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Germny", "DE"),
        ("Phillipines", "PH"),
        ("Untied States", "US"),
        ("Londn", "GB"),
        ("Munchen", "DE"),
        ("Isreal", "IL"),
    ],
)
def test_common_misspellings(text, country):
    assert normalise_place(text).countries == (country,)


@pytest.mark.parametrize(
    ("text", "country", "zone"),
    [
        ("London", "GB", "Europe/London"),
        ("London, UK", "GB", "Europe/London"),
        ("london uk", "GB", "Europe/London"),
        ("München, Deutschland", "DE", "Europe/Berlin"),
        ("Los Angeles, CA", "US", "America/Los_Angeles"),
        ("New York, NY", "US", "America/New_York"),
        ("Brooklyn", "US", "America/New_York"),
        ("São Paulo", "BR", "America/Sao_Paulo"),
        ("Москва", "RU", "Europe/Moscow"),
        ("北京", "CN", "Asia/Shanghai"),
        ("中国北京", "CN", "Asia/Shanghai"),  # written without spaces
        ("Sydney", "AU", "Australia/Sydney"),
        ("Mumbai", "IN", "Asia/Kolkata"),
        ("I live in Berlin and love it", "DE", "Europe/Berlin"),
    ],
)
def test_cities_give_their_own_zone(text, country, zone):
    place = normalise_place(text)
    assert place.countries == (country,)
    assert set(place.offsets) == _offsets(zone)


def test_a_country_claim_covers_all_its_zones_and_daylight_saving():
    place = normalise_place("United States")
    for zone in ("America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Honolulu"):
        assert _offsets(zone) <= set(place.offsets), zone
    assert set(normalise_place("England").offsets) == {0.0, 1.0}


def test_parts_must_agree_else_the_last_part_wins():
    assert normalise_place("Paris, France").countries == ("FR",)
    assert normalise_place("Paris, Texas").countries == ("US",)
    assert normalise_place("London, Ontario").countries == ("CA",)
    assert normalise_place("Atlanta, Georgia").countries == ("US",)
    # an ambiguous name alone keeps every reading (lenient: never a mismatch by guess)
    assert set(normalise_place("Georgia").countries) == {"GE", "US"}


@pytest.mark.parametrize(
    "text",
    ["", "   ", None, "the moon", "The Moon", "everywhere", "Earth", "Planet Earth 🌍",
     "worldwide", "Worldwide 🌎", "😂🔥💯", "Somewhere, Earth", "in your heart", "dm me",
     "Online", "n/a", "地球", "везде", "have a nice day", "me", "in", "🇺🇸🇮🇱🇺🇦"],
)  # fmt: skip
def test_unknown_and_joke_places_are_unknown(text):
    assert normalise_place(text) is None


def test_a_single_flag_is_its_country():
    assert normalise_place("🇬🇧").countries == ("GB",)
    assert normalise_place("UK 🇬🇧").countries == ("GB",)
    assert normalise_place("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f") == (
        Place(("GB",), (0.0, 1.0), "country")
    )


def test_short_codes_inside_a_phrase_need_capitals():
    assert normalise_place("born in UK").countries == ("GB",)
    assert normalise_place("Chennai, in").countries == ("IN",)
    assert normalise_place("say hi to me") is None


def test_region_codes_are_iso_codes():
    assert region_place("DE").countries == ("DE",)
    assert region_place("us").countries == ("US",)
    assert region_place("GBR").countries == ("GB",)
    assert region_place("Deutschland").countries == ("DE",)
    assert region_place("") is None


def test_languages_count_only_where_their_clocks_agree():
    assert set(language_place("de").countries) == {"DE", "AT", "CH", "LI", "LU"}
    assert set(language_place("de").offsets) == {1.0, 2.0}
    assert language_place("ja").countries == ("JP",)
    assert language_place("zh-cn").countries == ("CN",)
    assert language_place("en-GB").countries == ("GB",)
    assert language_place("pt_BR").countries == ("BR",)
    # spoken across many hours of offsets: says nothing
    for code in ("en", "es", "fr", "ar", "ru", "pt"):
        assert language_place(code) is None, code
    assert language_place("xx") is None


def test_profile_time_zones():
    assert set(time_zone_place("Europe/Berlin").offsets) == _offsets("Europe/Berlin")
    assert set(time_zone_place("Pacific Time (US & Canada)").offsets) == _offsets(
        "America/Los_Angeles"
    )
    assert time_zone_place("Beijing").countries == ("CN",)
    assert time_zone_place("UTC+8").offsets == (8.0,)
    assert time_zone_place("GMT-05:30").offsets == (-5.5,)
    assert time_zone_place("+0800").offsets == (8.0,)
    assert time_zone_place(-18000).offsets == (-5.0,)  # Twitter's utc_offset, seconds
    assert time_zone_place("UTC") is None
    assert time_zone_place(None) is None


def test_place_explains_offsets_within_the_tolerance():
    london = normalise_place("London")
    assert london.explains(0) and london.explains(1 + TOLERANCE)
    assert not london.explains(8)
    assert not london.explains(1 + TOLERANCE + 0.5)


def test_account_places_combines_sources():
    accounts = pl.DataFrame(
        {
            "account_id": ["a", "b", "c", "d", "e", "f"],
            "location": ["Berlin", "the moon", None, "", "London", "🔥"],
            "region_code": [None, "GB", None, None, None, None],
            "time_zone": [None, None, None, None, "Asia/Shanghai", None],
            "language": ["en", "en", "de", "en", "en", "ja"],
        }
    )
    posts = pl.DataFrame({"account_id": ["d", "d", "d"], "region_code": ["FR", "FR", "US"]})
    rows = {r["account_id"]: r for r in account_places(accounts, posts).iter_rows(named=True)}
    assert set(rows) == {"a", "b", "c", "d", "e", "f"}
    assert rows["a"]["place_countries"] == "DE" and rows["a"]["place_weight"] == 1.0
    assert rows["b"]["place_countries"] == "GB" and rows["b"]["place_source"] == "region"
    # language only: half weight
    assert rows["c"]["place_source"] == "language" and rows["c"]["place_weight"] == 0.5
    assert rows["f"]["place_countries"] == "JP" and rows["f"]["place_weight"] == 0.5
    # the most common region of its posts
    assert rows["d"]["place_countries"] == "FR"
    # several claims: all of them (London and a Beijing time zone)
    assert rows["e"]["place_countries"] == "CN GB"
    assert set(rows["e"]["place_offsets"]) == {0.0, 1.0, 8.0}
    assert rows["e"]["place_source"] == "location+time_zone"
    assert account_places(None).height == 0


def test_the_bundled_list_is_what_its_generator_writes():
    from cib_detect.datasets import build_places

    built = build_places.build_rows()
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=build_places.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(built)
    bundled = reference.places()
    fresh = pl.read_csv(io.StringIO(text.getvalue()), schema=bundled.schema)
    # offsets follow this machine's time zone database; the curated columns must match
    assert fresh.drop("offsets").equals(bundled.drop("offsets"))
    countries = bundled.filter(kind="country")
    assert countries.height >= 249
    assert countries["key"].n_unique() == countries["iso3"].n_unique() == countries.height
    assert countries["key"].str.contains(r"^[A-Z]{2}$").all()
    assert countries["iso3"].str.contains(r"^[A-Z]{3}$").all()


# -- clock-place consistency on hand-made clusters ----------------------------------------

START = dt.datetime(2024, 4, 15, tzinfo=UTC)  # a Monday
DAYS = 28
CN_HOLIDAYS = holidays.country_holidays("CN", years=2024)


def _office_posts(account: str, zone: str, *, skip_holidays=True, lunch=True, step=30):
    """Posts every ``step`` minutes, 09:00-18:00 local on weekdays of ``zone``, none at
    12:00-13:00 with ``lunch``, none on Chinese holidays with ``skip_holidays``."""
    tz = ZoneInfo(zone)
    rows = []
    for day in range(DAYS):
        date = (START + dt.timedelta(days=day)).date()
        if date.weekday() >= 5 or (skip_holidays and date in CN_HOLIDAYS):
            continue
        for minute in range(9 * 60, 18 * 60, step):
            if lunch and 12 * 60 <= minute < 13 * 60:
                continue
            local = dt.datetime(date.year, date.month, date.day, tzinfo=tz)
            rows.append((account, (local + dt.timedelta(minutes=minute)).astimezone(UTC)))
    return rows


def _evening_posts(account: str, zone: str):
    """A personal rhythm: morning, lunch and evenings every day, more at weekends."""
    tz = ZoneInfo(zone)
    rows = []
    for day in range(DAYS):
        date = (START + dt.timedelta(days=day)).date()
        hours = [7, 12, 19, 20, 21, 22, 23] + ([10, 14, 16] if date.weekday() >= 5 else [])
        for hour in hours:
            local = dt.datetime(date.year, date.month, date.day, hour, 17, tzinfo=tz)
            rows.append((account, local.astimezone(UTC)))
    return rows


def _cluster(rows, locations, languages=None):
    schema = {"account_id": pl.String, "timestamp": pl.Datetime("us", "UTC")}
    posts = pl.DataFrame(rows, schema=schema, orient="row")
    ids = list(locations)
    clusters = pl.DataFrame({"account_id": ids, "cluster_id": [0] * len(ids)})
    accounts = pl.DataFrame(
        {
            "account_id": ids,
            "location": [locations[i] for i in ids],
            "language": [(languages or {}).get(i) for i in ids],
        }
    )
    return posts, clusters, accounts


def _consistency(rows, locations, languages=None) -> dict:
    posts, clusters, accounts = _cluster(rows, locations, languages)
    return cluster_place_consistency(posts, clusters, accounts).row(0, named=True)


ABROAD = {
    "a0": "London, UK",
    "a1": "Manchester",
    "a2": "Texas, USA",
    "a3": "New York, NY",
    "a4": "Berlin",
    "a5": "Hamburg, Deutschland",
    "a6": "Los Angeles, CA",
    "a7": "United Kingdom",
    "a8": "",
    "a9": "the moon",
}


def test_campaign_claiming_abroad_on_a_beijing_clock():
    rows = [r for a in ABROAD for r in _office_posts(a, "Asia/Shanghai")]
    row = _consistency(rows, ABROAD)
    posts, clusters, _ = _cluster(rows, ABROAD)
    schedule = cluster_schedule(posts, clusters).row(0, named=True)
    assert schedule["utc_offset"] == 8.0 and schedule["holiday_country"] == "CN"
    # 8 accounts claim a place, all of it contradicted by a clock every account works
    assert row["n_placed"] == 8 and row["n_elsewhere"] == 8
    assert row["claimed_elsewhere"] == pytest.approx(1.0)
    expected = 1.0 * 1.0 * schedule["schedule"] * (0.5 + 0.5 * schedule["holiday"])
    assert row["place_mismatch"] == pytest.approx(expected)
    assert row["place_mismatch"] > 0.7
    assert row["elsewhere_countries"] == "GB, US, DE"
    text = row["place_text"]
    assert text.startswith("8 of 10 accounts claim GB, US or DE")
    assert "Mon-Fri 09:00-18:00 UTC+8" in text
    assert "lunch dip 12:00-13:00" in text
    assert "silent on 1-" in text and "May (Labor Day" in text and "(CN holidays)" in text


def test_claims_that_fit_the_clock_are_no_mismatch():
    local = {"b0": "Beijing", "b1": "Shanghai, China", "b2": "Taipei", "b3": "Singapore",
             "b4": "中国", "b5": "Perth"}  # fmt: skip
    rows = [r for a in local for r in _office_posts(a, "Asia/Shanghai")]
    row = _consistency(rows, local)
    assert row["n_placed"] == 6
    assert row["n_elsewhere"] == 0
    assert row["place_mismatch"] == 0.0
    assert row["place_text"] is None


def test_unknown_places_leave_the_part_unknown():
    unknown = {"c0": "the moon", "c1": "everywhere", "c2": "🌍✨", "c3": ""}
    rows = [r for a in unknown for r in _office_posts(a, "Asia/Shanghai")]
    row = _consistency(rows, unknown)
    assert row["n_placed"] == 0
    assert row["place_mismatch"] is None


def test_emigrants_on_their_own_rhythm_are_not_an_office_mismatch():
    # Londoners posting to family in UTC+8 evenings: the claim and the clock disagree,
    # but nobody works office hours
    diaspora = {f"d{i}": "London" for i in range(6)}
    rows = [r for a in diaspora for r in _evening_posts(a, "Asia/Shanghai")]
    row = _consistency(rows, diaspora)
    assert row["n_elsewhere"] == 0
    assert row["place_mismatch"] < 0.05


def test_a_traveller_among_the_campaign_is_judged_on_its_own_posts():
    # a Londoner whose posts follow Bangkok evenings sits in the cluster: it claims a
    # place the clock contradicts but does not work the clock, so it is not counted
    locations = {**ABROAD, "t0": "London"}
    rows = [r for a in ABROAD for r in _office_posts(a, "Asia/Shanghai")]
    rows += _evening_posts("t0", "Asia/Bangkok")
    row = _consistency(rows, locations)
    assert row["n_elsewhere"] == 8
    assert row["claimed_elsewhere"] == pytest.approx(8 / 9, abs=0.02)


def test_remote_workers_in_their_own_zones_get_little():
    # a company's remote team: office hours, each in their own zone, true claims, no
    # state holidays kept
    team = {}
    rows = []
    for i, (place, zone) in enumerate(
        [("New York", "America/New_York"), ("London", "Europe/London"), ("Berlin", "Europe/Berlin")]
        * 3
    ):
        team[f"r{i}"] = place
        rows += _office_posts(f"r{i}", zone, skip_holidays=False, lunch=False, step=45)
    row = _consistency(rows, team)
    campaign = _consistency([r for a in ABROAD for r in _office_posts(a, "Asia/Shanghai")], ABROAD)
    assert row["place_mismatch"] < 0.1
    assert row["place_mismatch"] < campaign["place_mismatch"] / 5


def test_without_state_holidays_the_part_counts_half():
    rows = [r for a in ABROAD for r in _office_posts(a, "Asia/Shanghai", skip_holidays=False)]
    posts, clusters, _ = _cluster(rows, ABROAD)
    schedule = cluster_schedule(posts, clusters).row(0, named=True)
    row = _consistency(rows, ABROAD)
    holiday = schedule["holiday"] or 0.0
    assert holiday < 0.1
    assert row["place_mismatch"] == pytest.approx(schedule["schedule"] * (0.5 + 0.5 * holiday))


def test_language_only_counts_half():
    speakers = {f"g{i}": "" for i in range(6)}
    rows = [r for a in speakers for r in _office_posts(a, "Asia/Shanghai")]
    row = _consistency(rows, speakers, {a: "de" for a in speakers})
    assert row["n_placed"] == 6 and row["n_elsewhere"] == 6
    assert row["claimed_elsewhere"] == pytest.approx(0.5)
    assert "6 of them by language only" in row["place_text"]
    # English says nothing
    row = _consistency(rows, speakers, {a: "en" for a in speakers})
    assert row["n_placed"] == 0 and row["place_mismatch"] is None


def test_few_claims_in_a_large_cluster_are_weak_support():
    locations = {f"s{i}": ("London" if i < 2 else "") for i in range(20)}
    rows = [r for a in locations for r in _office_posts(a, "Asia/Shanghai", step=60)]
    row = _consistency(rows, locations)
    assert row["claimed_elsewhere"] == pytest.approx(1.0)
    full = _consistency(rows, {a: "London" for a in locations})
    # support min(1, 2 / (20 / 2)) = 0.2
    assert row["place_mismatch"] == pytest.approx(0.2 * full["place_mismatch"])


def test_accounts_in_no_cluster_are_never_scored():
    rows = _office_posts("x", "Asia/Shanghai")
    posts, _, accounts = _cluster(rows, {"x": "London"})
    clusters = pl.DataFrame({"account_id": ["x"], "cluster_id": [-1]})
    assert cluster_place_consistency(posts, clusters, accounts).height == 0


def test_place_mismatch_is_part_of_the_state_side_of_government_link():
    parts = pl.DataFrame(
        {
            "amplification": [0.0, 0.0, 0.0],
            "narrative": [None, None, None],
            "schedule": [0.9, 0.9, 0.9],
            "holiday": [1.0, 1.0, 1.0],
            "creation_excess": [0.1, 0.1, 0.1],
            "place_mismatch": [None, 0.0, 0.8],
        }
    )
    link = parts.select(government_link_expr())["government_link"].to_list()
    behaviour = (0.5 * 0.9 + 0.25 * 1.0 + 0.25 * 0.1) / 1.0
    assert link[0] == pytest.approx(0.45 * behaviour)  # unknown: as before
    assert link[1] == pytest.approx(0.45 * behaviour)
    assert link[2] == pytest.approx(0.55 * 0.8 + 0.45 * behaviour)
    # frames without the column score as before
    assert parts.drop("place_mismatch").select(government_link_expr()).item(0, 0) == (
        pytest.approx(link[0])
    )


# -- synthetic data and detect ------------------------------------------------------------


@pytest.fixture(scope="module")
def data():
    return cd.datasets.synthetic(100_000, seed=4)


@pytest.fixture(scope="module")
def result(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cd.detect(data.posts, data.accounts)


def _labelled(result, data):
    return result.clusters.join(data.truth, on="account_id")


def test_generator_plants_claims_abroad_on_a_chinese_office_clock(data):
    accounts = data.accounts.join(data.truth, on="account_id")
    abroad = accounts.filter(role="hidden_abroad")
    assert abroad.height == data.params["abroad_size"] == round(30 * 2**0.5)
    claimed = [normalise_place(t) for t in abroad["location"]]
    known = [p for p in claimed if p is not None]
    assert len(known) >= 0.7 * abroad.height
    assert {c for p in known for c in p.countries} == {"GB", "US", "DE"}
    posts = data.posts.join(data.truth, on="account_id").filter(role="hidden_abroad")
    local = [t.astimezone(ZoneInfo("Asia/Shanghai")) for t in posts["timestamp"]]
    assert all(9 <= t.hour < 18 for t in local)
    assert not {t.date() for t in local} & set(CN_HOLIDAYS)
    lunch = sum(t.hour == 12 for t in local) / len(local)
    assert lunch < 0.5 / 9  # a long lunch break


def test_generator_plants_emigrants_and_travellers(data):
    accounts = data.accounts.join(data.truth, on="account_id")
    diaspora = accounts.filter(role="diaspora")
    assert diaspora.height > 0
    for place in diaspora["location"]:
        assert not normalise_place(place).explains(8) or not normalise_place(place).explains(3)
    travellers = accounts.filter(role="travellers")
    assert travellers.height >= 5
    assert all(normalise_place(t) is not None for t in travellers["location"])
    posts = data.posts.join(data.truth, on="account_id").filter(role="travellers")
    assert posts.height > 5 * travellers.height


def test_added_roles_leave_the_other_roles_as_they_were():
    earlier = [r for r in cd.datasets.ROLES if r not in (*ADDED_ROLES, "diaspora")]
    a = cd.datasets.synthetic(20_000, seed=2)
    # the hidden-state variants stay on both sides (tests/test_synthetic_roles.py checks them)
    b = cd.datasets.synthetic(
        20_000, seed=2, include_roles=[*earlier, *cd.datasets.HIDDEN_VARIANTS]
    )

    def content(d):
        return (
            d.posts.join(d.truth, on="account_id")
            .with_columns(pl.col("role").replace("diaspora", "organic"))
            .filter(pl.col("role").is_in(earlier))
            .select("role", "timestamp", pl.col("repost_of").is_null(), "hashtags")
            .sort(pl.all())
        )

    assert content(a).equals(content(b))
    columns = ["created_at", "followers", "description", "label"]
    kept = pl.col("role").is_in([*earlier, "diaspora"])
    accounts = [
        d.accounts.join(d.truth, on="account_id").filter(kept).select(columns).sort(columns)
        for d in (a, b)
    ]
    assert accounts[0].equals(accounts[1])


def test_campaign_abroad_is_found_and_its_evidence_names_the_mismatch(data, result):
    labels = _labelled(result, data)
    abroad = labels.filter(role="hidden_abroad")
    assert (abroad["cluster_id"] >= 0).mean() >= 0.9
    main = abroad.filter(pl.col("cluster_id") >= 0)["cluster_id"].mode()[0]
    row = result.cluster_scores.filter(cluster_id=main).row(0, named=True)
    assert row["place_mismatch"] > 0.5
    assert row["government_link"] > 0.6
    # without the claims the same cluster is only as government-linked as its schedule
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        blind = cd.detect(data.posts, data.accounts.drop("location", "language"))
    members = abroad.filter(cluster_id=main)["account_id"].implode()
    before = blind.account_scores.filter(pl.col("account_id").is_in(members))["score"].median()
    assert row["score"] > before + 0.2
    place = next(line for line in row["evidence"].split("\n") if line.startswith("place: "))
    assert "UTC+8" in place and "Mon-Fri" in place
    assert all(c in place for c in ("GB", "US", "DE"))


def test_confounders_stay_out_of_clusters(data, result):
    labels = _labelled(result, data)
    for role in ("diaspora", "travellers"):
        assert (labels.filter(role=role)["cluster_id"] < 0).all(), role
    scores = result.account_scores.join(data.truth, on="account_id")
    assert scores.filter(pl.col("role").is_in(["diaspora", "travellers"]))["score"].max() == 0


def test_registration_regions_reach_the_measure(data):
    # the same data with the claims as ISO registration regions on the posts
    # (TikTok's region_code) and no location in the profiles
    regions = {
        a: normalise_place(loc).countries[0]
        for a, loc in data.accounts.select("account_id", "location").iter_rows()
        if normalise_place(loc) is not None
    }
    posts = data.posts.with_columns(
        pl.col("account_id").replace_strict(regions, default=None).alias("region_code")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = cd.detect(posts, data.accounts.drop("location"))
    labels = _labelled(found, data)
    main = labels.filter(role="hidden_abroad", cluster_id=pl.col("cluster_id"))
    main = main.filter(pl.col("cluster_id") >= 0)["cluster_id"].mode()[0]
    row = found.cluster_scores.filter(cluster_id=main).row(0, named=True)
    assert row["n_placed"] >= 0.7 * row["size"]
    assert row["place_mismatch"] > 0.5


def test_tiktok_region_codes_reach_the_measure():
    posts = cd.read_posts(DATA / "tiktok_videos.jsonl", format="tiktok")
    accounts = cd.read_accounts(DATA / "tiktok_videos.jsonl", format="tiktok")
    assert "region_code" in posts.columns
    claims = account_places(accounts, posts)
    assert claims.height == accounts.height
    assert set(claims["place_source"]) <= {"location+region", "region"}
    campaign = claims.filter(pl.col("account_id").str.starts_with("daily_truth_"))
    # a code is a country: "DE" is Germany, never Delaware too
    assert campaign["place_countries"].str.contains(r"^[A-Z]{2}$").all()


def test_archive_profile_location_and_language_reach_the_claims():
    # the information-operations archive's user_reported_location and account_language
    tweets = pl.DataFrame(
        {
            "tweetid": ["1", "2", "3"],
            "userid": ["u1", "u2", "u3"],
            "tweet_time": ["2017-01-01 12:34"] * 3,
            "user_reported_location": ["London, England", "", "Москва"],
            "account_language": ["en", "de", "ru"],
        }
    )
    accounts = cd.read_accounts(tweets, format="twitter_io")
    claims = {r["account_id"]: r for r in account_places(accounts).iter_rows(named=True)}
    assert claims["u1"]["place_countries"] == "GB"
    assert claims["u2"]["place_source"] == "language"
    assert claims["u3"]["place_countries"] == "RU"
