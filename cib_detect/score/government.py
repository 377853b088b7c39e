"""Government link of a cluster: state sources, narrative, work schedule, creation bursts.

Parts (each reported as a column of ``cluster_scores``):

- ``amplification``: share of the cluster's posts that link to a domain of the bundled
  state-media list (:func:`cib_detect.datasets.state_media_domains`) or of
  ``seed_domains``, or that repost, reply to or mention a *state account*: an account
  labelled state media or government by the platform (``accounts.label``) or one of
  ``seed_accounts``.
- ``narrative``: share of the cluster's own posts (not reposts) carrying a hashtag or a
  link domain *distinctive* of the state accounts' own posts: used by them at least
  ``5x`` more often per post than by the background (posts of accounts in no cluster and
  not state accounts; add-one smoothing) and at least three times. Popular hashtags that
  state media also use are not distinctive. ``narrative_jaccard`` is the Jaccard overlap
  of the cluster's distinctive-or-not key set with the state key set, for reference. Null
  when the data hold no state accounts.
- ``schedule`` and ``holiday``: office hours of one time zone and silence on its
  holidays (:mod:`cib_detect.score.schedule`).
- ``creation_excess``: accounts created in a burst (:mod:`cib_detect.score.creation`).
- ``place_mismatch``: accounts claiming places whose clocks cannot explain the office
  clock the cluster works by, weighed by how sure that clock is and whether it keeps a
  state's holidays (:mod:`cib_detect.score.place`).

- ``state_alignment``: whether the cluster's links go to state sources beyond their
  share of the background's links (:func:`cluster_source_diversity`): 0 for an
  aggregator relaying state media in proportion among many outlets, 1 for a cluster
  relaying state sources far beyond their share or only them.
- ``commercial``: commercial intent (:mod:`cib_detect.score.commercial`).

Combination::

    a          = max(account_amplification, amplification * state_alignment)
    state      = 1 - (1 - min(1, a / 0.3)) * (1 - min(1, narrative * state_alignment / 0.3))
                   * (1 - place_mismatch * (1 - commercial))
    behaviour  = weighted mean of schedule (0.5), holiday (0.25), creation_excess (0.25)
                 over the parts that are known, times (1 - commercial)
    government_link = 0.55 * state + 0.45 * behaviour

``state`` (column ``state_link``) holds the three ways a cluster is tied to a state: it
relays state sources beyond their share, it pushes their keys, or it poses as being
elsewhere while working a state's office clock (a place mismatch on a clock with no
state holidays counts half). A cluster that puts 30 % of its posts into state sources,
far above the background's share, has the full state part; an aggregator relaying them
in proportion has almost none; reposts of, replies to and mentions of state accounts
(``account_amplification``) count in full, as the background's reposts cannot be
counted everywhere. One with no state link but a perfect office schedule, holiday
silence and a creation burst gets 0.45 (moderate), and 0 when it sells things (a
marketing firm keeps office hours too); the same cluster whose accounts all claim GB,
US or DE while working UTC+8 office hours and Chinese holidays gets 1.0; one that
amplifies state media round the clock gets 0.55 plus what its schedule shows, whether
or not it also posts spam. ``place_mismatch`` null (no account claims a place),
``state_alignment`` null (too few links, no background) and ``commercial`` null count
0, 1 and 0, so data without these parts score as before.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import binom

from cib_detect import normalize
from cib_detect.datasets import state_media_domains

__all__ = [
    "behaviour_expr",
    "cluster_narrative",
    "cluster_source_diversity",
    "cluster_state_amplification",
    "government_link_expr",
    "state_account_ids",
    "state_expr",
]

_STATE_LABEL = r"(?i)state|government|gouvernement|gobierno"
_LIFT = 5.0
_MIN_STATE_USES = 3
_SATURATION = 0.3
_STATE_WEIGHT = 0.55
_BEHAVIOUR_WEIGHTS = {"schedule": 0.5, "holiday": 0.25, "creation_excess": 0.25}
_MIN_LINKS = 5
_PRIOR_LINKS = 10.0
_ALIGNMENT_SATURATION = 0.5


def state_account_ids(accounts: pl.DataFrame | None, seed_accounts=()) -> list[str]:
    """Accounts labelled state media or government, plus ``seed_accounts``, sorted.

    Examples
    --------
    >>> import polars as pl
    >>> accounts = pl.DataFrame({"account_id": ["a", "b", "c"],
    ...     "label": ["Russia state-affiliated media", None, "China government organization"]})
    >>> state_account_ids(accounts, seed_accounts=["z"])
    ['a', 'c', 'z']
    """
    ids = {str(a) for a in seed_accounts}
    if accounts is not None and "label" in accounts.columns:
        labelled = accounts.filter(pl.col("label").fill_null("").str.contains(_STATE_LABEL))
        ids.update(labelled.get_column("account_id").cast(pl.String).to_list())
    return sorted(ids)


#: Columns :func:`with_link_keys` adds: each post's links as written (the ``urls`` column
#: or those of its text), their registered domains and its lower-case hashtags, derived
#: once for every part of the score that reads them.
LINK_URLS, LINK_DOMAINS, HASHTAG_KEYS = "_link_urls", "_link_domains", "_hashtag_keys"


def with_link_keys(posts: pl.DataFrame) -> pl.DataFrame:
    """``posts`` with :data:`LINK_URLS`, :data:`LINK_DOMAINS` and :data:`HASHTAG_KEYS`:
    extracting and canonicalising every URL is the dearest step of the score (about 7 s
    per pass on the 2.46M IRA tweets), and amplification, narrative, source diversity,
    the background and the commercial score all read them."""
    columns = posts.columns
    if LINK_URLS not in columns:
        posts = posts.with_columns(link_urls(columns).alias(LINK_URLS))
    return posts.with_columns(
        _domains(posts.columns).alias(LINK_DOMAINS), _hashtags(columns).alias(HASHTAG_KEYS)
    )


def link_urls(columns) -> pl.Expr:
    """Each post's links as written: :data:`LINK_URLS` when :func:`with_link_keys` added it,
    else the ``urls`` column, else the links of the text (``[]`` without either)."""
    if LINK_URLS in columns:
        return pl.col(LINK_URLS)
    if "urls" in columns:
        return pl.col("urls")
    if "text" in columns:
        return normalize.extract_urls(pl.col("text"))
    return pl.lit([], dtype=pl.List(pl.String))


def _domains(columns) -> pl.Expr:
    if LINK_DOMAINS in columns:
        return pl.col(LINK_DOMAINS)
    domain = normalize.registered_domain(normalize.canonical_url(pl.element()))
    return link_urls(columns).list.eval(domain)


def _hashtags(columns) -> pl.Expr:
    if HASHTAG_KEYS in columns:
        return pl.col(HASHTAG_KEYS)
    if "hashtags" in columns:
        return pl.col("hashtags").list.eval(pl.element().str.to_lowercase())
    if "text" in columns:
        return normalize.extract_hashtags(pl.col("text"))
    return pl.lit([], dtype=pl.List(pl.String))


def cluster_state_amplification(
    posts: pl.DataFrame,
    clusters: pl.DataFrame,
    accounts: pl.DataFrame | None = None,
    *,
    seed_domains=(),
    seed_accounts=(),
) -> pl.DataFrame:
    """Share of each cluster's posts that amplify state sources.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts (``urls`` or ``text``; ``repost_of``, ``reply_to`` and
        ``mentions`` when present).
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (-1 = none).
    accounts : polars.DataFrame, optional
        Accounts with a platform ``label``.
    seed_domains, seed_accounts : sequence of str
        Extra state-linked domains and account ids.

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``n_posts``, ``state_posts``, ``amplification`` (share),
        ``account_amplification`` (share of posts that repost, reply to or mention a
        state account), ``state_domains`` (amplified domains, most posts first) and
        ``state_accounts`` (amplified state accounts, most posts first).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({"post_id": ["1", "2", "3"], "account_id": ["a", "b", "s"],
    ...     "timestamp": [t, t, t], "urls": [["https://rt.com/news/1"], [], []],
    ...     "mentions": [[], ["s"], []]})
    >>> clusters = pl.DataFrame({"account_id": ["a", "b"], "cluster_id": [0, 0]})
    >>> cluster_state_amplification(posts, clusters, seed_accounts=["s"]).select(
    ...     "amplification", "state_domains", "state_accounts").row(0)
    (1.0, 'rt.com', 's')
    """
    domains = state_domain_list(seed_domains)
    state_ids = state_account_ids(accounts, seed_accounts)
    members = clusters.filter(pl.col("cluster_id") >= 0)
    frame = posts.join(members, on="account_id", how="inner")
    linked = (
        frame.select("post_id", "cluster_id", _domains(frame.columns).alias("domain"))
        .explode("domain")
        .filter(pl.col("domain").is_in(sorted(domains)))
    )
    hits = [linked.select("post_id", "cluster_id", pl.lit(None, pl.String).alias("state"))]
    if state_ids:
        author = posts.select(
            pl.col("post_id").alias("target"), pl.col("account_id").alias("state")
        )
        author = author.filter(pl.col("state").is_in(state_ids))
        for column in ("repost_of", "reply_to"):
            if column in frame.columns:
                hits.append(
                    frame.select("post_id", "cluster_id", pl.col(column).alias("target"))
                    .join(author, on="target", how="inner")
                    .select("post_id", "cluster_id", "state")
                )
        if "mentions" in frame.columns:
            hits.append(
                frame.select("post_id", "cluster_id", pl.col("mentions").alias("state"))
                .explode("state")
                .filter(pl.col("state").is_in(state_ids))
            )
    hits = pl.concat(hits)
    counts = frame.group_by("cluster_id").agg(pl.len().cast(pl.Int64).alias("n_posts"))
    state = (
        hits.select("post_id", "cluster_id", pl.col("state").is_not_null().alias("via_account"))
        .group_by("post_id", "cluster_id")
        .agg(pl.col("via_account").any())
        .group_by("cluster_id")
        .agg(
            pl.len().cast(pl.Int64).alias("state_posts"),
            pl.col("via_account").sum().cast(pl.Int64).alias("state_account_posts"),
        )
    )
    top_domains = _top(linked, "domain", "state_domains")
    top_accounts = _top(
        hits.filter(pl.col("state").is_not_null()).unique(["post_id", "state"]),
        "state",
        "state_accounts",
    )
    return (
        counts.join(state, on="cluster_id", how="left")
        .join(top_domains, on="cluster_id", how="left")
        .join(top_accounts, on="cluster_id", how="left")
        .with_columns(
            pl.col("state_posts", "state_account_posts").fill_null(0),
            pl.col("state_domains").fill_null(""),
            pl.col("state_accounts").fill_null(""),
            (pl.col("state_posts").fill_null(0) / pl.col("n_posts")).alias("amplification"),
            (pl.col("state_account_posts").fill_null(0) / pl.col("n_posts")).alias(
                "account_amplification"
            ),
        )
        .select(
            "cluster_id",
            "n_posts",
            "state_posts",
            "amplification",
            "account_amplification",
            "state_domains",
            "state_accounts",
        )
        .sort("cluster_id")
    )


def _top(frame: pl.DataFrame, column: str, name: str, n: int = 5) -> pl.DataFrame:
    return (
        frame.group_by("cluster_id", column)
        .len()
        .sort("len", column, descending=[True, False])
        .group_by("cluster_id", maintain_order=True)
        .agg(pl.col(column).head(n).str.join(", ").alias(name))
    )


def narrative_keys(posts: pl.DataFrame | pl.LazyFrame):
    """``post_id``, ``account_id`` and ``key`` (distinct hashtags, as ``#tag``, and link
    domains) of every own post (not a repost)."""
    columns = posts.collect_schema().names()
    own = posts.filter(pl.col("repost_of").is_null()) if "repost_of" in columns else posts
    return own.select(
        "post_id",
        "account_id",
        pl.concat_list(
            _hashtags(columns).list.eval(pl.lit("#") + pl.element()),
            _domains(columns),
        )
        .list.unique()
        .alias("key"),
    )


def narrative_background(posts: pl.DataFrame | pl.LazyFrame, excluded) -> tuple[pl.DataFrame, int]:
    """Uses of each key by the background (own posts of accounts not in ``excluded``) and
    the number of those posts; lazy input is aggregated in a stream."""
    keys = narrative_keys(posts).filter(~pl.col("account_id").is_in(sorted(excluded)))
    uses = keys.select(pl.col("key").explode().drop_nulls()).group_by("key").len()
    n_posts = keys.select(pl.len())
    if isinstance(keys, pl.LazyFrame):
        uses, n_posts = pl.collect_all([uses, n_posts], engine="streaming")
    return uses, n_posts.item()


class NarrativeBackground:
    """:func:`narrative_background` as a count a posts source runs where the posts are
    (streamed, or per Dask partition), with :meth:`merge` adding counts of parts up."""

    def __init__(self, excluded) -> None:
        self.excluded = sorted(excluded)

    def __call__(self, posts: pl.DataFrame | pl.LazyFrame) -> tuple[pl.DataFrame, int]:
        return narrative_background(posts, self.excluded)

    @staticmethod
    def merge(parts: list[tuple[pl.DataFrame, int]]) -> tuple[pl.DataFrame, int]:
        """The counts of several parts of the posts, added up."""
        uses = pl.concat([u for u, _ in parts]).group_by("key").agg(pl.col("len").sum())
        return uses, sum(n for _, n in parts)


def cluster_narrative(
    posts: pl.DataFrame,
    clusters: pl.DataFrame,
    accounts: pl.DataFrame | None = None,
    *,
    seed_accounts=(),
    background: tuple[pl.DataFrame, int] | None = None,
) -> pl.DataFrame:
    """Overlap of each cluster's hashtags and link domains with those of state accounts.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts (``hashtags``/``urls`` or ``text``; ``repost_of`` when present).
        With ``background``, the posts of the clusters' members and of state accounts
        are enough.
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (-1 = none).
    accounts : polars.DataFrame, optional
        Accounts with a platform ``label`` (state media and government are state accounts).
    seed_accounts : sequence of str
        Known state accounts.
    background : (polars.DataFrame, int), optional
        :func:`narrative_background` of all posts, excluding members and state accounts;
        by default computed from ``posts``.

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``narrative`` (share of own posts with a distinctive state key),
        ``narrative_jaccard`` and ``narrative_keys`` (the most used matching keys,
        hashtags with ``#``); empty when the data hold no state account.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> tags = [["peace"]] * 4 + [["peace"], ["cats"], ["cats"], ["peace"]] + [["cats"]] * 6
    >>> posts = pl.DataFrame({"post_id": [str(i) for i in range(14)],
    ...     "account_id": ["s"] * 4 + ["a", "a", "b", "b"] + ["o"] * 6,
    ...     "timestamp": [t] * 14, "hashtags": tags})
    >>> clusters = pl.DataFrame({"account_id": ["a", "b", "o", "s"],
    ...                          "cluster_id": [0, 0, -1, -1]})
    >>> cluster_narrative(posts, clusters, seed_accounts=["s"]).select(
    ...     "narrative", "narrative_keys").row(0)
    (0.5, '#peace')
    """
    schema = {
        "cluster_id": pl.Int64,
        "narrative": pl.Float64,
        "narrative_jaccard": pl.Float64,
        "narrative_keys": pl.String,
    }
    state_ids = state_account_ids(accounts, seed_accounts)
    if not state_ids:
        return pl.DataFrame(schema=schema)
    members = clusters.filter(pl.col("cluster_id") >= 0)
    if background is None:
        excluded = {*state_ids, *members.get_column("account_id").to_list()}
        background = narrative_background(posts, excluded)
    background_uses, n_background = background
    keys = narrative_keys(posts).join(members, on="account_id", how="left")
    keys = keys.with_columns(
        pl.col("account_id").is_in(state_ids).alias("is_state"),
        pl.col("cluster_id").fill_null(-1),
    )
    n_state = keys.filter("is_state").height
    n_background = max(n_background, 1)
    state_uses = keys.filter("is_state").explode("key").drop_nulls("key").group_by("key").len()
    distinctive = (
        state_uses.join(background_uses, on="key", how="left", suffix="_bg")
        .with_columns(pl.col("len_bg").fill_null(0))
        .filter(
            (pl.col("len") >= _MIN_STATE_USES)
            & ((pl.col("len") / max(n_state, 1)) >= _LIFT * (pl.col("len_bg") + 1) / n_background)
        )
        .get_column("key")
    )
    state_keys = state_uses.get_column("key")
    inside = keys.filter(~pl.col("is_state") & (pl.col("cluster_id") >= 0))
    if inside.height == 0:
        return pl.DataFrame(schema=schema)
    shares = inside.group_by("cluster_id").agg(
        pl.col("key")
        .list.eval(pl.element().is_in(distinctive.implode()))
        .list.any()
        .mean()
        .alias("narrative")
    )
    used = inside.explode("key").drop_nulls("key")
    jaccard = used.group_by("cluster_id").agg(
        (
            pl.col("key").unique().is_in(state_keys.implode()).sum()
            / (
                pl.col("key").n_unique()
                + state_keys.n_unique()
                - pl.col("key").unique().is_in(state_keys.implode()).sum()
            )
        ).alias("narrative_jaccard")
    )
    top = _top(used.filter(pl.col("key").is_in(distinctive.implode())), "key", "narrative_keys")
    return (
        shares.join(jaccard, on="cluster_id", how="left")
        .join(top, on="cluster_id", how="left")
        .with_columns(
            pl.col("narrative_jaccard").fill_null(0.0), pl.col("narrative_keys").fill_null("")
        )
        .select(list(schema))
        .cast(schema)
        .sort("cluster_id")
    )


def state_domain_list(seed_domains=()) -> list[str]:
    """The bundled state-media and government domains with ``seed_domains``, sorted."""
    domains = set(state_media_domains().get_column("domain").to_list())
    return sorted(domains | {str(d).lower().removeprefix("www.") for d in seed_domains})


def background_links(background: tuple[pl.DataFrame, int], domains) -> tuple[int, int]:
    """Links (post-domain pairs of own posts) of the background and how many of them go
    to ``domains``, from :func:`narrative_background` counts (hashtag keys left out)."""
    uses, _ = background
    links = uses.filter(~pl.col("key").str.starts_with("#"))
    total = int(links.get_column("len").sum() or 0)
    state = int(links.filter(pl.col("key").is_in(sorted(domains))).get_column("len").sum() or 0)
    return total, state


def cluster_source_diversity(
    posts: pl.DataFrame,
    clusters: pl.DataFrame,
    *,
    background: tuple[pl.DataFrame, int],
    seed_domains=(),
) -> pl.DataFrame:
    """How many outlets each cluster links to, and whether state sources get more than
    their share of the background's links.

    An aggregator relays state media as one outlet among many, about in proportion to
    what everyone links to; an aligned cluster links to state sources far beyond that
    share, or only to them. Links are the distinct link domains of own posts (not
    reposts), counted as by :func:`narrative_keys`, both for the cluster and for the
    background (own posts of accounts in no cluster and not state accounts).

    With ``L`` links of the cluster, ``S`` of them to state domains, and the background's
    state share ``b = (S_bg + 0.5) / (L_bg + 1)``:

    - ``state_link_share = S / L``, ``state_lift = (S / L) / b``;
    - ``state_link_p``: one-sided binomial p-value of at least ``S`` state links in ``L``
      at rate ``b``;
    - ``state_alignment = min(1, excess / 0.5)`` with ``excess = max(0, p' - b) / (1 - b)``
      and ``p' = (S + 10 b) / (L + 10)`` (the cluster's share shrunk towards the
      background by ten pseudo-links, so that three links cannot make a verdict): 0 for
      links in proportion to the background, 1 when state sources take at least half of
      the room the background leaves them. Null (no discount) with fewer than 5 links
      or no background links.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts; the posts of the clusters' members are enough.
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (-1 = none).
    background : (polars.DataFrame, int)
        :func:`narrative_background` of all posts.
    seed_domains : sequence of str
        Extra state domains.

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``n_links``, ``state_links``, ``outlets`` (distinct domains),
        ``state_outlets``, ``state_link_share``, ``background_links``,
        ``background_state_share``, ``state_lift``, ``state_link_p``, ``state_alignment``.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> outlets = ["rt.com", "bbc.co.uk", "cnn.com", "lemonde.fr"]
    >>> urls = [[f"https://{outlets[i % 4]}/{i}"] for i in range(40)]
    >>> posts = pl.DataFrame({"post_id": [str(i) for i in range(40)],
    ...     "account_id": ["a", "b"] * 10 + ["o"] * 20, "timestamp": [t] * 40, "urls": urls})
    >>> clusters = pl.DataFrame({"account_id": ["a", "b", "o"], "cluster_id": [0, 0, -1]})
    >>> background = narrative_background(posts, {"a", "b"})
    >>> row = cluster_source_diversity(posts, clusters, background=background).row(0, named=True)
    >>> row["outlets"], row["state_link_share"], round(row["background_state_share"], 3)
    (4, 0.25, 0.262)
    >>> row["state_alignment"]
    0.0
    """
    schema = {
        "cluster_id": pl.Int64,
        "n_links": pl.Int64,
        "state_links": pl.Int64,
        "outlets": pl.Int64,
        "state_outlets": pl.Int64,
        "state_link_share": pl.Float64,
        "background_links": pl.Int64,
        "background_state_share": pl.Float64,
        "state_lift": pl.Float64,
        "state_link_p": pl.Float64,
        "state_alignment": pl.Float64,
    }
    domains = state_domain_list(seed_domains)
    members = clusters.filter(pl.col("cluster_id") >= 0)
    keys = narrative_keys(posts.join(members.select("account_id"), on="account_id", how="semi"))
    links = (
        keys.join(members, on="account_id", how="inner")
        .select("cluster_id", "key")
        .explode("key")
        .drop_nulls("key")
        .filter(~pl.col("key").str.starts_with("#"))
        .with_columns(pl.col("key").is_in(domains).alias("is_state"))
    )
    if links.height == 0:
        return pl.DataFrame(schema=schema)
    n_bg, state_bg = background_links(background, domains)
    share_bg = (state_bg + 0.5) / (n_bg + 1) if n_bg > 0 else None
    per = links.group_by("cluster_id").agg(
        pl.len().cast(pl.Int64).alias("n_links"),
        pl.col("is_state").sum().cast(pl.Int64).alias("state_links"),
        pl.col("key").n_unique().cast(pl.Int64).alias("outlets"),
        pl.col("key").filter(pl.col("is_state")).n_unique().cast(pl.Int64).alias("state_outlets"),
    )
    n = per.get_column("n_links").to_numpy()
    k = per.get_column("state_links").to_numpy()
    if share_bg is None:
        p_value = np.full(len(n), np.nan)
        alignment = np.full(len(n), np.nan)
    else:
        p_value = binom.sf(k - 1, n, share_bg)
        shrunk = (k + _PRIOR_LINKS * share_bg) / (n + _PRIOR_LINKS)
        excess = np.clip(shrunk - share_bg, 0, None) / (1 - share_bg)
        alignment = np.minimum(1.0, excess / _ALIGNMENT_SATURATION)
        alignment = np.where(n >= _MIN_LINKS, alignment, np.nan)
    share = pl.col("state_links") / pl.col("n_links")
    return (
        per.with_columns(
            share.alias("state_link_share"),
            pl.lit(n_bg, pl.Int64).alias("background_links"),
            pl.lit(share_bg, pl.Float64).alias("background_state_share"),
            (share / pl.lit(share_bg, pl.Float64)).alias("state_lift"),
            pl.Series("state_link_p", p_value, dtype=pl.Float64).fill_nan(None),
            pl.Series("state_alignment", alignment, dtype=pl.Float64).fill_nan(None),
        )
        .select(list(schema))
        .cast(schema)
        .sort("cluster_id")
    )


def state_expr() -> pl.Expr:
    """``state_link``: the state part of ``government_link`` (see the module docstring).

    Amplification counts with ``state_alignment`` (``account_amplification`` in full),
    the narrative with ``state_alignment``, the place mismatch with ``1 - commercial``;
    frames without these columns count them as 1, 1 and 0.
    """
    alignment = pl.min_horizontal(pl.lit(1.0), pl.col("^state_alignment$").fill_null(1.0))
    accounts = pl.max_horizontal(pl.lit(0.0), pl.col("^account_amplification$").fill_null(0.0))
    amplification = pl.max_horizontal(accounts, pl.col("amplification").fill_null(0.0) * alignment)
    amplification = (amplification / _SATURATION).clip(upper_bound=1.0)
    narrative = (pl.col("narrative").fill_null(0.0) * alignment / _SATURATION).clip(upper_bound=1.0)
    # ``place_mismatch`` when the parts have it (frames of the earlier parts do not): a
    # selector matching no column adds nothing to the maximum
    place = pl.max_horizontal(pl.lit(0.0), pl.col("^place_mismatch$").fill_null(0.0).clip(0.0, 1.0))
    place = place * (1 - _commercial())
    return (1 - (1 - amplification) * (1 - narrative) * (1 - place)).alias("state_link")


def _commercial() -> pl.Expr:
    return pl.max_horizontal(pl.lit(0.0), pl.col("^commercial$").fill_null(0.0).clip(0.0, 1.0))


def behaviour_expr() -> pl.Expr:
    """``behaviour``: weighted mean of schedule, holiday and creation excess over the
    known parts, times ``1 - commercial``."""
    weighted = [pl.col(c).fill_null(0.0) * w for c, w in _BEHAVIOUR_WEIGHTS.items()]
    known = [pl.col(c).is_not_null().cast(pl.Float64) * w for c, w in _BEHAVIOUR_WEIGHTS.items()]
    total = pl.sum_horizontal(known)
    behaviour = pl.when(total > 0).then(pl.sum_horizontal(weighted) / total).otherwise(0.0)
    return (behaviour * (1 - _commercial())).alias("behaviour")


def government_link_expr() -> pl.Expr:
    """``government_link`` from the columns of its parts (see the module docstring).

    Examples
    --------
    >>> import polars as pl
    >>> parts = pl.DataFrame({"amplification": [0.0, 0.6], "narrative": [None, 0.5],
    ...     "schedule": [1.0, 0.9], "holiday": [1.0, None], "creation_excess": [1.0, 1.0]})
    >>> parts.select(government_link_expr().round(3))["government_link"].to_list()
    [0.45, 0.97]
    >>> parts.with_columns(place_mismatch=pl.lit(0.8)).select(
    ...     government_link_expr().round(3))["government_link"].to_list()
    [0.89, 0.97]
    >>> parts.with_columns(commercial=pl.lit(1.0), state_alignment=pl.lit(0.1)).select(
    ...     government_link_expr().round(3))["government_link"].to_list()
    [0.0, 0.183]
    """
    return (_STATE_WEIGHT * state_expr() + (1 - _STATE_WEIGHT) * behaviour_expr()).alias(
        "government_link"
    )
