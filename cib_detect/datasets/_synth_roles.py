"""Posts of the non-governmental roles: organic users, fans, activists and a spam botnet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cib_detect.datasets._synth_accounts import ORGANIC_ZONES, AccountBook, Names
from cib_detect.datasets._synth_base import (
    DAY,
    HOUR,
    ORGANIC_HOURS,
    REPLY,
    REPOST,
    Block,
    Ragged,
    TableSampler,
    choice_cdf,
    local_seconds,
    new_block,
    random_hashes,
    wrap_into,
    zipf_weights,
)
from cib_detect.datasets._synth_text import (
    Lexicon,
    paraphrase,
    tag_rows,
    text_lengths,
    themed_rows,
    zipf_rows,
)

#: Suffixes appended to URLs: tracking parameters, fragments and trailing slashes that a
#: URL canonicaliser should remove.
URL_VARIANTS = ("", "/", "?utm_source=twitter", "?utm_source=twitter&utm_medium=social",
                "#comments", "?ref=share")  # fmt: skip

#: Links of ordinary users, most frequent first.
ORGANIC_HOSTS = [
    "https://youtu.be/", "https://www.instagram.com/p/", "https://www.bbc.co.uk/news/",
    "https://www.nytimes.com/article/", "https://www.theguardian.com/world/",
    "https://www.reuters.com/world/", "https://edition.cnn.com/article/",
    "https://www.tiktok.com/video/", "https://open.spotify.com/track/",
    "https://apnews.com/article/", "https://www.aljazeera.com/news/", "https://www.dw.com/en/",
    "https://www.espn.com/story/", "https://www.reddit.com/comments/", "https://bit.ly/",
    "https://www.amazon.com/dp/", "https://www.imdb.com/title/", "https://www.npr.org/story/",
    "https://www.bloomberg.com/news/", "https://www.ft.com/content/",
    "https://www.theverge.com/story/", "https://www.nature.com/articles/",
    "https://arxiv.org/abs/", "https://medium.com/p/", "https://www.washingtonpost.com/world/",
    "https://www.euronews.com/news/", "https://www.france24.com/en/",
    "https://www.abc.net.au/news/", "https://www.cbc.ca/news/", "https://github.com/issues/",
]  # fmt: skip
PETITION_HOST = "https://www.change.org/p/"
#: Invented commercial sites of the spam botnet.
SPAM_HOSTS = [
    "https://best-deals-today.shop/offer/", "https://crypto-bonus-now.xyz/claim/",
    "https://luxwatch-outlet.store/item/", "https://mega-giveaway.top/win/",
    "https://free-followers.click/get/",
]  # fmt: skip


@dataclass
class World:
    """What every role generator shares: the clock, vocabularies, URL hosts, accounts."""

    lex: Lexicon
    start: int  # seconds since epoch, UTC
    days: int
    book: AccountBook
    tags: Names  # hashtag strings; ids below len(lex.tags) are the organic Zipf tags
    hosts: Names  # URL prefixes
    paraphrase: float
    office_hours: tuple[int, int]
    # the organic pool (fans and activists are part of it)
    pool: np.ndarray | None = None  # global account ids
    pool_offset: np.ndarray | None = None  # UTC offset, seconds
    pool_activity: np.ndarray | None = None

    def __post_init__(self):
        self.organic_hosts = self.hosts.add(ORGANIC_HOSTS)
        self._host_sampler = TableSampler(zipf_weights(len(ORGANIC_HOSTS), 1.0, 1.0), bits=16)

    @property
    def end(self) -> int:
        return self.start + self.days * DAY

    @property
    def span(self) -> int:
        return self.days * DAY

    def followers(self, accounts: np.ndarray) -> np.ndarray:
        return self.book.column("followers")[accounts]

    def appeal(self, rng, accounts: np.ndarray, boost: float = 1.0) -> np.ndarray:
        """How likely a post is reposted: author reach times a heavy-tailed post quality."""
        quality = 1.0 + rng.pareto(1.5, len(accounts))
        return boost * np.sqrt(self.followers(accounts) + 1.0) * quality

    def organic_urls(self, rng, size: int, share: float):
        """Host ids (-1 for none), article numbers and variants of ordinary links."""
        host = np.where(
            rng.random(size) < share,
            self.organic_hosts[self._host_sampler.sample(rng, size)],
            -1,
        )
        num = rng.integers(10**5, 10**9, size)
        variant = np.where(rng.random(size) < 0.15, rng.integers(1, len(URL_VARIANTS), size), 0)
        return host, num, variant

    def diurnal_times(self, rng, offsets: np.ndarray, hours=ORGANIC_HOURS) -> np.ndarray:
        """Times on random days at local hours following ``hours`` (offsets in seconds)."""
        size = len(offsets)
        day = rng.integers(0, self.days, size)
        local = local_seconds(rng, size, hours)
        return wrap_into(self.start + day * DAY + local - offsets, self.start, self.span)

    def set_pool(self, ids, offsets, activity):
        self.pool, self.pool_offset, self.pool_activity = ids, offsets, activity
        # reactions: which zone is awake at a UTC hour, then an account of that zone
        zone_offsets = np.array([z[0] for z in ORGANIC_ZONES])  # ascending
        zone = np.searchsorted(zone_offsets, offsets // 60)
        order = np.argsort(zone, kind="stable")
        self._order = order
        self._cum = np.cumsum(activity[order])
        counts = np.bincount(zone, minlength=len(zone_offsets))
        self._first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self._last = self._first + counts - 1
        mass = np.bincount(zone, weights=activity, minlength=len(zone_offsets))
        self._mass = mass
        self._mass_lo = np.concatenate([[0.0], np.cumsum(mass)[:-1]])
        local_hour = ((np.arange(24)[:, None] * 60 + zone_offsets[None, :]) // 60) % 24
        awake = mass[None, :] * ORGANIC_HOURS[local_hour]
        self._zone_cdf = np.cumsum(awake / awake.sum(axis=1, keepdims=True), axis=1)

    def reactors(self, rng, ts: np.ndarray) -> np.ndarray:
        """Organic accounts reacting at UTC times ``ts``: awake zones, active accounts."""
        cdf = self._zone_cdf[(ts // HOUR) % 24]
        zone = np.minimum((rng.random(len(ts))[:, None] > cdf).sum(axis=1), cdf.shape[1] - 1)
        u = self._mass_lo[zone] + rng.random(len(ts)) * self._mass[zone]
        pos = np.searchsorted(self._cum, u, side="right")
        pos = np.clip(pos, self._first[zone], self._last[zone])
        return self.pool[self._order[pos]]


@dataclass
class Candidates:
    """Posts that can be reposted or replied to: global index, time, author, appeal."""

    index: np.ndarray
    ts: np.ndarray
    account: np.ndarray
    cum_appeal: np.ndarray

    @classmethod
    def of(cls, blocks: list[Block], base: int = 0) -> Candidates:
        """Posts of ``blocks`` with positive appeal; the first block starts at ``base``."""
        appeal = np.concatenate([b.appeal for b in blocks])
        rows = np.flatnonzero(appeal > 0)
        ts = np.concatenate([b.ts for b in blocks])[rows]
        account = np.concatenate([b.account for b in blocks])[rows]
        return cls(base + rows, ts, account, np.cumsum(appeal[rows]))

    def by_time(self) -> Candidates:
        """The same posts sorted by time (cumulative appeal in time order)."""
        order = np.argsort(self.ts, kind="stable")
        appeal = np.diff(self.cum_appeal, prepend=0.0)[order]
        return Candidates(self.index[order], self.ts[order], self.account[order], np.cumsum(appeal))


def unique_reposts(accounts: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rows (in order) of the first repost of each (account, target) pair."""
    key = targets.astype(np.int64) * (int(accounts.max(initial=0)) + 1) + accounts
    _, first = np.unique(key, return_index=True)
    return np.sort(first)


# ---------------------------------------------------------------------------------------
# Organic users.


def organic_originals(rng, w: World, n: int) -> Block:
    """Own posts of ordinary users: heavy-tailed activity, diurnal, Zipf content."""
    counts = rng.multinomial(n, w.pool_activity / w.pool_activity.sum())
    who = np.repeat(np.arange(len(counts)), counts)
    account = w.pool[who]
    ts = w.diurnal_times(rng, w.pool_offset[who])
    host, num, variant = w.organic_urls(rng, n, 0.2)
    mention = np.full(n, -1)
    mentioning = np.flatnonzero(rng.random(n) < 0.08)  # mostly of well-followed accounts
    followers = np.cumsum(w.followers(w.pool).astype(np.float64))
    mention[mentioning] = w.pool[choice_cdf(rng, followers, len(mentioning))]
    return new_block(
        account,
        ts,
        words=zipf_rows(rng, w.lex, text_lengths(rng, n)),
        tags=tag_rows(rng, w.lex, n, 0.3),
        url_host=host,
        url_num=num,
        url_variant=variant,
        mention=mention,
        media=np.where(rng.random(n) < 0.15, random_hashes(rng, n), -1),
        appeal=w.appeal(rng, account),
    )


def _draw_reactions(rng, w: World, candidates: Candidates, m: int, kind: int):
    """``m`` candidate reactions, less those after the period or by the post's author."""
    pick = choice_cdf(rng, candidates.cum_appeal, m)
    if kind == REPOST:
        delay = np.where(
            rng.random(m) < 0.3,
            rng.lognormal(np.log(90), 1.0, m),
            rng.lognormal(np.log(2.5 * HOUR), 1.4, m),
        )
    else:
        delay = rng.lognormal(np.log(900), 1.3, m)
    ts = candidates.ts[pick] + 1 + delay.astype(np.int64)
    account = w.reactors(rng, ts)
    rows = np.flatnonzero((ts < w.end) & (account != candidates.account[pick]))
    return account[rows], ts[rows], candidates.index[pick[rows]]


def organic_reactions(
    rng, w: World, candidates: Candidates, n: int, kind: int, earlier: list[Block] = ()
) -> Block:
    """Reposts or replies by ordinary users of earlier posts, chosen by appeal.

    Popular posts attract many reactions; repost delays mix a fast component (a minute
    or two) with a slow one (hours to days), so popular posts collect chance co-reposts
    within seconds. The reacting account is one awake at that hour. Nobody reposts a post
    twice, counting the reposts of the ``earlier`` blocks.
    """
    if n == 0 or len(candidates.index) == 0:
        return new_block([], [])
    parts: list[tuple[np.ndarray, ...]] = []
    seen = np.concatenate(  # (target, account) keys of the reposts so far
        [(b.target * w.book.n + b.account)[b.kind == REPOST] for b in earlier] + [[]]
    ).astype(np.int64)
    need = n
    for _ in range(8):  # draws that end after the period or repeat a repost are redrawn
        account, ts, target = _draw_reactions(rng, w, candidates, int(need * 1.3) + 16, kind)
        if kind == REPOST:
            key = target * w.book.n + account
            rows = unique_reposts(account, target)
            rows = rows[~np.isin(key[rows], seen)]
            account, ts, target = account[rows], ts[rows], target[rows]
            seen = np.concatenate([seen, key[rows][:need]])
        parts.append((account[:need], ts[:need], target[:need]))
        need -= len(parts[-1][0])
        if need == 0:
            break
    account, ts, target = (np.concatenate(p) for p in zip(*parts, strict=True))
    if kind == REPOST:
        return new_block(account, ts, kind=REPOST, target=target)
    k = len(ts)
    host, num, variant = w.organic_urls(rng, k, 0.05)
    return new_block(
        account,
        ts,
        kind=REPLY,
        target=target,
        words=zipf_rows(rng, w.lex, text_lengths(rng, k, median=8)),
        tags=tag_rows(rng, w.lex, k, 0.1, max_tags=1),
        url_host=host,
        url_num=num,
        url_variant=variant,
    )


# ---------------------------------------------------------------------------------------
# Fans of a live event.


@dataclass
class LiveEvent:
    kickoff: int
    moments: np.ndarray  # goals and the like, seconds since epoch
    tags: np.ndarray  # event tag, team tags


def live_event(rng, w: World) -> LiveEvent:
    """A match on the evening (UTC) of a day a third into the period."""
    day = min(w.days // 3, w.days - 1)
    kickoff = w.start + day * DAY + 18 * HOUR
    halves = rng.integers(3 * 60, 45 * 60, 6) + np.where(np.arange(6) < 3, 0, 60 * 60)
    teams = w.lex.words[1000 + rng.integers(0, 3000)], w.lex.words[1000 + rng.integers(0, 3000)]
    tags = w.tags.add(["cupfinal", f"{teams[0]}fc", f"{teams[1]}fc", "goal"])
    return LiveEvent(kickoff, np.sort(kickoff + halves), tags)


def fan_posts(rng, w: World, fans, official: int, n: int, event: LiveEvent, base: int) -> Block:
    """Fans reacting to a live event within seconds: synchronous, not coordinated.

    The official account posts each moment; fans post their own words with the event
    hashtag seconds after each moment, chat during the match, and sometimes repost the
    official post. Each fan reacts to few moments and writes different texts.
    """
    k = len(event.moments)
    official_ts = event.moments + rng.integers(5, 20, k)
    n_fans = max(n - k, 0)
    official_block = new_block(
        np.full(k, official),
        official_ts,
        words=themed_rows(rng, w.lex, text_lengths(rng, k, median=8), w.lex.event, 0.5),
        tags=Ragged.from_columns(np.full(k, event.tags[0]), event.tags[1 + rng.integers(0, 2, k)]),
        media=random_hashes(rng, k),
        appeal=w.appeal(rng, np.full(k, official), boost=5.0),
    )
    is_repost = rng.random(n_fans) < 0.15
    moment = rng.integers(0, k, n_fans)
    enthusiasm = np.cumsum(rng.lognormal(0, 0.8, len(fans)))
    account = fans[choice_cdf(rng, enthusiasm, n_fans)]

    own = np.flatnonzero(~is_repost)
    m = len(own)
    reacting = rng.random(m) < 0.6  # seconds after a moment; the others chat during the match
    ts = np.where(
        reacting,
        event.moments[moment[own]] + 2 + rng.gamma(2.0, 10.0, m).astype(np.int64),
        event.kickoff + rng.integers(-30 * 60, 150 * 60, m),
    )
    team = np.where(rng.random(m) < 0.4, event.tags[1 + rng.integers(0, 2, m)], -1)
    goal = np.where(reacting & (rng.random(m) < 0.3), event.tags[3], -1)
    own_block = new_block(
        account[own],
        ts,
        words=themed_rows(rng, w.lex, text_lengths(rng, m, median=7), w.lex.event, 0.4),
        tags=Ragged.from_columns(np.full(m, event.tags[0]), team, goal),
        media=np.where(rng.random(m) < 0.1, random_hashes(rng, m), -1),
        appeal=w.appeal(rng, account[own]),
    )
    shared = np.flatnonzero(is_repost)
    shared = shared[unique_reposts(account[shared], moment[shared])]
    delay = 1 + rng.lognormal(np.log(45), 0.8, len(shared)).astype(np.int64)
    repost_block = new_block(
        account[shared],
        official_ts[moment[shared]] + delay,
        kind=REPOST,
        target=base + moment[shared],
    )
    # the organiser's posts come first (reposts point at them), all inside the period
    own_block = own_block.subset(np.flatnonzero(own_block.ts < w.end))
    repost_block = repost_block.subset(np.flatnonzero(repost_block.ts < w.end))
    return Block.concat([official_block, own_block, repost_block])


# ---------------------------------------------------------------------------------------
# Grassroots activists.


def activist_posts(rng, w: World, members, offsets, n: int, cause_tags, base: int) -> Block:
    """A grassroots group: cause hashtag and petition link over days, own schedules.

    Members write their own texts on the cause and repost each other hours later, never
    within seconds as a group.
    """
    n_own = round(n * 0.65)
    who = rng.integers(0, len(members), n_own)
    account = members[who]
    ts = w.diurnal_times(rng, offsets[who])
    second = np.where(rng.random(n_own) < 0.4, cause_tags[1], -1)
    other = np.where(rng.random(n_own) < 0.2, w.lex.tag_sampler.sample(rng, n_own), -1)
    petition = rng.random(n_own) < 0.5
    own = new_block(
        account,
        ts,
        words=themed_rows(rng, w.lex, text_lengths(rng, n_own, median=14), w.lex.cause, 0.35),
        tags=Ragged.from_columns(np.full(n_own, cause_tags[0]), second, other),
        url_host=np.where(petition, w.hosts.id(PETITION_HOST), -1),
        url_num=np.full(n_own, int(rng.integers(10**6, 10**7))),
        url_variant=np.where(rng.random(n_own) < 0.3, rng.choice([1, 2, 5], n_own), 0),
        appeal=w.appeal(rng, account, boost=2.0),
    )
    m = int((n - n_own) * 1.5) + 8
    pick = rng.integers(0, n_own, m)
    reposter = members[rng.integers(0, len(members), m)]
    repost_ts = ts[pick] + 10 * 60 + rng.lognormal(np.log(4 * HOUR), 1.0, m).astype(np.int64)
    rows = np.flatnonzero((repost_ts < w.end) & (reposter != account[pick]))
    rows = rows[unique_reposts(reposter[rows], pick[rows])][: n - n_own]
    reposts = new_block(reposter[rows], repost_ts[rows], kind=REPOST, target=base + pick[rows])
    return Block.concat([own, reposts])


# ---------------------------------------------------------------------------------------
# Commercial spam botnet.


def spam_posts(rng, w: World, bots, n: int, spam_tags, spam_hosts, base: int) -> Block:
    """A commercial botnet: waves of identical promotions within seconds, round the clock.

    Each wave a leader bot posts a promotion; about half of the other bots copy it (mostly
    byte-identical, same link with per-bot tracking parameters, same image) or repost it
    within a few seconds. No office hours, no holidays, no state media.
    """
    s = len(bots)
    share = 0.5
    n_waves = max(1, round(n / (1 + share * (s - 1))))
    wave_ts = rng.integers(w.start, w.end - 900, n_waves)
    templates = themed_rows(rng, w.lex, rng.integers(8, 15, 12), w.lex.spam, 0.7)
    template = rng.integers(0, 12, n_waves)
    host = spam_hosts[rng.integers(0, len(spam_hosts), n_waves)]
    num = rng.integers(10**4, 10**6, n_waves)
    image = random_hashes(rng, n_waves)
    trending = w.lex.tag_sampler.sample(rng, n_waves) % 20  # hijacked popular hashtags
    tags = np.stack([spam_tags[rng.integers(0, len(spam_tags), n_waves)], trending], axis=1)
    leader = rng.integers(0, s, n_waves)

    joins = rng.random((n_waves, s)) < share
    joins[np.arange(n_waves), leader] = False
    wave, bot = np.nonzero(joins)
    wave = np.concatenate([np.arange(n_waves), wave])
    bot = np.concatenate([leader, bot])
    is_leader = np.arange(len(wave)) < n_waves
    is_repost = ~is_leader & (rng.random(len(wave)) < 0.3)
    ts = wave_ts[wave] + np.where(is_leader, 0, 1 + rng.exponential(4.0, len(wave)).astype(int))
    copy = ~is_repost
    words = paraphrase(rng, w.lex, templates.take(template[wave[copy]]), 0.1, 0.7)
    # leaders come first, in wave order, so a wave's leader post is row ``base + wave``
    copies = new_block(
        bots[bot[copy]],
        ts[copy],
        words=words,
        tags=Ragged.from_columns(*tags[wave[copy]].T),
        url_host=host[wave[copy]],
        url_num=num[wave[copy]],
        url_variant=np.where(is_leader[copy], 0, rng.integers(2, 4, int(copy.sum()))),
        media=image[wave[copy]],
    )
    reposts = new_block(
        bots[bot[is_repost]], ts[is_repost], kind=REPOST, target=base + wave[is_repost]
    )
    return Block.concat([copies, reposts])


# ---------------------------------------------------------------------------------------
# Travellers.

#: Posts per traveller over the period (median) and the share of them written on the trip.
TRAVELLER_POSTS = 25
TRIP_SHARE = 0.5


def traveller_posts(
    rng, w: World, travellers, home, destination, n: int, candidates: Candidates
) -> Block:
    """Ordinary users on a trip: their own rhythm at home, then for 5-14 days the clock of
    a zone at least five hours away (holiday photos), and reposts of popular posts.

    Their profiles name their home; nothing about them is coordinated.
    """
    m = len(travellers)
    if n == 0 or m == 0:
        return new_block([], [])
    length = rng.integers(5, 15, m)
    first = rng.integers(0, np.maximum(w.days - length, 1))
    activity = rng.lognormal(0.0, 0.6, m)
    counts = rng.multinomial(n, activity / activity.sum())
    who = np.repeat(np.arange(m), counts)
    k = len(who)
    on_trip = rng.random(k) < TRIP_SHARE
    day = np.where(
        on_trip,
        first[who] + (rng.random(k) * length[who]).astype(np.int64),
        rng.integers(0, w.days, k),
    )
    away = (day >= first[who]) & (day < first[who] + length[who])
    offset = np.where(away, destination[who], home[who])
    ts = wrap_into(
        w.start + day * DAY + local_seconds(rng, k, ORGANIC_HOURS) - offset, w.start, w.span
    )
    account = travellers[who]
    repost = rng.random(k) < 0.3
    own = np.flatnonzero(~repost)
    host, num, variant = w.organic_urls(rng, len(own), 0.15)
    originals = new_block(
        account[own],
        ts[own],
        words=zipf_rows(rng, w.lex, text_lengths(rng, len(own))),
        tags=tag_rows(rng, w.lex, len(own), 0.4),
        url_host=host,
        url_num=num,
        url_variant=variant,
        media=np.where(away[own] & (rng.random(len(own)) < 0.6), random_hashes(rng, len(own)), -1),
    )
    shared = np.flatnonzero(repost)
    pick = choice_cdf(rng, candidates.cum_appeal, len(shared))
    delay = rng.lognormal(np.log(2.5 * HOUR), 1.4, len(shared)).astype(np.int64)
    repost_ts = candidates.ts[pick] + 1 + delay
    keep = (repost_ts < w.end) & (candidates.account[pick] != account[shared])
    rows = np.flatnonzero(keep)
    rows = rows[unique_reposts(account[shared][rows], candidates.index[pick][rows])]
    reposts = new_block(
        account[shared][rows],
        repost_ts[rows],
        kind=REPOST,
        target=candidates.index[pick][rows],
    )
    return Block.concat([originals, reposts])
