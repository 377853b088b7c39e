"""Crowds versus storms: which one-burst clusters are operations.

A cluster that did nearly all its co-actions within one stretch of hours (``burst_share``
above ``max_burst_share``, :mod:`cib_detect.score.bursts`) is either a crowd reacting to a
live event (synchronous, not coordinated) or a storm: a hashtag storm pushed to trending,
a reply raid, an operation that acts in one afternoon. Four signals tell them apart:

* **keys per pair**: a crowd reacts to one or few event keys (the match's hashtag, the
  official's post); a storm pushes many hashtags, replies and reposts, and each pair of
  its accounts co-acts on several of them (the median, over the evidence pairs, of the
  distinct keys a pair co-acted on: ``storm_keys_per_pair``).
* **copied texts**: crowds write their own words; a storm posts near-identical slogans
  (the share of the cluster's linked pairs with a ``co_text`` or ``co_similar_text``
  co-action: ``storm_copied_text``).
* **woken accounts**: a storm's accounts are created days before it or wake up from weeks
  of silence together (the share of members created, or silent, in the
  :data:`WOKEN_DAYS` before the burst: ``storm_woken``).
* **outside use**: a crowd follows a popular key that many accounts outside the cluster
  react to at the same time; a storm's keys are used mostly by the cluster itself (of the
  posts carrying the members' hashtags, repost and reply targets inside the burst, the
  share written by other accounts, averaged over the members' uses: ``storm_outside``).

A one-burst cluster is a storm when its pairs co-act on many keys (at least
:data:`MIN_KEYS_PER_PAIR`, the structural condition: the same accounts acting together
again and again) *and* at least :data:`MIN_STORM_SIGNALS` of the three other signals say
so; each of those alone has a crowd explanation (a chant is a near-identical text, a
small community's event has a hashtag nobody else uses, a trending event brings new
accounts), together they do not. A signal that cannot be measured (no text column, no
``created_at`` and fewer than :data:`WOKEN_DAYS` of posts before the burst, no posts)
does not count for the storm.

Pairwise tests are weak inside a burst: every key of the burst is busy, so the null
model expects the storm's co-actions on each key, and only some of its pairs pass the
false discovery rate. :func:`grow_bursts` adds to a one-burst cluster, before it is
judged, the accounts linked (by any tested pair, significant or not) to most of its
members, more than their own number of links makes likely: the signals are measured on
the whole group (its unclustered members are not "outside" accounts), and a storm comes
in whole, a crowd goes out whole.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = [
    "MIN_KEYS_PER_PAIR",
    "MIN_STORM_SIGNALS",
    "WOKEN_DAYS",
    "KeyBackground",
    "burst_windows",
    "grow_bursts",
    "storm_signals",
]

#: A storm's pairs co-act on at least this many distinct keys (median over pairs).
MIN_KEYS_PER_PAIR = 5
#: Of copied texts, woken accounts and keys of its own, a storm shows at least this many.
MIN_STORM_SIGNALS = 2
#: Copied texts: at least this share of the linked pairs share a near-identical text.
MIN_COPIED_TEXT = 0.3
#: Woken accounts: at least this share created or silent in the days before the burst.
MIN_WOKEN = 0.5
#: Keys of its own: at most this share of the posts on its keys from outside accounts
#: (a planted key is used by the operation first; a crowd is larger than its linked part).
MAX_OUTSIDE = 0.2
#: Days before the burst in which an account counts as created (young) or silent (dormant).
WOKEN_DAYS = 14
#: Links to at least this share of a storm's members make an account one of them.
MIN_LINKED_SHARE = 0.5

_DAY_US = 86_400_000_000
_TEXT_TRACES = ("co_text", "co_similar_text")
#: Columns whose values are the keys a crowd reacts to (hashtags, repost/reply targets).
_KEY_COLUMNS = ("hashtags", "repost_of", "reply_to")

SIGNALS_SCHEMA = {
    "cluster_id": pl.Int64,
    "storm": pl.Boolean,
    "n_accounts": pl.Int64,
    "n_keys": pl.Int64,
    "span_hours": pl.Float64,
    "storm_keys_per_pair": pl.Float64,
    "storm_copied_text": pl.Float64,
    "storm_woken": pl.Float64,
    "storm_young": pl.Float64,
    "storm_outside": pl.Float64,
    "burst_evidence": pl.String,
}


def coaction_times(evidence: pl.DataFrame):
    """``(cluster_id, times)`` of every cluster in the evidence: the sorted times (epoch
    microseconds) of its co-actions, each at its earlier post; rows without times skipped."""
    events = (
        evidence.select(
            "cluster_id",
            pl.min_horizontal("timestamp_a", "timestamp_b").dt.epoch("us").alias("t"),
        )
        .drop_nulls()
        .sort("cluster_id", "t")
    )
    for (cluster,), group in events.group_by("cluster_id", maintain_order=True):
        yield cluster, group.get_column("t").to_numpy()


def burst_windows(evidence: pl.DataFrame, burst_us: int) -> pl.DataFrame:
    """Every cluster's busiest stretch of ``burst_us``: ``cluster_id``, ``burst_from``,
    ``burst_to`` (its first co-action, plus ``burst_us``) and ``span_hours`` (first to
    last co-action inside it)."""
    schema = {
        "cluster_id": pl.Int64,
        "burst_from": pl.Int64,
        "burst_to": pl.Int64,
        "span_hours": pl.Float64,
    }
    if evidence.height == 0:
        return pl.DataFrame(schema=schema)
    rows = []
    for cluster, t in coaction_times(evidence):
        last = np.searchsorted(t, t + burst_us, side="right") - 1
        best = int(np.argmax(last - np.arange(len(t))))
        span = (t[last[best]] - t[best]) / 3.6e9
        rows.append((cluster, int(t[best]), int(t[best]) + burst_us, float(span)))
    return pl.DataFrame(rows, schema=schema, orient="row")


class KeyBackground:
    """Posts per key inside each burst window, counted where the posts are.

    Called on a posts frame (lazy or not) it counts, for every window (``cluster_id``,
    ``burst_from``, ``burst_to`` in microseconds), the posts carrying each hashtag
    (lowercased, ``#tag``), repost target (``repost:id``) and reply target
    (``reply:id``) inside it, and the earliest timestamp of the posts; :meth:`merge` adds
    the counts of parts up (a posts source runs it streamed or per Dask partition).
    """

    def __init__(self, windows: pl.DataFrame) -> None:
        self.windows = windows.select("cluster_id", "burst_from", "burst_to")

    def __call__(self, posts) -> tuple[pl.DataFrame, int | None]:
        lazy = posts.lazy()
        columns = lazy.collect_schema().names()
        first = lazy.select(pl.col("timestamp").min().dt.epoch("us")).collect().item()
        keyed = post_keys(lazy, columns)
        counts = (
            keyed.join(self.windows.lazy(), how="cross")
            .filter((pl.col("t") >= pl.col("burst_from")) & (pl.col("t") < pl.col("burst_to")))
            .group_by("cluster_id", "key")
            .agg(pl.len().cast(pl.Int64).alias("n_posts"))
            .collect()
        )
        return counts, first

    @staticmethod
    def merge(parts):
        """The counts of several parts of the posts, added up."""
        counts = (
            pl.concat([c for c, _ in parts])
            .group_by("cluster_id", "key")
            .agg(pl.col("n_posts").sum())
        )
        firsts = [f for _, f in parts if f is not None]
        return counts, min(firsts) if firsts else None


def post_keys(posts, columns) -> pl.LazyFrame:
    """``account_id``, ``t`` (epoch microseconds) and ``key`` of every key a post carries:
    its hashtags (``#tag``, lowercased), repost target (``repost:id``), reply target
    (``reply:id``)."""
    lazy = posts.lazy()
    base = [pl.col("account_id"), pl.col("timestamp").dt.epoch("us").alias("t")]
    parts = []
    if "hashtags" in columns:
        parts.append(
            lazy.select(*base, pl.col("hashtags").alias("key"))
            .explode("key")
            .filter(pl.col("key").is_not_null())
            .select("account_id", "t", ("#" + pl.col("key").str.to_lowercase()).alias("key"))
        )
    for column, prefix in (("repost_of", "repost:"), ("reply_to", "reply:")):
        if column in columns:
            parts.append(
                lazy.select(*base, (prefix + pl.col(column)).alias("key")).filter(
                    pl.col("key").is_not_null()
                )
            )
    if not parts:
        return pl.LazyFrame(schema={"account_id": pl.String, "t": pl.Int64, "key": pl.String})
    return pl.concat(parts)


def storm_signals(
    cluster_ids,
    clusters: pl.DataFrame,
    evidence: pl.DataFrame,
    windows: pl.DataFrame,
    *,
    edges: pl.DataFrame | None = None,
    posts: pl.DataFrame | None = None,
    background: tuple[pl.DataFrame, int | None] | None = None,
    accounts: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The four signals of every one-burst cluster of ``cluster_ids``, its verdict
    (``storm``) and the text that explains it (``burst_evidence``).

    Parameters
    ----------
    cluster_ids : sequence of int
        The one-burst clusters.
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id``.
    evidence : polars.DataFrame
        The evidence of :func:`cib_detect.detect` (``trace``, ``account_a``,
        ``account_b``, ``key``, ``timestamp_a``, ``timestamp_b``, ``cluster_id``).
    windows : polars.DataFrame
        :func:`burst_windows` of the evidence.
    edges : polars.DataFrame, optional
        Tested account pairs with per-trace ``{trace}_n_keys`` (the fused edges): the
        copied texts are read from them, else from the evidence's traces.
    posts : polars.DataFrame, optional
        Posts of (at least) the clusters' members: ``account_id``, ``timestamp`` and the
        key columns (``hashtags``, ``repost_of``, ``reply_to``).
    background : (polars.DataFrame, int), optional
        :class:`KeyBackground` of all posts; by default counted from ``posts`` (which
        must then be all posts).
    accounts : polars.DataFrame, optional
        Accounts with ``created_at``.

    Returns
    -------
    polars.DataFrame
        One row per cluster, columns of :data:`SIGNALS_SCHEMA`.
    """
    ids = sorted(int(c) for c in cluster_ids)
    if not ids:
        return pl.DataFrame(schema=SIGNALS_SCHEMA)
    wanted = pl.Series(ids, dtype=pl.Int64).implode()
    members = clusters.filter(pl.col("cluster_id").is_in(wanted)).select(
        "account_id", pl.col("cluster_id").cast(pl.Int64)
    )
    windows = windows.filter(pl.col("cluster_id").is_in(wanted))
    frame = (
        pl.DataFrame({"cluster_id": ids}, schema={"cluster_id": pl.Int64})
        .join(
            members.group_by("cluster_id").agg(pl.len().cast(pl.Int64).alias("n_accounts")),
            on="cluster_id",
            how="left",
        )
        .join(windows, on="cluster_id", how="left")
        .join(_keys_per_pair(evidence, wanted), on="cluster_id", how="left")
        .join(_copied_text(evidence, members, edges, wanted), on="cluster_id", how="left")
    )
    woken = _woken(members, windows, posts, background, accounts)
    outside = _outside(members, windows, posts, background)
    frame = frame.join(woken, on="cluster_id", how="left").join(
        outside, on="cluster_id", how="left"
    )
    votes = (
        (pl.col("storm_copied_text") >= MIN_COPIED_TEXT).fill_null(False).cast(pl.Int32)
        + (pl.col("storm_woken") >= MIN_WOKEN).fill_null(False).cast(pl.Int32)
        + (pl.col("storm_outside") <= MAX_OUTSIDE).fill_null(False).cast(pl.Int32)
    )
    frame = frame.with_columns(
        storm=((pl.col("storm_keys_per_pair") >= MIN_KEYS_PER_PAIR).fill_null(False))
        & (votes >= MIN_STORM_SIGNALS)
    )
    texts = [_explain(row) for row in frame.iter_rows(named=True)]
    return frame.with_columns(burst_evidence=pl.Series(texts, dtype=pl.String)).select(
        [pl.col(c).cast(t) for c, t in SIGNALS_SCHEMA.items()]
    )


def _keys_per_pair(evidence: pl.DataFrame, wanted) -> pl.DataFrame:
    """Distinct keys of each cluster and the median of the distinct keys per pair."""
    rows = evidence.filter(pl.col("cluster_id").is_in(wanted))
    if rows.height == 0:
        return pl.DataFrame(
            schema={"cluster_id": pl.Int64, "n_keys": pl.Int64, "storm_keys_per_pair": pl.Float64}
        )
    keyed = rows.select(
        pl.col("cluster_id").cast(pl.Int64),
        "account_a",
        "account_b",
        pl.col("trace") + ":" + pl.col("key"),
    )
    per_pair = keyed.group_by("cluster_id", "account_a", "account_b").agg(
        pl.col("trace").n_unique().alias("k")
    )
    return (
        per_pair.group_by("cluster_id")
        .agg(pl.col("k").median().alias("storm_keys_per_pair"))
        .join(
            keyed.group_by("cluster_id").agg(pl.col("trace").n_unique().alias("n_keys")),
            on="cluster_id",
        )
        .select(
            "cluster_id",
            pl.col("n_keys").cast(pl.Int64),
            pl.col("storm_keys_per_pair").cast(pl.Float64),
        )
    )


def _copied_text(evidence, members, edges, wanted) -> pl.DataFrame:
    """Share of each cluster's linked pairs that shared a near-identical text."""
    schema = {"cluster_id": pl.Int64, "storm_copied_text": pl.Float64}
    columns = (
        []
        if edges is None
        else [f"{t}_n_keys" for t in _TEXT_TRACES if f"{t}_n_keys" in edges.columns]
    )
    if edges is not None and "account_a" in edges.columns:
        a = members.rename({"account_id": "account_a", "cluster_id": "cluster_a"})
        b = members.rename({"account_id": "account_b", "cluster_id": "cluster_b"})
        inside = (
            edges.join(a, on="account_a")
            .join(b, on="account_b")
            .filter(pl.col("cluster_a") == pl.col("cluster_b"))
        )
        if inside.height:
            if not columns:
                copied = pl.lit(False)
            else:
                copied = pl.any_horizontal([pl.col(c).fill_null(0) > 0 for c in columns])
            return (
                inside.group_by(pl.col("cluster_a").alias("cluster_id"))
                .agg(copied.mean().alias("storm_copied_text"))
                .cast(schema)
            )
    rows = evidence.filter(pl.col("cluster_id").is_in(wanted))
    if rows.height == 0:
        return pl.DataFrame(schema=schema)
    return (
        rows.group_by(pl.col("cluster_id").cast(pl.Int64), "account_a", "account_b")
        .agg(pl.col("trace").is_in(list(_TEXT_TRACES)).any().alias("copied"))
        .group_by("cluster_id")
        .agg(pl.col("copied").mean().alias("storm_copied_text"))
        .cast(schema)
    )


def _woken(members, windows, posts, background, accounts) -> pl.DataFrame:
    """Share of each cluster's members created (young) or silent (dormant) in the
    :data:`WOKEN_DAYS` before its burst, among the members whose state is known."""
    schema = {"cluster_id": pl.Int64, "storm_woken": pl.Float64, "storm_young": pl.Float64}
    before = WOKEN_DAYS * _DAY_US
    state = members.join(windows.select("cluster_id", "burst_from"), on="cluster_id")
    young = pl.lit(None, dtype=pl.Boolean)
    if accounts is not None and "created_at" in accounts.columns:
        created = accounts.select(
            "account_id", pl.col("created_at").dt.epoch("us").alias("created")
        ).unique("account_id")
        state = state.join(created, on="account_id", how="left")
        young = pl.col("created") >= pl.col("burst_from") - before
    dormant = pl.lit(None, dtype=pl.Boolean)
    if posts is not None:
        first = background[1] if background is not None else None
        if first is None and posts.height:
            first = posts.select(pl.col("timestamp").min().dt.epoch("us")).item()
        last = (
            posts.select("account_id", pl.col("timestamp").dt.epoch("us").alias("t"))
            .join(state.select("account_id", "burst_from"), on="account_id")
            .filter(pl.col("t") < pl.col("burst_from"))
            .group_by("account_id")
            .agg(pl.col("t").max().alias("last_before"))
        )
        state = state.join(last, on="account_id", how="left").with_columns(
            pl.lit(first, dtype=pl.Int64).alias("first_post")
        )
        silent = pl.col("last_before").is_null() | (
            pl.col("last_before") < pl.col("burst_from") - before
        )
        # silence counts only when the posts reach back that far before the burst
        covered = pl.col("first_post") <= pl.col("burst_from") - before
        dormant = pl.when(covered).then(silent).otherwise(pl.lit(None, dtype=pl.Boolean))
    state = state.with_columns(young=young, dormant=dormant)
    woken = (
        pl.when(pl.col("young").fill_null(False) | pl.col("dormant").fill_null(False))
        .then(True)
        .when(pl.col("young").is_null() & pl.col("dormant").is_null())
        .then(None)
        .otherwise(False)
    )
    return (
        state.with_columns(woken=woken)
        .group_by("cluster_id")
        .agg(
            pl.col("woken").cast(pl.Float64).mean().alias("storm_woken"),
            pl.col("young").cast(pl.Float64).mean().alias("storm_young"),
        )
        .cast(schema)
    )


def _outside(members, windows, posts, background) -> pl.DataFrame:
    """Share of the posts on each cluster's keys inside its burst that other accounts
    wrote, averaged over the members' uses of the keys."""
    schema = {"cluster_id": pl.Int64, "storm_outside": pl.Float64}
    if posts is None:
        return pl.DataFrame(schema=schema)
    if background is None:
        background = KeyBackground(windows)(posts)
    counts = background[0]
    mine = (
        post_keys(posts, posts.columns)
        .join(members.lazy(), on="account_id")
        .join(windows.lazy(), on="cluster_id")
        .filter((pl.col("t") >= pl.col("burst_from")) & (pl.col("t") < pl.col("burst_to")))
        .group_by("cluster_id", "key")
        .agg(pl.len().cast(pl.Int64).alias("n_mine"))
        .collect()
    )
    if mine.height == 0:
        return pl.DataFrame(schema=schema)
    return (
        mine.join(counts.cast({"cluster_id": pl.Int64}), on=["cluster_id", "key"], how="left")
        .with_columns(
            share=(1 - pl.col("n_mine") / pl.max_horizontal("n_posts", "n_mine")).clip(0, 1)
        )
        .group_by("cluster_id")
        .agg(
            ((pl.col("share") * pl.col("n_mine")).sum() / pl.col("n_mine").sum()).alias(
                "storm_outside"
            )
        )
        .cast(schema)
    )


def _share(value) -> str:
    return "unknown" if value is None else f"{value:.0%}"


def _explain(row: dict) -> str:
    """The text that explains a one-burst cluster's verdict."""
    kind = "one-afternoon storm" if row["storm"] else "crowd at one event"
    text = (
        f"{kind}: {row['n_accounts']} accounts co-acted on {row['n_keys'] or 0} keys within "
        f"{row['span_hours'] or 0:.1f} h (median {row['storm_keys_per_pair'] or 0:g} keys "
        f"per pair)"
    )
    parts = []
    if row["storm_copied_text"] is not None:
        parts.append(f"{row['storm_copied_text']:.0%} of linked pairs shared near-identical texts")
    if row["storm_woken"] is not None:
        young = "" if row["storm_young"] is None else f" ({row['storm_young']:.0%} created)"
        parts.append(
            f"{row['storm_woken']:.0%} created or silent in the {WOKEN_DAYS} days before{young}"
        )
    if row["storm_outside"] is not None:
        parts.append(
            f"{row['storm_outside']:.0%} of the posts on its keys in the burst by outside accounts"
        )
    return "; ".join([text, *parts])


def grow_bursts(
    clusters: pl.DataFrame,
    edges: pl.DataFrame | None,
    burst_ids,
    *,
    alpha: float = 0.05,
    min_cluster_size: int = 3,
    rounds: int = 20,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add to each one-burst cluster the accounts linked to most of its members.

    ``edges`` are every tested pair (significant or not). For an account ``x`` with
    ``d`` tested pairs among ``n`` accounts with one, and a cluster of ``m`` members of
    which ``k`` are paired with ``x``, ``P(Binomial(m, d / (n - 1)) >= k)`` is how likely
    chance puts that many of its links in the cluster; ``x`` joins when
    ``k >= MIN_LINKED_SHARE * m``, ``k >= min_cluster_size`` and the Benjamini-Hochberg
    q-value over the candidates is at most ``alpha``.

    Candidates are the accounts in no cluster and the members of smaller one-burst
    clusters: a storm split into pieces by the community detection comes together. A
    cluster that members leave takes no one in that round (its size is changing), and a
    piece left with fewer than ``min_cluster_size`` members is dissolved. Rounds repeat
    with the grown clusters until none grows (at most ``rounds``). Returns the clusters
    and the accounts that joined (``account_id``, ``cluster_id``: the cluster joined).

    Examples
    --------
    >>> members = [f"m{i}" for i in range(6)]
    >>> clusters = pl.DataFrame({"account_id": members + ["x", "y"],
    ...                          "cluster_id": [0] * 6 + [-1, -1]})
    >>> pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1:]]
    >>> pairs += [("x", m) for m in members[:4]] + [("y", "m0")]
    >>> edges = pl.DataFrame(pairs, schema=["account_a", "account_b"], orient="row")
    >>> grown, joined = grow_bursts(clusters, edges, [0])
    >>> grown.columns, joined.columns
    (['account_id', 'cluster_id'], ['account_id', 'cluster_id'])
    """
    from scipy import stats

    from cib_detect.graph.significance import bh_qvalues

    bursts = pl.Series([int(c) for c in burst_ids], dtype=pl.Int64).implode()
    joined = pl.DataFrame(schema={"account_id": pl.String, "cluster_id": pl.Int64})
    if len(burst_ids) == 0 or edges is None or edges.height == 0:
        return clusters, joined
    dtype = clusters.schema["cluster_id"]
    pairs = edges.select("account_a", "account_b")
    both = pl.concat([pairs, pairs.select(account_a="account_b", account_b="account_a")])
    degree = both.group_by("account_a").agg(pl.len().alias("d"))
    n = max(degree.height, 2)
    for _ in range(rounds):
        labels = clusters.select("account_id", pl.col("cluster_id").cast(pl.Int64))
        size = (
            labels.filter(pl.col("cluster_id").is_in(bursts))
            .group_by("cluster_id")
            .agg(pl.len().alias("m"))
        )
        candidates = (
            labels.filter((pl.col("cluster_id") < 0) | pl.col("cluster_id").is_in(bursts))
            .join(size.rename({"m": "own_m"}), on="cluster_id", how="left")
            .select(
                pl.col("account_id").alias("account_a"),
                pl.col("cluster_id").alias("own"),
                pl.col("own_m").fill_null(0),
            )
        )
        links = (
            both.join(candidates, on="account_a")
            .join(labels.rename({"account_id": "account_b"}), on="account_b")
            .join(size, on="cluster_id")
            .filter((pl.col("cluster_id") != pl.col("own")) & (pl.col("m") > pl.col("own_m")))
            .group_by("account_a", "cluster_id")
            .agg(pl.len().alias("k"), pl.col("m").first())
            .join(degree, on="account_a")
        )
        if links.height == 0:
            break
        k = links.get_column("k").to_numpy()
        m = links.get_column("m").to_numpy()
        p0 = np.minimum(links.get_column("d").to_numpy() / (n - 1), 1.0)
        links = links.with_columns(q=pl.Series(bh_qvalues(stats.binom.sf(k - 1, m, p0))))
        joins = (
            links.filter(
                (pl.col("q") <= alpha)
                & (pl.col("k") >= MIN_LINKED_SHARE * pl.col("m"))
                & (pl.col("k") >= min_cluster_size)
            )
            .sort("q", "k", "cluster_id", descending=[False, True, False])
            .unique("account_a", keep="first", maintain_order=True)
            .join(candidates.select("account_a", "own"), on="account_a")
        )
        # a cluster that members leave takes no one this round (its size is changing)
        leaving = joins.filter(pl.col("own") >= 0).get_column("own").unique().implode()
        joins = joins.filter(~pl.col("cluster_id").is_in(leaving)).select(
            pl.col("account_a").alias("account_id"), "cluster_id"
        )
        if joins.height == 0:
            break
        moved = joins.get_column("account_id").implode()
        joined = pl.concat([joined.filter(~pl.col("account_id").is_in(moved)), joins])
        clusters = clusters.join(
            joins.rename({"cluster_id": "joined"}), on="account_id", how="left"
        )
        clusters = _dissolve_small(
            clusters.with_columns(
                pl.coalesce("joined", "cluster_id").cast(dtype).alias("cluster_id")
            ).drop("joined"),
            bursts,
            min_cluster_size,
        )
    joined = joined.join(clusters, on=["account_id", "cluster_id"], how="semi")
    return clusters, joined


def _dissolve_small(clusters: pl.DataFrame, bursts, min_cluster_size: int) -> pl.DataFrame:
    """The one-burst clusters left with fewer than ``min_cluster_size`` members, undone."""
    small = (
        clusters.filter(pl.col("cluster_id").is_in(bursts))
        .group_by("cluster_id")
        .agg(pl.len().alias("m"))
        .filter(pl.col("m") < min_cluster_size)
        .get_column("cluster_id")
    )
    if len(small) == 0:
        return clusters
    return clusters.with_columns(
        pl.when(pl.col("cluster_id").is_in(small.implode()))
        .then(-1)
        .otherwise(pl.col("cluster_id"))
        .cast(clusters.schema["cluster_id"])
        .alias("cluster_id")
    )
