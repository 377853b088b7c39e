"""URL canonicalisation (the ``co_url`` trace key) and registered domains (``co_domain``)."""

from __future__ import annotations

import encodings.idna
import ipaddress
from functools import lru_cache

import polars as pl

from cib_detect.normalize._common import apply_on_distinct, as_expr

__all__ = ["SITE_TRACKING_PARAMS", "TRACKING_PARAMS", "canonical_url", "registered_domain"]

#: Query parameters dropped from every URL: they identify the click, the sharer or the
#: campaign, not the resource. Matched case-insensitively; a trailing ``*`` is a prefix.
TRACKING_PARAMS: tuple[str, ...] = (
    *("utm_*", "mtm_*", "hsa_*", "pk_campaign", "pk_kwd", "pk_source", "pk_medium"),
    *("pk_content", "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid"),
    *("yclid", "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "mibextid", "mc_cid"),
    *("mc_eid", "ref_src", "ref_url", "si", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok"),
    *("vero_id", "vero_conv", "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "wickedid"),
    "__s",
)

#: Share-tracking parameters dropped only on the named sites (elsewhere they can mean
#: something: ``?s=`` is the search of many blogs, ``?t=`` a time offset on YouTube).
SITE_TRACKING_PARAMS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("twitter.com", "x.com", "mobile.twitter.com", "mobile.x.com"): ("s", "t"),
    ("youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"): ("feature", "pp"),
    ("tiktok.com", "m.tiktok.com", "vm.tiktok.com"): (
        *("is_from_webapp", "sender_device", "sender_web_id", "is_copy_url", "_r", "_t"),
    ),
}


def _keys_regex(names) -> str:
    keys = [
        pl.escape_regex(name[:-1]) + r"[^=&]*" if name.endswith("*") else pl.escape_regex(name)
        for name in names
    ]
    return "(?:" + "|".join(keys) + ")"


# Queries that may need cleaning: a tracking key (of any site) or an empty parameter.
_ALL_KEYS = TRACKING_PARAMS + tuple(key for keys in SITE_TRACKING_PARAMS.values() for key in keys)
_QUERY_NEEDS_CLEANING = rf"(?i)(?:^|&){_keys_regex(_ALL_KEYS)}(?:=|&|$)|(?:^|&)(?:&|$)"

_UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _percent_table() -> dict[str, str]:
    """Every ``%xx`` spelling -> its RFC 3986 normal form: unreserved characters decoded,
    every other byte with upper-case hex digits."""
    table = {}
    for byte in range(256):
        hi, lo = f"{byte:02X}"
        canonical = chr(byte) if byte in _UNRESERVED else f"%{hi}{lo}"
        for h in {hi, hi.lower()}:
            for low in {lo, lo.lower()}:
                if f"%{h}{low}" != canonical:
                    table[f"%{h}{low}"] = canonical
    return table


_PERCENT_TABLE = _percent_table()

_SCHEME = r"^[A-Za-z][A-Za-z0-9+.\-]*://"
# A host name with a dot, an optional port, then the end or a path, query or fragment
# ("www.bbc.co.uk:8080/a"); "mailto:x@y.org" and "localhost:8000" are not.
_BARE_HOST = r"^[\w\-]+(?:\.[\w\-]+)+(?::\d*)?(?:[/?#]|$)"
_HOST_OF_URL = (
    r"^(?:[a-z][a-z0-9+.\-]*://|//)?(?:[^/?#@]*@)?"
    r"(\[[^\]/?#]*\]|[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*$|[^:/?#\[\]]*)"
)

# Canonicalisation costs several us a URL; dedup pays off unless nearly all are distinct.
_DISTINCT_SHARE = 0.8


def _percent_normal(part: pl.Expr) -> pl.Expr:
    fixed = part.str.replace_many(_PERCENT_TABLE, leftmost=True)
    return pl.when(part.str.contains("%", literal=True)).then(fixed).otherwise(part)


def _without_params(query: pl.Expr, names) -> pl.Expr:
    element = pl.element()
    keep = (element != "") & ~element.str.contains(rf"(?i)^{_keys_regex(names)}(?:=|$)")
    return query.str.split("&").list.eval(element.filter(keep)).list.join("&")


def _clean_query(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Drop tracking and empty parameters from column ``query``, keeping the others in
    order; site-specific keys only on their sites (column ``host``). Each step only runs
    on the rows it can change."""
    query, host = pl.col("query"), pl.col("host")
    frame = frame.with_columns(query.str.contains(_QUERY_NEEDS_CLEANING).alias("needs_cleaning"))
    frame = frame.with_columns(
        pl.when("needs_cleaning").then(_without_params(query, TRACKING_PARAMS)).otherwise(query)
    )
    for hosts, keys in SITE_TRACKING_PARAMS.items():
        on_site = pl.col("needs_cleaning") & host.is_in(list(hosts))
        frame = frame.with_columns(
            pl.when(on_site).then(_without_params(query, keys)).otherwise(query)
        )
    return frame.with_columns(query.str.strip_chars())


def _strip_www(host: pl.Expr) -> pl.Expr:
    """Remove leading ``www.`` labels while a registrable name is left (``www.com`` stays).
    One label by slicing; the regex only for the rare ``www.www.``."""
    rest = host.str.slice(4)
    all_www = host.str.replace(r"^(?:www\.)+([^.]+\..+)$", "$1")
    return (
        pl.when(~host.str.starts_with("www."))
        .then(host)
        .when(rest.str.starts_with("www."))
        .then(all_www)
        .when(rest.str.contains(".", literal=True))
        .then(rest)
        .otherwise(host)
    )


def _split_first(expr: pl.Expr, separator: str, before: str, after: str) -> list[pl.Expr]:
    """Columns ``before`` and ``after`` the first ``separator`` (``after`` null without one);
    a literal split is much faster than a regex with capture groups."""
    parts = expr.str.splitn(separator, 2)
    return [parts.struct.field("field_0").alias(before), parts.struct.field("field_1").alias(after)]


def _canonical_urls(urls: pl.Series) -> pl.Series:
    """Canonical form of each URL of ``urls`` (String), in stages so no part is computed
    twice."""
    col = pl.col
    trimmed = col("url").str.strip_chars()
    with_scheme = (
        pl.when(trimmed.str.contains(_SCHEME))
        .then(trimmed)
        .when(trimmed.str.starts_with("//"))
        .then(pl.lit("https:") + trimmed)
        .when(trimmed.str.contains(_BARE_HOST))
        .then(pl.lit("https://") + trimmed)
        .otherwise(trimmed)
    )
    authority, host_port = col("authority"), col("host_port")
    frame = (
        urls.rename("url")
        .to_frame()
        .lazy()
        .with_columns(trimmed.alias("trimmed"), with_scheme.alias("with_scheme"))
        .with_columns(_split_first(col("with_scheme"), "://", "scheme", "rest"))
        .with_columns(_split_first(col("rest"), "#", "rest", "fragment"))
        .with_columns(_split_first(col("rest"), "?", "rest", "query"))
        .with_columns(_split_first(col("rest"), "/", "authority", "path"))
        .with_columns(
            pl.when(col("scheme").str.contains(r"^[A-Za-z][A-Za-z0-9+.\-]*$")).then(
                col("scheme").str.to_lowercase()
            ),
            pl.when(col("path").is_not_null())
            .then("/" + col("path"))
            .otherwise(pl.lit(""))
            .alias("path"),
            # user:password@ (up to the last '@') and :port are rare: regexes only run on
            # the rows that have them.
            pl.when(authority.str.contains("@", literal=True))
            .then(authority.str.extract(r"(?s)^(.*)@", 1))
            .alias("userinfo"),
            pl.when(authority.str.contains("@", literal=True))
            .then(authority.str.extract(r"(?s)@([^@]*)$", 1))
            .otherwise(authority)
            .alias("host_port"),
        )
        .with_columns(
            pl.when(host_port.str.contains(":", literal=True))
            .then(host_port.str.extract(r"(?s)^(\[[^\]]*\]|[^:]*)", 1))
            .otherwise(host_port)
            .alias("host"),
            pl.when(host_port.str.contains(":", literal=True))
            .then(host_port.str.extract(r"(?s)^(?:\[[^\]]*\]|[^:]*):(.*)$", 1))
            .alias("port"),
        )
        # Whitespace at the end of a part would end the output after a dropped part, and
        # be trimmed from the input of a second pass: strip it so the result is stable.
        .with_columns(
            _strip_www(
                col("host").str.to_lowercase().str.strip_chars_start().str.replace(r"[\s.]+$", "")
            ),
            col("port").str.strip_chars(),
            _percent_normal(col("path")).str.replace(r"[\s/]+$", ""),
            _percent_normal(col("query")).str.strip_chars(),
            col("fragment").str.strip_chars_end(),
        )
        .pipe(_clean_query)
        .select(
            pl.when(col("scheme").is_in(["http", "https"]))
            .then(
                pl.concat_str(
                    pl.lit("https://"),
                    pl.when(col("userinfo").is_not_null())
                    .then(col("userinfo") + "@")
                    .otherwise(pl.lit("")),
                    col("host"),
                    pl.when(col("port").is_null() | col("port").is_in(["", "80", "443"]))
                    .then(pl.lit(""))
                    .otherwise(":" + col("port")),
                    col("path"),
                    pl.when(col("query").str.len_bytes() > 0)
                    .then("?" + col("query"))
                    .otherwise(pl.lit("")),
                    pl.when(col("fragment").str.contains(r"^[!/]"))
                    .then("#" + col("fragment"))
                    .otherwise(pl.lit("")),
                )
            )
            .when(col("trimmed") != "")
            .then(col("trimmed"))
        )
    )
    return frame.collect().to_series().alias(urls.name)


def _canonical_url_batch(series: pl.Series) -> pl.Series:
    if series.dtype != pl.String:
        series = series.cast(pl.String)
    return apply_on_distinct(series, _canonical_urls, _DISTINCT_SHARE)


def canonical_url(url) -> pl.Expr:
    """Canonical form of http(s) URLs, so that links to the same resource compare equal
    and links to different resources stay different.

    - ``http`` and ``https`` are the same resource: the output scheme is ``https``; also
      for URLs without a scheme (``www.bbc.co.uk/a``, ``bbc.co.uk/a``, ``//bbc.co.uk/a``).
    - Host: lowercased, trailing dots and leading ``www.`` removed; the default ports
      ``:80`` and ``:443`` dropped (either, since the schemes are merged).
    - Path: case kept (paths are case-sensitive), percent-escapes normalised (unreserved
      characters decoded, hex digits upper-cased), trailing slashes removed.
    - Query: tracking parameters (:data:`TRACKING_PARAMS`, e.g. ``utm_*``, ``fbclid``;
      :data:`SITE_TRACKING_PARAMS` on their sites, e.g. ``?s=20&t=...`` on twitter.com)
      and empty parameters dropped; the others kept, in their order.
    - Fragment dropped, unless it is a route (starts with ``!`` or ``/``: ``#!/user``).

    Other schemes (``mailto:``, ``ftp://``) and strings that are not URLs are returned
    trimmed but otherwise unchanged; blank strings become null. Short links (``t.co``,
    ``bit.ly``) are not expanded: that needs the network.

    Parameters
    ----------
    url : str or polars.Expr
        A String column name or expression (for a List(String) column use
        ``pl.col("urls").list.eval(canonical_url(pl.element()))``).

    Returns
    -------
    polars.Expr
        String; null where the input is null or blank.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series([
    ...     "HTTP://www.BBC.co.uk:80/News/A/?utm_source=tw&id=7#top",
    ...     "https://twitter.com/Bob/status/1?s=20&t=xyz",
    ...     "www.example.com",
    ... ])
    >>> pl.select(canonical_url(pl.lit(s))).to_series().to_list()
    ['https://bbc.co.uk/News/A?id=7', 'https://twitter.com/Bob/status/1', 'https://example.com']
    """
    expr = as_expr(url, "canonical_url", "url")
    return expr.map_batches(_canonical_url_batch, return_dtype=pl.String, is_elementwise=True)


_PSL = None


def _public_suffix_list():
    global _PSL
    if _PSL is None:
        from publicsuffixlist import PublicSuffixList

        _PSL = PublicSuffixList(accept_unknown=True, only_icann=False)
    return _PSL


def _ascii_host(host: str) -> str:
    """ASCII (punycode) form of an internationalised host name, label by label; labels
    IDNA rejects are kept as they are."""
    if host.isascii():
        return host
    labels = []
    for label in host.split("."):
        if not label.isascii():
            try:
                label = encodings.idna.ToASCII(label).decode("ascii").lower()
            except UnicodeError:
                pass
        labels.append(label)
    return ".".join(labels)


@lru_cache(maxsize=1 << 18)
def _registered_domain_of_host(host: str) -> str | None:
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        return None
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        pass
    if "." not in host:  # localhost, intranet names, a bare TLD
        return None
    host = _ascii_host(host)
    psl = _public_suffix_list()
    domain = psl.privatesuffix(host)
    if domain is None:
        # The host is itself a public suffix; a site on it ("github.io", "blogspot.com") is
        # its own domain.
        return host if psl.is_public(host) else None
    return domain


def _registered_domains(hosts: pl.Series) -> pl.Series:
    domains = [None if host is None else _registered_domain_of_host(host) for host in hosts]
    return pl.Series(hosts.name, domains, dtype=pl.String)


def _registered_domain_batch(series: pl.Series) -> pl.Series:
    if series.dtype != pl.String:
        series = series.cast(pl.String)
    hosts = series.str.strip_chars().str.to_lowercase().str.extract(_HOST_OF_URL, 1)
    # max_distinct_share=1: the public-suffix lookup is Python, so always once per host.
    return apply_on_distinct(hosts, _registered_domains, 1.0).alias(series.name)


def registered_domain(url) -> pl.Expr:
    """Registered domain (eTLD+1) of a URL or host name, from the Public Suffix List that
    ships with the ``publicsuffixlist`` package (offline), private suffixes included.

    ``news.bbc.co.uk`` -> ``bbc.co.uk``, ``a.b.blogspot.com`` -> ``b.blogspot.com``.
    Internationalised names come out in their ASCII (``xn--``) form, which cannot pass for
    another domain the way Unicode look-alikes can. IP addresses are their own domain
    (IPv6 compressed, without brackets); single-label hosts (``localhost``) give null; a
    host that is itself a public suffix (``github.io``) is returned as is. The lookup runs
    once per distinct host of a batch.

    Parameters
    ----------
    url : str or polars.Expr
        A String column name or expression of URLs (any scheme, or none) or host names.

    Returns
    -------
    polars.Expr
        String; null where the input is null or has no public domain.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series([
    ...     "https://news.bbc.co.uk/a", "a.b.blogspot.com", "http://127.0.0.1:8080/",
    ...     "localhost", None,
    ... ])
    >>> pl.select(registered_domain(pl.lit(s))).to_series().to_list()
    ['bbc.co.uk', 'b.blogspot.com', '127.0.0.1', None, None]
    """
    expr = as_expr(url, "registered_domain", "url")
    return expr.map_batches(_registered_domain_batch, return_dtype=pl.String, is_elementwise=True)
