"""Reference lists bundled with cib_detect (read offline from the installed package)."""

from __future__ import annotations

import functools
import io
from importlib import resources

import polars as pl

__all__ = ["calendar_countries", "commercial_markers", "places", "state_media_domains"]

_STATE_MEDIA_SCHEMA = {
    "domain": pl.String(),
    "country": pl.String(),
    "outlet": pl.String(),
    "kind": pl.String(),
    "source": pl.String(),
    "noted": pl.Date(),
}


@functools.lru_cache(maxsize=1)
def _state_media_bytes() -> bytes:
    return (
        resources.files("cib_detect.datasets")
        .joinpath("data", "state_media_domains.csv")
        .read_bytes()
    )


def state_media_domains() -> pl.DataFrame:
    """Curated list of well-known state-media and government web domains.

    The list covers outlets and government sites of China, Russia, Iran, North Korea,
    Venezuela, Saudi Arabia, the United Arab Emirates, Egypt, Türkiye, Belarus and Cuba.
    Each row says where the attribution comes from (a platform label, a sanctions act,
    a government report, the outlet's Wikipedia article, or the site being an official
    government website) and when it was noted. Domains are registered domains (or the
    site's own host when the registered domain is a shared government suffix), lowercase,
    without ``www.``.

    Returns
    -------
    polars.DataFrame
        Columns ``domain`` (String), ``country`` (ISO 3166-1 alpha-2, String),
        ``outlet`` (String), ``kind`` (``"state media"`` or ``"government"``),
        ``source`` (String) and ``noted`` (Date), one row per domain, grouped by country.

    Examples
    --------
    >>> domains = state_media_domains()
    >>> domains.columns
    ['domain', 'country', 'outlet', 'kind', 'source', 'noted']
    >>> domains.filter(domain="rt.com").select("country", "kind").row(0)
    ('RU', 'state media')
    """
    return pl.read_csv(io.BytesIO(_state_media_bytes()), schema=_STATE_MEDIA_SCHEMA)


_CALENDAR_SCHEMA = {
    "country": pl.String(),
    "name": pl.String(),
    "timezone": pl.String(),
    "standard_offset": pl.Float64(),
    "capital": pl.String(),
}


def calendar_countries() -> pl.DataFrame:
    """Countries whose public-holiday calendars the work-schedule score checks.

    One row per country: the IANA time zone of its capital (where a government office
    would work), the standard UTC offset of that zone in hours, and the capital. Holidays
    themselves come from the ``holidays`` package (offline; see ``docs/reference_lists.md``
    for the version and years).

    Returns
    -------
    polars.DataFrame
        Columns ``country`` (ISO 3166-1 alpha-2), ``name``, ``timezone`` (IANA),
        ``standard_offset`` (hours, Float64) and ``capital``.

    Examples
    --------
    >>> table = calendar_countries()
    >>> table.filter(country="CN").select("timezone", "standard_offset").row(0)
    ('Asia/Shanghai', 8.0)
    >>> sorted(table["country"])[:4]
    ['AE', 'BY', 'CN', 'CU']
    """
    data = (
        resources.files("cib_detect.datasets")
        .joinpath("data", "calendar_countries.csv")
        .read_bytes()
    )
    return pl.read_csv(io.BytesIO(data), schema=_CALENDAR_SCHEMA)


_PLACES_SCHEMA = {
    "kind": pl.String(),
    "key": pl.String(),
    "country": pl.String(),
    "iso3": pl.String(),
    "name": pl.String(),
    "zones": pl.String(),
    "offsets": pl.String(),
}


@functools.lru_cache(maxsize=1)
def _places_bytes() -> bytes:
    return resources.files("cib_detect.datasets").joinpath("data", "places.csv").read_bytes()


def places() -> pl.DataFrame:
    """Reference list of places an account can claim: countries, their other names,
    cities, regions, time zones, languages and joke places, with UTC offsets.

    Written by ``python -m cib_detect.datasets.build_places`` (offsets from the time zone
    database, standard and daylight saving, 2012-2026) and read offline; its module
    docstring describes every kind of row. :mod:`cib_detect.score.place` normalises
    claimed places with it.

    Returns
    -------
    polars.DataFrame
        Columns ``kind`` (``country``, ``name``, ``city``, ``region``, ``zone``,
        ``language`` or ``unknown``), ``key`` (the text as written: a code, a name, a
        zone), ``country`` (ISO 3166-1 alpha-2; space-separated where a key belongs to
        several), ``iso3`` and ``name`` (country rows), ``zones`` (IANA) and
        ``offsets`` (hours, space-separated), all String.

    Examples
    --------
    >>> table = places()
    >>> table.filter(kind="country", key="GB").select("iso3", "offsets").row(0)
    ('GBR', '0 1')
    >>> table.filter(kind="city", key="München").select("country", "offsets").row(0)
    ('DE', '1 2')
    """
    return pl.read_csv(io.BytesIO(_places_bytes()), schema=_PLACES_SCHEMA)


_COMMERCIAL_SCHEMA = {
    "kind": pl.String(),
    "value": pl.String(),
    "category": pl.String(),
    "note": pl.String(),
}


@functools.lru_cache(maxsize=1)
def _commercial_bytes() -> bytes:
    return (
        resources.files("cib_detect.datasets")
        .joinpath("data", "commercial_markers.csv")
        .read_bytes()
    )


def commercial_markers() -> pl.DataFrame:
    """Markers of commercial intent that the commercial score looks for in links and
    hashtags (:mod:`cib_detect.score.commercial`).

    One row per marker: ``domain`` (a shop, marketplace, affiliate network or crypto
    exchange; it matches the domain and its subdomains), ``host`` (a host of an otherwise
    general domain: ``apps.apple.com``, ``play.google.com``), ``tld`` (commercial
    top-level domains: ``.shop``, ``.store``), ``url_param`` (affiliate and referral query
    parameters, ``key`` or ``key=value``: ``ref``, ``aff_id``, ``utm_medium=affiliate``)
    and ``hashtag`` (product and sales hashtags in the languages the disclosure keywords
    cover, lowercase, without ``#``).

    Returns
    -------
    polars.DataFrame
        Columns ``kind``, ``value``, ``category`` (``shop``, ``marketplace``, ``app
        store``, ``affiliate``, ``crypto``, ``product``) and ``note``, all String.

    Examples
    --------
    >>> markers = commercial_markers()
    >>> markers.filter(value="amzn.to").select("kind", "category").row(0)
    ('domain', 'affiliate')
    >>> sorted(set(markers["kind"]))
    ['domain', 'hashtag', 'host', 'tld', 'url_param']
    """
    return pl.read_csv(io.BytesIO(_commercial_bytes()), schema=_COMMERCIAL_SCHEMA)
