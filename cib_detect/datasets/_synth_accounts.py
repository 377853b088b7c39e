"""Accounts of the synthetic generator: who they are, where they live, how they look."""

from __future__ import annotations

import numpy as np
import polars as pl

from cib_detect.datasets._synth_base import DAY, Country
from cib_detect.datasets._synth_text import fixed_ids
from cib_detect.schema import ACCOUNT_COLUMNS

#: Roles of the ground truth, in the order of their codes.
ROLES = (
    "organic",
    "state_media",
    "hidden_state",
    "spam",
    "fans",
    "activists",
    "hidden_abroad",
    "diaspora",
    "travellers",
    "aggregator",
    "marketing",
    "commercial_spam",
)
ROLE_CODE = {role: code for code, role in enumerate(ROLES)}

#: Home time zones of ordinary users: (UTC offset in minutes, share, [(location, language)]).
ORGANIC_ZONES = [
    (-480, 0.08, [("Los Angeles, CA", "en"), ("Seattle, WA", "en"), ("Vancouver, BC", "en")]),
    (
        -300,
        0.20,
        [("New York, NY", "en"), ("Toronto", "en"), ("Boston, MA", "en"), ("Bogotá", "es")],
    ),
    (-180, 0.07, [("São Paulo", "pt"), ("Buenos Aires", "es"), ("Rio de Janeiro", "pt")]),
    (0, 0.12, [("London", "en"), ("Dublin", "en"), ("Lisbon", "pt"), ("Accra", "en")]),
    (
        60,
        0.16,
        [("Berlin", "de"), ("Paris", "fr"), ("Madrid", "es"), ("Rome", "it"), ("Lagos", "en")],
    ),
    (180, 0.10, [("Istanbul", "tr"), ("Moscow", "ru"), ("Nairobi", "en"), ("Riyadh", "ar")]),
    (330, 0.10, [("Mumbai", "en"), ("Delhi", "hi"), ("Bengaluru", "en"), ("Kolkata", "bn")]),
    (480, 0.08, [("Singapore", "en"), ("Manila", "en"), ("Kuala Lumpur", "ms"), ("Taipei", "zh")]),
    (540, 0.09, [("Tokyo", "ja"), ("Seoul", "ko"), ("Osaka", "ja")]),
]

_BIO_WHO = [
    "Coffee lover", "Dad of two", "Mom of three", "Engineer", "Teacher", "Student", "Runner",
    "Photographer", "Nurse", "Writer", "Gamer", "Designer", "Music fan", "Bookworm",
    "Traveller", "Foodie", "Developer", "Lawyer", "Retired", "Dog person", "Artist",
    "Gardener", "Football fan", "Science nerd", "Chef",
]  # fmt: skip
_BIO_WHAT = [
    "Opinions my own", "Views are mine", "Here for the memes", "Always learning", "he/him",
    "she/her", "they/them", "Tea over coffee", "Sometimes I post", "Mostly harmless",
    "Just here to read", "Trying my best", "Living one day at a time", "RTs are not endorsements",
]  # fmt: skip
#: Bland or invented personas of hidden state accounts.
_BIO_PERSONA = [
    "Just a regular person who loves peace", "Proud citizen. Family first", "Truth seeker",
    "Mother, teacher, patriot", "Love my country and my family", "Independent thinker",
    "Reading the news so you don't have to", "Simple man. Coffee. Books",
    "Peace and friendship between nations", "Student of history", "Loving life", "",
]  # fmt: skip
_PERSONA_PLACES = ["", "", "Texas, USA", "London, UK", "California", "New York", "Toronto",
                   "Sydney", "Berlin", "Paris", "Earth"]  # fmt: skip
#: Where a campaign aimed abroad says its accounts live: (country, share, places, language).
ABROAD_TARGETS = [
    ("GB", 0.35, ["London", "London, UK", "Manchester, England", "Birmingham, UK", "Leeds",
                  "Bristol", "Glasgow, Scotland", "United Kingdom", "England"], "en"),
    ("US", 0.40, ["New York, NY", "Texas, USA", "Los Angeles, CA", "Chicago, IL", "Florida",
                  "Seattle, WA", "Ohio", "USA", "Atlanta, Georgia"], "en"),
    ("DE", 0.25, ["Berlin", "Hamburg, Deutschland", "München", "Frankfurt am Main", "Köln",
                  "Germany", "Leipzig"], "de"),
]  # fmt: skip
#: Share of a campaign aimed abroad whose location field is empty.
ABROAD_NO_PLACE = 0.15
#: Local-looking personas of a campaign aimed abroad.
_BIO_ABROAD = [
    "Mum of two. Tea addict", "Just a guy who loves travel and good food", "Proud Texan",
    "Nurse. Dog mom. Coffee", "Berliner. Reisen, Essen, Kultur", "Student | Foodie | Traveller",
    "Retired teacher, curious about the world", "Football, family, fishing",
    "Photography & culture", "Hiker, reader, dreamer", "",
]  # fmt: skip
#: Where expatriates and emigrants live (their clock stays their family's).
DIASPORA_PLACES = ["London", "London, UK", "Manchester", "Toronto", "Vancouver, BC",
                   "New York, NY", "San Francisco, CA", "Berlin", "Paris", "Frankfurt",
                   "Chicago", "Dublin"]  # fmt: skip
_BIO_SPAM = [
    "Best deals every day! DM for promo", "Crypto signals 24/7", "Follow for free giveaways",
    "Earn from home, link in bio", "Luxury for less", "Win big, win now", "",
]  # fmt: skip
_SPAM_PLACES = ["", "", "Worldwide", "Online", "DM me"]
#: Profiles of automated news aggregators: (bio declaring the automation, language).
AGGREGATOR_BIOS = [
    ("Automated news feed. Headlines from around the world. Not monitored.", "en"),
    ("RSS bot: world headlines every few minutes. DMs not monitored.", "en"),
    ("Automated by @feedrelay. Breaking news from major outlets.", "en"),
    ("自动新闻推送，汇集各大媒体头条。本账号无人值守。", "zh"),
    ("Автоматическая лента новостей. Аккаунт не модерируется.", "ru"),
    ("حساب آلي ينشر عناوين الأخبار. لا تتم مراقبة الرسائل.", "ar"),
    ("انتشار خودکار تیترهای خبری. این حساب نظارت نمی‌شود.", "fa"),
    ("Feed de noticias automatizado. Cuenta no supervisada.", "es"),
    ("Fil d'actualité automatisé (RSS). Compte non surveillé.", "fr"),
    ("Otomatik haber akışı (RSS botu). Hesap takip edilmiyor.", "tr"),
]
#: The platform's automated-account label some aggregators carry (accounts column
#: ``automated_label``; ``label`` stays for state affiliation).
AUTOMATED_LABEL = "Automated"
#: Share of aggregators with that label.
AUTOMATED_LABEL_SHARE = 0.5
_AGGREGATOR_PLACES = ["", "", "Worldwide", "Internet", "RSS", "Global"]
#: A marketing firm's brand accounts in the UTC+8 zone.
_BIO_MARKETING = [
    "Daily deals on skincare and beauty", "Tech deals you can't miss. Link below",
    "Shop smart, save more", "New arrivals every week", "Download our app for exclusive offers",
    "Your style, our passion", "Gadgets, gifts and good prices", "",
]  # fmt: skip
MARKETING_PLACES = ["Shenzhen", "Guangzhou, China", "Singapore", "Kuala Lumpur", "Manila",
                    "Hong Kong", "Taipei", ""]  # fmt: skip
#: Aged (bought or hijacked) accounts of a crypto and affiliate spam farm.
_BIO_CRYPTO = [
    "Crypto enthusiast | Investor | NFA", "Financial freedom. DM for signals",
    "Web3 | DeFi | Airdrops", "Earn daily, link below", "Bitcoin since 2017",
    "Mom. Trader. Dreamer", "",
]  # fmt: skip
_CRYPTO_PLACES = ["", "", "Dubai", "Miami, FL", "Lagos", "London", "Metaverse", "Worldwide"]
#: Personas of a hashtag storm of Türkiye (or any country: the bios are Turkish).
_BIO_STORM = ["Vatansever", "Memleket sevdalısı", "Her şey vatan için", "Anne, öğretmen",
              "Futbol ve memleket", "Emekli", ""]  # fmt: skip
_STORM_PLACES = ["Türkiye", "İstanbul", "Ankara", "İzmir", "", ""]
#: Kinds of storm accounts: created days before the storm, dormant for weeks, ordinary.
STORM_YOUNG, STORM_DORMANT, STORM_REGULAR = 0, 1, 2
STORM_KIND_SHARES = (0.45, 0.40, 0.15)


class Names:
    """An interned list of strings: each distinct string gets one integer id."""

    def __init__(self, initial=()):
        self.items: list[str] = []
        self._index: dict[str, int] = {}
        self.add(list(initial))

    def add(self, names) -> np.ndarray:
        ids = []
        for name in names:
            if name not in self._index:
                self._index[name] = len(self.items)
                self.items.append(name)
            ids.append(self._index[name])
        return np.array(ids, np.int64)

    def id(self, name: str) -> int:
        return int(self.add([name])[0])

    def series(self, ids: np.ndarray) -> pl.Series:
        """The strings of ``ids`` (-1 gives null)."""
        pool = pl.Series([*self.items, None], dtype=pl.String)
        return pool.gather(np.where(ids < 0, len(self.items), ids))


class AccountBook:
    """Accounts as they are created, role by role; strings are ids into ``names``."""

    _FIELDS = ("role", "group", "country", "created", "followers", "label", "description",
               "location", "language", "automated_label")  # fmt: skip

    def __init__(self):
        self.names = Names()
        self._parts: dict[str, list[np.ndarray]] = {f: [] for f in self._FIELDS}
        self.n = 0
        self._columns: dict[str, np.ndarray] | None = None

    def add(self, n: int, role: str, **fields) -> np.ndarray:
        """Append ``n`` accounts; string fields are a str (all the same) or an id array."""
        for name in self._FIELDS:
            value = fields.get(name)
            if name == "role":
                value = ROLE_CODE[role]
            elif isinstance(value, str):
                value = self.names.id(value)
            elif value is None:
                value = -1
            self._parts[name].append(np.broadcast_to(np.asarray(value, np.int64), (n,)).copy())
        ids = np.arange(self.n, self.n + n)
        self.n += n
        self._columns = None
        return ids

    def column(self, name: str) -> np.ndarray:
        if self._columns is None:
            self._columns = {f: np.concatenate(p) for f, p in self._parts.items()}
            self._parts = {f: [v] for f, v in self._columns.items()}
        return self._columns[name]

    def set(self, ids: np.ndarray, name: str, value) -> None:
        if isinstance(value, str):
            value = ROLE_CODE[value] if name == "role" else self.names.id(value)
        self.column(name)[ids] = value

    def pick(self, rng, pool: list[str], n: int) -> np.ndarray:
        """Ids of strings drawn uniformly from one list of strings."""
        ids = self.names.add(pool)
        return ids[rng.integers(0, len(ids), n)]


def created_before(rng, start: int, size, lo_days: float, hi_days: float) -> np.ndarray:
    """Creation times uniform between ``hi_days`` and ``lo_days`` days before ``start``."""
    return start - (rng.uniform(lo_days, hi_days, size) * DAY).astype(np.int64)


def add_organic(book: AccountBook, rng, n: int, start: int):
    """Ordinary users; returns ids, UTC offsets (seconds) and relative activity."""
    shares = np.array([z[1] for z in ORGANIC_ZONES])
    zone = rng.choice(len(ORGANIC_ZONES), n, p=shares / shares.sum())
    offsets = np.array([z[0] * 60 for z in ORGANIC_ZONES])[zone]
    places = [(z, loc, lang) for z, (_, _, locs) in enumerate(ORGANIC_ZONES) for loc, lang in locs]
    place_zone = np.array([p[0] for p in places])
    # a place of the account's own zone: places are grouped by zone
    first = np.searchsorted(place_zone, zone)
    size = np.bincount(place_zone, minlength=len(ORGANIC_ZONES))[zone]
    place = first + (rng.random(n) * size).astype(np.int64)
    location = book.names.add([p[1] for p in places])[place]
    language = book.names.add([p[2] for p in places])[place]
    location = np.where(rng.random(n) < 0.35, book.names.id(""), location)
    who = book.names.add(_BIO_WHO)
    both = book.names.add([f"{a}. {b}" for a in _BIO_WHO for b in _BIO_WHAT])
    r = rng.random(n)
    description = np.where(
        r < 0.4,
        book.names.id(""),
        np.where(r < 0.6, who[rng.integers(0, len(who), n)], both[rng.integers(0, len(both), n)]),
    )
    activity = rng.lognormal(0.0, 1.2, n)
    followers = np.rint(np.exp(rng.normal(4.5, 1.6, n)) * activity**0.4).astype(np.int64)
    age = np.where(rng.random(n) < 0.75, rng.uniform(365, 5500, n), rng.uniform(30, 365, n))
    ids = book.add(
        n,
        "organic",
        created=start - (age * DAY).astype(np.int64),
        followers=followers,
        description=description,
        location=location,
        language=language,
    )
    return ids, offsets, activity


def add_state_media(book: AccountBook, rng, country: Country, outlets, group: str, start: int):
    """Labelled, disclosed accounts of a country's outlets and government."""
    n = len(outlets)
    # the wording of the platform labels, e.g. "Russia state-affiliated media"
    kinds = {"government": "government organization", "state media": "state-affiliated media"}
    label = [f"{country.name} {kinds[kind]}" for _, _, kind in outlets]
    description = [
        f"Official account of the {outlet}."
        if kind == "government"
        else f"Official account of {outlet}."
        for _, outlet, kind in outlets
    ]
    return book.add(
        n,
        "state_media",
        group=group,
        country=country.code,
        created=created_before(rng, start, n, 3000, 5800),
        followers=np.rint(np.exp(rng.normal(12.5, 1.0, n))).astype(np.int64),
        label=book.names.add(label),
        description=book.names.add(description),
        location=country.capital,
        language="en",
    )


def add_campaign(book: AccountBook, rng, n: int, country: Country, group: str, start: int):
    """Hidden state accounts: a creation burst of a few days, bland personas, no label."""
    burst = start - int(rng.uniform(90, 500) * DAY)
    language = np.where(rng.random(n) < 0.7, book.names.id("en"), book.names.id(country.language))
    return book.add(
        n,
        "hidden_state",
        group=group,
        country=country.code,
        created=burst + rng.integers(0, 3 * DAY, n),
        followers=np.rint(np.exp(rng.normal(3.5, 1.0, n))).astype(np.int64),
        description=book.pick(rng, _BIO_PERSONA, n),
        location=book.pick(rng, _PERSONA_PLACES, n),
        language=language,
    )


def add_abroad_campaign(book: AccountBook, rng, n: int, country: Country, group: str, start: int):
    """Accounts of a state campaign aimed abroad: local personas of the target countries
    (a place of GB, US or DE in the profile, their language), no label, created one by
    one over three months."""
    shares = np.array([t[1] for t in ABROAD_TARGETS])
    target = rng.choice(len(ABROAD_TARGETS), n, p=shares / shares.sum())
    location = np.empty(n, np.int64)
    language = np.empty(n, np.int64)
    for i, (_, _, pool, lang) in enumerate(ABROAD_TARGETS):
        rows = np.flatnonzero(target == i)
        location[rows] = book.pick(rng, pool, len(rows))
        language[rows] = book.names.id(lang)
    location = np.where(rng.random(n) < ABROAD_NO_PLACE, book.names.id(""), location)
    return book.add(
        n,
        "hidden_abroad",
        group=group,
        country=country.code,
        created=created_before(rng, start, n, 20, 110),
        followers=np.rint(np.exp(rng.normal(5.0, 1.2, n))).astype(np.int64),
        description=book.pick(rng, _BIO_ABROAD, n),
        location=location,
        language=language,
    )


def make_diaspora(book: AccountBook, rng, candidates: np.ndarray, n: int, group: str):
    """Ordinary users living abroad: their profile names their new home
    (:data:`DIASPORA_PLACES`), their posts keep the clock of their family's zone."""
    members = np.sort(rng.choice(candidates, min(n, len(candidates)), replace=False))
    book.set(members, "role", "diaspora")
    book.set(members, "group", group)
    book.column("location")[members] = book.pick(rng, DIASPORA_PLACES, len(members))
    return members


def add_travellers(book: AccountBook, rng, n: int, group: str, start: int):
    """Ordinary users who travel during the period: home place in the profile (always
    given) and a home zone; returns ids and the UTC offsets (seconds) of home and of a
    destination at least five hours away."""
    shares = np.array([z[1] for z in ORGANIC_ZONES])
    home = rng.choice(len(ORGANIC_ZONES), n, p=shares / shares.sum())
    minutes = np.array([z[0] for z in ORGANIC_ZONES])
    # a destination at least five hours away from home
    far = np.abs(minutes[:, None] - minutes[None, :]) >= 300
    destination = np.array([rng.choice(np.flatnonzero(far[h])) for h in home])
    places = [(z, loc, lang) for z, (_, _, locs) in enumerate(ORGANIC_ZONES) for loc, lang in locs]
    place = np.array(
        [rng.choice([i for i, p in enumerate(places) if p[0] == h]) for h in home], np.int64
    )
    ids = book.add(
        n,
        "travellers",
        group=group,
        created=created_before(rng, start, n, 365, 4000),
        followers=np.rint(np.exp(rng.normal(4.5, 1.6, n))).astype(np.int64),
        description=book.pick(rng, ["Traveller", "Wanderlust", "Travel & photography", ""], n),
        location=book.names.add([p[1] for p in places])[place],
        language=book.names.add([p[2] for p in places])[place],
    )
    return ids, minutes[home] * 60, minutes[destination] * 60


def add_spam(book: AccountBook, rng, n: int, group: str, start: int):
    """A commercial botnet: created within a day of each other, few followers."""
    burst = start - int(rng.uniform(20, 200) * DAY)
    return book.add(
        n,
        "spam",
        group=group,
        created=burst + rng.integers(0, DAY, n),
        followers=np.rint(np.exp(rng.normal(2.5, 1.0, n))).astype(np.int64),
        description=book.pick(rng, _BIO_SPAM, n),
        location=book.pick(rng, _SPAM_PLACES, n),
        language="en",
    )


def add_aggregators(book: AccountBook, rng, n: int, group: str, start: int):
    """Automated news aggregators: bios declaring the automation in eight languages, half
    with the platform's automated label, old accounts with a following."""
    bio = rng.integers(0, len(AGGREGATOR_BIOS), n)
    bio[: min(n, len(AGGREGATOR_BIOS))] = rng.permutation(len(AGGREGATOR_BIOS))[:n]
    description = book.names.add([b for b, _ in AGGREGATOR_BIOS])[bio]
    language = book.names.add([lang for _, lang in AGGREGATOR_BIOS])[bio]
    label = np.where(rng.random(n) < AUTOMATED_LABEL_SHARE, book.names.id(AUTOMATED_LABEL), -1)
    return book.add(
        n,
        "aggregator",
        group=group,
        created=created_before(rng, start, n, 300, 4000),
        followers=np.rint(np.exp(rng.normal(7.0, 1.3, n))).astype(np.int64),
        description=description,
        location=book.pick(rng, _AGGREGATOR_PLACES, n),
        language=language,
        automated_label=label,
    )


def add_marketing(book: AccountBook, rng, n: int, group: str, start: int):
    """A marketing firm's brand accounts: UTC+8 places, created over two years."""
    return book.add(
        n,
        "marketing",
        group=group,
        created=created_before(rng, start, n, 60, 800),
        followers=np.rint(np.exp(rng.normal(6.0, 1.2, n))).astype(np.int64),
        description=book.pick(rng, _BIO_MARKETING, n),
        location=book.pick(rng, MARKETING_PLACES, n),
        language="en",
    )


def add_commercial_spam(book: AccountBook, rng, n: int, group: str, start: int):
    """A crypto spam farm on aged accounts: creation spread over years, ordinary-looking
    investor bios, no label."""
    return book.add(
        n,
        "commercial_spam",
        group=group,
        created=created_before(rng, start, n, 200, 3500),
        followers=np.rint(np.exp(rng.normal(4.0, 1.5, n))).astype(np.int64),
        description=book.pick(rng, _BIO_CRYPTO, n),
        location=book.pick(rng, _CRYPTO_PLACES, n),
        language="en",
    )


def add_storm(book: AccountBook, rng, n: int, country: Country, group: str, storm: int):
    """Accounts of a one-afternoon storm: young ones created 1-10 days before it, dormant
    old ones, a few ordinary-looking ones. Returns ids and kinds (:data:`STORM_YOUNG` ...)."""
    kind = rng.choice(3, n, p=STORM_KIND_SHARES)
    created = np.where(
        kind == STORM_YOUNG,
        created_before(rng, storm, n, 1, 10),
        np.where(
            kind == STORM_DORMANT,
            created_before(rng, storm, n, 400, 3000),
            created_before(rng, storm, n, 60, 1500),
        ),
    )
    followers = np.where(kind == STORM_YOUNG, rng.integers(0, 15, n), np.exp(rng.normal(4, 1, n)))
    ids = book.add(
        n,
        "hidden_state",
        group=group,
        country=country.code,
        created=created,
        followers=np.rint(followers).astype(np.int64),
        description=book.pick(rng, _BIO_STORM, n),
        location=book.pick(rng, _STORM_PLACES, n),
        language=country.language,
    )
    return ids, kind


def account_tables(book: AccountBook, rng) -> tuple[pl.Series, pl.DataFrame, pl.DataFrame]:
    """Account ids (shuffled, so ids say nothing about roles), accounts and truth tables."""
    n = book.n
    width = max(5, len(str(max(n - 1, 0))))
    ids = fixed_ids("a", rng.permutation(n), width)
    names = book.names
    created = pl.Series(book.column("created") * 1_000_000).cast(ACCOUNT_COLUMNS["created_at"])
    accounts = pl.DataFrame(
        {
            "account_id": ids,
            "created_at": created,
            "label": names.series(book.column("label")),
            "description": names.series(book.column("description")),
            "location": names.series(book.column("location")),
            "language": names.series(book.column("language")),
            "followers": book.column("followers"),
            "automated_label": names.series(book.column("automated_label")),
        },
        schema={**ACCOUNT_COLUMNS, "automated_label": pl.String()},
    )
    truth = pl.DataFrame(
        {
            "account_id": ids,
            "role": pl.Series(ROLES).gather(book.column("role")),
            "group": names.series(book.column("group")),
            "country": names.series(book.column("country")),
        }
    )
    order = ids.arg_sort()
    return ids, accounts.gather(order), truth.gather(order)
