"""The scores of every cluster and account put together, with their readable evidence.

``score = coordination * government_link * undisclosed`` (``docs/scores.md``); each
part is computed in its own module of :mod:`cib_detect.score`.
"""

from __future__ import annotations

import polars as pl

from cib_detect.score.creation import cluster_creation_burst
from cib_detect.score.disclosure import account_disclosure
from cib_detect.score.government import (
    cluster_narrative,
    cluster_state_amplification,
    government_link_expr,
)
from cib_detect.score.place import cluster_place_consistency
from cib_detect.score.schedule import cluster_schedule

__all__ = [
    "GOVERNMENT_COLUMNS",
    "account_scores",
    "cluster_scores",
    "evidence_text",
    "government_parts",
]

#: Parts of ``government_link``, kept as columns of both score tables.
GOVERNMENT_COLUMNS = (
    "amplification",
    "narrative",
    "schedule",
    "holiday",
    "creation_burst",
    "place_mismatch",
)
DETAIL_COLUMNS = (
    "n_edges",
    "significance",
    "synchrony",
    "duplication",
    "breadth",
    "density",
    "traces",
    "n_posts",
    "state_posts",
    "state_domains",
    "state_accounts",
    "narrative_jaccard",
    "narrative_keys",
    "utc_offset",
    "workweek",
    "office_share",
    "lunch_dip",
    "active_days",
    "holiday_country",
    "holiday_silence",
    "quiet_dates",
    "schedule_text",
    "creation_excess",
    "n_dated",
    "burst_size",
    "burst_start",
    "burst_end",
    "n_disclosed",
    "n_placed",
    "n_elsewhere",
    "claimed_elsewhere",
    "elsewhere_countries",
    "place_text",
)


def cluster_scores(coordination, government, disclosure, evidence) -> pl.DataFrame:
    """One row per cluster: the three scores, their parts, ``score`` and evidence text.

    ``score = coordination * government_link * undisclosed``: each factor is necessary
    for an undisclosed government operation (a botnet has no government link, a
    labelled outlet is disclosed, a crowd is not coordinated).
    """
    scores = (
        coordination.join(government, on="cluster_id", how="left")
        .join(disclosure, on="cluster_id", how="left")
        .with_columns(
            pl.col("amplification").fill_null(0.0),
            pl.col("undisclosed").fill_null(1.0),
            pl.col("n_posts", "state_posts", "n_disclosed").fill_null(0),
            pl.col("state_domains", "state_accounts").fill_null(""),
        )
        .with_columns(_place_defaults(government.columns))
        .with_columns(government_link_expr())
        .with_columns(
            (pl.col("coordination") * pl.col("government_link") * pl.col("undisclosed")).alias(
                "score"
            )
        )
    )
    scores = scores.join(example_lines(evidence), on="cluster_id", how="left")
    return (
        scores.with_columns(evidence_text().alias("evidence"))
        .select(
            "cluster_id",
            "size",
            "coordination",
            "government_link",
            "undisclosed",
            "score",
            "evidence",
            *GOVERNMENT_COLUMNS,
            *DETAIL_COLUMNS,
        )
        .sort("score", "cluster_id", descending=[True, False])
    )


def _place_defaults(columns) -> list[pl.Expr]:
    """The place columns, null (unknown), when the government parts lack them."""
    dtypes = {
        "place_mismatch": pl.Float64,
        "n_placed": pl.Int64,
        "n_elsewhere": pl.Int64,
        "claimed_elsewhere": pl.Float64,
        "elsewhere_countries": pl.String,
        "place_text": pl.String,
    }
    return [pl.lit(None, dtype).alias(c) for c, dtype in dtypes.items() if c not in columns]


def evidence_text() -> pl.Expr:
    """Readable lines: summary, state sources, narrative, schedule, place, creation,
    example."""

    def line(condition: pl.Expr, text: pl.Expr) -> pl.Expr:
        return pl.when(condition).then(text).otherwise(pl.lit(None, pl.String))

    summary = pl.format(
        "{} accounts, {} significant links on {}; synchrony {}; {} of {} accounts disclosed",
        pl.col("size"),
        pl.col("n_edges"),
        pl.col("traces"),
        pl.col("synchrony").round(2),
        pl.col("n_disclosed"),
        pl.col("size"),
    )
    sources = pl.concat_str(
        [
            pl.when(pl.col("state_domains") != "")
            .then(pl.format("domains {}", pl.col("state_domains")))
            .otherwise(None),
            pl.when(pl.col("state_accounts") != "")
            .then(pl.format("state accounts {}", pl.col("state_accounts")))
            .otherwise(None),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    state = line(
        pl.col("state_posts") > 0,
        pl.format(
            "state sources: {} of {} posts ({}%) amplify {}",
            pl.col("state_posts"),
            pl.col("n_posts"),
            (pl.col("amplification") * 100).round(0).cast(pl.Int64),
            sources,
        ),
    )
    narrative = line(
        pl.col("narrative").fill_null(0) > 0,
        pl.format(
            "narrative: {}% of own posts use state accounts' keys ({})",
            (pl.col("narrative") * 100).round(0).cast(pl.Int64),
            pl.col("narrative_keys"),
        ),
    )
    schedule = line(
        pl.col("schedule_text").is_not_null(),
        pl.format("schedule: {}", pl.col("schedule_text")),
    )
    place = line(pl.col("place_text").is_not_null(), pl.format("place: {}", pl.col("place_text")))
    creation = line(
        pl.col("burst_size").fill_null(0) >= 2,
        pl.format(
            "creation: {} of {} accounts created {} to {}",
            pl.col("burst_size"),
            pl.col("n_dated"),
            pl.col("burst_start").dt.strftime("%Y-%m-%d"),
            pl.col("burst_end").dt.strftime("%Y-%m-%d"),
        ),
    )
    return pl.concat_str(
        [summary, state, narrative, schedule, place, creation, pl.col("example")],
        separator="\n",
        ignore_nulls=True,
    )


def example_lines(evidence: pl.DataFrame) -> pl.DataFrame:
    """One readable example co-action per cluster (the closest in time)."""
    if evidence.height == 0:
        return pl.DataFrame(schema={"cluster_id": pl.Int64, "example": pl.String})
    closest = evidence.sort("dt", "timestamp_a").group_by("cluster_id", maintain_order=True).first()
    return closest.select(
        "cluster_id",
        pl.format(
            'e.g. {} and {} ({}): posts {} and {} on "{}" {} s apart at {}',
            pl.col("account_a"),
            pl.col("account_b"),
            pl.col("trace"),
            pl.col("post_a"),
            pl.col("post_b"),
            pl.col("key").str.slice(0, 60),
            pl.col("dt").round(1),
            pl.col("timestamp_a").dt.strftime("%Y-%m-%d %H:%M:%S UTC"),
        ).alias("example"),
    )


def account_scores(kept, clusters, cluster_scores, accounts=None) -> pl.DataFrame:
    """Per account: its cluster's coordination and government link, its own disclosure.

    ``score = coordination * government_link * undisclosed`` with ``undisclosed`` 0 for
    an account that is labelled or declares an affiliation, else 1; 0 outside clusters.
    """
    ends = pl.concat(
        [
            kept.select(pl.col("account_a").alias("account_id"), "weight"),
            kept.select(pl.col("account_b").alias("account_id"), "weight"),
        ]
    )
    strength = ends.group_by("account_id").agg(
        pl.len().cast(pl.Int64).alias("degree"), pl.col("weight").sum().alias("strength")
    )
    parts = cluster_scores.select(
        "cluster_id",
        "coordination",
        "government_link",
        pl.col("score").alias("cluster_score"),
        *GOVERNMENT_COLUMNS,
    )
    in_cluster = pl.col("cluster_id") >= 0
    return (
        clusters.join(parts, on="cluster_id", how="left")
        .join(account_disclosure(accounts), on="account_id", how="left")
        .join(strength, on="account_id", how="left")
        .with_columns(
            pl.col("disclosed").fill_null(False),
            pl.col("coordination", "government_link", "cluster_score").fill_null(0.0),
            pl.col("degree").fill_null(0),
            pl.col("strength").fill_null(0.0),
        )
        .with_columns(
            pl.when(in_cluster)
            .then(1.0 - pl.col("disclosed").cast(pl.Float64))
            .otherwise(None)
            .alias("undisclosed")
        )
        .with_columns(
            (pl.col("coordination") * pl.col("government_link") * pl.col("undisclosed"))
            .fill_null(0.0)
            .alias("score")
        )
        .select(
            "account_id",
            "cluster_id",
            "score",
            "coordination",
            "government_link",
            "undisclosed",
            "cluster_score",
            "disclosed",
            "degree",
            "strength",
            *GOVERNMENT_COLUMNS,
        )
        .sort("score", "strength", "account_id", descending=[True, True, False])
    )


def government_parts(
    posts: pl.DataFrame,
    clusters: pl.DataFrame,
    accounts: pl.DataFrame | None,
    *,
    seed_domains,
    seed_accounts,
    background,
) -> pl.DataFrame:
    """Per cluster, every part of ``government_link`` and the figures behind them:
    amplification of state sources, narrative overlap, schedule and holidays, the
    clock against claimed places, bursts of account creation."""
    schedule = cluster_schedule(posts, clusters)
    return (
        cluster_state_amplification(
            posts, clusters, accounts, seed_domains=seed_domains, seed_accounts=seed_accounts
        )
        .join(
            cluster_narrative(
                posts, clusters, accounts, seed_accounts=seed_accounts, background=background
            ),
            on="cluster_id",
            how="left",
        )
        .join(schedule, on="cluster_id", how="left")
        .join(
            cluster_place_consistency(posts, clusters, accounts, schedule),
            on="cluster_id",
            how="left",
        )
        .join(cluster_creation_burst(clusters, accounts), on="cluster_id", how="left")
    )
