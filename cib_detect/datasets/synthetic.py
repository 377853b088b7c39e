"""Synthetic social-media data with planted campaigns: the project's test and benchmark data.

:func:`synthetic` generates posts of ordinary users and of planted roles (disclosed
state media, hidden state campaigns, a state campaign aimed abroad, a spam botnet, fans
of a live event, grassroots activists, two kinds of ordinary people whose claimed place
and clock disagree: emigrants and travellers; then three hidden state groups that hide
the usual traces: a paraphrasing campaign, a shift-work office and a one-afternoon
storm; and three look-alikes of state operations: automated news aggregators, an
office-hours marketing firm and a crypto spam farm), the accounts behind them and the
ground truth. ``docs/synthetic_data.md`` describes every role, what it is meant to
test, and every parameter.

Every role draws from its own random stream (``names`` in :func:`synthetic`), and the
roles added later (:data:`ADDED_ROLES`) create their accounts and posts after all the
others: for a seed, the other roles' posts stay byte-identical (up to the shuffled
account and post ids) whether the later roles are there or not.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cib_detect.datasets._synth_accounts import (
    ROLES,
    AccountBook,
    Names,
    account_tables,
    add_abroad_campaign,
    add_aggregators,
    add_campaign,
    add_commercial_spam,
    add_marketing,
    add_organic,
    add_spam,
    add_state_media,
    add_storm,
    add_travellers,
    make_diaspora,
)
from cib_detect.datasets._synth_assemble import assemble_posts
from cib_detect.datasets._synth_base import COUNTRIES, REPLY, REPOST, Block, Ragged
from cib_detect.datasets._synth_hidden import (
    paraphrase_posts,
    shift_posts,
    storm_posts,
    storm_start,
)
from cib_detect.datasets._synth_lookalikes import (
    AGGREGATOR_TAGS,
    BRANDS,
    CRYPTO_HOSTS,
    CRYPTO_TAGS,
    MARKETING_COUNTRY,
    MARKETING_HOSTS,
    MARKETING_TAGS,
    NEWS_OUTLETS,
    aggregator_posts,
    articles,
    commercial_spam_posts,
    marketing_posts,
)
from cib_detect.datasets._synth_roles import (
    PETITION_HOST,
    SPAM_HOSTS,
    TRAVELLER_POSTS,
    Candidates,
    World,
    activist_posts,
    fan_posts,
    live_event,
    organic_originals,
    organic_reactions,
    spam_posts,
    traveller_posts,
)
from cib_detect.datasets._synth_state import (
    abroad_posts,
    hidden_state_posts,
    make_narrative,
    state_media_outlets,
    state_media_posts,
)
from cib_detect.datasets._synth_text import lexicon
from cib_detect.datasets.reference import state_media_domains
from cib_detect.errors import ParameterError

__all__ = [
    "COORDINATED_ROLES",
    "DEFAULT_ROLE_SHARES",
    "HIDDEN_VARIANTS",
    "ROLES",
    "SyntheticData",
    "synthetic",
]

logger = logging.getLogger(__name__)

#: Roles whose accounts act in concert on purpose (the positives of a detector).
COORDINATED_ROLES = ("hidden_state", "hidden_abroad", "spam", "marketing", "commercial_spam")
#: Hidden state groups that hide the usual traces: names for ``include_roles``,
#: ``role_shares``, ``role_sizes`` and ``role_countries``; their accounts have the truth
#: role ``hidden_state``.
HIDDEN_VARIANTS = ("hidden_paraphrase", "hidden_shifts", "hidden_storm")
#: What ``include_roles`` can name: the truth roles and the hidden variants.
PLANTED = (*ROLES, *HIDDEN_VARIANTS)
#: Default share of all posts per planted role; organic users get the rest, except for
#: :data:`ADDED_ROLES`.
DEFAULT_ROLE_SHARES = {
    "state_media": 0.01,
    "hidden_state": 0.05,
    "spam": 0.02,
    "fans": 0.015,
    "activists": 0.01,
    "hidden_abroad": 0.01,
    "travellers": 0.004,
    "hidden_paraphrase": 0.0025,
    "hidden_shifts": 0.0025,
    "hidden_storm": 0.003,
    "aggregator": 0.0025,
    "marketing": 0.002,
    "commercial_spam": 0.002,
}
#: Roles whose posts come on top of the others' (about 3 % more posts than ``n_posts``
#: says), so that adding them left every other role's posts as they were for a seed.
ADDED_ROLES = ("hidden_abroad", "travellers", *HIDDEN_VARIANTS, "aggregator", "marketing",
               "commercial_spam")  # fmt: skip
#: Accounts of the later groups at 50,000 posts, scaled like the campaigns (at least 3).
BASE_ROLE_SIZES = {
    "hidden_paraphrase": 10,
    "hidden_shifts": 12,
    "hidden_storm": 45,
    "aggregator": 8,
    "marketing": 10,
    "commercial_spam": 25,
}
#: A storm has 8 to 60 accounts, each posting 3 to 30 times in it.
STORM_SIZE, STORM_POSTS = (8, 60), (3, 30)
#: Countries of the hidden variants.
DEFAULT_ROLE_COUNTRIES = {"hidden_paraphrase": "RU", "hidden_shifts": "IR", "hidden_storm": "TR"}
#: Group names of the later roles (the hidden variants add their country code).
GROUP_NAMES = {
    "hidden_paraphrase": "paraphrase_{}",
    "hidden_shifts": "shifts_{}",
    "hidden_storm": "storm_{}",
    "aggregator": "aggregators_1",
    "marketing": "marketing_1",
    "commercial_spam": "commercial_spam_1",
}
#: Share of ordinary users living abroad (role ``diaspora``; their posts are organic).
DIASPORA_SHARE = 0.01
#: Family zones of emigrants: UTC+3, +5:30, +8, +9 (minutes).
DIASPORA_ZONES = (180, 330, 480, 540)
DEFAULT_COUNTRIES = ("CN", "RU", "IR", "VE", "TR")
#: Group sizes at 50,000 posts; they scale with the square root of ``n_posts``.
BASE_CAMPAIGN_SIZES = (5, 12, 30, 60)
BASE_SPAM_SIZE = 40
BASE_ABROAD_SIZE = 30
BASE_ACTIVISTS = 20
REFERENCE_POSTS = 50_000
#: Mean posts per ordinary account over the whole period; sets the number of accounts.
POSTS_PER_ORGANIC_ACCOUNT = 20
#: Ordinary users' posts: own posts, reposts, replies.
ORGANIC_MIX = {"original": 0.55, "repost": 0.33, "reply": 0.12}
MIN_POSTS = 1_000
_FUNCTION = "synthetic"


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """Generated posts, accounts and ground truth.

    Attributes
    ----------
    posts : polars.DataFrame
        Canonical post columns (:data:`cib_detect.schema.POST_COLUMNS`), sorted by
        ``timestamp``; ``post_id`` is ``"p"`` plus the rank in that order.
    accounts : polars.DataFrame
        Canonical account columns (:data:`cib_detect.schema.ACCOUNT_COLUMNS`), then
        ``automated_label`` (the platform's label of automated accounts, ``"Automated"``
        on some news aggregators, else null), sorted by ``account_id``.
    truth : polars.DataFrame
        ``account_id``, ``role`` (one of :data:`ROLES`), ``group`` (the planted group the
        account belongs to, e.g. ``"hidden_state_CN"``, ``"paraphrase_RU"``, ``"spam_1"``,
        ``"fans_1"``; null for ordinary users) and ``country`` (ISO code of state media
        and hidden campaigns). Same row order as ``accounts``.
    groups : polars.DataFrame
        One row per planted group: ``group``, ``role``, ``country``, ``timezone``,
        ``n_accounts``, ``n_posts``, ``hashtags`` and ``domains`` it pushes.
    params : dict
        The parameters in effect, defaults resolved (e.g. the campaign sizes used).

    Examples
    --------
    >>> data = synthetic(2_000, seed=3)
    >>> data.truth.join(data.groups, on="group").group_by("role").len().sort("role").rows()
    [('activists', 6), ('aggregator', 3), ('commercial_spam', 5), ('diaspora', 3), ('fans', 10),
     ('hidden_abroad', 6), ('hidden_state', 39), ('marketing', 3), ('spam', 8),
     ('state_media', 15), ('travellers', 5)]
    """

    posts: pl.DataFrame
    accounts: pl.DataFrame
    truth: pl.DataFrame
    groups: pl.DataFrame
    params: dict = field(default_factory=dict)


def synthetic(
    n_posts: int = REFERENCE_POSTS,
    *,
    seed: int = 0,
    start: str | dt.date | dt.datetime = "2024-04-15",
    days: int = 30,
    campaign_sizes: Sequence[int] | None = None,
    countries: Sequence[str] = DEFAULT_COUNTRIES,
    role_shares: Mapping[str, float] | None = None,
    spam_size: int | None = None,
    include_roles: Iterable[str] | None = None,
    paraphrase: float = 0.2,
    office_hours: tuple[int, int] = (9, 18),
    abroad_size: int | None = None,
    abroad_country: str = "CN",
    role_sizes: Mapping[str, int] | None = None,
    role_countries: Mapping[str, str] | None = None,
) -> SyntheticData:
    """Generate posts with planted coordinated campaigns and their ground truth.

    Ordinary users post on diurnal schedules in nine time zones with heavy-tailed
    activity, Zipf vocabulary, hashtags and links, replies, and reposts of popular posts.
    Planted among them: disclosed state media of each country in ``countries``; one hidden
    state campaign per entry of ``campaign_sizes`` (tied to the country at the same
    position) that amplifies its state media within seconds to minutes, pushes
    near-duplicate talking points and posts only in office hours of that country's
    working days; a commercial spam botnet; fans reacting to a live match within seconds;
    and grassroots activists sharing a petition over days. Then, each from its own random
    stream and after all the others: a state campaign aimed abroad, emigrants and
    travellers, a campaign that only paraphrases (``hidden_paraphrase``), an office
    working in shifts (``hidden_shifts``), a one-afternoon hashtag storm and reply raid
    (``hidden_storm``), automated news aggregators, a marketing firm on UTC+8 office
    hours and a crypto spam farm. Generation is vectorised:
    about 2 s per million posts, 40 s and 5 GB for ten million on two cores.

    Parameters
    ----------
    n_posts : int, default 50_000
        Approximate number of posts (within a few percent; at least 1,000).
    seed : int, default 0
        Seed of the random generator; the same seed gives identical tables.
    start : str, date or datetime, default "2024-04-15"
        Start of the period (UTC; a naive datetime is taken as UTC). The default period
        contains public holidays of China, Russia, Iran, Venezuela and Türkiye.
    days : int, default 30
        Length of the period in days.
    campaign_sizes : sequence of int, optional
        Accounts of each hidden state campaign. Default ``(5, 12, 30, 60)`` at 50,000
        posts, times ``sqrt(n_posts / 50_000)`` at other sizes (at least 3 each), so
        campaign accounts post a few dozen times at 50,000 posts and more in larger data.
    countries : sequence of str, default ("CN", "RU", "IR", "VE", "TR")
        ISO codes of the countries with state media; the first ``len(campaign_sizes)``
        also run the hidden campaigns, one country each. Supported: CN, RU, IR, KP, VE,
        SA, AE, EG, TR, BY, CU.
    role_shares : mapping of str to float, optional
        Share of all posts per planted role (or hidden variant), overriding
        :data:`DEFAULT_ROLE_SHARES` (state_media 1 %, hidden_state 5 %, spam 2 %, fans
        1.5 %, activists 1 %, ...); organic users get the rest, except for
        :data:`ADDED_ROLES`, whose posts come on top. A storm's members post 3 to 30
        times each whatever the share.
    spam_size : int, optional
        Bots in the spam botnet. Default 40 at 50,000 posts, scaled like the campaigns
        (at least 5).
    include_roles : iterable of str, optional
        Roles to generate (default all of :data:`ROLES` and :data:`HIDDEN_VARIANTS`);
        must contain ``"organic"``. ``"hidden_state"`` means the campaigns of
        ``campaign_sizes``; the hidden variants (truth role ``hidden_state`` too) are
        named on their own. Name only roles without coordination (e.g. ``["organic",
        "fans", "activists"]``) for data without coordination.
    paraphrase : float, default 0.2
        Strength of the campaigns' paraphrasing in [0, 1]: the chance that a word of a
        talking point is changed (swapped, dropped or followed by an inserted word).
        0 makes every campaign text a verbatim copy.
    office_hours : (int, int), default (9, 18)
        Local opening and closing hour of the campaigns' offices.
    abroad_size : int, optional
        Accounts of the campaign aimed abroad. Default 30 at 50,000 posts, scaled like
        the campaigns (at least 3).
    abroad_country : str, default "CN"
        The country whose office runs the campaign aimed abroad.
    role_sizes : mapping of str to int, optional
        Accounts of the later groups, overriding :data:`BASE_ROLE_SIZES` scaled like the
        campaigns (at least 3; a storm has 8 to 60): keys ``hidden_paraphrase`` (10 at
        50,000 posts), ``hidden_shifts`` (12), ``hidden_storm`` (45), ``aggregator`` (8),
        ``marketing`` (10), ``commercial_spam`` (25).
    role_countries : mapping of str to str, optional
        Countries of the hidden variants (any supported code, not necessarily among
        ``countries``); default ``{"hidden_paraphrase": "RU", "hidden_shifts": "IR",
        "hidden_storm": "TR"}``.

    Returns
    -------
    SyntheticData
        ``posts``, ``accounts``, ``truth``, ``groups`` and ``params``.

    Raises
    ------
    ParameterError
        When a parameter is invalid; the message lists every problem.

    Examples
    --------
    >>> data = synthetic(5_000, seed=1)
    >>> data.posts.columns[:4]
    ['post_id', 'account_id', 'timestamp', 'text']
    >>> sorted(data.truth["role"].unique())
    ['activists', 'aggregator', 'commercial_spam', 'diaspora', 'fans', 'hidden_abroad',
     'hidden_state', 'marketing', 'organic', 'spam', 'state_media', 'travellers']
    >>> quiet = synthetic(5_000, include_roles=["organic", "fans", "activists"])
    >>> "hidden_state" in quiet.truth["role"]
    False
    """
    t0 = time.perf_counter()
    p = _validate(
        n_posts=n_posts,
        seed=seed,
        start=start,
        days=days,
        campaign_sizes=campaign_sizes,
        countries=countries,
        role_shares=role_shares,
        spam_size=spam_size,
        include_roles=include_roles,
        paraphrase=paraphrase,
        office_hours=office_hours,
        abroad_size=abroad_size,
        abroad_country=abroad_country,
        role_sizes=role_sizes,
        role_countries=role_countries,
    )
    # independent streams, so that leaving a role out does not reshuffle the others (the
    # first eleven are those of the first six roles; spawned children do not depend on
    # how many are spawned)
    names = ["accounts", "narratives", "state_media", "organic", "fans", "activists",
             "hidden_state", "spam", "reposts", "replies", "ids", "hidden_abroad",
             "travellers", "diaspora", "hidden_paraphrase", "hidden_shifts", "hidden_storm",
             "aggregator", "marketing", "commercial_spam"]  # fmt: skip
    children = np.random.SeedSequence(seed).spawn(len(names))
    streams = dict(zip(names, map(np.random.default_rng, children), strict=True))
    lex = lexicon()
    world = World(
        lex=lex,
        start=int(p["start"].timestamp()),
        days=days,
        book=AccountBook(),
        tags=Names(lex.tags),
        hosts=Names(),
        paraphrase=p["paraphrase"],
        office_hours=p["office_hours"],
    )
    cast = _cast(p, world, streams["accounts"], streams["narratives"], streams)
    blocks = _posts(p, world, cast, streams)
    t1 = time.perf_counter()

    book = world.book
    account_ids, accounts, truth = account_tables(book, streams["ids"])
    per_account = np.bincount(np.concatenate([b.account for b in blocks]), minlength=book.n)
    posts = assemble_posts(blocks, account_ids, lex, world.tags, world.hosts)
    del blocks
    groups = pl.DataFrame(
        [
            {**g, "n_posts": int(per_account[members].sum())}
            for g, members in zip(cast.groups, cast.members, strict=True)
        ],
        schema=_GROUP_SCHEMA,
    )
    logger.debug(
        "synthetic: %d posts, %d accounts: generated in %.2f s, tables in %.2f s",
        len(posts),
        book.n,
        t1 - t0,
        time.perf_counter() - t1,
    )
    params = {k: v for k, v in p.items() if k not in ("scale", "budget")}
    params["include_roles"] = tuple(r for r in PLANTED if r in p["include_roles"])
    return SyntheticData(posts, accounts, truth, groups, params)


@dataclass
class _Cast:
    """The accounts of every role and the planted groups they form."""

    fans: np.ndarray
    official: int  # the organic account of the live event's organiser
    activists: np.ndarray
    activist_offsets: np.ndarray
    narratives: list = field(default_factory=list)
    campaigns: list = field(default_factory=list)  # (narrative, members)
    bots: np.ndarray | None = None
    abroad: tuple | None = None  # (narrative, members)
    diaspora: np.ndarray | None = None
    travellers: tuple | None = None  # (ids, home offsets, destination offsets)
    spam_tags: np.ndarray | None = None
    spam_hosts: np.ndarray | None = None
    # the hidden variants: key -> (group, narrative, members, storm kinds, storm start)
    variants: dict = field(default_factory=dict)
    later: dict = field(default_factory=dict)  # aggregator, marketing, commercial_spam ids
    groups: list[dict] = field(default_factory=list)
    members: list[np.ndarray] = field(default_factory=list)

    def add_group(
        self, name, role, country, members, tag_ids, domains, w: World, timezone=None
    ) -> None:
        self.groups.append(
            {
                "group": name,
                "role": role,
                "country": country.code if country else None,
                "timezone": country.timezone if country else timezone,
                "n_accounts": len(members),
                "hashtags": [w.tags.items[i] for i in tag_ids],
                "domains": list(domains),
            }
        )
        self.members.append(members)


def _organic_budget(p: dict) -> int:
    """Posts of ordinary users: what the roles other than ADDED_ROLES leave."""
    return p["n_posts"] - sum(v for r, v in p["budget"].items() if r not in ADDED_ROLES)


def _cast(p: dict, w: World, rng, narrative_rng, streams) -> _Cast:
    """Create the accounts: the organic pool (with fans and activists), state media,
    hidden campaigns, the botnet, then the roles added later (each from its own stream,
    after every other account, so that the others stay as they were)."""
    roles, budget, book = p["include_roles"], p["budget"], w.book
    n_fans = max(10, budget.get("fans", 0) // 4) if "fans" in roles else 0
    n_activists = max(6, round(BASE_ACTIVISTS * p["scale"])) if "activists" in roles else 0
    organic = _organic_budget(p)
    n_pool = max(n_fans + n_activists + 50, round(organic / POSTS_PER_ORGANIC_ACCOUNT))
    pool, offsets, activity = add_organic(book, rng, n_pool, w.start)
    w.set_pool(pool, offsets, activity)
    shuffled = rng.permutation(n_pool)
    # activists live in one region (the central European zone) as far as it has people
    rest = shuffled[n_fans + 1 :]
    rest = np.concatenate([rest[offsets[rest] == 3600], rest[offsets[rest] != 3600]])
    cast = _Cast(
        fans=pool[shuffled[:n_fans]],
        official=int(pool[shuffled[n_fans]]),
        activists=pool[rest[:n_activists]],
        activist_offsets=offsets[rest[:n_activists]],
    )
    if n_fans:
        book.set(cast.fans, "role", "fans")
        book.set(cast.fans, "group", "fans_1")
        book.column("followers")[cast.official] = int(rng.integers(200_000, 2_000_000))
    if n_activists:
        book.set(cast.activists, "role", "activists")
        book.set(cast.activists, "group", "activists_1")

    domains = state_media_domains()
    for code in p["countries"] if {"state_media", "hidden_state"} & roles else ():
        country = COUNTRIES[code]
        outlets = domains.filter(country=code).select("domain", "outlet", "kind").rows()
        nar = make_narrative(narrative_rng, w, country, outlets)
        if "state_media" in roles:
            accounts = state_media_outlets(outlets)
            group = f"state_media_{code}"
            nar.accounts = add_state_media(book, rng, country, accounts, group, w.start)
            sections = {"government": "press", "state media": "news"}
            nar.account_hosts = w.hosts.add([f"https://{d}/{sections[k]}/" for d, _, k in accounts])
            cast.add_group(
                group,
                "state_media",
                country,
                nar.accounts,
                nar.tags,
                [d for d, _, _ in accounts],
                w,
            )
        cast.narratives.append(nar)
    if "hidden_state" in roles:
        for size, nar in zip(p["campaign_sizes"], cast.narratives, strict=False):
            group = f"hidden_state_{nar.country.code}"
            members = add_campaign(book, rng, size, nar.country, group, w.start)
            cast.campaigns.append((nar, members))
            cast.add_group(group, "hidden_state", nar.country, members, nar.tags, nar.domains, w)
    if "spam" in roles:
        cast.bots = add_spam(book, rng, p["spam_size"], "spam_1", w.start)
        cast.spam_tags = w.tags.add(["giveaway", "crypto", "deals", "promo", "airdrop"])
        cast.spam_hosts = w.hosts.add(SPAM_HOSTS)
        cast.add_group(
            "spam_1",
            "spam",
            None,
            cast.bots,
            cast.spam_tags,
            [h.split("/")[2] for h in SPAM_HOSTS],
            w,
        )
    if "hidden_abroad" in roles:
        # a state office running local personas of GB, US and DE: its own talking points
        # and hashtags, no state-media links, the office clock of its capital
        abroad_rng = streams["hidden_abroad"]
        country = COUNTRIES[p["abroad_country"]]
        nar = make_narrative(abroad_rng, w, country, [], stems=_ABROAD_STEMS)
        group = f"hidden_abroad_{country.code}"
        members = add_abroad_campaign(book, abroad_rng, p["abroad_size"], country, group, w.start)
        cast.abroad = (nar, members)
    if "travellers" in roles:
        n = max(5, round(budget["travellers"] / TRAVELLER_POSTS))
        cast.travellers = add_travellers(book, streams["travellers"], n, "travellers_1", w.start)
    if "diaspora" in roles:
        taken = np.zeros(book.n, bool)
        taken[cast.fans] = taken[cast.activists] = True
        taken[cast.official] = True
        zone = np.isin(offsets // 60, DIASPORA_ZONES)
        candidates = pool[zone & ~taken[pool]]
        n = max(3, round(DIASPORA_SHARE * n_pool))
        cast.diaspora = make_diaspora(book, streams["diaspora"], candidates, n, "diaspora_1")
    # the roles added last, each from its own stream
    for key in HIDDEN_VARIANTS:
        if key not in roles:
            continue
        vrng, size = streams[key], p["role_sizes"][key]
        country = COUNTRIES[p["role_countries"][key]]
        outlets = domains.filter(country=country.code).select("domain", "outlet", "kind").rows()
        nar = make_narrative(vrng, w, country, outlets)
        group = GROUP_NAMES[key].format(country.code)
        if key == "hidden_storm":
            start = storm_start(vrng, w, country)
            members, kinds = add_storm(book, vrng, size, country, group, start)
            cast.variants[key] = (group, nar, members, kinds, start)
        else:
            members = add_campaign(book, vrng, size, country, group, w.start)
            cast.variants[key] = (group, nar, members, None, None)
    makers = {"aggregator": add_aggregators, "marketing": add_marketing,
              "commercial_spam": add_commercial_spam}  # fmt: skip
    for key, make in makers.items():
        if key in roles:
            size = p["role_sizes"][key]
            cast.later[key] = make(book, streams[key], size, GROUP_NAMES[key], w.start)
    return cast


def _posts(p: dict, w: World, cast: _Cast, streams) -> list[Block]:
    """Generate every role's posts; a block's first post has the index ``_next(blocks)``."""
    roles, budget = p["include_roles"], p["budget"]
    blocks: list[Block] = []
    state_posts = {}
    if "state_media" in roles:
        block, per_country = state_media_posts(
            streams["state_media"], w, cast.narratives, budget["state_media"], _next(blocks)
        )
        state_posts = {n.country.code: s for n, s in zip(cast.narratives, per_country, strict=True)}
        blocks.append(block)
    organic_budget = _organic_budget(p)
    organic_base = _next(blocks)
    n_originals = int(organic_budget * ORGANIC_MIX["original"])
    organic = organic_originals(streams["organic"], w, n_originals)
    blocks.append(organic)
    if len(cast.fans):
        rng = streams["fans"]
        event = live_event(rng, w)
        blocks.append(
            fan_posts(rng, w, cast.fans, cast.official, budget["fans"], event, _next(blocks))
        )
        cast.add_group("fans_1", "fans", None, cast.fans, event.tags, [], w)
    if len(cast.activists):
        rng = streams["activists"]
        stem = w.lex.words[int(rng.integers(600, 6000))]
        cause = w.tags.add([f"save{stem}", f"stop{stem}destruction"])
        blocks.append(
            activist_posts(
                rng,
                w,
                cast.activists,
                cast.activist_offsets,
                budget["activists"],
                cause,
                _next(blocks),
            )
        )
        petition = PETITION_HOST.split("/")[2].removeprefix("www.")
        cast.add_group("activists_1", "activists", None, cast.activists, cause, [petition], w)
    if cast.campaigns:
        targets = Candidates.of([organic], organic_base).by_time()
        total = sum(len(m) for _, m in cast.campaigns)
        for nar, members in cast.campaigns:
            n = round(budget["hidden_state"] * len(members) / total)
            state = state_posts.get(nar.country.code)
            block = hidden_state_posts(streams["hidden_state"], w, nar, members, n, state, targets)
            blocks.append(block)
    if cast.bots is not None:
        blocks.append(
            spam_posts(
                streams["spam"],
                w,
                cast.bots,
                budget["spam"],
                cast.spam_tags,
                cast.spam_hosts,
                _next(blocks),
            )
        )
    candidates = Candidates.of(blocks)
    for kind, name, stream in ((REPOST, "repost", "reposts"), (REPLY, "reply", "replies")):
        n = int(organic_budget * ORGANIC_MIX[name])
        blocks.append(organic_reactions(streams[stream], w, candidates, n, kind, blocks))
    # the roles added later come after every other block: the others' posts keep their
    # indices (reposts and replies point at them)
    if cast.abroad is not None:
        nar, members = cast.abroad
        targets = Candidates.of([organic], organic_base).by_time()
        rng = streams["hidden_abroad"]
        n = budget["hidden_abroad"]
        blocks += abroad_posts(rng, w, nar, members, n, targets, _next(blocks))
        group = f"hidden_abroad_{nar.country.code}"
        cast.add_group(group, "hidden_abroad", nar.country, members, nar.tags, [], w)
    if cast.diaspora is not None:
        cast.add_group("diaspora_1", "diaspora", None, cast.diaspora, [], [], w)
    if cast.travellers is not None:
        ids, home, destination = cast.travellers
        blocks.append(
            traveller_posts(
                streams["travellers"], w, ids, home, destination, budget["travellers"], candidates
            )
        )
        cast.add_group("travellers_1", "travellers", None, ids, [], [], w)
    if cast.variants or cast.later:
        _later_posts(p, w, cast, streams, blocks, organic, organic_base, state_posts)
    return blocks


def _later_posts(p, w: World, cast: _Cast, streams, blocks, organic, organic_base, state_posts):
    """Posts of the hidden variants and the look-alikes, after every other block."""
    budget = p["budget"]
    targets = Candidates.of([organic], organic_base).by_time()
    for key, (group, nar, members, kinds, start) in cast.variants.items():
        rng, n = streams[key], budget[key]
        if key == "hidden_paraphrase":
            block = paraphrase_posts(rng, w, nar, members, n)
        elif key == "hidden_shifts":
            block = shift_posts(rng, w, nar, members, n)
        else:
            n = int(np.clip(n / len(members), *STORM_POSTS) * len(members))
            block = storm_posts(rng, w, nar, members, kinds, n, start, targets, _next(blocks))
        blocks.append(block)
        cast.add_group(group, "hidden_state", nar.country, members, nar.tags, nar.domains, w)
    if "aggregator" in cast.later:
        members = cast.later["aggregator"]
        rng, n = streams["aggregator"], budget["aggregator"]
        outlets = _state_outlets(p, w, cast, blocks, state_posts)
        pool = articles(rng, w, outlets, n)
        blocks.append(aggregator_posts(rng, w, members, n, pool))
        domains = [w.hosts.items[h].split("/")[2].removeprefix("www.") for h, *_ in outlets]
        domains += [h.split("/")[2].removeprefix("www.") for h, _ in NEWS_OUTLETS]
        tags = w.tags.add(list(AGGREGATOR_TAGS))
        cast.add_group(GROUP_NAMES["aggregator"], "aggregator", None, members, tags, domains, w)
    if "marketing" in cast.later:
        members = cast.later["marketing"]
        blocks.append(marketing_posts(streams["marketing"], w, members, budget["marketing"]))
        tags = w.tags.add([b for b, _ in BRANDS] + list(MARKETING_TAGS))
        domains = [h.split("/")[2] for _, h in BRANDS] + [h.split("/")[2] for h in MARKETING_HOSTS]
        zone = COUNTRIES[MARKETING_COUNTRY].timezone
        cast.add_group(GROUP_NAMES["marketing"], "marketing", None, members, tags,
                       list(dict.fromkeys(domains)), w, timezone=zone)  # fmt: skip
    if "commercial_spam" in cast.later:
        bots = cast.later["commercial_spam"]
        rng, n = streams["commercial_spam"], budget["commercial_spam"]
        blocks.append(commercial_spam_posts(rng, w, bots, n, targets))
        tags = w.tags.add(list(CRYPTO_TAGS))
        domains = [h.split("/")[2] for h in CRYPTO_HOSTS]
        cast.add_group(GROUP_NAMES["commercial_spam"], "commercial_spam", None, bots, tags,
                       domains, w)  # fmt: skip


def _state_outlets(p, w: World, cast: _Cast, blocks, state_posts) -> list:
    """(host id, times, article numbers, headline rows) of every state-media outlet: the
    posts of the data's state media where there are some (the block at index 0), else
    none (the outlets of the reference list for the data's countries)."""
    out = []
    if state_posts:
        words = blocks[0].words
        for nar in cast.narratives:
            state = state_posts[nar.country.code]
            for host in nar.account_hosts:
                if not w.hosts.items[host].endswith("/news/"):
                    continue  # a government site, not an outlet
                rows = np.flatnonzero(state.host == host)
                out.append(
                    (int(host), state.ts[rows], state.num[rows], words.take(state.index[rows]))
                )
        return out
    domains = state_media_domains().filter(kind="state media")
    for code in p["countries"]:
        for domain in domains.filter(country=code)["domain"].head(2):
            empty = Ragged.empty(0)
            out.append((w.hosts.id(f"https://{domain}/news/"), np.empty(0, np.int64),
                        np.empty(0, np.int64), empty))  # fmt: skip
    return out


def _next(blocks: list[Block]) -> int:
    """Global index of the next post."""
    return sum(len(b) for b in blocks)


#: Hashtag stems of a campaign aimed abroad (lifestyle and culture, not the state line).
_ABROAD_STEMS = ["visit", "beautiful", "discover", "real", "amazing", "daily", "true", "love"]

_GROUP_SCHEMA = {
    "group": pl.String(),
    "role": pl.String(),
    "country": pl.String(),
    "timezone": pl.String(),
    "n_accounts": pl.Int64(),
    "n_posts": pl.Int64(),
    "hashtags": pl.List(pl.String()),
    "domains": pl.List(pl.String()),
}


def _validate(**kw) -> dict:
    """Check every parameter, report all problems at once, resolve the defaults."""
    problems = []

    def bad(name, expected):
        problems.append(
            f"the {name!r} parameter of {_FUNCTION} must be {expected}; got {kw[name]!r} instead"
        )

    def is_int(x):
        return isinstance(x, int | np.integer) and not isinstance(x, bool)

    n_posts = kw["n_posts"]
    if not is_int(n_posts) or n_posts < MIN_POSTS:
        bad("n_posts", f"an integer >= {MIN_POSTS}")
    if not is_int(kw["seed"]) or kw["seed"] < 0:
        bad("seed", "a non-negative integer")
    start = _parse_start(kw["start"])
    if start is None:
        bad("start", "an ISO date or datetime string, a date or a datetime")
    if not is_int(kw["days"]) or kw["days"] < 1:
        bad("days", "an integer >= 1")
    # group sizes grow (or shrink) with the square root of the data size
    scale = math.sqrt(n_posts / REFERENCE_POSTS) if is_int(n_posts) and n_posts > 0 else 1.0
    sizes = kw["campaign_sizes"]
    if sizes is None:
        sizes = tuple(max(3, round(s * scale)) for s in BASE_CAMPAIGN_SIZES)
    elif isinstance(sizes, str | bytes) or not all(is_int(s) and s >= 2 for s in sizes):
        bad("campaign_sizes", "a sequence of integers >= 2")
        sizes = ()
    countries = kw["countries"]
    if isinstance(countries, str) or not all(isinstance(c, str) for c in countries):
        bad("countries", "a sequence of ISO country codes such as ('CN', 'RU')")
        countries = ()
    else:
        countries = tuple(c.upper() for c in countries)
        unknown = [c for c in countries if c not in COUNTRIES]
        if unknown:
            problems.append(
                f"the 'countries' parameter of {_FUNCTION} has unsupported codes {unknown}; "
                f"choose from {sorted(COUNTRIES)}"
            )
        if len(set(countries)) != len(countries):
            bad("countries", "a sequence without repeated codes")
    roles = kw["include_roles"]
    roles = set(PLANTED) if roles is None else roles
    if isinstance(roles, str) or not set(roles) <= set(PLANTED) or "organic" not in roles:
        bad("include_roles", f"a collection of roles from {PLANTED} containing 'organic'")
        roles = set(PLANTED)
    if "hidden_state" in roles and len(countries) < len(sizes):
        problems.append(
            f"each hidden campaign needs its own country: {len(sizes)} campaign_sizes but "
            f"{len(countries)} countries; pass more countries or fewer campaign_sizes"
        )
    shares = dict(DEFAULT_ROLE_SHARES)
    given = kw["role_shares"]
    if given is not None and not isinstance(given, Mapping):
        bad("role_shares", "a mapping of role to a share of the posts")
    elif given is not None:
        extra = set(given) - set(DEFAULT_ROLE_SHARES)
        if extra:
            problems.append(
                f"the 'role_shares' parameter of {_FUNCTION} has unknown roles {sorted(extra)}; "
                f"choose from {sorted(DEFAULT_ROLE_SHARES)} (organic users get the rest)"
            )
        shares.update(given)
        if not all(isinstance(v, int | float) and 0 <= v <= 0.5 for v in shares.values()):
            bad("role_shares", "a mapping of role to a share between 0 and 0.5")
        elif sum(shares.values()) > 0.6:
            bad("role_shares", "shares summing to at most 0.6 (organic users need the rest)")
    spam_size = kw["spam_size"]
    if spam_size is None:
        spam_size = max(5, round(BASE_SPAM_SIZE * scale))
    elif not is_int(spam_size) or spam_size < 2:
        bad("spam_size", "an integer >= 2")
    paraphrase = kw["paraphrase"]
    if not isinstance(paraphrase, int | float) or not 0 <= paraphrase <= 1:
        bad("paraphrase", "a number between 0 and 1")
    abroad_size = kw["abroad_size"]
    if abroad_size is None:
        abroad_size = max(3, round(BASE_ABROAD_SIZE * scale))
    elif not is_int(abroad_size) or abroad_size < 2:
        bad("abroad_size", "an integer >= 2")
    if not isinstance(kw["abroad_country"], str) or kw["abroad_country"].upper() not in COUNTRIES:
        bad("abroad_country", f"one of {sorted(COUNTRIES)}")
    sizes_given = kw["role_sizes"]
    role_sizes = {}
    if sizes_given is not None and not isinstance(sizes_given, Mapping):
        bad("role_sizes", f"a mapping of some of {sorted(BASE_ROLE_SIZES)} to group sizes")
        sizes_given = {}
    sizes_given = dict(sizes_given or {})
    if set(sizes_given) - set(BASE_ROLE_SIZES) or not all(
        is_int(v) and v >= 2 for v in sizes_given.values()
    ):
        bad("role_sizes", f"a mapping of some of {sorted(BASE_ROLE_SIZES)} to integers >= 2")
        sizes_given = {}
    for key, base in BASE_ROLE_SIZES.items():
        size = max(3, round(base * scale))
        if key == "hidden_storm":
            size = int(np.clip(size, *STORM_SIZE))
        role_sizes[key] = int(sizes_given.get(key, size))
    countries_given = kw["role_countries"]
    role_countries = dict(DEFAULT_ROLE_COUNTRIES)
    if countries_given is not None and (
        not isinstance(countries_given, Mapping)
        or set(countries_given) - set(HIDDEN_VARIANTS)
        or not all(isinstance(c, str) and c.upper() in COUNTRIES for c in countries_given.values())
    ):
        bad(
            "role_countries",
            f"a mapping of some of {HIDDEN_VARIANTS} to one of {sorted(COUNTRIES)}",
        )
    elif countries_given is not None:
        role_countries.update({k: c.upper() for k, c in countries_given.items()})
    hours = kw["office_hours"]
    if not (
        isinstance(hours, tuple | list)
        and len(hours) == 2
        and all(is_int(h) for h in hours)
        and 0 <= hours[0] < hours[1] <= 24
    ):
        bad("office_hours", "a pair (open, close) of hours with 0 <= open < close <= 24")
    if problems:
        raise ParameterError("; ".join(problems))
    return {
        "n_posts": n_posts,
        "seed": kw["seed"],
        "start": start,
        "days": kw["days"],
        "campaign_sizes": tuple(int(s) for s in sizes),
        "countries": countries,
        "role_shares": shares,
        "spam_size": int(spam_size),
        "include_roles": set(roles),
        # posts of each planted role; organic users get the rest
        "budget": {r: round(n_posts * v) for r, v in shares.items() if r in roles},
        "paraphrase": float(paraphrase),
        "office_hours": (int(hours[0]), int(hours[1])),
        "abroad_size": int(abroad_size) if is_int(abroad_size) else abroad_size,
        "abroad_country": str(kw["abroad_country"]).upper(),
        "role_sizes": role_sizes,
        "role_countries": role_countries,
        "scale": scale,
    }


def _parse_start(value) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    return None
