"""Where accounts say they are, against the clock their cluster works by.

A state body running accounts that pose as local voices abroad gives itself away by a
mismatch: the accounts claim (or were registered in) GB, US or DE, and post Monday to
Friday 09:00-18:00 UTC+8, dip at Beijing lunch time and fall silent on Chinese public
holidays. This module reads what each account claims and measures, per cluster, how much
of the cluster claims places whose clocks cannot explain the clock it works by.

**Claimed place per account** (:func:`account_places`), from what the data has:

- a *place* claim, weight 1: the profile ``location`` (free text), a registration
  region (``region`` or TikTok's ``region_code``, in the accounts or, the most common
  value per account, in the posts) and a profile time zone (``time_zone``,
  ``timezone``: an IANA name, a profile time zone name such as "Pacific Time (US &
  Canada)", "UTC+8"; or ``utc_offset`` in seconds). An account with several claims
  claims all of them: its offsets are their union, so one claim that fits the clock
  clears it.
- a *language* claim, weight 1/2, only when no place is known: ``language`` (an
  ISO 639-1 code, optionally with a region: ``en-GB``, ``zh-cn``). A language is spoken
  in many places, so it counts only where its countries' clocks lie within
  :data:`LANGUAGE_SPAN` hours of each other (German, Japanese, Chinese, Polish ... yes;
  English, Spanish, French, Arabic, Russian no: those are unknown), and at half weight.
- nothing else is a guess: an empty field, a joke ("the moon", "everywhere", "Earth",
  "worldwide"), emoji alone or text with no known place name is *unknown*, and unknown
  accounts never count as a mismatch.

:func:`normalise_place` turns text into countries (ISO 3166-1 alpha-2) and the UTC
offsets their zones used, standard and daylight saving, 2012-2026, from the bundled list
(:func:`cib_detect.datasets.reference.places`): ISO-2 and ISO-3 codes, country names in
English, the native language, German, French, Spanish, Russian, Chinese and Arabic for
the major countries, common misspellings, major cities and regions (their own zones, so
"Los Angeles" explains UTC-8/-7 only), and a single flag emoji. Text is cut at commas,
slashes and brackets; the parts must agree ("Paris, France"), else the last part, where
people write the country, wins ("Paris, Texas" is US). A code alone that is also a
common word ("in", "me") is not read as a code, a two- or three-letter name inside a
longer phrase only when written in capitals ("born in UK"). A field holding just a
capitalised code is that country ("DE" is Germany; "Dover, DE" may be Delaware).

**Clock-place consistency per cluster** (:func:`cluster_place_consistency`), given the
cluster's inferred schedule (:mod:`cib_detect.score.schedule`: UTC offset ``u``, working
week, ``schedule``, ``holiday``):

- an account *cannot be explained* by its claim when none of its claimed offsets is
  within :data:`TOLERANCE` hours of ``u`` (an office opening at 08:00 or 10:00 local
  shows as one hour west or east; daylight saving is in the offsets);
- it *works the clock* as far as its own posts fall in the cluster's office hours:
  ``on_clock = (s - m) / (1 - m)`` clipped to [0, 1], with ``s`` the share of its posts
  09:00-18:00 on the working days at ``u`` and ``m`` the share of the week that region
  covers. A traveller or expatriate posting in evenings and at weekends on their own
  rhythm does not work an office clock, whatever they claim;
- ``claimed_elsewhere = sum(weight * unexplained * on_clock) / n_placed`` over the
  ``n_placed`` accounts that claim something: the share of the claims that the clock
  contradicts, a language counting half (accounts claiming nothing neither accuse nor
  clear the cluster);
- ``support = min(1, n_placed / (size / 2))``: claims of half the cluster are full
  support, those of a few accounts in a large cluster little;
- ``place_mismatch = claimed_elsewhere * support * schedule * (0.5 + 0.5 * holiday)``:
  weighed by how sure the office clock is, and strongest when its silence on a state's
  holidays names the state (``holiday`` null counts 0). It enters ``government_link`` as
  one of the ways a cluster is tied to a state (:mod:`cib_detect.score.government`).

It is a property of a cluster: accounts in no cluster are never scored, and a cluster
of ordinary people (whose members each post on their own clock) or of remote workers of
one company (office hours, but in their own zones and without a state's holidays) gets
little or nothing. ``place_text`` says it in words: "27 of 30 accounts claim GB, US or
DE (UTC-8 to UTC+2); they post Mon-Fri 09:00-18:00 UTC+8, lunch dip 12:00-13:00, silent
on 1-5 May (Labor Day) (CN holidays)".

*Limits*: a claim is only what the profile says; platforms that expose no location,
region or time zone give nothing to compare. A content farm of a company in the same
country as the state works the same clock and holidays (commercial intent is for the
other parts to tell). Neighbouring zones cannot be told apart (Moscow and Berlin in
summer are one hour apart).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass

import polars as pl

from cib_detect.datasets.reference import places
from cib_detect.score.schedule import OFFICE_HOURS, WORKWEEKS, _format_offset, cluster_schedule

__all__ = [
    "LANGUAGE_SPAN",
    "LANGUAGE_WEIGHT",
    "TOLERANCE",
    "Place",
    "account_places",
    "cluster_place_consistency",
    "language_place",
    "normalise_place",
    "region_place",
    "time_zone_place",
]

#: Hours between a claimed place's nearest offset and the cluster's clock still explained.
TOLERANCE = 1.5
#: Widest spread (hours) of the offsets of a language's countries for it to count.
LANGUAGE_SPAN = 3.0
#: Weight of an account known by its language only (a place claim weighs 1).
LANGUAGE_WEIGHT = 0.5
#: ``on_clock`` from which an account is counted in ``n_elsewhere`` and the text.
_ON_CLOCK = 0.5
_LUNCH = (12, 13)  # the schedule's lunch hour (schedule.py)
_SPECIFIC = {"city": 3, "zone": 3, "region": 2, "country": 1, "name": 1, "flag": 1}
# Short codes that are also everyday words: as a whole field part in lowercase, not a code.
_WORDS = frozenset(
    "me my no is it in at be to do am an as by go he hi of on or so up we ok oh".split()
)
# Short names read inside a longer phrase even in lowercase.
_SAFE_SHORT = frozenset({"uk", "usa", "nyc", "uae", "ksa", "prc", "rsa"})
_SPLIT = re.compile(r"[,;/|•·()\[\]\n]+|\s[-–—]\s")
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
_TIME_ZONE_COLUMNS = ("time_zone", "timezone")
_REGION_COLUMNS = ("region", "region_code")


@dataclass(frozen=True)
class Place:
    """A claimed place: its countries (ISO 3166-1 alpha-2, none for a bare UTC offset),
    the UTC offsets (hours) its clocks used, and what matched (``city``, ``region``,
    ``zone``, ``country``, ``flag``, ``offset`` or ``language``)."""

    countries: tuple[str, ...]
    offsets: tuple[float, ...]
    match: str

    def explains(self, offset: float, tolerance: float = TOLERANCE) -> bool:
        """Whether a clock at UTC ``offset`` is within ``tolerance`` hours of this place's."""
        return any(abs(o - offset) <= tolerance + 1e-9 for o in self.offsets)


def _key(text: str) -> str:
    """Lowercase, accents and apostrophes off, punctuation to spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("&", " and "))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[.'’`ʻ]", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


def _offsets(text: str) -> tuple[float, ...]:
    return tuple(float(o) for o in text.split()) if text else ()


@functools.lru_cache(maxsize=1)
def _index():
    """Lookup tables built once from the bundled list."""
    table = places()
    aliases: dict[str, dict[str, tuple[int, tuple[float, ...]]]] = {}
    zones: dict[str, list[tuple[str, tuple[float, ...]]]] = {}
    languages: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {}
    unknown: set[str] = set()
    country_offsets: dict[str, tuple[float, ...]] = {}

    def alias(key: str, country: str, kind: str, offsets: tuple[float, ...]) -> None:
        entries = aliases.setdefault(_key(key), {})
        rank = _SPECIFIC[kind]
        old = entries.get(country)
        if old is None or rank > old[0]:
            entries[country] = (rank, offsets)
        elif rank == old[0]:
            entries[country] = (rank, tuple(sorted(set(old[1]) | set(offsets))))

    rows = table.rows(named=True)
    for row in rows:
        if row["kind"] == "country":
            offsets = _offsets(row["offsets"])
            country_offsets[row["key"]] = offsets
            for key in (row["key"], row["iso3"], row["name"]):
                alias(key, row["key"], "country", offsets)
    for row in rows:
        kind, key, country = row["kind"], row["key"], row["country"] or ""
        if kind == "name":
            alias(key, country, "name", country_offsets[country])
        elif kind in ("city", "region"):
            alias(key, country, kind, _offsets(row["offsets"]))
        elif kind == "zone":
            zones.setdefault(_key(key), []).extend(
                (c, _offsets(row["offsets"])) for c in country.split()
            )
        elif kind == "language":
            codes = tuple(country.split())
            spread = sorted({o for c in codes for o in country_offsets[c]})
            languages[key] = (codes, tuple(spread))
        elif kind == "unknown":
            unknown.add(_key(key))
    return aliases, zones, languages, unknown, country_offsets


def _flags(text: str) -> tuple[str | None, str]:
    """The country of a single flag emoji in ``text`` (None for none or several) and the
    text without flags."""
    found = []
    letters = [c for c in text if 0x1F1E6 <= ord(c) <= 0x1F1FF]
    for a, b in zip(letters[::2], letters[1::2], strict=False):
        found.append(chr(ord(a) - 0x1F1E6 + 65) + chr(ord(b) - 0x1F1E6 + 65))
    # subdivision flags (England, Scotland, Wales): black flag + tag letters "gbeng"
    tags = "".join(chr(ord(c) - 0xE0000) for c in text if 0xE0061 <= ord(c) <= 0xE007A)
    if tags[:2]:
        found.append(tags[:2].upper())
    rest = "".join(
        c for c in text if not (0x1F1E6 <= ord(c) <= 0x1F1FF or 0xE0000 <= ord(c) <= 0xE007F)
    )
    distinct = set(found)
    return (distinct.pop() if len(distinct) == 1 else None), rest


def _accept(key: str, original: str, whole: bool, short_phrase: bool) -> bool:
    """Whether a matched alias counts (codes that are everyday words do not)."""
    if len(key) > 3 or not key.isascii():
        return True if whole or short_phrase or original[:1].isupper() else False
    if whole:
        return not (original.islower() and key in _WORDS)
    return original.isupper() or key in _SAFE_SHORT


def _part_matches(part: str, aliases, unknown) -> list[dict]:
    """Matches of one part of a location text: the whole part, else its words."""
    key = _key(part)
    if not key or key in unknown:
        return []
    if key in aliases and _accept(key, part.strip(), True, True):
        return [aliases[key]]
    words: list[tuple[str, str]] = []  # (normalised word, original token)
    for token in part.split():
        words += [(w, token) for w in _key(token).split()]
    short_phrase = len(words) <= 3
    found, i = [], 0
    while i < len(words):
        for n in range(min(5, len(words) - i), 0, -1):
            candidate = " ".join(w for w, _ in words[i : i + n])
            original = " ".join(dict.fromkeys(t for _, t in words[i : i + n]))
            if (
                candidate in aliases
                and candidate not in unknown
                and _accept(candidate, original, False, short_phrase)
            ):
                found.append(aliases[candidate])
                i += n
                break
        else:
            i += 1
    if not found and not key.isascii():
        # scripts written without spaces (中国北京): known names inside the text
        for name, entries in aliases.items():
            if len(name) >= 2 and not name.isascii() and " " not in name and name in key:
                found.append(entries)
    return found


def _combine(matches: list[dict], match: str) -> Place | None:
    """One place from the matches of the parts: the countries they agree on, else the
    last part's; offsets of the most specific match per country."""
    if not matches:
        return None
    common = set(matches[0]).intersection(*matches[1:])
    chosen = common or set(matches[-1])
    best: dict[str, tuple[int, set[float]]] = {}
    for entries in matches:
        for country, (rank, offsets) in entries.items():
            if country not in chosen:
                continue
            old = best.get(country)
            if old is None or rank > old[0]:
                best[country] = (rank, set(offsets))
            elif rank == old[0]:
                old[1].update(offsets)
    rank = max(r for r, _ in best.values())
    kind = {3: "city", 2: "region", 1: "country"}[rank] if match == "text" else match
    offsets = sorted({o for _, os in best.values() for o in os})
    return Place(tuple(sorted(best)), tuple(offsets), kind)


@functools.lru_cache(maxsize=65_536)
def normalise_place(text) -> Place | None:
    """The place a location text, code or name claims, or None when it claims none.

    Parameters
    ----------
    text : str or None
        A profile location ("London, UK", "München", "Texas, USA", "🇩🇪", "Москва"), an
        ISO 3166-1 code ("GB", "GBR") or a registration region.

    Returns
    -------
    Place or None
        Countries, UTC offsets (hours, standard and daylight saving) and what matched;
        None for empty, joke or unrecognised text: never a guess.

    Examples
    --------
    >>> normalise_place("London, UK")
    Place(countries=('GB',), offsets=(0.0, 1.0), match='city')
    >>> normalise_place("Los Angeles, CA").offsets
    (-8.0, -7.0)
    >>> normalise_place("Deutschland").countries, normalise_place("DEU").countries
    (('DE',), ('DE',))
    >>> normalise_place("Paris, Texas").countries
    ('US',)
    >>> normalise_place("the moon") is None, normalise_place("everywhere 🌍") is None
    (True, True)
    """
    if text is None or not isinstance(text, str) or not text.strip():
        return None
    aliases, _, _, unknown, country_offsets = _index()
    stripped = text.strip()
    if stripped.isupper() and (stripped in country_offsets or stripped in _iso3()):
        # a field holding just a country code is the country ("DE" is not Delaware)
        return region_place(stripped)
    flag, rest = _flags(unicodedata.normalize("NFKC", text))
    if _key(rest) in unknown:
        rest = ""
    matches = []
    for part in _SPLIT.split(rest):
        matches += _part_matches(part, aliases, unknown)
    if flag is not None and flag in country_offsets:
        matches.append({flag: (_SPECIFIC["flag"], country_offsets[flag])})
    return _combine(matches, "text")


@functools.lru_cache(maxsize=4_096)
def region_place(value) -> Place | None:
    """The place a registration region claims: an ISO 3166-1 code (alpha-2 or alpha-3,
    any case) is that country only ("DE" is Germany, not Delaware); anything else is read
    as :func:`normalise_place` reads text.

    Examples
    --------
    >>> region_place("DE").countries, region_place("gbr").countries
    (('DE',), ('GB',))
    """
    if value is None or not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().upper()
    *_, country_offsets = _index()
    if code in country_offsets:
        return Place((code,), country_offsets[code], "country")
    by_iso3 = _iso3().get(code)
    if by_iso3 is not None:
        return Place((by_iso3,), country_offsets[by_iso3], "country")
    return normalise_place(value)


@functools.lru_cache(maxsize=1)
def _iso3() -> dict[str, str]:
    countries = places().filter(pl.col("kind") == "country")
    return dict(zip(countries["iso3"], countries["key"], strict=True))


@functools.lru_cache(maxsize=4_096)
def language_place(code) -> Place | None:
    """The place a language code claims, or None when it says too little.

    ``"de"`` claims Germany, Austria, Switzerland, Liechtenstein or Luxembourg (offsets
    +1 and +2); a region subtag claims its country (``"en-GB"``: GB); a language spoken
    across more than :data:`LANGUAGE_SPAN` hours of offsets (``"en"``, ``"es"``,
    ``"ar"``, ``"ru"``) claims nothing.

    Examples
    --------
    >>> language_place("de")
    Place(countries=('AT', 'CH', 'DE', 'LI', 'LU'), offsets=(1.0, 2.0), match='language')
    >>> language_place("zh-cn").countries, language_place("en") is None
    (('CN',), True)
    """
    if code is None or not isinstance(code, str) or not code.strip():
        return None
    _, _, languages, _, country_offsets = _index()
    parts = re.split(r"[-_]", code.strip().lower())
    if len(parts) > 1 and len(parts[-1]) == 2 and parts[-1].upper() in country_offsets:
        country = parts[-1].upper()
        codes, offsets = (country,), country_offsets[country]
    elif parts[0] in languages:
        codes, offsets = languages[parts[0]]
    else:
        return None
    if not offsets or max(offsets) - min(offsets) > LANGUAGE_SPAN:
        return None
    return Place(tuple(sorted(codes)), tuple(offsets), "language")


@functools.lru_cache(maxsize=4_096)
def time_zone_place(value) -> Place | None:
    """The place a profile time zone claims: an IANA name, a profile time zone name, a
    city, ``"UTC+8"``, or a number (hours, or seconds as Twitter's ``utc_offset``).

    ``"UTC"`` and ``"GMT"`` alone are a default, not a claim: None.

    Examples
    --------
    >>> time_zone_place("Europe/Berlin").offsets
    (1.0, 2.0)
    >>> time_zone_place("Pacific Time (US & Canada)").countries
    ('CA', 'US')
    >>> time_zone_place("GMT+08:00"), time_zone_place(-18000).offsets
    (Place(countries=(), offsets=(8.0,), match='offset'), (-5.0,))
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float):
        hours = value / 3600 if abs(value) > 24 else float(value)
        return Place((), (round(hours, 2),), "offset")
    text = str(value).strip()
    if not text:
        return None
    lower = text.lower().replace(" ", "")
    if lower in ("utc", "gmt", "z", "etc/utc", "etc/gmt", "utc+0", "gmt+0", "utc0"):
        return None
    found = _OFFSET.match(lower)
    if found:
        sign, hours, minutes = found.groups()
        offset = int(hours) + int(minutes or 0) / 60
        return Place((), (offset if sign == "+" else -offset,), "offset")
    try:
        return time_zone_place(float(text))
    except ValueError:
        pass
    _, zones, _, _, _ = _index()
    entries = zones.get(_key(text))
    if entries:
        countries = tuple(sorted({c for c, _ in entries}))
        offsets = tuple(sorted({o for _, os in entries for o in os}))
        return Place(countries, offsets, "zone")
    return normalise_place(text)


def _column_values(frame: pl.DataFrame, column: str, function) -> dict:
    values = frame.get_column(column).drop_nulls().unique().to_list()
    return {v: function(v) for v in values}


def account_places(accounts: pl.DataFrame | None, posts: pl.DataFrame | None = None):
    """The place every account claims, from each source the data has.

    Parameters
    ----------
    accounts : polars.DataFrame or None
        ``account_id`` and any of ``location``, ``region`` / ``region_code``,
        ``time_zone`` / ``timezone`` / ``utc_offset`` and ``language``.
    posts : polars.DataFrame, optional
        ``account_id`` and ``region`` / ``region_code`` (TikTok's video records): the
        most common value per account is its registration region.

    Returns
    -------
    polars.DataFrame
        ``account_id``, ``place_countries`` (ISO codes, space-separated; "" for a bare
        offset), ``place_offsets`` (List(Float64), hours), ``place_source``
        (``location``, ``region``, ``time_zone`` joined by "+", or ``language``) and
        ``place_weight`` (1 for a place, :data:`LANGUAGE_WEIGHT` for a language), one
        row per account with a known claim.

    Examples
    --------
    >>> import polars as pl
    >>> accounts = pl.DataFrame({"account_id": ["a", "b", "c", "d"],
    ...     "location": ["Berlin", "Earth", None, ""], "language": ["en", "en", "ja", "en"]})
    >>> account_places(accounts).select("account_id", "place_countries", "place_weight").rows()
    [('a', 'DE', 1.0), ('c', 'JP', 0.5)]
    """
    schema = {
        "account_id": pl.String,
        "place_countries": pl.String,
        "place_offsets": pl.List(pl.Float64),
        "place_source": pl.String,
        "place_weight": pl.Float64,
    }
    claims: dict[str, dict[str, Place]] = {}

    def collect(frame: pl.DataFrame, column: str, source: str, function) -> None:
        mapping = _column_values(frame, column, function)
        pairs = frame.select("account_id", column).drop_nulls().unique(maintain_order=True)
        for account, value in pairs.iter_rows():
            place = mapping.get(value)
            if place is not None:
                claims.setdefault(str(account), {})[source] = place

    if accounts is not None and "account_id" in accounts.columns:
        for column, source, function in (
            ("location", "location", normalise_place),
            *((c, "region", region_place) for c in _REGION_COLUMNS),
            *((c, "time_zone", time_zone_place) for c in _TIME_ZONE_COLUMNS),
            ("utc_offset", "time_zone", time_zone_place),
            ("language", "language", language_place),
        ):
            if column in accounts.columns:
                collect(accounts, column, source, function)
    if posts is not None and "account_id" in posts.columns:
        for column in _REGION_COLUMNS:
            if column in posts.columns:
                common = (
                    posts.select("account_id", column)
                    .drop_nulls()
                    .group_by("account_id", column)
                    .len()
                    .sort("len", column, descending=[True, False])
                    .group_by("account_id", maintain_order=True)
                    .first()
                    .drop("len")
                )
                collect(common, column, "region", region_place)
    rows = []
    for account, found in sorted(claims.items()):
        sources = [s for s in ("location", "region", "time_zone") if s in found]
        if sources:
            chosen, weight = [found[s] for s in sources], 1.0
        else:
            sources, chosen, weight = ["language"], [found["language"]], LANGUAGE_WEIGHT
        countries = sorted({c for p in chosen for c in p.countries})
        offsets = sorted({o for p in chosen for o in p.offsets})
        rows.append((account, " ".join(countries), offsets, "+".join(sources), weight))
    return pl.DataFrame(rows, schema=schema, orient="row")


_SCHEMA = {
    "cluster_id": pl.Int64,
    "n_placed": pl.Int64,
    "n_elsewhere": pl.Int64,
    "claimed_elsewhere": pl.Float64,
    "place_mismatch": pl.Float64,
    "elsewhere_countries": pl.String,
    "place_text": pl.String,
}


def _on_clock(posts: pl.DataFrame, members: pl.DataFrame, schedule: pl.DataFrame):
    """Per member: ``on_clock``, the excess share of its own posts in its cluster's office
    hours at the cluster's offset and working week."""
    start, end = OFFICE_HOURS
    days = pl.DataFrame(
        [(week, day) for week, wd in WORKWEEKS.items() for day in wd],
        schema={"workweek": pl.String, "weekday": pl.Int8},
        orient="row",
    ).with_columns(pl.lit(True).alias("workday"))
    region = pl.DataFrame(
        {
            "workweek": list(WORKWEEKS),
            "m": [(end - start) / 24 * len(d) / 7 for d in WORKWEEKS.values()],
        }
    )
    local = (
        posts.select("account_id", "timestamp")
        .join(members, on="account_id", how="inner")
        .join(schedule.select("cluster_id", "utc_offset", "workweek"), on="cluster_id")
        .with_columns(
            (
                pl.col("timestamp")
                + pl.duration(minutes=(pl.col("utc_offset") * 60).round(0).cast(pl.Int64))
            ).alias("local")
        )
        .with_columns(
            (pl.col("local").dt.weekday() - 1).cast(pl.Int8).alias("weekday"),
            pl.col("local").dt.hour().alias("hour"),
        )
        .join(days, on=["workweek", "weekday"], how="left")
        .with_columns(
            (pl.col("workday").fill_null(False) & pl.col("hour").is_between(start, end - 1))
            .cast(pl.Float64)
            .alias("office")
        )
    )
    return (
        local.group_by("account_id", "workweek")
        .agg(pl.col("office").mean().alias("s"))
        .join(region, on="workweek")
        .select(
            "account_id",
            ((pl.col("s") - pl.col("m")) / (1 - pl.col("m"))).clip(0.0, 1.0).alias("on_clock"),
        )
    )


def _join_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _place_text(row: dict, size: int, countries: list[str], n_language: int, spread) -> str:
    """The evidence sentence of a cluster whose accounts claim places off its clock."""
    shown = countries[:3]
    if len(countries) > 3:
        others = len(countries) - 3
        shown.append(f"{others} other {'country' if others == 1 else 'countries'}")
    claim = _join_words(shown) if shown else "other UTC offsets"
    if spread:
        low, high = spread
        clock = (
            _format_offset(low)
            if low == high
            else (f"{_format_offset(low)} to {_format_offset(high)}")
        )
        claim += f" ({clock})"
    if n_language:
        claim += f", {n_language} of them by language only"
    start, end = OFFICE_HOURS
    text = (
        f"{row['n_elsewhere']} of {size} accounts claim {claim}; they post {row['workweek']} "
        f"{start:02d}:00-{end:02d}:00 {_format_offset(row['utc_offset'])}"
    )
    if (row.get("lunch_dip") or 0) >= 0.5:
        text += f", lunch dip {_LUNCH[0]:02d}:00-{_LUNCH[1]:02d}:00"
    if row.get("quiet_dates") and (row.get("holiday") or 0) > 0:
        text += f", silent on {row['quiet_dates']} ({row['holiday_country']} holidays)"
    return text


def cluster_place_consistency(
    posts: pl.DataFrame,
    clusters: pl.DataFrame,
    accounts: pl.DataFrame | None = None,
    schedule: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """How much of each cluster claims places whose clocks cannot explain its own.

    Parameters
    ----------
    posts : polars.DataFrame
        ``account_id`` and ``timestamp`` (UTC); ``region`` / ``region_code`` if present.
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (-1 = none).
    accounts : polars.DataFrame, optional
        Profiles with the columns :func:`account_places` reads.
    schedule : polars.DataFrame, optional
        :func:`cib_detect.score.schedule.cluster_schedule` of the same clusters
        (computed when not given).

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``n_placed`` (accounts with a known claim), ``n_elsewhere``
        (accounts whose claim cannot explain the clock and who work it, ``on_clock >=
        0.5``), ``claimed_elsewhere`` (share of the claims), ``place_mismatch`` (see the
        module docstring; null
        when no account of the cluster claims anything), ``elsewhere_countries`` (the
        countries they claim, most accounts first) and ``place_text`` (the evidence
        sentence, null when no account is elsewhere).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, timezone
    >>> start = datetime(2024, 4, 15, 1, tzinfo=timezone.utc)  # 09:00 in Beijing, Monday
    >>> times = [start + timedelta(days=d, minutes=20 * i) for d in range(28)
    ...          if d % 7 < 5 and d not in (16, 17, 18) for i in range(27) if not 9 <= i < 12]
    >>> posts = pl.DataFrame({"account_id": ["a", "b", "c"] * (len(times) // 3),
    ...                       "timestamp": times[: len(times) // 3 * 3]})
    >>> clusters = pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, 0]})
    >>> accounts = pl.DataFrame({"account_id": ["a", "b", "c"],
    ...                          "location": ["London, UK", "Texas, USA", "the moon"]})
    >>> row = cluster_place_consistency(posts, clusters, accounts).row(0, named=True)
    >>> row["n_placed"], row["n_elsewhere"], row["claimed_elsewhere"]
    (2, 2, 1.0)
    >>> row["place_text"]
    '2 of 3 accounts claim GB or US (UTC-7 to UTC+1); they post Mon-Fri 09:00-18:00 UTC+8, ...'
    """
    members = clusters.filter(pl.col("cluster_id") >= 0).select("account_id", "cluster_id")
    if members.height == 0:
        return pl.DataFrame(schema=_SCHEMA)
    ids = members.get_column("account_id").implode()
    member_accounts = (
        accounts.filter(pl.col("account_id").is_in(ids))
        if accounts is not None and "account_id" in accounts.columns
        else None
    )
    region_columns = [c for c in _REGION_COLUMNS if c in posts.columns]
    member_posts = (
        posts.select("account_id", *region_columns).filter(pl.col("account_id").is_in(ids))
        if region_columns
        else None
    )
    if member_accounts is None and member_posts is None:
        return pl.DataFrame(schema=_SCHEMA)
    claims = account_places(member_accounts, member_posts)
    if claims.height == 0:  # profiles, but no claim in them: known to claim nothing
        counts = members.group_by("cluster_id").len().sort("cluster_id")
        return (
            counts.select(
                "cluster_id",
                pl.lit(0, pl.Int64).alias("n_placed"),
                pl.lit(0, pl.Int64).alias("n_elsewhere"),
            )
            .with_columns(
                pl.lit(None, dtype).alias(c)
                for c, dtype in _SCHEMA.items()
                if c not in ("cluster_id", "n_placed", "n_elsewhere")
            )
            .select(list(_SCHEMA))
        )
    if schedule is None:
        schedule = cluster_schedule(posts, clusters)
    clock = _on_clock(posts, members, schedule)
    table = (
        members.join(claims, on="account_id", how="left")
        .join(clock, on="account_id", how="left")
        .join(schedule, on="cluster_id", how="left")
        .sort("cluster_id", "account_id")
    )
    rows = []
    for (cluster,), group in table.group_by("cluster_id", maintain_order=True):
        size = group.height
        first = group.row(0, named=True)
        placed = group.filter(pl.col("place_weight").is_not_null())
        result = {
            "cluster_id": cluster,
            "n_placed": placed.height,
            "n_elsewhere": 0,
            "claimed_elsewhere": None,
            "place_mismatch": None,
            "elsewhere_countries": None,
            "place_text": None,
        }
        if placed.height and first["utc_offset"] is not None:
            offset = first["utc_offset"]
            total, counted, n_language = 0.0, {}, 0
            spread: list[float] = []
            n_elsewhere = 0
            for row in placed.iter_rows(named=True):
                place = Place((), tuple(row["place_offsets"]), "")
                if place.explains(offset):
                    continue
                on_clock = row["on_clock"] or 0.0
                total += row["place_weight"] * on_clock
                if on_clock >= _ON_CLOCK:
                    n_elsewhere += 1
                    n_language += row["place_weight"] < 1
                    spread += row["place_offsets"]
                    # the countries named are those of place claims (a language's
                    # countries would list every country that speaks it)
                    for country in row["place_countries"].split() * (row["place_weight"] == 1):
                        counted[country] = counted.get(country, 0) + 1
            share = total / placed.height
            support = min(1.0, placed.height / (size / 2))
            clock = (first["schedule"] or 0.0) * (0.5 + 0.5 * (first["holiday"] or 0.0))
            result["n_elsewhere"] = n_elsewhere
            result["claimed_elsewhere"] = share
            result["place_mismatch"] = share * support * clock
            countries = sorted(counted, key=lambda c: (-counted[c], c))
            result["elsewhere_countries"] = ", ".join(countries)
            if n_elsewhere:
                result["place_text"] = _place_text(
                    {**first, "n_elsewhere": n_elsewhere},
                    size,
                    countries,
                    n_language,
                    (min(spread), max(spread)) if spread else None,
                )
        rows.append(result)
    return pl.DataFrame(rows, schema=_SCHEMA)
