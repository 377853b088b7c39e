"""Format ``crowdtangle``: CrowdTangle link shares (Facebook, Instagram), as CooRnet reads them.

CrowdTangle closed in August 2024, but its historical exports are what most coordinated
link sharing studies hold. Two layouts:

- **API posts** (``/posts``, ``/links``; CooRnet's ``get_ctshares`` output), as JSON
  (``{"result": {"posts": [...]}}``), JSON lines or a CSV with dotted names
  (``account.id``): ``id`` (else ``platformId``, else ``postUrl``) -> post_id, the
  account's ``account.id`` (else ``account.platformId``, ``account.url``,
  ``account.handle``: pages without a handle are common, and must not stop a read) ->
  account_id, ``date`` (UTC) -> timestamp, ``message`` -> text, CooRnet's ``expanded``
  and ``expandedLinks[].expanded`` -> urls (``link``, often a shortener, only when no
  expanded link is given). Extras: ``account_name``,
  ``account_handle``, ``account_url``, ``account_country``
  (``account.pageAdminTopCountry``), ``platform``, ``type``, ``post_url``.
- **Dashboard CSV** ("Historical data" downloads): ``URL`` (the post's own address) ->
  post_id, ``Facebook Id`` (else ``User Name``, else ``Page Name``/``Group Name``/
  ``Account``) -> account_id, ``Post Created`` (``"2021-03-01 09:12:34 EST"``: the
  dashboard's time zone, converted to UTC) -> timestamp, ``Message`` -> text, ``Final
  Link`` (else ``Link``) -> urls. Extras: ``account_name``, ``account_handle``,
  ``account_country`` (``Page Admin Top Country``), ``type``, ``link_text``,
  ``sponsor_id``, ``sponsor_name`` (branded content).

Accounts (:func:`to_accounts`): one per account of the posts: name, handle and URL as
extras, ``account.pageAdminTopCountry`` / ``Page Admin Top Country`` -> location,
``account.subscriberCount`` / ``Followers at Posting`` -> followers, ``Page Description``
-> description, ``Page Created`` -> created_at.
"""

from __future__ import annotations

import polars as pl

from cib_detect.errors import SchemaError
from cib_detect.io.formats._nested import (
    concat_lists,
    get,
    list_of,
    require_paths,
    text_at,
)

NAME = "crowdtangle"
SUMMARY = "CrowdTangle link shares: API posts (CooRnet) or dashboard historical CSV"
FIELDS = {
    "post_id": "id / platformId / postUrl (CSV: URL)",
    "account_id": "account.id / account.platformId / account.url (CSV: Facebook Id)",
    "timestamp": "date (CSV: Post Created)",
    "text": "message (CSV: Message)",
    "urls": "expanded, expandedLinks[].expanded, link (CSV: Final Link, Link)",
}
_DASHBOARD_ACCOUNT = ("Facebook Id", "User Name", "Page Name", "Group Name", "Account")
# Time zone abbreviations the dashboard writes, as UTC offsets.
ZONES = {
    "UTC": "+00:00",
    "GMT": "+00:00",
    "WET": "+00:00",
    "WEST": "+01:00",
    "BST": "+01:00",
    "CET": "+01:00",
    "CEST": "+02:00",
    "EET": "+02:00",
    "EEST": "+03:00",
    "MSK": "+03:00",
    "IST": "+05:30",
    "SGT": "+08:00",
    "HKT": "+08:00",
    "JST": "+09:00",
    "KST": "+09:00",
    "AEST": "+10:00",
    "AEDT": "+11:00",
    "EST": "-05:00",
    "EDT": "-04:00",
    "CST": "-06:00",
    "CDT": "-05:00",
    "MST": "-07:00",
    "MDT": "-06:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "AKST": "-09:00",
    "AKDT": "-08:00",
    "HST": "-10:00",
    "BRT": "-03:00",
    "ART": "-03:00",
}


def unpack(document: dict):
    """The posts of a saved CrowdTangle API response.

    Examples
    --------
    >>> unpack({"status": 200, "result": {"posts": [{"id": "1|2"}]}})
    [{'id': '1|2'}]
    """
    result = document.get("result")
    if isinstance(result, dict) and isinstance(result.get("posts"), list):
        return result["posts"]
    return None


def _account_paths(names) -> bool:
    return any(str(n).startswith("account.") for n in names)


def _is_api(columns) -> bool:
    names = set(columns)
    nested = hasattr(columns, "get") and isinstance(columns.get("account"), pl.Struct)
    return (
        "date" in names
        and (nested or _account_paths(names))
        and bool(names & {"id", "platformId", "postUrl"})
    )


def _is_dashboard(columns) -> bool:
    names = set(columns)
    return {"Post Created", "URL"} <= names and bool(names & set(_DASHBOARD_ACCOUNT))


def sniff(columns) -> bool:
    """True for API posts (``date`` and ``account``) or the dashboard CSV.

    Examples
    --------
    >>> sniff(["id", "date", "message", "expanded", "account.url", "account.name"])
    True
    >>> sniff(["Page Name", "Facebook Id", "Post Created", "URL", "Link", "Message"])
    True
    """
    return _is_api(columns) or _is_dashboard(columns)


def sniff_accounts(columns) -> bool:
    """As :func:`sniff`: accounts come from the posts."""
    return sniff(columns)


def dashboard_time(expr: pl.Expr) -> pl.Expr:
    """``"2021-03-01 09:12:34 EST"`` as ISO 8601 with the zone's offset (``ZONES``);
    values without a zone are kept as they are (read as UTC).

    Examples
    --------
    >>> s = pl.Series(["2021-03-01 09:12:34 EST", "2021-03-01 09:12:34"])
    >>> pl.select(dashboard_time(pl.lit(s))).to_series().to_list()
    ['2021-03-01 09:12:34-05:00', '2021-03-01 09:12:34']
    """
    text = expr.cast(pl.String).str.strip_chars()
    zone = text.str.extract(r"\s([A-Z]{2,5})$", 1)
    offset = zone.replace_strict(ZONES, default=None, return_dtype=pl.String)
    stem = text.str.replace(r"\s[A-Z]{2,5}$", "")
    return pl.when(zone.is_null()).then(text).otherwise(pl.concat_str(stem, offset))


def _check_zones(raw: pl.LazyFrame) -> None:
    zones = (
        raw.select(pl.col("Post Created").cast(pl.String).str.extract(r"\s([A-Z]{2,5})$", 1))
        .unique()
        .collect()
        .to_series()
        .drop_nulls()
        .to_list()
    )
    unknown = sorted(z for z in zones if z not in ZONES)
    if unknown:
        raise SchemaError(
            f"posts (format {NAME!r}): column 'Post Created' has time zones "
            f"{', '.join(map(repr, unknown))} that cannot be converted to UTC; download the "
            "data in UTC, or convert the column to ISO 8601 with offsets yourself"
        )


def _dashboard(raw: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    _check_zones(raw)
    account = next(c for c in _DASHBOARD_ACCOUNT if c in schema)
    link = text_at(schema, "Final Link", "Link")
    exprs = {
        "post_id": text_at(schema, "URL"),
        "account_id": text_at(schema, account),
        "timestamp": dashboard_time(pl.col("Post Created")),
        "text": get(schema, "Message"),
        "urls": concat_lists([None if link is None else pl.concat_list(link).list.drop_nulls()]),
        "account_name": text_at(schema, "Page Name", "Group Name", "Account"),
        "account_handle": text_at(schema, "User Name"),
        "account_country": get(schema, "Page Admin Top Country"),
        "type": get(schema, "Type"),
        "link_text": get(schema, "Link Text"),
        "sponsor_id": text_at(schema, "Sponsor Id"),
        "sponsor_name": get(schema, "Sponsor Name"),
    }
    return raw.select(e.alias(n) for n, e in exprs.items() if e is not None)


def _api(raw: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    require_paths(
        schema,
        [
            ("id", "platformId", "postUrl"),
            "date",
            ("account.id", "account.platformId", "account.url", "account.handle"),
        ],
        table="posts",
        fmt=NAME,
    )
    expanded = text_at(schema, "expanded")
    resolved = concat_lists(
        [
            None if expanded is None else pl.concat_list(expanded).list.drop_nulls(),
            list_of(schema, "expandedLinks", "expanded"),
        ]
    )
    link = text_at(schema, "link")
    if link is not None:  # the link as posted (often a shortener) only when none resolved
        posted = concat_lists([pl.concat_list(link).list.drop_nulls()])
        resolved = pl.when(resolved.list.len() > 0).then(resolved).otherwise(posted)
    exprs = {
        "post_id": text_at(schema, "id", "platformId", "postUrl"),
        "account_id": text_at(
            schema, "account.id", "account.platformId", "account.url", "account.handle"
        ),
        "timestamp": get(schema, "date"),
        "text": get(schema, "message"),
        "urls": resolved,
        "account_name": text_at(schema, "account.name"),
        "account_handle": text_at(schema, "account.handle"),
        "account_url": text_at(schema, "account.url"),
        "account_country": text_at(schema, "account.pageAdminTopCountry"),
        "platform": get(schema, "platform"),
        "type": get(schema, "type"),
        "post_url": text_at(schema, "postUrl"),
    }
    return raw.select(e.alias(n) for n, e in exprs.items() if e is not None)


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map CrowdTangle posts (API or dashboard CSV) to canonical posts.

    With CooRnet's ``expanded`` column (one row per post and link) a post spans several
    rows; read with ``on_duplicate="drop"`` to keep its first, or pass the API's posts.

    Examples
    --------
    >>> raw = pl.LazyFrame({"id": ["1|2"], "date": ["2020-05-01 10:00:00"],
    ...     "expanded": ["https://news.example/a"], "account.url": ["https://facebook.com/p"]})
    >>> to_posts(raw).collect().row(0)
    ('1|2', 'https://facebook.com/p', '2020-05-01 10:00:00', ['https://news.example/a'], 'https://facebook.com/p')
    """
    schema = raw.collect_schema()
    if _is_dashboard(schema) and not _is_api(schema):
        return _dashboard(raw, schema)
    return _api(raw, schema)


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """One account per account of the posts, as of its latest post.

    Examples
    --------
    >>> raw = pl.LazyFrame({"Facebook Id": ["9"], "Page Name": ["P"], "URL": ["u"],
    ...     "Post Created": ["2021-03-01 09:12:34 UTC"], "Followers at Posting": ["12"]})
    >>> to_accounts(raw).collect().row(0)
    ('9', '12', 'P')
    """
    schema = raw.collect_schema()
    posts = to_posts(raw)
    if _is_dashboard(schema) and not _is_api(schema):
        fields = {
            "created_at": get(schema, "Page Created"),
            "description": get(schema, "Page Description"),
            "location": get(schema, "Page Admin Top Country"),
            "followers": get(schema, "Followers at Posting"),
            "category": get(schema, "Page Category"),
        }
    else:
        fields = {
            "location": get(schema, "account.pageAdminTopCountry"),
            "followers": get(schema, "account.subscriberCount"),
            "verified": get(schema, "account.verified"),
            "account_type": get(schema, "account.accountType"),
        }
    fields = {n: e for n, e in fields.items() if e is not None}
    names = [
        n for n in ("account_name", "account_handle", "account_url") if n in posts.collect_schema()
    ]
    joined = pl.concat(
        [
            posts.select("account_id", "timestamp", *names),
            raw.select(e.alias(n) for n, e in fields.items()),
        ],
        how="horizontal",
    )
    latest = joined.sort("timestamp", nulls_last=False, maintain_order=True).unique(
        subset="account_id", keep="last", maintain_order=True
    )
    rename = {"account_name": "name", "account_handle": "handle", "account_url": "url"}
    return latest.select(
        "account_id",
        *(pl.col(n).alias(n) for n in fields),
        *(pl.col(n).alias(rename[n]) for n in names),
    )
