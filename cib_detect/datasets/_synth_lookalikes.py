"""Posts of roles that look like state operations in one trace and are none: automated
news aggregators, an office-hours marketing firm and a crypto spam farm."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cib_detect.datasets._synth_base import (
    COUNTRIES,
    DAY,
    REPLY,
    Block,
    Ragged,
    flip_bits,
    in_windows,
    new_block,
    office_hour_weights,
    office_windows,
    random_hashes,
    sample_in_windows,
)
from cib_detect.datasets._synth_roles import Candidates, World
from cib_detect.datasets._synth_text import paraphrase, text_lengths, themed_rows, zipf_rows

# ---------------------------------------------------------------------------------------
# Automated news aggregators.

#: Outlets the aggregators relay besides state media: URL prefix and output, in articles
#: per article of an average state-media outlet of the data.
NEWS_OUTLETS = [
    ("https://www.reuters.com/world/", 6.0), ("https://apnews.com/article/", 6.0),
    ("https://www.bbc.co.uk/news/", 5.0), ("https://edition.cnn.com/article/", 4.0),
    ("https://www.nytimes.com/article/", 4.0), ("https://www.theguardian.com/world/", 4.0),
    ("https://www.aljazeera.com/news/", 3.0), ("https://www.bloomberg.com/news/", 3.0),
    ("https://www.washingtonpost.com/world/", 3.0), ("https://www.dw.com/en/", 2.0),
    ("https://www.france24.com/en/", 2.0), ("https://www.npr.org/story/", 2.0),
    ("https://www.euronews.com/news/", 2.0), ("https://www.ft.com/content/", 2.0),
    ("https://www.lemonde.fr/international/article/", 2.0),
    ("https://www.spiegel.de/ausland/", 1.5), ("https://elpais.com/internacional/", 1.5),
    ("https://www.abc.net.au/news/", 1.5), ("https://www.cbc.ca/news/", 1.5),
    ("https://www.hindustantimes.com/world-news/", 1.5),
    ("https://www.scmp.com/news/", 1.5), ("https://www.hurriyetdailynews.com/", 1.0),
]  # fmt: skip
#: Polling intervals of the aggregators (minutes): each posts only on its own grid.
CADENCES = (5, 10, 15, 20, 30, 60)
#: Chance that an outlet is among an aggregator's feeds.
FEED_SHARE = 0.8
#: Hashtags some aggregators append to every post.
AGGREGATOR_TAGS = ("news", "breaking", "headlines", "worldnews")


@dataclass
class Articles:
    """What the aggregators can relay: one row per article."""

    ts: np.ndarray  # publication time
    outlet: np.ndarray  # index into ``hosts``
    host: np.ndarray  # URL host id
    num: np.ndarray
    words: Ragged  # the headline
    state: np.ndarray  # bool: a state-media outlet's article


def articles(rng, w: World, state_outlets, n: int) -> Articles:
    """The articles of every outlet: those the data's state media posted, and as many per
    unit of output (:data:`NEWS_OUTLETS`) from the other outlets, at random times.

    ``state_outlets`` is a list of (host id, times, numbers, headline rows) per state
    outlet; an outlet without posts of its own in the data gets invented articles like
    the others. ``n``, the aggregators' posts, sets the output when the data have no state
    posts.
    """
    counts = [len(ts) for _, ts, _, _ in state_outlets]
    rates = np.array([r for _, r in NEWS_OUTLETS])
    units = len(state_outlets) + rates.sum()
    per_unit = max(np.mean(counts) if counts and max(counts) else 0.0, 3.0 * n / units, 5.0)
    news_hosts = w.hosts.add([h for h, _ in NEWS_OUTLETS])
    parts = []
    for i, (host, ts, num, words) in enumerate(state_outlets):
        if len(ts) == 0:
            k = int(rng.poisson(per_unit))
            ts = rng.integers(w.start, w.end, k)
            num = rng.integers(10**6, 10**8, k)
            words = zipf_rows(rng, w.lex, text_lengths(rng, k, median=12))
        parts.append((ts, np.full(len(ts), i), np.full(len(ts), host), num, words, True))
    for j, rate in enumerate(rates):
        k = int(rng.poisson(rate * per_unit))
        words = zipf_rows(rng, w.lex, text_lengths(rng, k, median=12))
        o = len(state_outlets) + j
        ts = rng.integers(w.start, w.end, k)
        num = rng.integers(10**6, 10**9, k)
        parts.append((ts, np.full(k, o), np.full(k, news_hosts[j]), num, words, False))
    return Articles(
        ts=np.concatenate([p[0] for p in parts]).astype(np.int64),
        outlet=np.concatenate([p[1] for p in parts]).astype(np.int64),
        host=np.concatenate([p[2] for p in parts]).astype(np.int32),
        num=np.concatenate([p[3] for p in parts]).astype(np.int64),
        words=Ragged.vstack([p[4] for p in parts]),
        state=np.concatenate([np.full(len(p[0]), p[5]) for p in parts]),
    )


def aggregator_posts(rng, w: World, members: np.ndarray, n: int, pool: Articles) -> Block:
    """Automated aggregators relaying headlines of many outlets on fixed cadences.

    Each aggregator polls its feeds (each outlet with probability :data:`FEED_SHARE`) every
    N minutes (:data:`CADENCES`) at its own phase and posts the headline and link of
    articles published since the last poll: its posts fall on its grid only, a few
    seconds after the tick. Every article of its feeds is equally likely to be relayed,
    so outlets appear in proportion to their output, state media included (the headline
    of a state-media article is that outlet's own post). The same link suffix on every
    post of an aggregator; some add a fixed hashtag.
    """
    m = len(members)
    n_outlets = int(pool.outlet.max(initial=-1)) + 1
    if n == 0 or m == 0 or len(pool.ts) == 0:
        return new_block([], [])
    cadence = np.array(CADENCES)[rng.integers(0, len(CADENCES), m)] * 60
    phase = (rng.random(m) * cadence).astype(np.int64) // 60 * 60
    feeds = rng.random((m, n_outlets)) < FEED_SHARE
    activity = np.cumsum(rng.lognormal(0.0, 0.5, m))
    variant = rng.choice([0, 0, 2, 3], m)
    tag_ids = w.tags.add(list(AGGREGATOR_TAGS))
    tag = np.where(rng.random(m) < 0.4, tag_ids[rng.integers(0, len(tag_ids), m)], -1)
    who_parts, pick_parts, seen = [], [], np.empty(0, np.int64)
    need = n
    for _ in range(8):  # draws outside an aggregator's feeds or repeated are redrawn
        size = int(need * 1.4) + 16
        who = np.searchsorted(activity, rng.random(size) * activity[-1], side="right")
        who = np.minimum(who, m - 1)
        pick = rng.integers(0, len(pool.ts), size)
        key = pick * m + who
        _, first = np.unique(key, return_index=True)
        first = np.sort(first)
        ok = first[feeds[who[first], pool.outlet[pick[first]]] & ~np.isin(key[first], seen)]
        ok = ok[:need]
        who_parts.append(who[ok])
        pick_parts.append(pick[ok])
        seen = np.concatenate([seen, key[ok]])
        need -= len(ok)
        if need == 0:
            break
    who, pick = np.concatenate(who_parts), np.concatenate(pick_parts)
    # the first poll at least a minute after publication
    due = pool.ts[pick] + 60 - phase[who]
    ts = phase[who] + -(-due // cadence[who]) * cadence[who] + rng.integers(0, 4, len(who))
    keep = np.flatnonzero(ts < w.end)
    who, pick, ts = who[keep], pick[keep], ts[keep]
    return new_block(
        members[who],
        ts,
        words=pool.words.take(pick),
        tags=Ragged.from_columns(tag[who]),
        url_host=pool.host[pick],
        url_num=pool.num[pick],
        url_variant=variant[who],
        appeal=w.appeal(rng, members[who]),
    )


# ---------------------------------------------------------------------------------------
# Office-hours marketing firm.

#: The firm's brands: (hashtag, shop URL prefix).
BRANDS = [
    ("lumaskin", "https://lumaskin.com/products/"),
    ("novaphone", "https://shop.novaphone.store/item/"),
    ("zenbrew", "https://zenbrew-coffee.com/p/"),
    ("fitpulse", "https://fitpulse.shop/deal/"),
    ("tripmate", "https://tripmate.travel/offer/"),
    ("pixelpal", "https://pixelpal.games/get/"),
]
#: App stores and affiliate links the firm also posts.
MARKETING_HOSTS = [
    "https://apps.apple.com/app/id", "https://play.google.com/store/apps/details?id=com.brand",
    "https://amzn.to/", "https://s.click.aliexpress.com/e/_", "https://www.amazon.com/dp/B0",
]  # fmt: skip
MARKETING_TAGS = ("sale", "deals", "discount", "newarrival", "limitedoffer", "ad")
#: The firm's clock: office hours of UTC+8 working days (China's calendar, Shenzhen).
MARKETING_COUNTRY = "CN"
MARKETING_HOURS = (9, 18)


def marketing_posts(rng, w: World, members: np.ndarray, n: int) -> Block:
    """A marketing firm's accounts pushing products in UTC+8 office hours.

    Each push (released in office hours of Chinese working days) promotes one brand: about
    half of the accounts post it within half an hour, near-duplicates of one of the
    brand's two adverts (the same for the whole push; light edits, a quarter verbatim),
    with the brand's hashtag and a sales hashtag, the same product link (shop, app store
    or affiliate) and often the same product image.
    """
    m = len(members)
    starts, ends = office_windows(COUNTRIES[MARKETING_COUNTRY], w.start, w.end, MARKETING_HOURS)
    if n == 0 or m == 0 or len(starts) == 0:
        return new_block([], [])
    n_brands = len(BRANDS)
    brand_tags = w.tags.add([b for b, _ in BRANDS])
    sale_tags = w.tags.add(list(MARKETING_TAGS))
    shop = w.hosts.add([h for _, h in BRANDS])
    other = w.hosts.add(MARKETING_HOSTS)
    templates = themed_rows(rng, w.lex, rng.integers(9, 16, 2 * n_brands), w.lex.marketing, 0.55)
    join = rng.beta(5, 5, m)
    n_push = max(1, round(n / join.sum()))
    hours = office_hour_weights(MARKETING_HOURS)
    release = sample_in_windows(rng, n_push, starts, hours)
    brand = rng.integers(0, n_brands, n_push)
    host = np.where(
        rng.random(n_push) < 0.6, shop[brand], other[rng.integers(0, len(other), n_push)]
    )
    num = rng.integers(10**5, 10**7, n_push)
    image = random_hashes(rng, n_push)
    sale = sale_tags[rng.integers(0, len(sale_tags), n_push)]
    push, who = np.nonzero(rng.random((n_push, m)) < join)
    k = len(push)
    template = (2 * brand + rng.integers(0, 2, n_push))[push]
    block = new_block(
        members[who],
        release[push] + rng.integers(0, 30 * 60, k),
        words=paraphrase(rng, w.lex, templates.take(template), 0.12, 0.25),
        tags=Ragged.from_columns(brand_tags[brand[push]], sale[push]),
        url_host=host[push],
        url_num=num[push],
        url_variant=rng.choice(4, k, p=[0.5, 0.1, 0.3, 0.1]),
        media=np.where(rng.random(k) < 0.6, flip_bits(rng, image[push], 2), -1),
        appeal=w.appeal(rng, members[who]),
    )
    return block.subset(np.flatnonzero(in_windows(block.ts, starts, ends)))


# ---------------------------------------------------------------------------------------
# Undisclosed crypto and affiliate spam farm.

#: Invented scam and referral sites (each bot links its own referral code on them).
CRYPTO_HOSTS = [
    "https://claim-airdrop.finance/r?referral=", "https://bnb-bonus.io/register?ref_code=",
    "https://eth-doubler.app/join?invite_code=", "https://t.ly/", "https://cutt.ly/",
]  # fmt: skip
CRYPTO_TAGS = ("bitcoin", "crypto", "airdrop", "eth", "web3", "nft")
#: Share of the farm's posts that are replies under viral posts: the top :data:`VIRAL`
#: of ordinary posts by appeal, of the day before.
CRYPTO_REPLIES = 0.7
VIRAL = 0.01


def viral_target(rng, targets: Candidates, ts: np.ndarray, window: int = DAY) -> np.ndarray:
    """A viral post (top :data:`VIRAL` by appeal, at least 20 posts) of the ``window``
    seconds before each time, chosen by appeal; -1 where there is none. ``targets`` are
    sorted by time."""
    appeal = np.diff(targets.cum_appeal, prepend=0.0)
    if len(appeal) == 0:
        return np.full(len(ts), -1)
    top = max(20, round(VIRAL * len(appeal)))
    keep = np.sort(np.argsort(-appeal, kind="stable")[:top])
    index, when, cum = targets.index[keep], targets.ts[keep], np.cumsum(appeal[keep])
    hi = np.searchsorted(when, ts, side="left")
    lo = np.searchsorted(when, ts - window, side="left")
    base = np.concatenate([[0.0], cum])
    u = base[lo] + rng.random(len(ts)) * (base[hi] - base[lo])
    pick = np.clip(np.searchsorted(cum, u, side="right"), lo, np.maximum(hi - 1, 0))
    return np.where(hi > lo, index[np.minimum(pick, len(index) - 1)], -1)


def commercial_spam_posts(rng, w: World, bots: np.ndarray, n: int, targets: Candidates) -> Block:
    """A crypto and affiliate spam farm: reply spam under viral posts, round the clock.

    Each bot posts on its own random schedule (any hour, any day; no waves): 70 % replies
    under a viral post of the day before (so bots meet under the same viral posts, minutes
    to hours apart), the rest own posts with crypto hashtags. Texts are edited
    copies of eight scam templates (a fifth verbatim); every post links the bot's own
    referral code on one of the farm's sites (the same domain, never the same URL across
    bots). No images, no reposts, no state media.
    """
    m = len(bots)
    if n == 0 or m == 0:
        return new_block([], [])
    activity = np.cumsum(rng.lognormal(0.0, 0.7, m))
    who = np.minimum(np.searchsorted(activity, rng.random(n) * activity[-1], side="right"), m - 1)
    ts = rng.integers(w.start, w.end, n)
    templates = themed_rows(rng, w.lex, rng.integers(8, 15, 8), w.lex.crypto, 0.6)
    words = paraphrase(rng, w.lex, templates.take(rng.integers(0, 8, n)), 0.3, 0.2)
    hosts = w.hosts.add(CRYPTO_HOSTS)
    bot_host = hosts[rng.integers(0, len(hosts), m)]
    referral = rng.integers(10**5, 10**7, m)
    target = viral_target(rng, targets, ts)
    reply = (rng.random(n) < CRYPTO_REPLIES) & (target >= 0)
    tag_ids = w.tags.add(list(CRYPTO_TAGS))
    first = rng.integers(0, len(tag_ids), n)
    second = (first + rng.integers(1, len(tag_ids), n)) % len(tag_ids)
    tags = Ragged.from_columns(
        np.where(~reply, tag_ids[first], -1),
        np.where(~reply & (rng.random(n) < 0.5), tag_ids[second], -1),
    )
    return new_block(
        bots[who],
        ts,
        kind=np.where(reply, REPLY, 0),
        target=np.where(reply, target, -1),
        words=words,
        tags=tags,
        url_host=bot_host[who],
        url_num=referral[who],
        appeal=np.where(reply, 0.0, w.appeal(rng, bots[who])),
    )
