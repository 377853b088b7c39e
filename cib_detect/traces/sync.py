"""Synchronised activity: the ``sync_activity`` trace (Pacheco et al. 2021).

Accounts driven by one schedule look alike even when their content differs. Every account
is a vector over time bins (one minute by default), TF-IDF weighted so that bins in which
many accounts are active (a live event, prime time) count less; two accounts are similar
when they are active in the same rare bins ("Uncovering coordinated networks on social
media"). See ``docs/similarity_traces.md``.

Each pair gets a p-value: the number of hours in which the two share a minute, against
a null model in which every account keeps how many minutes it is active in each hour
but they fall where everybody else is active (``docs/temporal_null_models.md``).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

from cib_detect import _config
from cib_detect._params import check_int, check_number, duration_microseconds
from cib_detect.encode import account_codes
from cib_detect.errors import CappedKeysWarning, ParameterError
from cib_detect.kernels.sparse_cosine import sparse_cosine_pairs
from cib_detect.kernels.sync_null import sync_null_pairs
from cib_detect.traces.tables import EDGE_SCHEMA, EVIDENCE_SCHEMA

logger = logging.getLogger("cib_detect")

__all__ = ["SYNC_EDGE_SCHEMA", "sync_activity", "sync_activity_evidence"]

#: Columns of sync_activity edges.
SYNC_EDGE_SCHEMA = {
    **EDGE_SCHEMA,
    "similarity": pl.Float64,
    "expected_keys": pl.Float64,
    "p_value": pl.Float64,
}


def _stamp(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


@dataclass(frozen=True)
class _Cells:
    """The active (account, bin) cells of the kept accounts, in (account, bin) order.

    ``bins`` are the distinct bins of all posts, increasing, and ``n_active`` the accounts
    active in each (all of them, kept or not); a cell's bin is ``bins[cell_bin]``.
    """

    account_ids: pl.Series  # account_ids[code]: the id of an account code
    row_code: np.ndarray  # the account code of each row (kept account), increasing
    row_starts: np.ndarray  # row r owns cells row_starts[r]:row_starts[r + 1]
    cell_row: np.ndarray
    cell_bin: np.ndarray  # index into bins
    cell_count: np.ndarray  # the row's posts in the bin
    bins: np.ndarray
    n_active: np.ndarray


def _active_cells(posts: pl.DataFrame, bin_us: int, min_posts: int, function: str) -> _Cells:
    """The cells of the accounts with at least ``min_posts`` posts (the others are
    logged at INFO level), from one sort of the posts' (account, bin) keys."""
    codes, account_ids = account_codes(posts)
    code = codes.to_numpy().astype(np.int64, copy=False)
    post_bin = (posts.get_column("timestamp").dt.epoch("us") // bin_us).to_numpy()
    n_codes = len(account_ids)
    first = int(post_bin.min()) if len(post_bin) else 0
    index = post_bin - first
    span = int(index.max()) + 1 if len(post_bin) else 0
    if span <= len(post_bin):
        bins = np.arange(first, first + span, dtype=np.int64)
    else:  # sparse bins (sub-second bins over months): numbered by rank instead, so that
        # the keys below cannot overflow and the per-bin arrays stay within the posts' count
        bins, index = np.unique(post_bin, return_inverse=True)
        span = len(bins)
    keys = code * span + index
    keys.sort()
    cell_first = np.flatnonzero(np.diff(keys, prepend=-1))
    cell_count = np.diff(cell_first, append=len(keys))
    cell_code, cell_bin = np.divmod(keys[cell_first], max(span, 1))
    n_active = np.bincount(cell_bin, minlength=span)
    posts_per_account = np.bincount(code, minlength=n_codes)
    kept = posts_per_account >= min_posts
    row_code = np.flatnonzero(kept)
    n_skipped = n_codes - len(row_code)
    if n_skipped:
        logger.info(
            "%s: %d of %d accounts have fewer than min_posts=%d posts and were skipped",
            function,
            n_skipped,
            n_codes,
            min_posts,
        )
    in_kept = kept[cell_code]
    cell_row = (np.cumsum(kept) - 1)[cell_code[in_kept]]
    return _Cells(
        account_ids=account_ids,
        row_code=row_code,
        row_starts=_row_starts(cell_row, len(row_code)),
        cell_row=cell_row,
        cell_bin=cell_bin[in_kept],
        cell_count=cell_count[in_kept],
        bins=bins,
        n_active=n_active,
    )


def _row_starts(cell_row: np.ndarray, n_rows: int) -> np.ndarray:
    """CSR row boundaries of cells sorted by row."""
    row_starts = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(cell_row, minlength=n_rows), out=row_starts[1:])
    return row_starts


def _tfidf_matrix(cells: _Cells, df: np.ndarray):
    """Rows of TF-IDF weights (unit length) over the bins, as CSR: ``row_starts``,
    ``cols``, ``weights``, ``counts`` (posts) and the number of columns."""
    n_rows = len(cells.row_code)
    # the cells are sorted by row then bin, and flagged so: polars then sums each row's
    # squared weights over its contiguous slice, in one order, so the similarities are the
    # same in every run to the last bit (and the same as before the cells came from numpy)
    row = pl.Series("row", cells.cell_row).set_sorted()
    frame = pl.DataFrame(
        {"row": row, "count": cells.cell_count, "df": df[cells.cell_bin]}
    ).with_columns(
        # sublinear tf times idf = ln(N / df): a bin where every account is active weighs 0
        ((1.0 + pl.col("count").log()) * (n_rows / pl.col("df")).log()).alias("w")
    )
    w = frame.select(
        (pl.col("w") / (pl.col("w") ** 2).sum().over("row").sqrt()).fill_nan(0.0)
    ).to_series()
    keep = (w > 0).to_numpy()
    col_of_bin = np.cumsum(df > 0) - 1  # columns: the bins a kept account is active in
    cols = col_of_bin[cells.cell_bin[keep]]
    n_cols = int(cols.max()) + 1 if len(cols) else 0
    row_starts = _row_starts(cells.cell_row[keep], n_rows)
    return row_starts, cols, w.filter(keep).to_numpy(), cells.cell_count[keep], n_cols


# Pseudo-count of active accounts added to every bin of the null's within-period weights:
# in a quiet period the weights fall back towards uniform instead of following a handful
# of accounts.
_PSEUDO_ACTIVE = 1.0


def _sync_null(cells: _Cells, a, b, per: int):
    """Shared periods (the statistic) and their expectation under the null, per pair
    (rows ``a``, ``b``); ``per``: bins per period."""
    period = cells.bins // per  # increasing
    new = np.diff(period, prepend=period[:1] - 1) != 0
    totals = np.add.reduceat(cells.n_active, np.flatnonzero(new))  # accounts active in each
    period_of_bin = np.cumsum(new) - 1
    return sync_null_pairs(
        cells.row_starts,
        cells.bins[cells.cell_bin],
        cells.n_active[cells.cell_bin].astype(np.float64),
        totals[period_of_bin[cells.cell_bin]].astype(np.float64),
        per,
        np.asarray(a, np.int64),
        np.asarray(b, np.int64),
        pseudo=_PSEUDO_ACTIVE,
    )


def _conditional_poisson(observed, expected, selected_from: int = 2) -> np.ndarray:
    """``P(X >= observed | X >= selected_from)``, ``X ~ Poisson(expected)``; 1 at or below
    ``selected_from`` (as :func:`cib_detect.graph.significance.conditional_poisson_pvalue`,
    which the traces' layer may not import)."""
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.maximum(np.asarray(expected, dtype=np.float64), 1e-12)
    p_value = np.ones_like(observed)
    tested = observed > selected_from  # the others are 1: their tails are not computed
    observed, expected = observed[tested], expected[tested]
    tail = stats.poisson.sf(observed - 1, expected)
    selected = stats.poisson.sf(selected_from - 1, expected)
    ratio = np.divide(tail, selected, out=np.ones_like(tail), where=selected > 0)
    p_value[tested] = np.clip(ratio, 0.0, 1.0)
    return p_value


def sync_activity(
    posts: pl.DataFrame,
    *,
    window_us: int,
    min_weight: int = 1,
    max_key_posts: int | None = None,
    bin="1m",
    period="1h",
    min_posts: int = 5,
    min_similarity: float = 0.0,
    top_k: int | None = None,
    max_bin_pairs: int | None = 200_000_000,
) -> pl.DataFrame:
    """Account pairs active in the same time bins, with a p-value against chance.

    Called by :func:`cib_detect.co_action_edges` with ``trace="sync_activity"``; the
    options below are its trace options. ``window`` and ``max_key_posts`` are not used:
    the time resolution is ``bin``.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts (all of them, reposts included: any action counts).
    window_us, max_key_posts
        Not used.
    min_weight : int
        Keep pairs active together in at least this many bins.
    bin : str, float or timedelta, default "1m"
        Width of the time bins (bins start at the Unix epoch, UTC).
    period : str, float or timedelta, default "1h"
        The null model's unit (a multiple of ``bin``, aligned on the epoch): chance keeps
        how many bins each account is active in within each period and moves them only
        inside it; ``n_keys`` counts the periods in which the pair shares a bin.
    min_posts : int, default 5
        Accounts with fewer posts are skipped (logged at INFO level).
    min_similarity : float, default 0.0
        Keep pairs with cosine similarity at least this. Above 0 the kept pairs are
        selected on their co-activity and their p-values are no longer calibrated (see
        Notes).
    top_k : int, optional
        Also keep only each account's ``top_k`` most similar partners (a pair stays when
        it is in the top ``top_k`` of either side). ``None``: no limit. A selection on
        similarity too: it has the effect of ``min_similarity > 0`` on the p-values.
    max_bin_pairs : int, optional, default 200,000,000
        The trace's cost is the pairs of kept accounts active in one bin, summed over
        bins; it grows with the square of the posts per minute (about 1.5e8 and 10 s on 2
        cores at 3M synthetic posts over 30 days, 1.6e9 at 10M). Above this many the
        trace is left out with a :class:`~cib_detect.errors.CappedKeysWarning` that says
        so (no edges); ``None``: no limit.

    Returns
    -------
    polars.DataFrame
        One row per unordered pair (``account_a < account_b``), sorted, with the columns of
        :data:`~cib_detect.traces.tables.EDGE_SCHEMA`, ``similarity`` (cosine of the
        TF-IDF vectors), ``expected_keys`` and ``p_value``: ``n_coactions`` is the bins
        both were active in, ``n_keys`` the periods in which they share a bin (the
        statistic), ``n_posts_a`` / ``n_posts_b`` each side's posts in the shared bins,
        ``min_dt`` and ``mean_dt`` are null (the bin is the unit of time);
        ``expected_keys`` is the expected number of such periods by chance and
        ``p_value`` = ``P(X >= n_keys | X >= 2)`` for ``X ~ Poisson(expected_keys)``
        (1 for ``n_keys <= 2``).

    Notes
    -----
    Weights: ``(1 + ln count) * ln(N / df)`` for an account with ``count`` posts in a bin
    that ``df`` of the ``N`` kept accounts are active in, rows scaled to unit length. Cost:
    the sum over bins of ``df**2`` (account pairs sharing a bin), never ``N**2``; memory is
    the kept pairs.

    The null model (``docs/temporal_null_models.md``): within each period (an hour), an
    account keeps the number ``c`` of bins (minutes) it was active in, but they fall where
    everybody else is active: bin ``t`` is drawn with weight ``n(t) + 1``, ``n(t)`` the
    other accounts active in it. Daily and weekly rhythms, office hours, an account's
    active days and a live event's busy minutes are therefore all part of chance; what is
    not is two accounts repeatedly active in the same minutes, hour after hour. A period
    counts once however many bins the pair shares in it (a conversation is one event).
    Given ``a``, the chance that ``b`` shares a bin of period ``P`` is ``1 - prod_{j <
    c_b} (1 - S_a / (1 - j / B))`` (``S_a`` the weight of ``a``'s bins, ``B`` bins per
    period); ``expected_keys`` sums it over the periods where both are active, and the
    larger of the two conditionings (on ``a`` or on ``b``) is kept. The p-value is
    conditional on ``n_keys >= 2``: the family of tests is the pairs with ``n_keys >=
    2``. That holds when nothing else selects the pairs: ``min_similarity <= 0``, no
    ``top_k`` and ``min_weight <= 2``.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> minutes = {"a": [67, 187, 307, 427, 547], "b": [67, 187, 307, 427, 547],
    ...            "c": [70, 190, 307, 430, 550], "d": [10, 130, 250, 370, 490]}
    >>> rows = [(f"{u}{m}", u, t0 + timedelta(minutes=m)) for u, ms in minutes.items() for m in ms]
    >>> posts = pl.DataFrame(rows, schema=["post_id", "account_id", "timestamp"], orient="row")
    >>> edges = sync_activity(posts, window_us=0)
    >>> edges.select("account_a", "account_b", "n_coactions", "n_keys").rows()
    [('a', 'b', 5, 5), ('a', 'c', 1, 1), ('b', 'c', 1, 1)]
    >>> edges.select(pl.col("expected_keys").round(3), pl.col("p_value") < 1e-4).rows()
    [(0.098, True), (0.164, False), (0.164, False)]
    """
    function = "co_action_edges"
    bin_us = duration_microseconds(bin, name="bin", function=function)
    if bin_us <= 0:
        raise ParameterError(f"the 'bin' parameter of {function} must be positive; got {bin!r}")
    check_int(min_posts, name="min_posts", function=function, minimum=1)
    min_similarity = check_number(
        min_similarity, name="min_similarity", function=function, low=-1, high=1
    )
    check_int(top_k, name="top_k", function=function, minimum=1, allow_none=True)
    check_int(max_bin_pairs, name="max_bin_pairs", function=function, minimum=1, allow_none=True)
    period_us = duration_microseconds(period, name="period", function=function)
    if period_us <= 0 or period_us % bin_us:
        raise ParameterError(
            f"the 'period' parameter of {function} must be a positive multiple of 'bin' "
            f"({bin!r}); got {period!r}"
        )
    cells = _active_cells(posts, bin_us, min_posts, function)
    n_rows = len(cells.row_code)
    df = np.bincount(cells.cell_bin, minlength=len(cells.bins))  # kept accounts per bin
    # the cost before any of it is paid: a bin every kept account is active in weighs 0
    df_weighted = df[(df > 0) & (df < n_rows)]
    bin_pairs = int((df_weighted * (df_weighted - 1) // 2).sum())
    if max_bin_pairs is not None and bin_pairs > max_bin_pairs:
        message = (
            f"trace 'sync_activity' was left out: {bin_pairs:,} pairs of accounts share a "
            f"bin, more than max_bin_pairs={max_bin_pairs:,} (its cost grows with the square "
            f"of the posts per {bin}); pass a larger max_bin_pairs or None in its trace "
            f"options to run it anyway, or a coarser sample of the accounts"
        )
        logger.warning(message)
        warnings.warn(message, CappedKeysWarning, stacklevel=2)
        return pl.DataFrame(schema=SYNC_EDGE_SCHEMA)
    row_starts, cols, weights, counts, n_cols = _tfidf_matrix(cells, df)
    a, b, sim, shared, count_a, count_b, _ = sparse_cosine_pairs(
        row_starts,
        cols,
        weights,
        counts,
        n_cols,
        min_similarity,
        min_weight,
        top_k,
    )
    periods, expected = _sync_null(cells, a, b, period_us // bin_us)
    code = cells.row_code
    code_a, code_b = code[a], code[b]
    swap = code_a > code_b
    pairs = pl.DataFrame(
        {
            "code_a": np.where(swap, code_b, code_a),
            "code_b": np.where(swap, code_a, code_b),
            "n_coactions": shared,
            "n_posts_a": np.where(swap, count_b, count_a),
            "n_posts_b": np.where(swap, count_a, count_b),
            "n_keys": periods,
            "expected_keys": expected,
            "similarity": sim,
        }
    )
    if top_k is not None:  # a pair in both sides' lists appears twice, with equal values
        pairs = pairs.unique(["code_a", "code_b"], keep="first")
    pairs = pairs.sort("code_a", "code_b")
    return pairs.select(
        cells.account_ids.gather(pairs["code_a"]).alias("account_a"),
        cells.account_ids.gather(pairs["code_b"]).alias("account_b"),
        "n_coactions",
        "n_keys",
        "n_posts_a",
        "n_posts_b",
        pl.lit(None, pl.Float64).alias("min_dt"),
        pl.lit(None, pl.Float64).alias("mean_dt"),
        "similarity",
        "expected_keys",
        pl.Series("p_value", _conditional_poisson(pairs["n_keys"], pairs["expected_keys"])),
    ).cast(SYNC_EDGE_SCHEMA)


def sync_activity_evidence(
    posts: pl.DataFrame,
    *,
    pairs: pl.DataFrame,
    window_us: int,
    max_key_posts: int | None = None,
    bin="1m",
    period="1h",
    min_posts: int = 5,
    min_similarity: float = 0.5,
    top_k: int | None = None,
) -> pl.DataFrame:
    """The bins behind chosen ``sync_activity`` pairs: one row per bin both were active in.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts.
    pairs : polars.DataFrame
        ``account_a``, ``account_b`` with ``account_a < account_b``.
    window_us, max_key_posts, bin, min_posts, min_similarity, top_k
        As in :func:`sync_activity` (only ``bin`` matters here).

    Returns
    -------
    polars.DataFrame
        The columns of :data:`~cib_detect.traces.tables.EVIDENCE_SCHEMA`, for the
        closest pair of posts of the two accounts inside each shared bin (``key`` is the
        bin's start, ISO 8601 UTC; ``dt`` their gap in seconds), plus ``bin_start``,
        ``n_posts_a`` and ``n_posts_b`` (each side's posts in the bin).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = lambda h, m: datetime(2024, 1, 1, h, m, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({"post_id": ["1", "2", "3"], "account_id": ["a", "b", "b"],
    ...     "timestamp": [t(9, 5), t(9, 20), t(9, 25)]})
    >>> wanted = pl.DataFrame({"account_a": ["a"], "account_b": ["b"]})
    >>> ev = sync_activity_evidence(posts, pairs=wanted, window_us=0, bin="30m")
    >>> ev.select("post_a", "post_b", "key", "dt", "n_posts_b").rows()
    [('1', '2', '2024-01-01T09:00:00+00:00', 900.0, 2)]
    """
    function = "co_action_evidence"
    bin_us = duration_microseconds(bin, name="bin", function=function)
    if bin_us <= 0:
        raise ParameterError(f"the 'bin' parameter of {function} must be positive; got {bin!r}")
    frame = posts.select(
        "account_id",
        "post_id",
        pl.col("timestamp").dt.epoch("us").alias("time"),
        (pl.col("timestamp").dt.epoch("us") // bin_us).alias("bin"),
    ).with_columns(pl.len().over("account_id", "bin").alias("n_in_bin"))
    side_a = frame.rename(
        {"account_id": "account_a", "post_id": "post_a", "time": "time_a", "n_in_bin": "n_posts_a"}
    )
    side_b = frame.rename(
        {"account_id": "account_b", "post_id": "post_b", "time": "time_b", "n_in_bin": "n_posts_b"}
    )
    joined = (
        pairs.join(side_a, on="account_a")
        .join(side_b, on=["account_b", "bin"])
        .with_columns((pl.col("time_b") - pl.col("time_a")).abs().alias("gap"))
        .sort("account_a", "account_b", "bin", "gap", "post_a", "post_b")
        .unique(["account_a", "account_b", "bin"], keep="first", maintain_order=True)
    )
    bin_start = _stamp(pl.col("bin") * bin_us)
    return joined.select(
        "account_a",
        "account_b",
        "post_a",
        "post_b",
        bin_start.dt.to_string("%Y-%m-%dT%H:%M:%S%:z").alias("key"),
        _stamp(pl.col("time_a")).alias("timestamp_a"),
        _stamp(pl.col("time_b")).alias("timestamp_b"),
        (pl.col("gap") / _config.MICROSECONDS).alias("dt"),
        bin_start.alias("bin_start"),
        pl.col("n_posts_a").cast(pl.Int64),
        pl.col("n_posts_b").cast(pl.Int64),
    ).cast(
        {
            **EVIDENCE_SCHEMA,
            "bin_start": pl.Datetime("us", "UTC"),
            "n_posts_a": pl.Int64,
            "n_posts_b": pl.Int64,
        }
    )
