"""Look-alikes of state operations on hand-made clusters: declared automated relays,
source diversity against the background, commercial promotion, and the verdicts."""

from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl
import pytest
from scipy.stats import binom

from cib_detect.score.automation import (
    account_cadence,
    automation_label_expr,
    cluster_automation,
    declared_automation_expr,
)
from cib_detect.score.combine import account_scores, cluster_scores, government_parts
from cib_detect.score.commercial import cluster_commercial, post_commercial
from cib_detect.score.coordination import cluster_coordination
from cib_detect.score.disclosure import cluster_disclosure, disclosed_expr
from cib_detect.score.government import (
    cluster_source_diversity,
    government_link_expr,
    narrative_background,
    state_expr,
)

START = datetime(2024, 4, 15, tzinfo=timezone.utc)  # a Monday
STATE = ["rt.com", "cgtn.com", "presstv.ir", "xinhuanet.com"]
OTHER = [
    "bbc.co.uk",
    "cnn.com",
    "nytimes.com",
    "lemonde.fr",
    "elpais.com",
    "dw.com",
    "reuters.com",
    "apnews.com",
    "theguardian.com",
    "abc.net.au",
]
OUTLETS = STATE + OTHER  # 14 outlets, 4 of them state media (28.6 %)

POST_SCHEMA = {
    "post_id": pl.String,
    "account_id": pl.String,
    "timestamp": pl.Datetime("us", "UTC"),
    "text": pl.String,
    "hashtags": pl.List(pl.String),
    "urls": pl.List(pl.String),
}


def _frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=POST_SCHEMA, orient="row")


# --------------------------------------------------------------------------------------
# declared automation


@pytest.mark.parametrize(
    "description",
    [
        "Automated headlines from 14 outlets",  # en
        "I am a bot. This account is not monitored",  # en
        "Auto-posted RSS feed of world news",  # en
        "国际新闻自动推送，无人值守",  # zh
        "新聞機器人",  # zh (traditional)
        "Новостной бот, автоматическая публикация новостей",  # ru
        "Аккаунт не модерируется",  # ru
        "حساب آلي ينشر تلقائيا آخر الأخبار",  # ar
        "ربات خبری، ارسال خودکار اخبار",  # fa
        "Cuenta automatizada: publica automáticamente titulares",  # es
        "Compte automatique, publication automatique des titres",  # fr
        "Otomatik haber paylaşımı yapan hesap",  # tr
    ],
)
def test_declared_automation_in_every_language(description):
    frame = pl.DataFrame({"description": [description]})
    assert frame.select(declared_automation_expr(frame.columns))["declared_bot"][0]


@pytest.mark.parametrize(
    "description",
    [
        "Not a bot, just a mum of two",
        "Robotics engineer and abbot of nothing",
        "Я не бот, я живой человек",
        "No soy un bot",
        "Je ne suis pas un bot",
        "Bot değilim",
        "لست بوت",
        "من ربات نیستم",
        "我不是机器人",
        "Official account of the Ministry of Foreign Affairs",
        "Reporter. Feedback welcome",
        "",
    ],
)
def test_ordinary_bios_and_negations_are_not_declared_automation(description):
    frame = pl.DataFrame({"description": [description]})
    assert not frame.select(declared_automation_expr(frame.columns))["declared_bot"][0]


def test_bot_in_a_name_counts():
    frame = pl.DataFrame(
        {
            "screen_name": ["WorldNewsBot", "rss_news_bot", "Abbott", "robotlover"],
            "description": [None, "", "", ""],
        }
    )
    assert frame.select(declared_automation_expr(frame.columns))["declared_bot"].to_list() == [
        True,
        True,
        False,
        False,
    ]


def test_automation_label_says_bot_not_sponsor():
    accounts = pl.DataFrame(
        {
            "label": [
                "Automated",
                "Automated by @newsdesk",
                "Automated by @cgtnofficial",
                "China state-affiliated media",
                None,
            ]
        }
    )
    labelled = accounts.select(automation_label_expr(accounts.columns))["automation_label"]
    assert labelled.to_list() == [True, True, True, False, False]
    disclosed = accounts.select(disclosed_expr(accounts.columns, state_accounts=["CGTNOfficial"]))
    # a bare automation label names no sponsor; one naming a state account does
    assert disclosed["disclosed"].to_list() == [False, False, True, True, False]


def test_automation_columns_count_as_labels():
    accounts = pl.DataFrame({"is_automated": [True, False], "automation_label": ["", "bot"]})
    assert accounts.select(automation_label_expr(accounts.columns))[
        "automation_label"
    ].to_list() == [True, True]


# --------------------------------------------------------------------------------------
# scheduler signature


def _times(account, stamps):
    return pl.DataFrame(
        {"account_id": [account] * len(stamps), "timestamp": stamps},
        schema={"account_id": pl.String, "timestamp": pl.Datetime("us", "UTC")},
    )


def test_scheduler_phase_fixed_interval_and_humans():
    rng = np.random.default_rng(3)
    # fires at :00/:15/:30/:45 (+7 s, +-10 s jitter), skipping slots at random
    slots = np.sort(rng.choice(400, 40, replace=False))
    phase = [
        START + timedelta(minutes=15 * int(s), seconds=7 + int(rng.integers(-10, 11)))
        for s in slots
    ]
    # every 17 min from 03:11:41, +-20 s
    interval = [
        START + timedelta(hours=3, minutes=11 + 17 * i, seconds=41 + int(rng.integers(-20, 21)))
        for i in range(30)
    ]
    # a human: office hours every working day at random minutes (a daily rhythm)
    human = [
        START + timedelta(days=d, hours=1, seconds=int(s))
        for d in range(20)
        for s in rng.integers(0, 9 * 3600, 3)
    ]
    few = phase[:9]
    posts = pl.concat(
        [
            _times("phase", phase),
            _times("interval", interval),
            _times("human", human),
            _times("few", few),
        ]
    )
    rows = {r["account_id"]: r for r in account_cadence(posts).iter_rows(named=True)}
    assert set(rows) == {"phase", "interval", "human"}  # 9 posts are too few to judge
    assert rows["phase"]["scheduled"] and rows["phase"]["period"] == 900
    assert rows["interval"]["scheduled"] and rows["interval"]["gap_cv"] < 0.2
    assert not rows["human"]["scheduled"]
    assert rows["human"]["period"] is None


def test_random_times_are_rarely_a_scheduler():
    rng = np.random.default_rng(11)
    frames = [
        _times(
            f"h{i}", [START + timedelta(seconds=int(s)) for s in rng.integers(0, 14 * 86400, 12)]
        )
        for i in range(200)
    ]
    table = account_cadence(pl.concat(frames))
    assert table.height == 200
    assert table["scheduled"].sum() <= 4  # about 0.5 % expected


def test_cluster_automation_counts_declared_scheduled_and_client():
    stamps = [START + timedelta(minutes=30 * i, seconds=5) for i in range(12)]
    posts = pl.concat([_times(a, stamps) for a in ("a", "b", "c")]).with_columns(
        client=pl.Series(["dlvr.it"] * 24 + ["Twitter for iPhone"] * 12)
    )
    clusters = pl.DataFrame({"account_id": ["a", "b", "c", "x"], "cluster_id": [0, 0, 0, -1]})
    accounts = pl.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "description": ["Automated news feed", "", "Peace lover"],
            "label": [None, "Automated", None],
        }
    )
    row = cluster_automation(posts, clusters, accounts).row(0, named=True)
    assert (row["n_declared_bot"], row["n_automation_label"], row["n_automated"]) == (1, 1, 2)
    assert row["n_automated_only"] == 2
    assert (row["n_timed"], row["n_scheduled"], row["cadence"]) == (3, 3, "30 min")
    assert row["client"] == "dlvr.it" and row["client_share"] == pytest.approx(2 / 3)


# --------------------------------------------------------------------------------------
# commercial intent


@pytest.mark.parametrize(
    "text",
    [
        "Flash sale! 30% off, free shipping today",  # en
        "Use code SPRING for a discount, link in bio",  # en
        "限时优惠，包邮，立即购买",  # zh
        "Скидки до 50%, промокод в профиле",  # ru
        "خصم خاص، شحن مجاني، اطلب الآن",  # ar
        "تخفیف ویژه، ارسال رایگان",  # fa
        "¡Descuentos y envío gratis! Código promocional",  # es
        "Soldes : livraison gratuite et code promo",  # fr
        "Büyük indirim, ücretsiz kargo, hemen al",  # tr
    ],
)
def test_promotional_wording_in_every_language(text):
    posts = pl.DataFrame({"post_id": ["1"], "account_id": ["a"], "text": [text]})
    assert post_commercial(posts)["promo_text"][0]


@pytest.mark.parametrize(
    "text",
    [
        "The minister discussed the arms sale with the delegation",
        "Free speech matters",
        "Read our full report on the elections",
        "Правительство объявило о новых мерах",
        "El gobierno anunció nuevas medidas",
        "",
    ],
)
def test_news_wording_is_not_promotion(text):
    posts = pl.DataFrame({"post_id": ["1"], "account_id": ["a"], "text": [text]})
    assert not post_commercial(posts)["promo_text"][0]


def test_commercial_share_by_hand():
    rows = [
        ("1", "a", START, "Buy now, 20% off", [], []),  # wording
        ("2", "a", START, "new arrivals", [], ["https://amzn.to/3xYz"]),  # affiliate short link
        ("3", "a", START, "our app", [], ["https://apps.apple.com/app/id123"]),  # app store
        ("4", "b", START, "look", ["sale"], []),  # product hashtag
        ("5", "b", START, "shop", [], ["https://glow.myshopify.com/p/1"]),  # shop subdomain
        ("6", "b", START, "crypto", [], ["https://x.example/join?invite_code=K9"]),  # referral
        ("7", "c", START, "read", [], ["https://bbc.co.uk/n?utm_source=twitter"]),  # news tag
        ("8", "c", START, "read", [], ["https://cnn.com/n?ref=rss"]),  # newsroom ref
        ("9", "c", START, "Apple announced results", [], ["https://apple.com/newsroom"]),
        ("10", "c", START, "hello", ["news"], []),
    ]
    posts = _frame(rows)
    clusters = pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, 0]})
    row = cluster_commercial(posts, clusters).row(0, named=True)
    assert row["commercial_posts"] == 6
    assert (row["promo_text_posts"], row["commercial_link_posts"], row["product_tag_posts"]) == (
        1,
        4,
        1,
    )
    assert row["commercial_share"] == pytest.approx(0.6)
    assert row["commercial"] == pytest.approx(1.0)  # (0.6 - 0.05) / 0.45 > 1
    assert "amzn.to" in row["commercial_domains"]
    assert row["commercial_text"].startswith("6 of 10 posts (60%) promote")
    # three promotional posts in twenty: (0.15 - 0.05) / 0.45
    posts20 = pl.concat(
        [posts.head(3), _frame([(f"n{i}", "c", START, "news", [], []) for i in range(17)])]
    )
    row = cluster_commercial(posts20, clusters).row(0, named=True)
    assert row["commercial"] == pytest.approx(0.1 / 0.45)


def test_commercial_tld_counts():
    posts = _frame([("1", "a", START, "x", [], ["https://best-deals-today.shop/offer/1"])])
    assert post_commercial(posts)["commercial_link"][0]


# --------------------------------------------------------------------------------------
# source diversity against the background


def _link_posts(
    account_cycle, n, state_share_every, prefix, start=START, step=timedelta(minutes=20)
):
    """``n`` posts cycling over accounts; post ``i`` links to a state outlet when
    ``state_share_every(i)``, else to one of the other outlets."""
    rows = []
    for i in range(n):
        domain = STATE[i % 4] if state_share_every(i) else OTHER[i % 10]
        rows.append(
            (
                f"{prefix}{i}",
                account_cycle[i % len(account_cycle)],
                start + i * step,
                "headline",
                [],
                [f"https://{domain}/story/{prefix}{i}"],
            )
        )
    return rows


def test_source_diversity_by_hand():
    # background: 100 links, 28 to state media
    background_rows = _link_posts([f"o{i}" for i in range(10)], 100, lambda i: i % 25 < 7, "bg")
    # aggregator: 100 links, 31 state, over 14 outlets
    aggregator_rows = _link_posts(["g1", "g2", "g3"], 100, lambda i: i % 100 < 31, "ag")
    # aligned: 40 links, 36 state
    aligned_rows = _link_posts(["s1", "s2", "s3"], 40, lambda i: i % 10 != 0, "al")
    # too few links to judge
    few_rows = _link_posts(["f1", "f2", "f3"], 3, lambda i: True, "fw")
    posts = _frame(background_rows + aggregator_rows + aligned_rows + few_rows)
    clusters = pl.DataFrame(
        {
            "account_id": ["g1", "g2", "g3", "s1", "s2", "s3", "f1", "f2", "f3"]
            + [f"o{i}" for i in range(10)],
            "cluster_id": [0, 0, 0, 1, 1, 1, 2, 2, 2] + [-1] * 10,
        }
    )
    members = clusters.filter(pl.col("cluster_id") >= 0)["account_id"].to_list()
    background = narrative_background(posts, set(members))
    rows = {
        r["cluster_id"]: r
        for r in cluster_source_diversity(posts, clusters, background=background).iter_rows(
            named=True
        )
    }
    b = 28.5 / 101
    aggregator = rows[0]
    assert (aggregator["n_links"], aggregator["state_links"], aggregator["outlets"]) == (
        100,
        31,
        14,
    )
    assert aggregator["state_outlets"] == 4
    assert aggregator["background_state_share"] == pytest.approx(b)
    assert aggregator["state_link_share"] == pytest.approx(0.31)
    assert aggregator["state_lift"] == pytest.approx(0.31 / b)
    assert aggregator["state_link_p"] == pytest.approx(binom.sf(30, 100, b))
    shrunk = (31 + 10 * b) / 110
    assert aggregator["state_alignment"] == pytest.approx((shrunk - b) / (1 - b) / 0.5)
    assert aggregator["state_alignment"] < 0.15
    aligned = rows[1]
    assert aligned["state_link_share"] == pytest.approx(0.9)
    assert aligned["state_alignment"] == 1.0
    assert aligned["state_link_p"] < 1e-10
    assert rows[2]["state_alignment"] is None  # 3 links


def test_state_part_counts_alignment_accounts_and_commerce():
    parts = pl.DataFrame(
        {
            "amplification": [0.31, 0.31, 0.31, 0.0, 0.6],
            "account_amplification": [0.0, 0.0, 0.2, 0.0, 0.0],
            "state_alignment": [0.1, None, 0.1, None, 1.0],
            "narrative": [0.3, 0.3, 0.0, None, 0.5],
            "place_mismatch": [None, None, None, 0.9, None],
            "commercial": [0.0, 0.0, 0.0, 1.0, 1.0],
            "schedule": [0.0, 0.0, 0.0, 1.0, 1.0],
            "holiday": [None, None, None, 1.0, 1.0],
            "creation_excess": [None, None, None, 1.0, 1.0],
        }
    )
    out = parts.select(state_expr(), government_link_expr())
    state = out["state_link"].to_list()
    link = out["government_link"].to_list()
    # aggregator: 0.31 * 0.1 of posts and 0.03 of narrative, against 0.3 saturation
    assert state[0] == pytest.approx(1 - (1 - 0.031 / 0.3) * (1 - 0.03 / 0.3))
    assert state[1] == pytest.approx(1.0)  # without the background: as before
    assert state[2] == pytest.approx(0.2 / 0.3)  # reposts of state accounts count in full
    # a marketing firm in UTC+8 office hours, claiming to be abroad: no government link
    assert state[3] == 0.0 and link[3] == 0.0
    # a state operation that also posts spam keeps its state part
    assert link[4] == pytest.approx(0.55)


# --------------------------------------------------------------------------------------
# whole clusters: scores, undisclosed, evidence


def _score(posts, clusters, accounts, *, with_edges=False):
    members = clusters.filter(pl.col("cluster_id") >= 0)
    pairs = [
        (a, b, c)
        for c, group in members.group_by("cluster_id")
        for i, a in enumerate(sorted(group["account_id"]))
        for b in sorted(group["account_id"])[i + 1 :]
    ]
    edges = pl.DataFrame(
        {
            "account_a": [a for a, _, _ in pairs],
            "account_b": [b for _, b, _ in pairs],
            "weight": [20.0] * len(pairs),
            "min_dt": [2.0] * len(pairs),
            "co_url_p_value": [1e-20] * len(pairs),
        }
    )
    government = government_parts(
        posts, clusters, accounts, seed_domains=(), seed_accounts=(), background=None
    )
    scores = cluster_scores(
        cluster_coordination(edges, clusters),
        government,
        cluster_disclosure(clusters, accounts),
        pl.DataFrame(),
    )
    return (scores, edges) if with_edges else scores


def _relay_world(bios):
    """Background of ten ordinary accounts (28 % of links to state media) and one
    cluster ``g1..g3`` posting every 20 min at a fixed phase, round the clock."""
    background = _link_posts([f"o{i}" for i in range(10)], 200, lambda i: i % 25 < 7, "bg")
    return (
        background,
        pl.DataFrame(
            {
                "account_id": ["g1", "g2", "g3"] + [f"o{i}" for i in range(10)],
                "cluster_id": [0] * 3 + [-1] * 10,
            }
        ),
        pl.DataFrame({"account_id": ["g1", "g2", "g3"], "description": bios}),
    )


def test_declared_aggregator_is_not_a_state_operation():
    background, clusters, accounts = _relay_world(["Automated news feed"] * 3)
    relay = _link_posts(["g1", "g2", "g3"], 200, lambda i: i % 100 < 31, "ag")
    row = _score(_frame(background + relay), clusters, accounts).row(0, named=True)
    assert row["state_alignment"] < 0.15
    assert row["government_link"] < 0.15
    assert row["undisclosed"] == pytest.approx(1 - (1 - row["state_link"]))
    assert row["undisclosed"] < 0.15
    assert row["score"] < 0.02
    assert row["n_automated"] == 3 and row["n_scheduled"] == 3
    evidence = row["evidence"]
    assert "verdict: not a state operation: declared automated relay" in evidence
    assert "state sources relayed in proportion" in evidence
    assert "outlets: relays 14 outlets (4 state)" in evidence
    assert "automation: 3 of 3 accounts declare automation" in evidence
    assert "fixed cadences (every 1 h)" in evidence


def test_declared_bot_relaying_only_state_media_hides_its_sponsor():
    background, clusters, accounts = _relay_world(["Automated news feed"] * 3)
    aligned = _link_posts(["g1", "g2", "g3"], 210, lambda i: True, "al")
    row = _score(_frame(background + aligned), clusters, accounts).row(0, named=True)
    assert row["state_alignment"] == 1.0
    assert row["state_link"] == 1.0
    assert row["undisclosed"] == 1.0  # the declaration does not name who is behind it
    assert row["government_link"] >= 0.55
    assert "verdict: tied to a state: it declares automation, but" in row["evidence"]
    assert "far beyond their share" in row["evidence"]


def test_undeclared_aggregator_is_still_undisclosed_but_weakly_linked():
    background, clusters, accounts = _relay_world(["World news", "", None])
    relay = _link_posts(["g1", "g2", "g3"], 200, lambda i: i % 100 < 31, "ag")
    row = _score(_frame(background + relay), clusters, accounts).row(0, named=True)
    assert row["undisclosed"] == 1.0
    assert row["government_link"] < 0.15
    assert "verdict: not a state operation: state sources relayed in proportion" in row["evidence"]


def test_marketing_firm_in_office_hours_is_not_government_linked():
    rows = []
    rng = np.random.default_rng(5)
    # Mon-Fri 09:00-18:00 UTC+8 (01:00-10:00 UTC) for four weeks, promotions
    for day in range(28):
        when = START + timedelta(days=day)
        if when.weekday() >= 5:
            continue
        for k in range(6):
            account = ["m1", "m2", "m3"][k % 3]
            seconds = int(rng.integers(3600, 10 * 3600))
            rows.append(
                (
                    f"m{day}-{k}",
                    account,
                    when + timedelta(seconds=seconds),
                    "Flash sale today: 40% off, free shipping",
                    ["sale"],
                    ["https://amzn.to/abc"],
                )
            )
    clusters = pl.DataFrame({"account_id": ["m1", "m2", "m3"], "cluster_id": [0, 0, 0]})
    accounts = pl.DataFrame({"account_id": ["m1", "m2", "m3"], "description": ["", "", ""]})
    row = _score(_frame(rows), clusters, accounts).row(0, named=True)
    assert row["schedule"] > 0.5 and row["utc_offset"] == pytest.approx(8.0)
    assert row["commercial"] == 1.0
    assert row["government_link"] == 0.0
    assert "verdict: not a state operation: commercial promotion (100% of posts" in row["evidence"]
    assert "commercial: 120 of 120 posts (100%) promote" in row["evidence"]


def test_account_undisclosed_of_a_declared_bot_is_its_clusters_state_link():
    background, clusters, _ = _relay_world(["", "", ""])
    accounts = pl.DataFrame(
        {
            "account_id": ["g1", "g2", "g3"],
            "description": ["Automated news feed", "Ministry of Information", "World news"],
        }
    )
    relay = _link_posts(["g1", "g2", "g3"], 200, lambda i: i % 100 < 31, "ag")
    scores, edges = _score(_frame(background + relay), clusters, accounts, with_edges=True)
    row = scores.row(0, named=True)
    state_link = row["state_link"]
    assert row["n_disclosed"] == 1 and row["n_automated"] == 1
    assert row["undisclosed"] == pytest.approx(1 - 1 / 3 - (1 - state_link) / 3)
    by_account = {
        r["account_id"]: r["undisclosed"]
        for r in account_scores(edges, clusters, scores, accounts).iter_rows(named=True)
    }
    assert by_account["g1"] == pytest.approx(state_link)
    assert by_account["g2"] == 0.0
    assert by_account["g3"] == 1.0
    assert by_account["o1"] is None


def test_state_operation_that_sells_keeps_its_state_tie():
    background, clusters, accounts = _relay_world(["", "", ""])
    rows = [
        (p, a, t, "Mega sale, buy now! 50% off", tags, urls)
        for p, a, t, _, tags, urls in _link_posts(["g1", "g2", "g3"], 120, lambda i: True, "sp")
    ]
    row = _score(_frame(background + rows), clusters, accounts).row(0, named=True)
    assert row["commercial"] == 1.0
    assert row["state_link"] == 1.0 and row["government_link"] == pytest.approx(0.55)
    assert "verdict: tied to a state: it promotes products, but commerce" in row["evidence"]


def test_labelled_cluster_is_not_hidden():
    background, clusters, _ = _relay_world(["", "", ""])
    accounts = pl.DataFrame(
        {
            "account_id": ["g1", "g2", "g3"],
            "label": ["Russia state-affiliated media"] * 2 + [None],
        }
    )
    aligned = _link_posts(["g1", "g2", "g3"], 60, lambda i: True, "al")
    row = _score(_frame(background + aligned), clusters, accounts).row(0, named=True)
    assert row["undisclosed"] == pytest.approx(1 / 3)
    assert "verdict: not hidden: 2 of 3 accounts are labelled" in row["evidence"]
