"""Posting-schedule profiles: the ``activity_profile`` trace.

Every account's hour-of-week histogram (168 bins, UTC) and histogram of the gaps between
its consecutive posts (log-spaced bins); accounts with the same weekly rhythm and the same
cadence are neighbours, whenever they post. See ``docs/similarity_traces.md``.

Each pair gets a p-value: the rank of its similarity among the pairs of accounts of the
same activity levels that would have been selected too (``docs/temporal_null_models.md``).
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from cib_detect import _config
from cib_detect._params import check_choice, check_int, check_number
from cib_detect.errors import ParameterError
from cib_detect.kernels.top_k import dense_top_k, simhash_top_k
from cib_detect.traces.tables import EDGE_SCHEMA, EVIDENCE_SCHEMA

logger = logging.getLogger("cib_detect")

__all__ = [
    "PROFILE_EDGE_SCHEMA",
    "activity_profile",
    "activity_profile_evidence",
    "activity_profiles",
]

#: Columns of activity_profile edges.
PROFILE_EDGE_SCHEMA = {
    **EDGE_SCHEMA,
    "similarity": pl.Float64,
    "rank": pl.Int64,
    "expected_keys": pl.Float64,
    "p_value": pl.Float64,
}

HOURS_PER_WEEK = 168
#: Accounts with more profiles than this get approximate neighbours with method="auto".
MAX_EXACT_ACCOUNTS = 100_000
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Gaps between consecutive posts: one bin below 1 s, log-spaced bins from 1 s to 30 days,
# one bin above.
_SHORTEST_GAP_S = 1.0
_LONGEST_GAP_S = 30 * 86_400.0


def _hour_of_week(timestamp: pl.Expr) -> pl.Expr:
    """0 = Monday 00:00-01:00 UTC, ..., 167 = Sunday 23:00 (Int64: the Int8 parts overflow)."""
    weekday = timestamp.dt.weekday().cast(pl.Int64) - 1
    return weekday * 24 + timestamp.dt.hour().cast(pl.Int64)


def activity_profiles(
    posts: pl.DataFrame,
    *,
    min_posts: int = 20,
    interval_bins: int = 24,
    features: str = "both",
) -> tuple[pl.DataFrame, np.ndarray]:
    """Each account's posting profile as a unit vector.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts.
    min_posts : int, default 20
        Accounts with fewer posts get no profile.
    interval_bins : int, default 24
        Log-spaced bins of the gaps between consecutive posts from 1 s to 30 days, plus one
        bin below 1 s and one above 30 days.
    features : {"both", "hour_of_week", "intervals"}
        Which histograms make the profile. With both, each is scaled to unit length and
        the two weigh the same.

    Returns
    -------
    accounts : polars.DataFrame
        ``account_id`` and ``n_posts`` of the profiled accounts, sorted by id.
    profiles : float64 ndarray, shape (n_accounts, d)
        Unit rows: ``d`` = 168 hour-of-week bins (Monday 00:00 UTC first), then
        ``interval_bins + 2`` gap bins (as chosen by ``features``).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2024, 1, 1, 9, tzinfo=timezone.utc)  # a Monday
    >>> posts = pl.DataFrame({"post_id": ["1", "2"], "account_id": ["a", "a"],
    ...     "timestamp": [t0, t0 + timedelta(days=7)]})
    >>> accounts, profiles = activity_profiles(posts, min_posts=2, features="hour_of_week")
    >>> accounts.rows(), profiles.shape, float(profiles[0, 9])
    ([('a', 2)], (1, 168), 1.0)
    """
    edges_s = np.concatenate(
        [[0.0], np.geomspace(_SHORTEST_GAP_S, _LONGEST_GAP_S, interval_bins + 1)]
    )
    frame = (
        posts.lazy()
        .select("account_id", pl.col("timestamp").dt.epoch("us").alias("time"), "timestamp")
        .with_columns(pl.len().over("account_id").alias("n_posts"))
        .filter(pl.col("n_posts") >= min_posts)
        .sort("account_id", "time")
        .with_columns(
            _hour_of_week(pl.col("timestamp")).alias("how"),
            (pl.col("time").diff().over("account_id") / _config.MICROSECONDS).alias("gap"),
        )
        .collect()
    )
    accounts = frame.select("account_id", pl.col("n_posts").cast(pl.Int64)).unique(
        "account_id", maintain_order=True
    )
    n = len(accounts)
    row = (frame.get_column("account_id").rank("dense").cast(pl.Int64) - 1).to_numpy()
    parts = []
    if features in ("both", "hour_of_week"):
        how = np.zeros((n, HOURS_PER_WEEK))
        np.add.at(how, (row, frame.get_column("how").to_numpy()), 1.0)
        parts.append(how)
    if features in ("both", "intervals"):
        gaps = frame.get_column("gap").to_numpy()
        has_gap = ~np.isnan(gaps)
        gap_bin = np.searchsorted(edges_s, gaps[has_gap], side="right") - 1
        intervals = np.zeros((n, interval_bins + 2))
        np.add.at(intervals, (row[has_gap], gap_bin), 1.0)
        parts.append(intervals)
    for part in parts:
        norms = np.linalg.norm(part, axis=1, keepdims=True)
        np.divide(part, norms, out=part, where=norms > 0)
    profiles = np.hstack(parts) / np.sqrt(len(parts)) if n else np.zeros((0, 0))
    return accounts, np.ascontiguousarray(profiles)


#: Account pairs compared per pair of activity strata for the null distribution: all of
#: them up to this many, else this many drawn at random.
NULL_PAIRS = 200_000
# Activity strata: profiled accounts are grouped by posts, a factor of 2 per stratum.
_STRATUM_RATIO = 2.0
_NULL_CHUNK = 20_000


def _strata(n_posts: np.ndarray) -> np.ndarray:
    """Activity stratum of each account: ``floor(log2(n_posts / fewest))``."""
    if len(n_posts) == 0:
        return np.zeros(0, np.int64)
    ratio = n_posts / n_posts.min()
    return np.floor(np.log(ratio) / np.log(_STRATUM_RATIO) + 1e-9).astype(np.int64)


def _profile_null(profiles, n_posts, a, b, sim, threshold, *, n_samples: int, seed: int):
    """Each pair's similarity against the pairs of accounts of the same activity strata.

    Returns ``(tail, p_value)``: ``tail`` the share of those pairs at least as similar
    as the pair, ``p_value`` the same share among those that pass the pair's selection
    threshold, ``#{s' >= s} / #{s' >= threshold}``: the rank of the pair among the pairs
    that would have been selected too, uniform when it is exchangeable with them. Every
    pair of the strata is compared when there are at most ``n_samples`` of them (the
    pair itself is one); otherwise ``n_samples`` random pairs are, and both shares are
    ``(1 + count) / (1 + total)`` (a valid permutation p-value).
    """
    n_pairs = len(a)
    tail = np.ones(n_pairs)
    p_value = np.ones(n_pairs)
    if n_pairs == 0:
        return tail, p_value
    stratum = _strata(n_posts)
    members = [np.flatnonzero(stratum == k) for k in range(int(stratum.max()) + 1)]
    low = np.minimum(stratum[a], stratum[b])
    high = np.maximum(stratum[a], stratum[b])
    rng = np.random.default_rng(seed)
    for i, j in sorted(set(zip(low.tolist(), high.tolist(), strict=True))):
        left, right = members[i], members[j]
        n_all = len(left) * (len(left) - 1) // 2 if i == j else len(left) * len(right)
        sampled = n_all > n_samples
        if not sampled:  # every pair of the two strata
            if i == j:
                first, second = np.triu_indices(len(left), 1)
                x, y = left[first], left[second]
            else:
                x, y = np.repeat(left, len(right)), np.tile(right, len(left))
        else:
            x = left[rng.integers(0, len(left), n_samples)]
            y = right[rng.integers(0, len(right), n_samples)]
            x, y = x[x != y], y[x != y]
        null = np.concatenate(
            [np.zeros(0)]
            + [
                np.einsum(
                    "ij,ij->i", profiles[x[k : k + _NULL_CHUNK]], profiles[y[k : k + _NULL_CHUNK]]
                )
                for k in range(0, len(x), _NULL_CHUNK)
            ]
        )
        null.sort()
        here = np.flatnonzero((low == i) & (high == j))
        # a hair of tolerance: the pair's similarity from the neighbour search and from
        # the products here may differ in the last bits
        above_s = len(null) - np.searchsorted(null, sim[here] - 1e-9, side="left")
        above_t = len(null) - np.searchsorted(null, threshold[here] - 1e-9, side="left")
        extra = 1.0 if sampled else 0.0
        tail[here] = (extra + above_s) / (extra + max(len(null), 1))
        p_value[here] = np.minimum((extra + above_s) / np.maximum(extra + above_t, 1.0), 1.0)
    return tail, p_value


def activity_profile(
    posts: pl.DataFrame,
    *,
    window_us: int,
    min_weight: int = 1,
    max_key_posts: int | None = None,
    min_posts: int = 20,
    top_k: int = 10,
    min_similarity: float = 0.9,
    interval_bins: int = 24,
    features: str = "both",
    method: str = "auto",
    seed: int = 0,
) -> pl.DataFrame:
    """Accounts with the same posting schedule: nearest neighbours of activity profiles,
    with a p-value against the similarity of other account pairs.

    Called by :func:`cib_detect.co_action_edges` with ``trace="activity_profile"``; the
    options below are its trace options. ``window`` and ``max_key_posts`` are not used;
    ``min_weight`` must be 1 (profiles have no co-action counts).

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts (all of them, reposts included).
    window_us, max_key_posts
        Not used.
    min_weight : int
        Must be 1.
    min_posts : int, default 20
        Accounts with fewer posts get no profile (a handful of posts is no schedule).
    top_k : int, default 10
        Neighbours per account.
    min_similarity : float, default 0.9
        Neighbours below this cosine similarity are left out.
    interval_bins, features
        The profile, see :func:`activity_profiles`.
    method : {"auto", "exact", "approximate"}, default "auto"
        ``"exact"``: blocked float32 matrix products (``O(n**2 d)`` time, ``O(n)`` memory
        per block row). ``"approximate"``: SimHash sorting (:func:`~cib_detect.kernels.
        top_k.simhash_top_k`), ``O(n d)``. ``"auto"``: exact up to 100,000 profiles.
    seed : int, default 0
        Seed of the approximate method and of the null model's random pairs.

    Returns
    -------
    polars.DataFrame
        One row per unordered pair (``account_a < account_b``) in either's top ``top_k``,
        sorted, with the columns of :data:`~cib_detect.traces.tables.EDGE_SCHEMA`
        (``n_posts_a`` / ``n_posts_b`` each account's posts; ``n_coactions``, ``n_keys``,
        ``min_dt`` and ``mean_dt`` null), ``similarity`` (cosine of the profiles),
        ``rank`` (the pair's best rank in the two neighbour lists, 1 = nearest),
        ``expected_keys`` (the share of account pairs of the same activity levels at
        least as similar: the chance a random such pair looks as alike) and ``p_value``
        (that share among the pairs that would have been selected too, see Notes).

    Notes
    -----
    The null model (``docs/temporal_null_models.md``) is exchangeability: a pair of
    independent accounts is as similar as any pair of accounts of the same activity
    levels (strata of a factor 2 in posts: sparse profiles are noisier). Office workers
    of one time zone are alike by nature, so the reference is the similarity of the
    other pairs, not a model of posting times. A pair is selected when its similarity
    ``s`` is at least ``min_similarity`` and beats the ``top_k``-th best other partner of
    either account: given the other partners, when ``s >= t`` for the pair's threshold
    ``t = max(min_similarity, min(k-th best of a without b, k-th best of b without a))``.
    The p-value is conditional on that selection, ``#{pairs with s' >= s} / #{pairs with
    s' >= t}`` over the pairs of the same strata (all of them up to :data:`NULL_PAIRS`,
    else that many drawn at random, counts then plus one). It is calibrated whatever the
    data; its power is low: only a pair more alike than nearly every pair that passes
    the threshold stands out, and an office, a shift of workers or a campaign posting in
    office hours look the same.

    Examples
    --------
    >>> import numpy as np
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> hours = {"a": [9, 33, 57], "b": [9, 33, 57], "c": [20, 21, 100]}
    >>> rows = [(f"{u}{h}", u, t0 + timedelta(hours=h)) for u, hs in hours.items() for h in hs]
    >>> posts = pl.DataFrame(rows, schema=["post_id", "account_id", "timestamp"], orient="row")
    >>> edges = activity_profile(posts, window_us=0, min_posts=3, top_k=1)
    >>> edges.select("account_a", "account_b", "similarity", "rank", "p_value").rows()
    [('a', 'b', 1.0, 1, 1.0)]

    Forty accounts posting at random times and three bots posting at 09:00 and 15:00
    every day: the bots are more alike than nearly every pair.

    >>> rng = np.random.default_rng(0)
    >>> rows = [(f"u{u}-{i}", f"user{u:02d}", t0 + timedelta(seconds=int(s)))
    ...         for u in range(40) for i, s in enumerate(rng.integers(0, 28 * 86_400, 30))]
    >>> rows += [(f"b{u}-{d}-{h}", f"bot{u}", t0 + timedelta(days=d, hours=h))
    ...          for u in range(3) for d in range(14) for h in (9, 15)]
    >>> posts = pl.DataFrame(rows, schema=["post_id", "account_id", "timestamp"], orient="row")
    >>> edges = activity_profile(posts, window_us=0, min_similarity=0.5, top_k=3)
    >>> bots = edges.filter(pl.col("account_a").str.starts_with("bot"))
    >>> bots.select("account_a", "account_b", pl.col("p_value") < 0.05).rows()
    [('bot0', 'bot1', True), ('bot0', 'bot2', True), ('bot1', 'bot2', True)]
    """
    function = "co_action_edges"
    if min_weight != 1:
        raise ParameterError(
            f"trace 'activity_profile' compares whole profiles and has no co-action counts; "
            f"the 'min_weight' parameter of {function} must be 1 for it, got {min_weight!r} "
            f"(filter on 'similarity' or 'rank' instead)"
        )
    check_int(min_posts, name="min_posts", function=function, minimum=2)
    check_int(top_k, name="top_k", function=function, minimum=1)
    check_int(interval_bins, name="interval_bins", function=function, minimum=1)
    check_int(seed, name="seed", function=function, minimum=0)
    check_choice(
        features, ("both", "hour_of_week", "intervals"), name="features", function=function
    )
    check_choice(method, ("auto", "exact", "approximate"), name="method", function=function)
    min_similarity = check_number(
        min_similarity, name="min_similarity", function=function, low=-1, high=1
    )
    accounts, profiles = activity_profiles(
        posts, min_posts=min_posts, interval_bins=interval_bins, features=features
    )
    n = len(accounts)
    # one neighbour more than asked: the (k+1)-th tells what a pair had to beat
    if method == "approximate" or (method == "auto" and n > MAX_EXACT_ACCOUNTS):
        neighbours, sims = simhash_top_k(profiles, top_k + 1, min_similarity, seed=seed)
    else:
        neighbours, sims = dense_top_k(profiles, top_k + 1, min_similarity)
    sims = np.where(neighbours >= 0, sims, -np.inf)
    kth, next_best = sims[:, top_k - 1].copy(), sims[:, top_k].copy()
    neighbours, sims = neighbours[:, :top_k], sims[:, :top_k]
    a = np.repeat(np.arange(n, dtype=np.int64), top_k)
    b = neighbours.ravel()
    rank = np.tile(np.arange(1, top_k + 1, dtype=np.int64), n)
    found = b >= 0
    a, b, sim, rank = a[found], b[found], sims.ravel()[found], rank[found]
    low, high = np.minimum(a, b), np.maximum(a, b)
    n_posts = accounts.get_column("n_posts").to_numpy()
    pairs = (
        pl.DataFrame({"a": low, "b": high, "similarity": sim, "rank": rank, "from_a": a == low})
        .group_by("a", "b")
        .agg(
            pl.col("similarity").first(),
            pl.col("rank").min(),
            pl.col("from_a").any().alias("in_a"),
            (~pl.col("from_a")).any().alias("in_b"),
        )
        .sort("a", "b")
    )
    pa, pb = pairs.get_column("a").to_numpy(), pairs.get_column("b").to_numpy()
    # selection: s >= min_similarity and s beats a's k-th best other partner or b's; the
    # p-value is conditional on it (given the other partners)
    beat_a = np.where(pairs.get_column("in_a").to_numpy(), next_best[pa], kth[pa])
    beat_b = np.where(pairs.get_column("in_b").to_numpy(), next_best[pb], kth[pb])
    threshold = np.maximum(min_similarity, np.minimum(beat_a, beat_b))
    similarity = pairs.get_column("similarity").to_numpy()
    tail, p_value = _profile_null(
        profiles, n_posts, pa, pb, similarity, threshold, n_samples=NULL_PAIRS, seed=seed
    )
    ids = accounts.get_column("account_id")
    return pl.DataFrame(
        {
            "account_a": ids.gather(pa),
            "account_b": ids.gather(pb),
            "n_coactions": pl.Series([None] * len(pairs), dtype=pl.Int64),
            "n_keys": pl.Series([None] * len(pairs), dtype=pl.Int64),
            "n_posts_a": n_posts[pa],
            "n_posts_b": n_posts[pb],
            "min_dt": pl.Series([None] * len(pairs), dtype=pl.Float64),
            "mean_dt": pl.Series([None] * len(pairs), dtype=pl.Float64),
            "similarity": similarity,
            "rank": pairs.get_column("rank"),
            "expected_keys": tail,
            "p_value": p_value,
        },
        schema=PROFILE_EDGE_SCHEMA,
    )


def activity_profile_evidence(
    posts: pl.DataFrame,
    *,
    pairs: pl.DataFrame,
    window_us: int,
    max_key_posts: int | None = None,
    n_hours: int = 5,
    **options,
) -> pl.DataFrame:
    """The hours of the week that chosen ``activity_profile`` pairs share most.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts.
    pairs : polars.DataFrame
        ``account_a``, ``account_b`` with ``account_a < account_b``.
    window_us, max_key_posts, **options
        As in :func:`activity_profile` (not used here).
    n_hours : int, default 5
        Hours per pair, by ``min(share_a, share_b)``.

    Returns
    -------
    polars.DataFrame
        One row per pair and hour with the columns of
        :data:`~cib_detect.traces.tables.EVIDENCE_SCHEMA` (``key`` names the hour,
        e.g. ``"Mon 09:00 UTC"``; post, timestamp and ``dt`` columns are null) plus
        ``hour_of_week`` (0 = Monday 00:00 UTC), ``share_a`` and ``share_b`` (the share of
        each account's posts in that hour).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2024, 1, 1, 9, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({"post_id": ["1", "2", "3"], "account_id": ["a", "b", "b"],
    ...     "timestamp": [t0, t0 + timedelta(days=7), t0 + timedelta(hours=1)]})
    >>> wanted = pl.DataFrame({"account_a": ["a"], "account_b": ["b"]})
    >>> ev = activity_profile_evidence(posts, pairs=wanted, window_us=0)
    >>> ev.select("key", "share_a", "share_b").rows()
    [('Mon 09:00 UTC', 1.0, 0.5)]
    """
    shares = (
        posts.select(
            "account_id",
            _hour_of_week(pl.col("timestamp")).alias("hour_of_week"),
        )
        .group_by("account_id", "hour_of_week")
        .agg(pl.len().alias("n"))
        .with_columns((pl.col("n") / pl.col("n").sum().over("account_id")).alias("share"))
        .drop("n")
    )
    joined = (
        pairs.join(shares.rename({"account_id": "account_a", "share": "share_a"}), on="account_a")
        .join(
            shares.rename({"account_id": "account_b", "share": "share_b"}),
            on=["account_b", "hour_of_week"],
        )
        .sort(
            "account_a",
            "account_b",
            pl.min_horizontal("share_a", "share_b"),
            "hour_of_week",
            descending=[False, False, True, False],
        )
        .group_by("account_a", "account_b", maintain_order=True)
        .head(n_hours)
    )
    day = pl.col("hour_of_week") // 24
    hour = pl.col("hour_of_week") % 24
    day_names = dict(enumerate(_DAY_NAMES))
    key = pl.format(
        "{} {}:00 UTC",
        day.replace_strict(day_names, return_dtype=pl.String),
        hour.cast(pl.String).str.zfill(2),
    )
    return joined.select(
        "account_a",
        "account_b",
        pl.lit(None, pl.String).alias("post_a"),
        pl.lit(None, pl.String).alias("post_b"),
        key.alias("key"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("timestamp_a"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("timestamp_b"),
        pl.lit(None, pl.Float64).alias("dt"),
        "hour_of_week",
        "share_a",
        "share_b",
    ).cast(
        {**EVIDENCE_SCHEMA, "hour_of_week": pl.Int64, "share_a": pl.Float64, "share_b": pl.Float64}
    )
