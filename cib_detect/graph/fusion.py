"""Fusion: one account graph over every trace, keeping each trace's columns.

Each trace tests a pair of accounts on its own null model (``p_value`` per trace, see
:mod:`cib_detect.graph.significance`). Within a family of traces they are combined with
Simes' method: ``p = min_i T * p_(i) / i`` over the ``T`` traces of the family (a trace on
which the pair never co-acted counts as ``p = 1``). Simes' test is valid when the traces are
positively dependent (Sarkar 2008), as co_url and co_domain are; Fisher's method,
which assumes independence, would overstate the evidence of traces that see the same
posts twice.

Traces are tested per *family*. The traces of one family test the same kind of event
(every key trace counts co-actions on shared keys): their Simes p-value is the family's
p-value of a pair, and the family's Benjamini-Hochberg q-values are computed over its
tested pairs (``p < 1``; a pair below the selection threshold of every trace of a family
is no test of it). A temporal trace tests another hypothesis on far more pairs (every two
accounts active in the same minutes): mixed into the key family, its many tests would
raise the bar of every key pair, so it is a family of its own. A pair's ``p_value`` and
``q_value`` are its smallest over the families: each family's discoveries are at false
discovery rate ``alpha``, so the union of ``F`` families is at most ``F * alpha`` (2 *
alpha with the default traces). Bonferroni across families (``F * q_f``) would hold the
union at ``alpha``, but it halves the power of every key pair as soon as a temporal trace
runs: on the synthetic data it lost the one-afternoon storm, whose 1,770 pairs have only
26 below ``q = 0.05``. In ``detect`` the key family is tested first and the pairs it finds
are no tests of the temporal families: campaigns are synchronous too, and their hundreds
of timing discoveries would otherwise let random pairs of busy accounts through at
``p = 0.02`` (the false discovery rate is a share of the discoveries). So a temporal
family finds what the content did not, at its own rate. Edges that rest on timing alone
are further checked before clustering (:func:`cib_detect.graph.backbone.corroborated`).
With one family this is Simes and Benjamini-Hochberg over every trace.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cib_detect.graph.significance import bh_qvalues

__all__ = ["PER_TRACE_COLUMNS", "fuse"]

#: Columns of every trace's edge table that the fused table keeps, as ``{trace}_{name}``.
PER_TRACE_COLUMNS = ("n_coactions", "n_keys", "min_dt", "mean_dt", "expected_keys", "p_value")

# -log10 of the smallest p-value a float64 holds; fused weights are capped there.
_MAX_WEIGHT = 300.0


def fuse(
    per_trace: dict[str, pl.DataFrame],
    *,
    significant_p: float = 0.01,
    families: dict[str, str] | None = None,
    first_family: str | None = None,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Combine per-trace edge tables into one fused edge table.

    Parameters
    ----------
    per_trace : dict of str to polars.DataFrame
        Edge tables with p-values (``account_a``, ``account_b``, ``p_value`` and the
        :data:`PER_TRACE_COLUMNS` that exist), one per trace that was computed.
    significant_p : float
        Per-trace p-value below which a trace counts in ``n_significant_traces``.
    families : dict of str to str, optional
        The family of each trace (traces not named are a family each); one family of all
        traces by default.
    first_family : str, optional
        A family tested first: its discoveries (``q <= alpha``) are no tests of the other
        families, which find what it did not.
    alpha : float
        The false discovery rate of ``first_family``'s discoveries.

    Returns
    -------
    polars.DataFrame
        One row per account pair: ``account_a``, ``account_b``, ``weight``
        (``-log10 p_value``, capped at 300), ``p_value`` (Simes per family, the smallest
        over families), ``q_value`` (Benjamini-Hochberg per family, the smallest),
        ``n_traces`` (traces with a co-action),
        ``n_significant_traces``, ``n_coactions`` (all traces), ``min_dt`` (seconds, all
        traces), ``traces`` (names, comma-separated, most significant first) and
        ``{trace}_{column}`` for every trace and kept column (null where the pair did not
        co-act on the trace). Sorted by ``p_value`` then pair.

    Examples
    --------
    >>> import polars as pl
    >>> a = pl.DataFrame({"account_a": ["x"], "account_b": ["y"], "n_coactions": [5],
    ...                   "min_dt": [1.0], "p_value": [0.001]})
    >>> b = pl.DataFrame({"account_a": ["x", "x"], "account_b": ["y", "z"], "n_coactions": [2, 1],
    ...                   "min_dt": [3.0, 9.0], "p_value": [0.004, 1.0]})
    >>> fused = fuse({"co_repost": a, "co_url": b})
    >>> fused.select("account_a", "account_b", "p_value", "n_traces", "traces").rows()
    [('x', 'y', 0.002, 2, 'co_repost,co_url'), ('x', 'z', 1.0, 1, 'co_url')]
    """
    n_traces = len(per_trace)
    key = ["account_a", "account_b"]
    if n_traces == 0:
        return pl.DataFrame(schema={"account_a": pl.String, "account_b": pl.String})
    # Strings only at the ends: accounts become codes of one Enum and a pair one int64
    # (code_a * n_ids + code_b); trace names an Enum in name order, so rows sort by it as
    # by the names, and each row's edge-table position (_row) finds its trace columns.
    names = sorted(per_trace)
    trace_enum = pl.Enum(names)
    ids = pl.concat([edges.get_column(c) for edges in per_trace.values() for c in key]).unique()
    account_enum = pl.Enum(ids)
    n_ids = len(ids)

    def account_code(column: str) -> pl.Expr:
        return pl.col(column).cast(account_enum).to_physical().cast(pl.Int64)

    long = pl.concat(
        [
            edges.select(
                (account_code("account_a") * n_ids + account_code("account_b")).alias("pair_key"),
                pl.lit(trace, dtype=trace_enum).alias("trace"),
                pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
                *[
                    pl.col(c).cast(pl.Float64)
                    for c in PER_TRACE_COLUMNS
                    if c in edges.columns and c != "p_value"
                ],
                pl.col("p_value").cast(pl.Float64),
            )
            for trace, edges in per_trace.items()
        ],
        how="diagonal",
    ).sort("pair_key", "p_value", "trace")
    pair_key = long.get_column("pair_key").to_numpy()
    starts_pair = np.r_[True, pair_key[1:] != pair_key[:-1]][: len(pair_key)]
    first = np.flatnonzero(starts_pair)
    pair = np.cumsum(starts_pair) - 1  # pair ids 0, 1, ... in row order
    p_long = long.get_column("p_value").to_numpy()
    trace_code = long.get_column("trace").to_physical().to_numpy().astype(np.int64)
    family_of = {t: (families.get(t, t) if families is not None else "") for t in per_trace}
    p_pair, q_pair = _family_tests(pair, p_long, trace_code, names, family_of, first_family, alpha)
    fused = (
        long.with_columns(pl.Series("pair", pair))
        .group_by("pair", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("n_traces"),
            (pl.col("p_value") < significant_p).sum().cast(pl.Int64).alias("n_significant_traces"),
            pl.col("n_coactions").sum().cast(pl.Int64).alias("n_coactions"),
            pl.col("min_dt").min().alias("min_dt"),
        )
    )
    fused = fused.with_columns(
        ids.gather(pair_key[first] // n_ids).alias("account_a"),
        ids.gather(pair_key[first] % n_ids).alias("account_b"),
        _trace_lists(pair, first, trace_code, names).alias("traces"),
    )
    fused = fused.with_columns(pl.Series("p_value", p_pair), pl.Series("q_value", q_pair))
    # fused is in pair order: each trace's columns are its edge rows gathered by pair
    row = long.get_column("_row").to_numpy()
    for position, trace in enumerate(names):
        edges = per_trace[trace]
        kept = [c for c in PER_TRACE_COLUMNS if c in edges.columns]
        rows = trace_code == position
        at = np.full(fused.height, -1, np.int64)
        at[pair[rows]] = row[rows]
        index = pl.Series(at).set(pl.Series(at < 0), None)
        fused = fused.with_columns(
            edges.select(pl.col(c).gather(index).alias(f"{trace}_{c}") for c in kept)
        )
    p = fused.get_column("p_value").to_numpy()
    weight = np.minimum(-np.log10(np.maximum(p, 1e-300)), _MAX_WEIGHT)
    return (
        fused.with_columns(pl.Series("weight", weight))
        .select(
            *key,
            "weight",
            "p_value",
            "q_value",
            "n_traces",
            "n_significant_traces",
            "n_coactions",
            "min_dt",
            "traces",
            *sorted(c for c in fused.columns if _is_trace_col(c, per_trace)),
        )
        .sort("p_value", *key)
    )


def _trace_lists(pair, first, trace_code, names) -> pl.Series:
    """The traces of every pair, comma-separated in row order: each pair's sequence of
    trace codes as one integer (digits in base ``len(names) + 1``, renumbered densely
    before it could overflow), and one string per distinct sequence (there are few)."""
    base = len(names) + 1
    rank = np.arange(len(pair)) - first[pair]
    codes = np.zeros((len(first), int(rank.max()) + 1 if len(rank) else 0), np.int64)
    codes[pair, rank] = trace_code + 1  # 0: no trace at that rank
    sequence, bound = np.zeros(len(first), np.int64), 1
    for column in codes.T:
        if bound * base >= 2**62:
            sequence = np.unique(sequence, return_inverse=True)[1].reshape(-1)
            bound = int(sequence.max()) + 1
        sequence, bound = sequence * base + column, bound * base
    _, example, which = np.unique(sequence, return_index=True, return_inverse=True)
    labels = [",".join(names[c - 1] for c in codes[e] if c) for e in example]
    return pl.Series(labels, dtype=pl.String).gather(which.reshape(-1))


def _simes(pair: np.ndarray, p: np.ndarray, n_tests: int) -> np.ndarray:
    """Simes' p-value ``min_i n * p_(i) / i`` (capped at 1) of every run of ``pair``
    (sorted, ``p`` increasing within a run), with ``n_tests`` tests per run."""
    if not len(pair):
        return np.empty(0)  # reduceat takes no empty input
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    rank = np.arange(len(pair)) - np.repeat(starts, np.diff(np.r_[starts, len(pair)])) + 1
    return np.minimum(np.minimum.reduceat(n_tests * p / rank, starts), 1.0)


def _family_tests(pair, p, trace_code, traces, family_of: dict[str, str], first, alpha: float):
    """The fused p-value and q-value of every pair id: Simes within each family of traces
    (``pair``, ``p`` and ``trace_code``, the position of the row's trace in ``traces``, are
    the rows sorted by pair then p-value),
    Benjamini-Hochberg over each family's tested pairs (those of the ``first`` family at
    ``q <= alpha`` left out of the others'), the smallest over families."""
    names = sorted(set(family_of.values()), key=lambda name: (name != first, name))
    family = np.array([names.index(family_of[t]) for t in traces], np.int64)[trace_code]
    n_pairs = int(pair.max()) + 1 if len(pair) else 0
    fused_p, fused_q = np.ones(n_pairs), np.ones(n_pairs)
    found = np.zeros(n_pairs, bool)
    for f, name in enumerate(names):
        rows = family == f  # a subsequence of the sorted rows: still sorted by pair, p
        pair_f = pair[rows]
        if not len(pair_f):
            continue
        simes = _simes(pair_f, p[rows], sum(g == name for g in family_of.values()))
        ids = pair_f[np.flatnonzero(np.r_[True, pair_f[1:] != pair_f[:-1]])]
        q_f = np.ones_like(simes)
        tested = (simes < 1.0) & ~found[ids]
        q_f[tested] = bh_qvalues(simes[tested])
        if name == first:
            found[ids] = q_f <= alpha
        fused_p[ids] = np.minimum(fused_p[ids], simes)
        fused_q[ids] = np.minimum(fused_q[ids], q_f)
    return fused_p, fused_q


def _is_trace_col(column: str, per_trace) -> bool:
    return any(column.startswith(f"{trace}_") for trace in per_trace)
