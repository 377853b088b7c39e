"""Disclosed automation: accounts that say they are bots, and posts a scheduler wrote.

A news aggregator bot is coordinated with its siblings (they relay the same feeds within
seconds), relays state media among other outlets and posts round the clock or on fixed
cadences; unlike a state operation it says what it is. Three things are read:

- **Declaration** (:data:`AUTOMATION_PATTERN`): the profile ``description`` or a name
  column (``name``, ``display_name``, ``screen_name``, ``username``, ``user_name``,
  ``user_display_name``, ``user_screen_name``) says the account is a bot, automated, an
  RSS or news feed, auto-posted, not monitored; in English, Chinese, Russian, Arabic,
  Persian, Spanish, French and Turkish. Negations ("not a bot", "не бот", "no soy un
  bot", "pas un bot", "bot değilim", "لست بوت", "ربات نیستم", "不是机器人") are removed
  first. ``NewsBot`` and ``rss_feed_bot`` count; ``robotics`` and ``abbot`` do not.
- **Platform automation label**: ``label`` reading "Automated" or "Automated by @..."
  (the label X shows on declared bots), or a column ``automated`` / ``is_automated``
  (true) / ``automated_label`` / ``automation_label`` (non-empty). Such a label says an
  account is a bot, not who runs it; it names the operator when it reads "Automated by
  @x", and when ``@x`` is a state account that is a declared state affiliation
  (:func:`cib_detect.score.disclosure.disclosed_expr`).
- **Scheduler signature** from the posts of accounts with at least 10 posts: a fixed
  cadence is either a low coefficient of variation of the gaps between posts
  (``gap_cv <= 0.2``: every 17 minutes from whenever it started) or posting times
  that keep one phase of a period ``P`` of 5, 10, 15, 20, 30 min, 1, 2, 3, 4, 6, 12 h
  or one day (a scheduler firing at :00, :15, :30, :45, skipping slots or not): with
  ``R`` the length of the mean of ``exp(2 pi i t / P)`` over the account's post times,
  the circular spread ``P / (2 pi) * sqrt(-2 ln R)`` is at most ``min(120 s, P / 8)``.
  Scheduler jitter is seconds; people posting in office hours, or always around lunch,
  spread over an hour or more, so a daily rhythm is not a scheduler. For random times
  ``R`` is about ``1 / sqrt(n)``: at ``P`` = 5 min (the loosest, ``R >= 0.73``) ten
  random posts pass about 0.5 % of the time (Rayleigh test).
  With a client column (``client``, ``source``, ``source_app``, ``app``, ``via``,
  ``tweet_client_name``), an account posting 90 % or more through one automation
  client (IFTTT, dlvr.it, Zapier, Buffer, Hootsuite, twitterfeed, an RSS or bot client
  ...) is scheduled too. ``scheduled`` is the share of such accounts among the timed ones.

The scheduler signature is evidence, never disclosure: a state operation can schedule
its posts too. Only a declaration or a label discloses; how a declared automation
combines with the state affiliation in ``undisclosed`` is in ``docs/scores.md``.
"""

from __future__ import annotations

import math

import polars as pl

from cib_detect.score.disclosure import AUTOMATION_LABEL_PATTERN, disclosed_expr

__all__ = [
    "AUTOMATION_PATTERN",
    "account_automation",
    "automation_label_expr",
    "cluster_automation",
    "declared_automation_expr",
]

_DECLARED = {
    "en": (
        r"(?:\b|_)bots?(?:\b|_)|[a-z0-9](?-i:Bot)s?\b|\bautomated\b|\bautomatic(ally)? "
        r"(post|posted|generated|shared|updated|tweet)|\bauto[- ]?(post|posted|posting|posts"
        r"|tweet|tweets|tweeted|generated|publish|published|shared|feed)\b|\brss\b"
        r"|\b(news|headline|headlines|auto|atom) ?feeds?\b|\bfeed ?bot\b|\bnot monitored\b"
        r"|\bunmonitored\b|\bno one reads (replies|dms)|\brun by a (script|program|bot)\b"
        r"|\bpowered by (ifttt|dlvr\.?it|zapier|rss)\b"
    ),
    "zh": (
        r"机器人|機器人|自动发布|自動發布|自动发帖|自動發帖|自动推送|自動推送|自动转发|自動轉發"
        r"|自动更新|自動更新|程序自动|程式自動|无人值守|無人值守|无人管理|無人管理|订阅源|訂閱源"
    ),
    "ru": (
        r"\bбот\b|автоматическ\w* (публикац|постинг|рассылк|лент|аккаунт|новост)|автопостинг"
        r"|автопубликац|не модерируется|не отслеживается|\brss[- ]?лента"
    ),
    "ar": (
        r"\bبوت\b|حساب آلي|نشر تلقائي|تغريدات تلقائية|ينشر تلقائي|يتم النشر تلقائي"
        r"|لا تتم مراقبة|غير مراقب"
    ),
    "fa": r"ربات|انتشار خودکار|ارسال خودکار|حساب خودکار|به صورت خودکار|نظارت نمی\u200cشود",
    "es": (
        r"\bautomatizad[oa]s?\b|cuenta autom[aá]tica|publicaci[oó]n autom[aá]tica"
        r"|publicad[oa]s? autom[aá]ticamente|publica autom[aá]ticamente"
        r"|no (es )?(monitoread|supervisad)[oa]"
    ),
    "fr": (
        r"\bautomatis[ée]e?s?\b|compte automatique|publication automatique"
        r"|publi[ée]e?s? automatiquement|non surveill[ée]|flux rss"
    ),
    "tr": (
        r"otomatik (payla[şs][ıi]m|hesap|g[öo]nderi|yay[ıi]n|haber)|otomatik olarak"
        r"|takip edilmemektedir|izlenmiyor"
    ),
}

#: Self-declared automation in a profile or name (case-insensitive regex).
AUTOMATION_PATTERN = "(?i)" + "|".join(f"(?:{p})" for p in _DECLARED.values())

_NEGATED = (
    r"(?i)\b(not|no|never|isn'?t|ain'?t|definitely not|human,? not)\s+(an?\s+)?"
    r"(bot|robot|automated)s?\b"
    r"|не\s+бот|no\s+soy\s+(un\s+)?bot|pas\s+(un\s+)?(bot|robot)|bot\s+de[ğg]il\w*"
    r"|لست\s+بوت|مش\s+بوت|ربات\s+نیستم|不是机器人|不是機器人"
)

_NAME_COLUMNS = (
    "description",
    "name",
    "display_name",
    "screen_name",
    "username",
    "user_name",
    "user_display_name",
    "user_screen_name",
)
_FLAG_COLUMNS = ("automated", "is_automated")
_LABEL_COLUMNS = ("automated_label", "automation_label")
_CLIENT_COLUMNS = ("client", "source", "source_app", "app", "via", "tweet_client_name")
_AUTOMATION_CLIENTS = (
    r"(?i)ifttt|dlvr\.?it|zapier|buffer|hootsuite|twitterfeed|\brss\b|feed|\bbots?\b"
    r"|integromat|make\.com|socialflow|sprout ?social|publer|sendible|socialoomph"
    r"|botize|crowdfire|later\.com|zoho social|echobox|trueanthem|social ?bee|postcron"
)

#: Periods (seconds) tried for the phase of a scheduler.
PERIODS = (300, 600, 900, 1200, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400)
MIN_TIMED_POSTS = 10
MAX_GAP_CV = 0.2
MAX_JITTER = 120.0
MIN_CLIENT_SHARE = 0.9

_EMPTY = {
    "cluster_id": pl.Int64,
    "n_declared_bot": pl.Int64,
    "n_automation_label": pl.Int64,
    "n_automated": pl.Int64,
    "n_automated_only": pl.Int64,
    "n_timed": pl.Int64,
    "n_scheduled": pl.Int64,
    "scheduled": pl.Float64,
    "cadence": pl.String,
    "client": pl.String,
    "client_share": pl.Float64,
}


def declared_automation_expr(columns) -> pl.Expr:
    """True where a profile or a name declares automation (``declared_bot``).

    Examples
    --------
    >>> import polars as pl
    >>> accounts = pl.DataFrame({"description": ["Automated headlines from 14 outlets",
    ...     "新闻自动推送", "Not a bot, just a mum", "Robotics engineer"],
    ...     "name": ["Headlines", "", "Ann", "Bo"]})
    >>> accounts.select(declared_automation_expr(accounts.columns))["declared_bot"].to_list()
    [True, True, False, False]
    """
    found = pl.lit(False)
    for column in _NAME_COLUMNS:
        if column in columns:
            text = pl.col(column).cast(pl.String).fill_null("").str.replace_all(_NEGATED, " ")
            found = found | text.str.contains(AUTOMATION_PATTERN)
    return found.alias("declared_bot")


def automation_label_expr(columns) -> pl.Expr:
    """True where the platform labels an account automated (``automation_label``).

    Examples
    --------
    >>> import polars as pl
    >>> accounts = pl.DataFrame({"label": ["Automated", "Automated by @newsdesk",
    ...     "China state-affiliated media", None]})
    >>> accounts.select(automation_label_expr(accounts.columns))["automation_label"].to_list()
    [True, True, False, False]
    """
    found = pl.lit(False)
    if "label" in columns:
        found = found | pl.col("label").cast(pl.String).fill_null("").str.contains(
            AUTOMATION_LABEL_PATTERN
        )
    for column in _FLAG_COLUMNS:
        if column in columns:
            value = pl.col(column).cast(pl.String).fill_null("").str.to_lowercase()
            found = found | value.is_in(["true", "1", "yes", "automated"])
    for column in _LABEL_COLUMNS:
        if column in columns:
            found = found | pl.col(column).cast(pl.String).fill_null("").str.strip_chars().ne("")
    return found.alias("automation_label")


def account_automation(accounts: pl.DataFrame | None, state_accounts=()) -> pl.DataFrame:
    """``account_id``, ``declared_bot``, ``automation_label``, ``automated`` (either) and
    ``affiliated`` (the account discloses an affiliation:
    :func:`cib_detect.score.disclosure.disclosed_expr`) of every account."""
    schema = {
        "account_id": pl.String,
        "declared_bot": pl.Boolean,
        "automation_label": pl.Boolean,
        "automated": pl.Boolean,
        "affiliated": pl.Boolean,
    }
    if accounts is None:
        return pl.DataFrame(schema=schema)
    columns = accounts.columns
    return (
        accounts.select(
            pl.col("account_id").cast(pl.String),
            declared_automation_expr(columns),
            automation_label_expr(columns),
            disclosed_expr(columns, state_accounts=state_accounts).alias("affiliated"),
        )
        .with_columns((pl.col("declared_bot") | pl.col("automation_label")).alias("automated"))
        .select(list(schema))
        .unique("account_id", keep="first", maintain_order=True)
    )


def account_cadence(posts: pl.DataFrame) -> pl.DataFrame:
    """Scheduler signature per account with at least :data:`MIN_TIMED_POSTS` posts:
    ``account_id``, ``n``, ``gap_cv``, ``median_gap`` (s), ``phase`` (best ``R``),
    ``period`` (s: the longest period whose phase the times keep, null if none),
    ``scheduled``.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2024, 1, 1, 0, 0, 7, tzinfo=timezone.utc)
    >>> minutes = [0, 15, 45, 60, 90, 150, 165, 195, 240, 300, 315]  # :00/:15/:30/:45
    >>> posts = pl.DataFrame({"account_id": ["a"] * 11,
    ...     "timestamp": [t + timedelta(minutes=m) for m in minutes]})
    >>> row = account_cadence(posts).row(0, named=True)
    >>> row["scheduled"], row["period"], round(row["phase"], 3)
    (True, 900, 1.0)
    """
    times = posts.select(
        pl.col("account_id"),
        (pl.col("timestamp").dt.epoch("us") // 1_000_000).cast(pl.Int64).alias("t"),
    ).drop_nulls()
    timed = times.group_by("account_id").agg(pl.len().alias("n"))
    timed = timed.filter(pl.col("n") >= MIN_TIMED_POSTS)
    times = times.join(timed.select("account_id"), on="account_id", how="semi")
    schema = {
        "account_id": pl.String,
        "n": pl.Int64,
        "gap_cv": pl.Float64,
        "median_gap": pl.Float64,
        "phase": pl.Float64,
        "period": pl.Int64,
        "scheduled": pl.Boolean,
    }
    if times.height == 0:
        return pl.DataFrame(schema=schema)
    gaps = (
        times.sort("account_id", "t")
        .with_columns(pl.col("t").diff().over("account_id").cast(pl.Float64).alias("gap"))
        .group_by("account_id")
        .agg(
            (pl.col("gap").std() / pl.col("gap").mean()).alias("gap_cv"),
            pl.col("gap").median().alias("median_gap"),
        )
    )
    phases = times.group_by("account_id").agg(
        *[
            (
                (2 * math.pi * (pl.col("t") % p) / p).cos().mean() ** 2
                + (2 * math.pi * (pl.col("t") % p) / p).sin().mean() ** 2
            )
            .sqrt()
            .alias(f"r{p}")
            for p in PERIODS
        ]
    )
    # circular standard deviation of the phase, in seconds, per period
    spread = {
        p: pl.lit(p / (2 * math.pi))
        * (-2 * pl.col(f"r{p}").clip(1e-12, 1.0).log()).clip(lower_bound=0.0).sqrt()
        for p in PERIODS
    }
    fits = {p: spread[p] <= min(MAX_JITTER, p / 8) for p in PERIODS}
    phases = phases.with_columns(
        pl.concat_list([pl.col(f"r{p}") for p in PERIODS]).list.max().alias("phase"),
        # the longest period the times keep: a :00 scheduler keeps 15 min too
        pl.concat_list([pl.when(fits[p]).then(pl.lit(p)).otherwise(None) for p in PERIODS])
        .list.drop_nulls()
        .list.max()
        .cast(pl.Int64)
        .alias("period"),
    )
    return (
        timed.join(gaps, on="account_id", how="left")
        .join(phases.select("account_id", "phase", "period"), on="account_id", how="left")
        .with_columns(
            (
                (pl.col("gap_cv").fill_nan(None).fill_null(9.0) <= MAX_GAP_CV)
                | pl.col("period").is_not_null()
            ).alias("scheduled")
        )
        .select(list(schema))
        .cast(schema)
    )


def _client_column(columns) -> str | None:
    return next((c for c in _CLIENT_COLUMNS if c in columns), None)


def account_clients(posts: pl.DataFrame) -> pl.DataFrame:
    """``account_id``, ``client`` (the account's most used client app), ``client_share``
    and ``automation_client`` (that client is an automation tool used for at least 90 %
    of its posts); empty without a client column."""
    column = _client_column(posts.columns)
    schema = {
        "account_id": pl.String,
        "client": pl.String,
        "client_share": pl.Float64,
        "automation_client": pl.Boolean,
    }
    if column is None:
        return pl.DataFrame(schema=schema)
    used = (
        posts.select("account_id", pl.col(column).cast(pl.String).alias("client"))
        .drop_nulls("client")
        .group_by("account_id", "client")
        .len()
        .with_columns((pl.col("len") / pl.col("len").sum().over("account_id")).alias("share"))
        .sort("len", "client", descending=[True, False])
        .group_by("account_id", maintain_order=True)
        .first()
    )
    return used.select(
        "account_id",
        "client",
        pl.col("share").alias("client_share"),
        (
            (pl.col("share") >= MIN_CLIENT_SHARE)
            & pl.col("client").str.contains(_AUTOMATION_CLIENTS)
        ).alias("automation_client"),
    ).cast(schema)


def _period_text(seconds: pl.Expr) -> pl.Expr:
    return (
        pl.when(seconds >= 86400)
        .then(pl.format("{} d", (seconds / 86400).round(1)))
        .when(seconds >= 3600)
        .then(pl.format("{} h", (seconds / 3600).round(1)))
        .otherwise(pl.format("{} min", (seconds / 60).round(0).cast(pl.Int64)))
    ).str.replace(r"\.0 ", " ")


def cluster_automation(
    posts: pl.DataFrame,
    clusters: pl.DataFrame,
    accounts: pl.DataFrame | None = None,
    *,
    state_accounts=(),
) -> pl.DataFrame:
    """Declared automation and scheduler signature of every cluster.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts (``timestamp``; a client column when present); the posts of the
        clusters' members are enough.
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (-1 = none).
    accounts : polars.DataFrame, optional
        Profiles (``description``, names, ``label``, automation columns).
    state_accounts : sequence of str
        State accounts: an "Automated by @x" label naming one is a state affiliation.

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``n_declared_bot`` (profile or name says so),
        ``n_automation_label`` (platform label), ``n_automated`` (either),
        ``n_automated_only`` (automated accounts that disclose no affiliation),
        ``n_timed`` (accounts with at least 10 posts), ``n_scheduled``, ``scheduled``
        (share of the timed, null without any), ``cadence`` (the most common period of
        the scheduled accounts, e.g. ``"15 min"``), ``client`` and ``client_share`` (the
        most used client app and its share of posts, null without a client column).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({"account_id": ["a"] * 12 + ["b"] * 12,
    ...     "timestamp": [t + timedelta(minutes=30 * i) for i in range(12)] * 2})
    >>> clusters = pl.DataFrame({"account_id": ["a", "b"], "cluster_id": [0, 0]})
    >>> accounts = pl.DataFrame({"account_id": ["a", "b"],
    ...     "description": ["RSS feed of world news", "Ordinary person"]})
    >>> cluster_automation(posts, clusters, accounts).select(
    ...     "n_automated", "n_scheduled", "cadence").row(0)
    (1, 2, '30 min')
    """
    members = clusters.filter(pl.col("cluster_id") >= 0).select(
        pl.col("account_id").cast(pl.String), "cluster_id"
    )
    if members.height == 0:
        return pl.DataFrame(schema=_EMPTY)
    mine = posts.join(members.select("account_id"), on="account_id", how="semi")
    flags = members.join(account_automation(accounts, state_accounts), on="account_id", how="left")
    flags = flags.with_columns(
        pl.col("declared_bot", "automation_label", "automated", "affiliated").fill_null(False)
    )
    cadence = account_cadence(mine)
    clients = account_clients(mine)
    timed = members.join(cadence, on="account_id", how="inner")
    if clients.height:
        timed = timed.join(clients, on="account_id", how="left").with_columns(
            (pl.col("scheduled") | pl.col("automation_client").fill_null(False)).alias("scheduled")
        )
    declared = flags.group_by("cluster_id").agg(
        pl.col("declared_bot").sum().cast(pl.Int64).alias("n_declared_bot"),
        pl.col("automation_label").sum().cast(pl.Int64).alias("n_automation_label"),
        pl.col("automated").sum().cast(pl.Int64).alias("n_automated"),
        (pl.col("automated") & ~pl.col("affiliated"))
        .sum()
        .cast(pl.Int64)
        .alias("n_automated_only"),
    )
    timing = timed.group_by("cluster_id").agg(
        pl.len().cast(pl.Int64).alias("n_timed"),
        pl.col("scheduled").sum().cast(pl.Int64).alias("n_scheduled"),
        pl.col("scheduled").mean().alias("scheduled"),
        _period_text(
            pl.when(pl.col("period").is_not_null())
            .then(pl.col("period").cast(pl.Float64))
            .otherwise(pl.col("median_gap"))
        )
        .filter(pl.col("scheduled"))
        .drop_nulls()
        .mode()
        .sort()
        .first()
        .alias("cadence"),
    )
    result = declared.join(timing, on="cluster_id", how="left").with_columns(
        pl.col("n_timed", "n_scheduled").fill_null(0)
    )
    if clients.height:
        used = (
            mine.join(members, on="account_id", how="inner")
            .select("cluster_id", pl.col(_client_column(mine.columns)).cast(pl.String))
            .rename({_client_column(mine.columns): "client"})
            .drop_nulls("client")
            .group_by("cluster_id", "client")
            .len()
            .with_columns(
                (pl.col("len") / pl.col("len").sum().over("cluster_id")).alias("client_share")
            )
            .sort("len", "client", descending=[True, False])
            .group_by("cluster_id", maintain_order=True)
            .first()
            .select("cluster_id", "client", "client_share")
        )
        result = result.join(used, on="cluster_id", how="left")
    else:
        result = result.with_columns(
            pl.lit(None, pl.String).alias("client"), pl.lit(None, pl.Float64).alias("client_share")
        )
    return result.select(list(_EMPTY)).cast(_EMPTY).sort("cluster_id")


def automation_text() -> pl.Expr:
    """The evidence line of the automation columns (null when nothing is automated):
    ``automation: 12 of 12 accounts declare automation (12 in profile or name, 3 labelled
    automated by the platform); 11 of 12 post on fixed cadences (every 15 min); client
    dlvr.it (100% of posts)``."""
    declared_parts = pl.concat_str(
        [
            pl.when(pl.col("n_declared_bot") > 0)
            .then(pl.format("{} in profile or name", pl.col("n_declared_bot")))
            .otherwise(None),
            pl.when(pl.col("n_automation_label") > 0)
            .then(pl.format("{} labelled automated by the platform", pl.col("n_automation_label")))
            .otherwise(None),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    declared = (
        pl.when(pl.col("n_automated") > 0)
        .then(
            pl.format(
                "{} of {} accounts declare automation ({})",
                pl.col("n_automated"),
                pl.col("size"),
                declared_parts,
            )
        )
        .otherwise(None)
    )
    scheduled = (
        pl.when(pl.col("n_scheduled") > 0)
        .then(
            pl.format(
                "{} of {} accounts with 10+ posts post on fixed cadences (every {})",
                pl.col("n_scheduled"),
                pl.col("n_timed"),
                pl.col("cadence").fill_null("?"),
            )
        )
        .otherwise(None)
    )
    client = (
        pl.when(pl.col("client").is_not_null() & (pl.col("client_share") >= 0.5))
        .then(
            pl.format(
                "client {} ({}% of posts)",
                pl.col("client"),
                (pl.col("client_share") * 100).round(0).cast(pl.Int64),
            )
        )
        .otherwise(None)
    )
    text = pl.concat_str([declared, scheduled, client], separator="; ", ignore_nulls=True)
    return pl.when(text != "").then(text).otherwise(None)
