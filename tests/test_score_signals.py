"""Government-link signals, disclosure and creation bursts on hand-built cases."""

from datetime import date, datetime, timedelta, timezone

import polars as pl
import pytest

from cib_detect.score.creation import cluster_creation_burst
from cib_detect.score.disclosure import cluster_disclosure, disclosed_expr
from cib_detect.score.government import (
    cluster_narrative,
    cluster_state_amplification,
    government_link_expr,
)
from cib_detect.score.schedule import cluster_schedule, infer_schedule

START = datetime(2024, 4, 15, tzinfo=timezone.utc)  # a Monday


def office_times(offset, *, days=28, skip=(), weekend=(5, 6), step_minutes=20, start_hour=9):
    """Posts every ``step_minutes`` 09:00-18:00 local (no lunch hour) on working days."""
    times = []
    for day in range(days):
        local = START + timedelta(days=day)
        if local.weekday() in weekend or local.date() in skip:
            continue
        for minute in range(0, 9 * 60, step_minutes):
            if 180 <= minute < 240:  # 12:00-13:00 lunch
                continue
            times.append(local + timedelta(hours=start_hour - offset, minutes=minute))
    return times


@pytest.mark.parametrize("offset", [8.0, 3.0, -4.0, 3.5, 5.5, -9.5, 14.0, -12.0])
def test_office_hours_give_the_utc_offset(offset):
    result = infer_schedule(office_times(offset))
    assert result["utc_offset"] == offset
    assert result["workweek"] == "Mon-Fri"
    assert result["office_share"] == pytest.approx(1.0)
    assert result["lunch_dip"] == pytest.approx(1.0)
    assert result["schedule"] > 0.95


def test_utc_plus_8_weekday_cluster_and_china_holiday_gap():
    may_day = {date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)}
    result = infer_schedule(office_times(8.0, skip=may_day))
    assert result["utc_offset"] == 8.0
    assert result["holiday_country"] == "CN"
    assert result["holiday_silence"] == pytest.approx(1.0)
    assert result["holiday"] > 0.99
    assert "1-3 May" in result["quiet_dates"]
    assert result["schedule_text"].startswith("Mon-Fri 09:00-18:00 UTC+8 (100% of posts")
    assert "no posts on 1-3 May (Labor Day)" in result["schedule_text"]


def test_posting_through_holidays_is_not_silence():
    result = infer_schedule(office_times(8.0))
    assert result["holiday_country"] == "CN"
    assert result["holiday_silence"] == pytest.approx(0.0)
    assert result["quiet_dates"] == ""


def test_iran_week_is_saturday_to_thursday():
    times = office_times(3.5, weekend=(4,), skip={date(2024, 5, 4)})
    result = infer_schedule(times)
    assert (result["utc_offset"], result["workweek"]) == (3.5, "Sat-Thu")
    assert result["holiday_country"] == "IR"
    assert result["holiday_silence"] == pytest.approx(1.0)


def test_round_the_clock_posting_has_no_schedule():
    times = [START + timedelta(minutes=37 * i) for i in range(1200)]
    result = infer_schedule(times)
    assert result["schedule"] < 0.1
    assert not result["holiday"]


def test_one_afternoon_burst_is_not_a_schedule():
    times = [START + timedelta(hours=18, seconds=10 * i) for i in range(300)]
    result = infer_schedule(times)
    assert result["office_share"] == pytest.approx(1.0)
    assert result["schedule"] <= 0.1  # one active day out of the ten needed


def test_schedule_per_cluster():
    cn = office_times(8.0)
    ru = office_times(3.0)
    posts = pl.DataFrame(
        {
            "account_id": ["a", "b"] * (len(cn) // 2) + ["c", "d"] * (len(ru) // 2),
            "timestamp": cn[: len(cn) // 2 * 2] + ru[: len(ru) // 2 * 2],
        }
    )
    clusters = pl.DataFrame({"account_id": ["a", "b", "c", "d"], "cluster_id": [0, 0, 1, -1]})
    result = cluster_schedule(posts, clusters)
    assert result["cluster_id"].to_list() == [0, 1]
    assert result["utc_offset"].to_list() == [8.0, 3.0]


def test_labelled_account_counts_as_disclosed():
    clusters = pl.DataFrame({"account_id": ["a", "b", "c", "d"], "cluster_id": [0, 0, 0, 0]})
    accounts = pl.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "label": ["Russia state-affiliated media", "China government organization", "", None],
            "description": ["", "", "Just a citizen", None],
        }
    )
    row = cluster_disclosure(clusters, accounts).row(0, named=True)
    assert row["n_disclosed"] == 2
    assert row["undisclosed"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "description",
    [
        "Official account of the Ministry of Foreign Affairs",
        "State-affiliated media outlet",
        "Embassy of the Republic in London",
        "中华人民共和国外交部官方账号",
        "中国驻英国大使馆",
        "Официальный аккаунт Министерства иностранных дел",
        "Посольство России в Великобритании",
        "Правительство Москвы",
        "الحساب الرسمي لوزارة الخارجية",
        "سفارة المملكة العربية السعودية",
        "حساب رسمی وزارت امور خارجه",
        "سفارت جمهوری اسلامی ایران",
        "Cuenta oficial del Gobierno Bolivariano",
        "Embajada de Venezuela en España",
        "Ministerio del Poder Popular para la Comunicación",
    ],
)
def test_multilingual_affiliation_keywords(description):
    frame = pl.DataFrame({"description": [description]})
    assert frame.select(disclosed_expr(frame.columns))["disclosed"][0]


@pytest.mark.parametrize(
    "description",
    ["Just a regular person who loves peace", "Photographer. Here for the memes", "", None],
)
def test_ordinary_bios_are_not_disclosure(description):
    frame = pl.DataFrame({"description": [description]}, schema={"description": pl.String})
    assert not frame.select(disclosed_expr(frame.columns))["disclosed"][0]


def test_creation_burst():
    base = datetime(2023, 6, 1, tzinfo=timezone.utc)
    created = [base + timedelta(hours=13 * i) for i in range(8)] + [
        datetime(2015, 1, 1, tzinfo=timezone.utc),
        datetime(2019, 3, 1, tzinfo=timezone.utc),
    ]
    ids = [f"a{i}" for i in range(10)]
    accounts = pl.DataFrame({"account_id": ids, "created_at": created})
    clusters = pl.DataFrame({"account_id": ids, "cluster_id": [0] * 10})
    row = cluster_creation_burst(clusters, accounts).row(0, named=True)
    assert (row["burst_size"], row["n_dated"]) == (8, 10)
    assert row["creation_burst"] == pytest.approx(0.8)
    assert row["creation_excess"] == pytest.approx(7 / 9)
    assert row["burst_start"] == base


def test_creation_burst_needs_dates():
    clusters = pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, 0]})
    assert cluster_creation_burst(clusters, None).height == 0
    assert cluster_creation_burst(clusters, pl.DataFrame({"account_id": ["a"]})).height == 0


def _posts(rows):
    return pl.DataFrame(
        rows,
        schema={
            "post_id": pl.String,
            "account_id": pl.String,
            "timestamp": pl.Datetime("us", "UTC"),
            "hashtags": pl.List(pl.String),
            "urls": pl.List(pl.String),
            "mentions": pl.List(pl.String),
            "repost_of": pl.String,
            "reply_to": pl.String,
        },
        orient="row",
    )


def test_amplification_of_seed_accounts_and_domains():
    t = START
    posts = _posts(
        [
            ("s1", "seed", t, [], [], [], None, None),
            ("p1", "a", t, [], [], [], "s1", None),  # repost of a seed account
            ("p2", "b", t, [], [], [], None, "s1"),  # reply to it
            ("p3", "a", t, [], [], ["seed"], None, None),  # mention
            ("p4", "b", t, [], ["https://www.my-state-site.example/x"], [], None, None),
            ("p5", "a", t, [], ["https://rt.com/news/1?utm_source=x"], [], None, None),
            ("p6", "b", t, [], ["https://example.org/"], [], None, None),
        ]
    )
    clusters = pl.DataFrame({"account_id": ["a", "b"], "cluster_id": [0, 0]})
    row = cluster_state_amplification(
        posts, clusters, seed_accounts=["seed"], seed_domains=["my-state-site.example"]
    ).row(0, named=True)
    assert (row["state_posts"], row["n_posts"]) == (5, 6)
    assert set(row["state_domains"].split(", ")) == {"rt.com", "my-state-site.example"}
    assert row["state_accounts"] == "seed"


def test_narrative_counts_distinctive_state_keys_only():
    t = START
    rows = []
    # the state account pushes #truth and a domain; it also uses the popular #news
    for i in range(5):
        rows.append(
            (f"s{i}", "state", t, ["truth", "news"], ["https://state.example/a"], [], None, None)
        )
    # background: ordinary users use #news a lot, #truth never
    for i in range(40):
        rows.append((f"o{i}", f"o{i % 8}", t, ["news"], [], [], None, None))
    # the cluster: two posts on the state line, two on #news only
    rows += [
        ("c1", "a", t, ["truth"], [], [], None, None),
        ("c2", "b", t, [], ["https://state.example/b"], [], None, None),
        ("c3", "a", t, ["news"], [], [], None, None),
        ("c4", "b", t, ["news"], [], [], None, None),
        ("c5", "a", t, [], [], [], "s1", None),  # reposts are not own posts
    ]
    posts = _posts(rows)
    clusters = pl.DataFrame(
        {
            "account_id": ["a", "b", "state", *[f"o{i}" for i in range(8)]],
            "cluster_id": [0, 0] + [-1] * 9,
        }
    )
    accounts = pl.DataFrame({"account_id": ["state"], "label": ["Testland state-affiliated media"]})
    row = cluster_narrative(posts, clusters, accounts).row(0, named=True)
    assert row["narrative"] == pytest.approx(0.5)
    assert set(row["narrative_keys"].split(", ")) == {"#truth", "state.example"}
    # without any state account the narrative is unknown
    assert cluster_narrative(posts, clusters, None).height == 0


def test_government_link_formula():
    parts = pl.DataFrame(
        {
            "amplification": [0.0, 0.0, 0.6, 0.0],
            "narrative": [None, 0.0, 0.6, None],
            "schedule": [1.0, 0.0, 1.0, 0.05],
            "holiday": [1.0, None, 1.0, None],
            "creation_excess": [1.0, 1.0, 1.0, None],
        }
    )
    link = parts.select(government_link_expr())["government_link"].to_list()
    assert link[0] == pytest.approx(0.45)  # perfect schedule, no state link: moderate
    assert link[1] == pytest.approx(0.45 * 0.25 / 0.75)  # botnet: creation burst only
    assert link[2] == pytest.approx(1.0)
    assert link[3] == pytest.approx(0.45 * 0.05)
    assert all(0 <= v <= 1 for v in link)
