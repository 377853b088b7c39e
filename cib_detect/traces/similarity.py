"""Near-duplicate text: the ``co_similar_text`` trace (MinHash LSH, verified Jaccard).

Coordinated accounts paraphrase: they rarely post byte-identical text for long. Two
original posts (``repost_of`` null) by different accounts co-act when their normalised
texts (:func:`cib_detect.normalize.normalize_text`) have shingle sets with Jaccard
similarity ``>= threshold`` and they are at most ``window`` apart.

Candidates come from MinHash (Broder 1997) with LSH banding (Leskovec et al., *Mining of
Massive Datasets*, ch. 3): the time-sorted posts of one band bucket form a group, and the
windowed pair kernel of the key traces (:func:`cib_detect.kernels.pairs.window_pairs`)
pairs the posts of each group within the window, so candidates far apart in time are
never generated. Every candidate is verified by the exact Jaccard of its shingle sets;
a pair met in several bands is verified once. See ``docs/similarity_traces.md``.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from cib_detect import _config
from cib_detect._params import check_choice, check_int
from cib_detect.encode import indexed_posts
from cib_detect.errors import CappedKeysWarning, ParameterError
from cib_detect.kernels.minhash import band_buckets, band_keys
from cib_detect.kernels.pairs import window_pairs
from cib_detect.kernels.shingles import shingle_sets
from cib_detect.kernels.verify import verify_candidates
from cib_detect.normalize import normalize_text
from cib_detect.traces.keys import require_columns
from cib_detect.traces.tables import EDGE_SCHEMA, EVIDENCE_SCHEMA

logger = logging.getLogger("cib_detect")

__all__ = [
    "DEFAULT_BANDS",
    "DEFAULT_ROWS",
    "DEFAULT_THRESHOLD",
    "candidate_probability",
    "co_similar_text",
    "co_similar_text_evidence",
]

#: Default smallest verified Jaccard similarity of two near-duplicate posts.
DEFAULT_THRESHOLD = 0.5
#: Default LSH bands and MinHash values per band: a pair at Jaccard 0.5 becomes a
#: candidate with probability 1 - (1 - 0.5**3)**40 = 0.9952.
DEFAULT_BANDS = 40
DEFAULT_ROWS = 3
#: Default shortest text (distinct shingles) that takes part.
DEFAULT_MIN_SHINGLES = 5

# Candidate pairs per call of the pair kernel (an estimate from bucket sizes): bounds
# the memory of candidates that are waiting for verification.
_CANDIDATE_BUDGET = 8_000_000

#: Columns of co_similar_text edges: EDGE_SCHEMA plus the mean verified Jaccard.
SIMILAR_EDGE_SCHEMA = {**EDGE_SCHEMA, "similarity": pl.Float64}
#: Columns of co_similar_text evidence: EVIDENCE_SCHEMA plus the pair's Jaccard.
SIMILAR_EVIDENCE_SCHEMA = {**EVIDENCE_SCHEMA, "similarity": pl.Float64}


def candidate_probability(similarity, bands: int = DEFAULT_BANDS, rows: int = DEFAULT_ROWS):
    """Probability that LSH banding makes a pair of Jaccard ``similarity`` a candidate:
    ``1 - (1 - s**rows)**bands`` (the S-curve).

    Examples
    --------
    >>> round(candidate_probability(0.5), 4)
    0.9952
    >>> candidate_probability([0.2, 0.8]).round(3).tolist()
    [0.275, 1.0]
    """
    result = 1.0 - (1.0 - np.asarray(similarity, dtype=float) ** rows) ** bands
    return float(result) if result.ndim == 0 else result


def _string_buffers(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Arrow large-string offsets (int64) and UTF-8 bytes of a String series without nulls."""
    import pyarrow as pa

    array = series.to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    n = len(array)
    _, offset_buffer, data_buffer = array.buffers()
    if n == 0 or offset_buffer is None:
        return np.zeros(n + 1, np.int64), np.zeros(1, np.uint8)
    offsets = np.frombuffer(offset_buffer, np.int64)[array.offset : array.offset + n + 1]
    data = np.zeros(1, np.uint8) if data_buffer is None else np.frombuffer(data_buffer, np.uint8)
    return np.ascontiguousarray(offsets), data


def _check_options(function, threshold, shingles, shingle_size, min_shingles, bands, rows, seed):
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        threshold = None
    if threshold is None or not 0 < threshold <= 1:
        raise ParameterError(
            f"the 'threshold' parameter of {function} must be a number in (0, 1] (the "
            f"smallest Jaccard similarity of two near-duplicate texts); got {threshold!r} instead"
        )
    check_choice(shingles, ("word", "char"), name="shingles", function=function)
    check_int(shingle_size, name="shingle_size", function=function, minimum=1)
    check_int(min_shingles, name="min_shingles", function=function, minimum=1)
    check_int(bands, name="bands", function=function, minimum=1)
    check_int(rows, name="rows", function=function, minimum=1)
    check_int(seed, name="seed", function=function, minimum=0)


@dataclass(frozen=True)
class SimilarPairs:
    """Verified near-duplicate post pairs (``i < j`` in time order) of one posts frame."""

    i: np.ndarray  # doc index of the older post
    j: np.ndarray
    similarity: np.ndarray
    cluster: np.ndarray  # doc index of the earliest post of each pair's cluster
    time: np.ndarray  # per doc: microseconds
    account: np.ndarray  # per doc: account code
    post_row: np.ndarray  # per doc: row in the posts frame
    account_ids: pl.Series
    post_ids: pl.Series


def original_documents(posts: pl.DataFrame, text: pl.Expr, *, trace: str):
    """Original posts with text, sorted by (time, row): ``post_row``, ``account_code``,
    ``time_us`` and ``text`` (the given expression of the text); and the account ids."""
    require_columns(posts.columns, trace, "text")
    frame, account_ids = indexed_posts(posts)
    if "repost_of" in posts.columns:
        frame = frame.filter(pl.col("repost_of").is_null())
    docs = (
        frame.filter(pl.col("text").is_not_null())
        .select(
            "post_row",
            "account_code",
            "time_us",
            text.alias("text"),
        )
        .sort(["time_us", "post_row"])
        .collect()
    )
    return docs, account_ids


def _union_find_roots(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Smallest member of the connected component of every node (pairs as edges)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(i), np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    smallest = np.full(labels.max() + 1 if n else 0, n, np.int64)
    np.minimum.at(smallest, labels, np.arange(n))
    return smallest[labels]


def similar_pairs(
    posts: pl.DataFrame,
    *,
    window_us: int,
    max_key_posts: int | None,
    function: str,
    threshold: float = DEFAULT_THRESHOLD,
    shingles: str = "word",
    shingle_size: int = 1,
    min_shingles: int = DEFAULT_MIN_SHINGLES,
    bands: int = DEFAULT_BANDS,
    rows: int = DEFAULT_ROWS,
    seed: int = 0,
) -> SimilarPairs:
    """Verified near-duplicate post pairs by different accounts within the window."""
    _check_options(function, threshold, shingles, shingle_size, min_shingles, bands, rows, seed)
    docs, account_ids = original_documents(
        posts, normalize_text(pl.col("text")), trace="co_similar_text"
    )
    offsets, data = _string_buffers(docs.get_column("text"))
    starts, values = shingle_sets(offsets, data, shingles, shingle_size)
    sizes = np.diff(starts)
    keep = sizes >= min_shingles
    if not keep.all():
        docs = docs.filter(pl.Series(keep))
        values = values[np.repeat(keep, sizes)]
        starts = np.concatenate([[0], np.cumsum(sizes[keep])]).astype(np.int64)
    time = np.ascontiguousarray(docs.get_column("time_us").to_numpy(), dtype=np.int64)
    account = np.ascontiguousarray(docs.get_column("account_code").to_numpy(), dtype=np.int64)
    keys = band_keys(starts, values, bands, rows, seed)
    group_starts, row_doc, group_band, capped = band_buckets(keys, max_key_posts)
    if len(capped):
        message = (
            f"trace 'co_similar_text': {len(capped)} band buckets with more than "
            f"{max_key_posts} posts were left out ({int(capped[:, 1].sum())} posts over "
            f"{len(np.unique(capped[:, 0]))} of {bands} bands; largest {int(capped[:, 1].max())} "
            f"posts): their near-duplicates are found only through other bands; raise "
            f"max_key_posts or pass None to keep them"
        )
        logger.warning(message)
        warnings.warn(message, CappedKeysWarning, stacklevel=5)
    row_time = time[row_doc]
    row_account = account[row_doc]
    found_i, found_j, found_sim = [], [], []
    sizes = np.diff(group_starts)
    estimate = np.cumsum(sizes * (sizes - 1) // 2)
    g = 0
    n_groups = len(sizes)
    while g < n_groups:
        base = estimate[g - 1] if g else 0
        end = int(np.searchsorted(estimate, base + _CANDIDATE_BUDGET, side="right"))
        end = max(end, g + 1)
        lo, hi = group_starts[g], group_starts[end]
        left, right = window_pairs(
            group_starts[g : end + 1] - lo,
            row_time[lo:hi],
            row_account[lo:hi],
            window_us,
            False,
        )
        band_of_row = np.repeat(group_band[g:end], sizes[g:end])
        left_doc = row_doc[lo:hi][left]
        right_doc = row_doc[lo:hi][right]
        kept, sims = verify_candidates(
            left_doc, right_doc, band_of_row[left], keys, starts, values, threshold
        )
        found_i.append(left_doc[kept])
        found_j.append(right_doc[kept])
        found_sim.append(sims[kept])
        g = end
    i = np.concatenate(found_i) if found_i else np.zeros(0, np.int64)
    j = np.concatenate(found_j) if found_j else np.zeros(0, np.int64)
    sim = np.concatenate(found_sim) if found_sim else np.zeros(0, np.float64)
    order = np.lexsort((j, i))
    i, j, sim = i[order], j[order], sim[order]
    roots = _union_find_roots(len(time), i, j)
    return SimilarPairs(
        i=i,
        j=j,
        similarity=sim,
        cluster=roots[i] if len(i) else np.zeros(0, np.int64),
        time=time,
        account=account,
        post_row=np.ascontiguousarray(docs.get_column("post_row").to_numpy(), dtype=np.int64),
        account_ids=account_ids,
        post_ids=posts.get_column("post_id"),
    )


def _oriented_pairs(found: SimilarPairs) -> pl.DataFrame:
    """One row per verified pair, oriented so that ``code_a < code_b``."""
    acc_i, acc_j = found.account[found.i], found.account[found.j]
    swap = acc_i > acc_j
    doc_a = np.where(swap, found.j, found.i)
    doc_b = np.where(swap, found.i, found.j)
    return pl.DataFrame(
        {
            "code_a": found.account[doc_a],
            "code_b": found.account[doc_b],
            "doc_a": doc_a,
            "doc_b": doc_b,
            "time_a": found.time[doc_a],
            "time_b": found.time[doc_b],
            "cluster": found.cluster,
            "similarity": found.similarity,
        }
    )


def co_similar_text(
    posts: pl.DataFrame,
    *,
    window_us: int,
    min_weight: int = 1,
    max_key_posts: int | None = _config.DEFAULT_MAX_KEY_POSTS,
    threshold: float = DEFAULT_THRESHOLD,
    shingles: str = "word",
    shingle_size: int = 1,
    min_shingles: int = DEFAULT_MIN_SHINGLES,
    bands: int = DEFAULT_BANDS,
    rows: int = DEFAULT_ROWS,
    seed: int = 0,
) -> pl.DataFrame:
    """Account pairs that posted near-duplicate texts within a window of each other.

    Called by :func:`cib_detect.co_action_edges` with ``trace="co_similar_text"``, which
    validates ``posts`` and parses ``window``; the options below are its trace options.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts with ``text``; reposts (``repost_of`` not null) are left out.
    window_us : int
        Largest time gap between two near-duplicate posts, microseconds (inclusive).
    min_weight : int
        Keep pairs with at least this many near-duplicate post pairs.
    max_key_posts : int or None
        Band buckets (posts agreeing on one LSH band) with more posts are left out of that
        band and reported with a :class:`~cib_detect.errors.CappedKeysWarning`; their posts
        still meet through the other bands. ``None``: no cap.
    threshold : float, default 0.5
        Smallest Jaccard similarity of the two shingle sets; every kept pair is verified.
    shingles : {"word", "char"}, default "word"
        Shingle kind: runs of words, or runs of characters (spaces included) of the
        normalised text.
    shingle_size : int, default 1
        Words (or characters) per shingle. Words of size 1 (bag of words) suit short
        posts; ``"char"`` with 4 or 5 also catches misspellings and inflections.
    min_shingles : int, default 5
        Texts with fewer distinct shingles take no part (short texts match by chance).
    bands, rows : int, default 40 and 3
        LSH banding: a pair of Jaccard ``s`` is a candidate with probability
        ``1 - (1 - s**rows)**bands`` (:func:`candidate_probability`, 0.995 at 0.5).
        More bands raise recall and cost; more rows cut candidates below the threshold.
    seed : int, default 0
        Seed of the MinHash functions.

    Returns
    -------
    polars.DataFrame
        One row per unordered account pair (``account_a < account_b``), sorted, with the
        columns of :data:`~cib_detect.traces.tables.EDGE_SCHEMA`: ``n_coactions``
        (verified near-duplicate post pairs), ``n_keys`` (distinct near-duplicate
        clusters among them: connected components of the graph of all verified pairs),
        ``n_posts_a`` / ``n_posts_b`` (distinct posts of each side in those pairs),
        ``min_dt`` / ``mean_dt`` (seconds), plus ``similarity`` (mean verified Jaccard).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = lambda m: datetime(2024, 1, 1, 12, m, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({"post_id": ["1", "2", "3"], "account_id": ["a", "b", "c"],
    ...     "timestamp": [t(0), t(5), t(9)],
    ...     "text": ["Vote for the river park plan today!", "vote for the river park plan",
    ...              "completely different words in this post"]})
    >>> edges = co_similar_text(posts, window_us=600_000_000)
    >>> edges.select("account_a", "account_b", "n_coactions", "min_dt", "similarity").rows()
    [('a', 'b', 1, 300.0, 0.857...)]
    """
    function = "co_action_edges"
    found = similar_pairs(
        posts,
        window_us=window_us,
        max_key_posts=max_key_posts,
        function=function,
        threshold=threshold,
        shingles=shingles,
        shingle_size=shingle_size,
        min_shingles=min_shingles,
        bands=bands,
        rows=rows,
        seed=seed,
    )
    pairs = _oriented_pairs(found)
    dt = (pl.col("time_b") - pl.col("time_a")).abs() / _config.MICROSECONDS
    stats = (
        pairs.group_by("code_a", "code_b")
        .agg(
            pl.len().cast(pl.Int64).alias("n_coactions"),
            pl.col("cluster").n_unique().cast(pl.Int64).alias("n_keys"),
            pl.col("doc_a").n_unique().cast(pl.Int64).alias("n_posts_a"),
            pl.col("doc_b").n_unique().cast(pl.Int64).alias("n_posts_b"),
            dt.min().alias("min_dt"),
            dt.mean().alias("mean_dt"),
            pl.col("similarity").mean().alias("similarity"),
        )
        .filter(pl.col("n_coactions") >= min_weight)
        .sort("code_a", "code_b")
    )
    ids = found.account_ids
    return stats.select(
        ids.gather(stats["code_a"]).alias("account_a"),
        ids.gather(stats["code_b"]).alias("account_b"),
        *[c for c in SIMILAR_EDGE_SCHEMA if c not in ("account_a", "account_b")],
    ).cast(SIMILAR_EDGE_SCHEMA)


def co_similar_text_evidence(
    posts: pl.DataFrame,
    *,
    pairs: pl.DataFrame,
    window_us: int,
    max_key_posts: int | None = _config.DEFAULT_MAX_KEY_POSTS,
    **options,
) -> pl.DataFrame:
    """The near-duplicate post pairs behind chosen ``co_similar_text`` edges.

    Called by :func:`cib_detect.co_action_evidence` with ``trace="co_similar_text"``.

    Parameters
    ----------
    posts : polars.DataFrame
        Canonical posts.
    pairs : polars.DataFrame
        ``account_a``, ``account_b`` with ``account_a < account_b``, one row per pair.
    window_us, max_key_posts, **options
        As in :func:`co_similar_text`.

    Returns
    -------
    polars.DataFrame
        The columns of :data:`~cib_detect.traces.tables.EVIDENCE_SCHEMA` (``key`` is
        the post id of the earliest post of the pair's near-duplicate cluster) plus
        ``similarity`` (the pair's Jaccard); sorted by pair, then time.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = lambda m: datetime(2024, 1, 1, 12, m, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({"post_id": ["1", "2"], "account_id": ["a", "b"],
    ...     "timestamp": [t(0), t(5)],
    ...     "text": ["Vote for the river park plan today!", "vote for the river park plan"]})
    >>> wanted = pl.DataFrame({"account_a": ["a"], "account_b": ["b"]})
    >>> ev = co_similar_text_evidence(posts, pairs=wanted, window_us=600_000_000)
    >>> ev.select("post_a", "post_b", "key", "dt", "similarity").rows()
    [('1', '2', '1', 300.0, 0.857...)]
    """
    found = similar_pairs(
        posts,
        window_us=window_us,
        max_key_posts=max_key_posts,
        function="co_action_evidence",
        **options,
    )
    oriented = _oriented_pairs(found)
    ids = found.account_ids
    labelled = oriented.with_columns(
        ids.gather(oriented["code_a"]).alias("account_a"),
        ids.gather(oriented["code_b"]).alias("account_b"),
    ).join(pairs, on=["account_a", "account_b"], how="semi")
    post_ids = found.post_ids
    rows = found.post_row

    def stamp(column: str) -> pl.Expr:
        return pl.col(column).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")

    return (
        labelled.select(
            "account_a",
            "account_b",
            post_ids.gather(rows[labelled["doc_a"].to_numpy()]).alias("post_a"),
            post_ids.gather(rows[labelled["doc_b"].to_numpy()]).alias("post_b"),
            post_ids.gather(rows[labelled["cluster"].to_numpy()]).alias("key"),
            stamp("time_a").alias("timestamp_a"),
            stamp("time_b").alias("timestamp_b"),
            ((pl.col("time_b") - pl.col("time_a")).abs() / _config.MICROSECONDS).alias("dt"),
            "similarity",
        )
        .sort(["account_a", "account_b", pl.min_horizontal("timestamp_a", "timestamp_b")])
        .cast(SIMILAR_EVIDENCE_SCHEMA)
    )
