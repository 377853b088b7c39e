"""Government link of a cluster (first part: amplification of state-media domains).

``government_link`` here is the share of the cluster's posts that link to a domain of the
bundled state-media reference list (:func:`cib_detect.datasets.state_media_domains`) or
to a user-supplied domain, or that repost an account the platform labels as state media
or government. Work schedule, holiday and creation-burst signals come with the scoring
issue; until then this is the whole ``government_link``.
"""

from __future__ import annotations

import polars as pl

from cib_detect import normalize
from cib_detect.datasets import state_media_domains

__all__ = ["cluster_state_amplification"]


def cluster_state_amplification(
    posts: pl.DataFrame,
    clusters: pl.DataFrame,
    accounts: pl.DataFrame | None = None,
    *,
    seed_domains=(),
) -> pl.DataFrame:
    """Share of each cluster's posts that amplify state sources.

    Returns ``cluster_id``, ``n_posts``, ``state_posts`` and ``government_link``; and
    ``state_domains`` (the amplified domains, most posts first).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({"post_id": ["1", "2"], "account_id": ["a", "b"],
    ...     "timestamp": [t, t], "urls": [["https://rt.com/news/1"], ["https://example.org"]]})
    >>> clusters = pl.DataFrame({"account_id": ["a", "b"], "cluster_id": [0, 0]})
    >>> result = cluster_state_amplification(posts, clusters)
    >>> result.select("government_link", "state_domains").row(0)
    (0.5, 'rt.com')
    """
    domains = set(state_media_domains().get_column("domain").to_list()) | {
        d.lower() for d in seed_domains
    }
    members = clusters.filter(pl.col("cluster_id") >= 0)
    frame = posts.join(members, on="account_id", how="inner")
    if "urls" in frame.columns:
        urls = pl.col("urls")
    elif "text" in frame.columns:
        urls = normalize.extract_urls(pl.col("text"))
    else:
        urls = pl.lit(None, dtype=pl.List(pl.String))
    linked = frame.select("post_id", "cluster_id", urls.alias("url")).explode("url")
    linked = linked.filter(pl.col("url").is_not_null()).with_columns(
        normalize.registered_domain(normalize.canonical_url(pl.col("url"))).alias("domain")
    )
    state_links = linked.filter(pl.col("domain").is_in(list(domains)))
    state_post_ids = state_links.select("post_id", "cluster_id")
    if accounts is not None and "label" in accounts.columns and "repost_of" in frame.columns:
        labelled = accounts.filter(
            pl.col("label").str.to_lowercase().str.contains("state|government")
        ).get_column("account_id")
        author = posts.select(
            pl.col("post_id").alias("repost_of"), pl.col("account_id").alias("author")
        )
        reposts = frame.join(author, on="repost_of", how="inner").filter(
            pl.col("author").is_in(labelled.implode())
        )
        state_post_ids = pl.concat([state_post_ids, reposts.select("post_id", "cluster_id")])
    counts = frame.group_by("cluster_id").agg(pl.len().cast(pl.Int64).alias("n_posts"))
    state = (
        state_post_ids.unique()
        .group_by("cluster_id")
        .agg(pl.len().cast(pl.Int64).alias("state_posts"))
    )
    top_domains = (
        state_links.group_by("cluster_id", "domain")
        .len()
        .sort("len", "domain", descending=[True, False])
        .group_by("cluster_id", maintain_order=True)
        .agg(pl.col("domain").head(5).str.join(", ").alias("state_domains"))
    )
    return (
        counts.join(state, on="cluster_id", how="left")
        .join(top_domains, on="cluster_id", how="left")
        .with_columns(
            pl.col("state_posts").fill_null(0),
            pl.col("state_domains").fill_null(""),
            (pl.col("state_posts").fill_null(0) / pl.col("n_posts")).alias("government_link"),
        )
        .sort("cluster_id")
    )
