"""The scores of every cluster and account put together, with their readable evidence.

``score = coordination * government_link * undisclosed`` (``docs/scores.md``); each
part is computed in its own module of :mod:`cib_detect.score`.
"""

from __future__ import annotations

import polars as pl

from cib_detect.score.automation import account_automation, automation_text, cluster_automation
from cib_detect.score.commercial import cluster_commercial
from cib_detect.score.creation import cluster_creation_burst
from cib_detect.score.government import (
    cluster_narrative,
    cluster_source_diversity,
    cluster_state_amplification,
    government_link_expr,
    narrative_background,
    state_account_ids,
    state_expr,
    with_link_keys,
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
    "state_alignment",
    "commercial",
    "state_link",
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
    "account_amplification",
    "n_links",
    "state_links",
    "outlets",
    "state_outlets",
    "state_link_share",
    "background_state_share",
    "state_lift",
    "state_link_p",
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
    "commercial_share",
    "commercial_posts",
    "commercial_domains",
    "commercial_tags",
    "commercial_text",
    "n_affiliated",
    "n_automated",
    "n_declared_bot",
    "n_automation_label",
    "n_scheduled",
    "n_timed",
    "scheduled",
    "cadence",
    "client",
    "client_share",
    "automation_disclosure",
    "verdict",
)


def cluster_scores(coordination, government, disclosure, evidence) -> pl.DataFrame:
    """One row per cluster: the three scores, their parts, ``score`` and evidence text.

    ``score = coordination * government_link * undisclosed``: each factor is necessary
    for an undisclosed government operation (a botnet has no government link, a
    labelled outlet is disclosed, a crowd is not coordinated).

    ``undisclosed`` counts an account that discloses an affiliation (label or profile)
    as disclosed, and one that only declares automation (profile, name or platform
    label) as disclosed by ``1 - state_link``: a declared bot says what it is, which is
    the whole truth when the cluster does what a relay does, and hides the sponsor as far
    as its tie to a state goes beyond that (``docs/scores.md``).
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
        .with_columns(_defaults(government.columns))
        .with_columns(
            pl.col("n_automated", "n_automated_only", "n_declared_bot", "n_automation_label")
            .fill_null(0)
            .cast(pl.Int64),
            pl.col("n_scheduled", "n_timed", "commercial_posts").fill_null(0).cast(pl.Int64),
            # the automation table reads state accounts' "Automated by @x" labels too
            pl.max_horizontal("n_disclosed", pl.col("n_affiliated").fill_null(0))
            .cast(pl.Int64)
            .alias("n_affiliated"),
        )
        .with_columns(government_link_expr(), state_expr())
        .with_columns(
            (pl.col("n_automated_only") * (1 - pl.col("state_link")) / pl.col("size")).alias(
                "automation_disclosure"
            ),
        )
        .with_columns(
            pl.col("n_affiliated").alias("n_disclosed"),
            (1 - pl.col("n_affiliated") / pl.col("size") - pl.col("automation_disclosure"))
            .clip(0.0, 1.0)
            .alias("undisclosed"),
        )
        .with_columns(
            (pl.col("coordination") * pl.col("government_link") * pl.col("undisclosed")).alias(
                "score"
            )
        )
    )
    scores = scores.join(example_lines(evidence), on="cluster_id", how="left")
    return (
        scores.with_columns(verdict_text().alias("verdict"))
        .with_columns(evidence_text().alias("evidence"))
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


#: Columns of the newer government parts, null (unknown) when the parts lack them.
_OPTIONAL = {
    "place_mismatch": pl.Float64,
    "n_placed": pl.Int64,
    "n_elsewhere": pl.Int64,
    "claimed_elsewhere": pl.Float64,
    "elsewhere_countries": pl.String,
    "place_text": pl.String,
    "account_amplification": pl.Float64,
    "n_links": pl.Int64,
    "state_links": pl.Int64,
    "outlets": pl.Int64,
    "state_outlets": pl.Int64,
    "state_link_share": pl.Float64,
    "background_state_share": pl.Float64,
    "state_lift": pl.Float64,
    "state_link_p": pl.Float64,
    "state_alignment": pl.Float64,
    "commercial": pl.Float64,
    "commercial_share": pl.Float64,
    "commercial_posts": pl.Int64,
    "commercial_domains": pl.String,
    "commercial_tags": pl.String,
    "commercial_text": pl.String,
    "n_affiliated": pl.Int64,
    "n_automated": pl.Int64,
    "n_automated_only": pl.Int64,
    "n_declared_bot": pl.Int64,
    "n_automation_label": pl.Int64,
    "n_scheduled": pl.Int64,
    "n_timed": pl.Int64,
    "scheduled": pl.Float64,
    "cadence": pl.String,
    "client": pl.String,
    "client_share": pl.Float64,
}


def _defaults(columns) -> list[pl.Expr]:
    """The optional columns, null, when the government parts lack them."""
    return [pl.lit(None, dtype).alias(c) for c, dtype in _OPTIONAL.items() if c not in columns]


def _line(condition: pl.Expr, text: pl.Expr) -> pl.Expr:
    return pl.when(condition).then(text).otherwise(pl.lit(None, pl.String))


def _pct(column: str | pl.Expr) -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    return (expr * 100).round(0).cast(pl.Int64)


#: A cluster whose ``state_link`` is below this has no tie to a state worth the name.
VERDICT_STATE = 0.3


def verdict_text() -> pl.Expr:
    """Why a cluster is *not* a state operation, where the scores say so: a declared
    automated relay, commercial promotion, state sources relayed in proportion; or, for
    a cluster still tied to a state, the look-alike it is not; and ``not hidden`` when
    half its accounts disclose an affiliation. Null when none applies."""
    weak = pl.col("state_link") < VERDICT_STATE
    relay = pl.col("n_automated") >= pl.col("size") / 2
    commercial = pl.col("commercial").fill_null(0.0) >= 0.5
    proportional = (pl.col("state_alignment").fill_null(1.0) < 0.3) & (pl.col("amplification") > 0)
    disclosed = pl.col("n_affiliated") >= pl.col("size") / 2
    reasons = pl.concat_str(
        [
            _line(
                relay & weak,
                pl.format(
                    "declared automated relay ({} of {} accounts say they are automated; "
                    "a declared bot is not hiding what it is)",
                    pl.col("n_automated"),
                    pl.col("size"),
                ),
            ),
            _line(
                commercial & weak,
                pl.format(
                    "commercial promotion ({}% of posts sell something; office hours and "
                    "creation bursts are what a marketing firm shows too)",
                    _pct("commercial_share"),
                ),
            ),
            _line(
                proportional & weak,
                pl.format(
                    "state sources relayed in proportion ({}% of its links, background "
                    "{}%, across {} outlets), as an aggregator does",
                    _pct("state_link_share"),
                    _pct("background_state_share"),
                    pl.col("outlets"),
                ),
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    not_state = pl.format("not a state operation: {}", reasons)
    hidden = _line(
        disclosed,
        pl.format(
            "not hidden: {} of {} accounts are labelled or declare their affiliation",
            pl.col("n_affiliated"),
            pl.col("size"),
        ),
    )
    # a cluster still tied to a state: say which look-alike it resembles but is not
    caveat = pl.concat_str(
        [
            _line(
                relay,
                pl.lit(
                    "it declares automation, but its tie to a state goes beyond a relay's: "
                    "the declaration does not name its sponsor"
                ),
            ),
            _line(
                commercial,
                pl.lit("it promotes products, but commerce does not explain its tie to a state"),
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    tied = pl.format("tied to a state: {}", caveat)
    found = pl.concat_str(
        [
            pl.when(reasons != "")
            .then(not_state)
            .when(~weak & (caveat != ""))
            .then(tied)
            .otherwise(pl.lit(None, pl.String)),
            hidden,
        ],
        separator="; ",
        ignore_nulls=True,
    )
    return pl.when(found != "").then(pl.format("verdict: {}", found)).otherwise(None)


def evidence_text() -> pl.Expr:
    """Readable lines: summary, verdict, state sources and their share against the
    background, narrative, schedule, place, creation, automation, commercial intent,
    example."""
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
    state = _line(
        pl.col("state_posts") > 0,
        pl.format(
            "state sources: {} of {} posts ({}%) amplify {}",
            pl.col("state_posts"),
            pl.col("n_posts"),
            _pct("amplification"),
            sources,
        ),
    )
    p_value = (
        pl.when(pl.col("state_link_p") < 1e-4)
        .then(pl.lit("p < 0.0001"))
        .otherwise(pl.format("p = {}", pl.col("state_link_p").round(4)))
    )
    alignment = (
        pl.when(pl.col("state_alignment").is_null())
        .then(pl.lit("too few links to compare"))
        .when(pl.col("state_alignment") < 0.3)
        .then(pl.lit("in proportion to the background"))
        .when(pl.col("state_alignment") < 1)
        .then(pl.lit("above their share"))
        .otherwise(pl.lit("far beyond their share"))
    )
    diversity = _line(
        pl.col("state_links").fill_null(0) > 0,
        pl.format(
            "outlets: relays {} outlets ({} state) in {} links; state media {}% of its "
            "links, background {}% (lift {}, {}): {}",
            pl.col("outlets"),
            pl.col("state_outlets"),
            pl.col("n_links"),
            _pct("state_link_share"),
            _pct(pl.col("background_state_share")).cast(pl.String).fill_null("?"),
            pl.col("state_lift").round(1).cast(pl.String).fill_null("?"),
            p_value.fill_null("binomial test impossible"),
            alignment,
        ),
    )
    narrative = _line(
        pl.col("narrative").fill_null(0) > 0,
        pl.format(
            "narrative: {}% of own posts use state accounts' keys ({})",
            _pct("narrative"),
            pl.col("narrative_keys"),
        ),
    )
    schedule = _line(
        pl.col("schedule_text").is_not_null(),
        pl.format("schedule: {}", pl.col("schedule_text")),
    )
    place = _line(pl.col("place_text").is_not_null(), pl.format("place: {}", pl.col("place_text")))
    creation = _line(
        pl.col("burst_size").fill_null(0) >= 2,
        pl.format(
            "creation: {} of {} accounts created {} to {}",
            pl.col("burst_size"),
            pl.col("n_dated"),
            pl.col("burst_start").dt.strftime("%Y-%m-%d"),
            pl.col("burst_end").dt.strftime("%Y-%m-%d"),
        ),
    )
    automation = automation_text()
    automation = _line(automation.is_not_null(), pl.format("automation: {}", automation))
    commercial = _line(
        pl.col("commercial_text").is_not_null() & (pl.col("commercial").fill_null(0) > 0),
        pl.format("commercial: {}", pl.col("commercial_text")),
    )
    return pl.concat_str(
        [
            summary,
            pl.col("verdict"),
            state,
            diversity,
            narrative,
            schedule,
            place,
            creation,
            automation,
            commercial,
            pl.col("example"),
        ],
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


def account_scores(
    kept, clusters, cluster_scores, accounts=None, *, state_accounts=()
) -> pl.DataFrame:
    """Per account: its cluster's coordination and government link, its own disclosure.

    ``score = coordination * government_link * undisclosed`` with ``undisclosed`` 0 for
    an account that is labelled or declares an affiliation, ``state_link`` (its
    cluster's) for one that only declares automation, else 1; 0 outside clusters.
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
    flags = account_automation(accounts, state_accounts).select(
        "account_id", pl.col("affiliated").alias("disclosed"), "automated"
    )
    return (
        clusters.join(parts, on="cluster_id", how="left")
        .join(flags, on="account_id", how="left")
        .join(strength, on="account_id", how="left")
        .with_columns(
            pl.col("disclosed", "automated").fill_null(False),
            pl.col("coordination", "government_link", "cluster_score").fill_null(0.0),
            pl.col("degree").fill_null(0),
            pl.col("strength").fill_null(0.0),
        )
        .with_columns(
            pl.when(in_cluster)
            .then(
                1.0
                - pl.max_horizontal(
                    pl.col("disclosed").cast(pl.Float64),
                    pl.col("automated").cast(pl.Float64)
                    * (1 - pl.col("state_link").fill_null(1.0)),
                )
            )
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
    amplification of state sources and their share against the background's links,
    narrative overlap, schedule and holidays, the clock against claimed places, bursts
    of account creation, commercial intent; and the automation the accounts declare or
    their posts show (for ``undisclosed`` and the evidence).

    ``background`` is :func:`~cib_detect.score.government.narrative_background` of all
    posts (members and state accounts excluded); None counts it from ``posts``, which
    must then be all posts."""
    state_ids = state_account_ids(accounts, seed_accounts)
    posts = with_link_keys(posts)
    if background is None:
        members = clusters.filter(pl.col("cluster_id") >= 0).get_column("account_id")
        background = narrative_background(posts, {*state_ids, *members.to_list()})
    schedule = cluster_schedule(posts, clusters)
    return (
        cluster_state_amplification(
            posts, clusters, accounts, seed_domains=seed_domains, seed_accounts=seed_accounts
        )
        .join(
            cluster_source_diversity(
                posts, clusters, background=background, seed_domains=seed_domains
            ),
            on="cluster_id",
            how="left",
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
        .join(cluster_commercial(posts, clusters), on="cluster_id", how="left")
        .join(
            _with_affiliated(
                cluster_automation(posts, clusters, accounts, state_accounts=state_ids),
                clusters,
                accounts,
                state_ids,
            ),
            on="cluster_id",
            how="left",
        )
    )


def _with_affiliated(automation: pl.DataFrame, clusters, accounts, state_ids) -> pl.DataFrame:
    """``n_affiliated``: accounts disclosing an affiliation, "Automated by @state" too."""
    flags = account_automation(accounts, state_ids)
    members = clusters.filter(pl.col("cluster_id") >= 0).select(
        pl.col("account_id").cast(pl.String), "cluster_id"
    )
    counts = (
        members.join(flags, on="account_id", how="left")
        .group_by("cluster_id")
        .agg(pl.col("affiliated").fill_null(False).sum().cast(pl.Int64).alias("n_affiliated"))
    )
    return automation.join(counts, on="cluster_id", how="full", coalesce=True)
