"""Near-duplicate text: the keys of the ``co_similar_text`` trace (MinHash LSH, verified Jaccard).

Coordinated accounts paraphrase: they rarely post byte-identical text for long. Two
original posts (``repost_of`` null) by different accounts are *linked* when their
normalised texts (:func:`cib_detect.normalize.normalize_text`) have shingle sets with
Jaccard similarity ``>= threshold`` and they are at most ``window`` apart; the connected
components of the links are near-duplicate groups, and a group is the trace's key. The
co-action engine then counts, tests and explains co-actions on these keys exactly as it
does for exact texts or URLs (:mod:`cib_detect.engine`), in every mode.

Candidates come from MinHash (Broder 1997) with LSH banding (Leskovec et al., *Mining of
Massive Datasets*, ch. 3): the time-sorted posts of one band bucket form a group, whose
posts are paired within the window (:func:`cib_detect.kernels.components.link_bands`), so
candidates far apart in time are never generated. Every candidate is verified by the
exact Jaccard of its shingle sets unless its posts are already in one group (a
dissimilar pair met in several bands is verified in each: such pairs share few bands).
Bands are keyed and linked a few at a time, the bands of a step in parallel. See
``docs/similarity_traces.md``.
"""

from __future__ import annotations

import logging
import warnings
from types import MappingProxyType

import numpy as np
import polars as pl

from cib_detect import _config
from cib_detect._params import check_choice, check_int
from cib_detect.encode import indexed_posts
from cib_detect.errors import CappedKeysWarning, ParameterError
from cib_detect.kernels.components import component_roots, link_bands, new_forests
from cib_detect.kernels.minhash import band_key_rows, band_sorts, bands_per_step
from cib_detect.kernels.shingles import shingle_sets
from cib_detect.normalize import normalize_text
from cib_detect.traces.keys import require_columns

logger = logging.getLogger("cib_detect")

__all__ = [
    "DEFAULT_BANDS",
    "DEFAULT_ROWS",
    "DEFAULT_THRESHOLD",
    "candidate_probability",
    "near_duplicate_keys",
    "text_jaccard",
]

#: Default smallest verified Jaccard similarity of two near-duplicate posts.
DEFAULT_THRESHOLD = 0.5
#: Default LSH bands and MinHash values per band: a pair at Jaccard 0.5 becomes a
#: candidate with probability 1 - (1 - 0.5**3)**40 = 0.9952.
DEFAULT_BANDS = 40
DEFAULT_ROWS = 3
#: Default shortest text (distinct shingles) that takes part.
DEFAULT_MIN_SHINGLES = 5

# Seed of the hash that names a near-duplicate group: any fixed value.
_KEY_SEED = 0x5EED


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


def _check_threshold(value, *, name: str, function: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ParameterError(
            f"the {name!r} option of {function} must be a number in (0, 1] (the smallest "
            f"Jaccard similarity of two near-duplicate texts); got {value!r} instead"
        )
    return float(value)


def _check_shingles(value, *, name: str, function: str) -> str:
    return check_choice(value, ("word", "char"), name=name, function=function)


def _check_positive(value, *, name: str, function: str) -> int:
    return check_int(value, name=name, function=function, minimum=1)


def _check_seed(value, *, name: str, function: str) -> int:
    return check_int(value, name=name, function=function, minimum=0)


#: Value checks of the trace options, by name (:class:`cib_detect.traces.registry.Trace`).
OPTION_CHECKS = MappingProxyType(
    {
        "threshold": _check_threshold,
        "shingles": _check_shingles,
        "shingle_size": _check_positive,
        "min_shingles": _check_positive,
        "bands": _check_positive,
        "rows": _check_positive,
        "seed": _check_seed,
    }
)


def original_documents(posts: pl.DataFrame, text: pl.Expr, *, trace: str):
    """Original posts with text, sorted by (time, row): ``post_row``, ``account_code``,
    ``time_us`` and ``text`` (the given expression of the text); and the account ids."""
    require_columns(posts.columns, trace, "text")
    frame, account_ids = indexed_posts(posts)
    return _documents(frame, posts.columns, text).collect(), account_ids


def _documents(indexed: pl.LazyFrame, columns, text: pl.Expr) -> pl.LazyFrame:
    if "repost_of" in columns:
        indexed = indexed.filter(pl.col("repost_of").is_null())
    return (
        indexed.filter(pl.col("text").is_not_null())
        .select("post_row", "account_code", "time_us", text.alias("text"))
        .sort(["time_us", "post_row"])
    )


def _shingled(texts: pl.Series, shingles: str, shingle_size: int):
    offsets, data = _string_buffers(texts)
    return shingle_sets(offsets, data, shingles, shingle_size)


def _near_duplicate_roots(time, account, starts, values, *, window_us, max_key_posts, options):
    """The root (earliest text) of every text's near-duplicate group: components of the
    pairs by different accounts within the window whose shingle sets have Jaccard >=
    threshold, found through LSH band buckets.

    The bands are keyed, sorted and linked a few at a time, so that memory holds the keys
    of a few bands with their sort orders and a union-find forest per thread (16 bytes a
    text each), never the keys of all bands."""
    bands, rows = options["bands"], options["rows"]
    n = len(time)
    max_bucket = n + 1 if max_key_posts is None else max(int(max_key_posts), 2)
    forests, marks = new_forests(n, bands)
    per_step = bands_per_step()
    capped = []
    for first in range(0, bands, per_step):
        last = min(first + per_step, bands)
        keys = band_key_rows(starts, values, first, last, bands, rows, options["seed"])
        order, sorted_keys = band_sorts(keys)
        del keys
        _, sizes = link_bands(
            order, sorted_keys, max_bucket, time, account, window_us, starts, values,
            options["threshold"], forests, marks,
        )  # fmt: skip
        capped.extend((first + b, int(size)) for b, band in enumerate(sizes) for size in band)
        del order, sorted_keys
    if capped:
        sizes = [size for _, size in capped]
        message = (
            f"trace 'co_similar_text': {len(capped)} band buckets with more than "
            f"{max_key_posts} posts were left out ({sum(sizes)} posts over "
            f"{len({band for band, _ in capped})} of {bands} bands; largest {max(sizes)} "
            f"posts): their near-duplicates are found only through other bands; raise "
            f"max_key_posts or pass None to keep them"
        )
        logger.warning(message)
        warnings.warn(message, CappedKeysWarning, stacklevel=2)
    return component_roots(forests)


def near_duplicate_keys(
    posts: pl.LazyFrame,
    columns,
    *,
    window_us: int,
    max_key_posts: int | None = _config.DEFAULT_MAX_KEY_POSTS,
    threshold: float = DEFAULT_THRESHOLD,
    shingles: str = "word",
    shingle_size: int = 1,
    min_shingles: int = DEFAULT_MIN_SHINGLES,
    bands: int = DEFAULT_BANDS,
    rows: int = DEFAULT_ROWS,
    seed: int = 0,
) -> pl.LazyFrame:
    """Key of the ``co_similar_text`` trace: the near-duplicate group of an original post.

    Two original posts by different accounts at most ``window_us`` apart are linked when
    the Jaccard similarity of their shingle sets is ``>= threshold`` (MinHash LSH
    candidates, every one verified); a group is a connected component of those links,
    and its key is a hash of its earliest post. Posts linked to no other post
    get no key. Groups need every post at once, so the posts are collected (only the
    original posts' rows, account, time and text).

    Parameters
    ----------
    posts : polars.LazyFrame
        Indexed posts (``post_row``, ``account_code``, ``time_us`` and ``text``).
    columns : collection of str
        Their columns.
    window_us : int
        Largest gap of a link, microseconds (the trace's co-action window).
    max_key_posts : int or None
        Band buckets with more posts are left out of that band (reported with a
        :class:`~cib_detect.errors.CappedKeysWarning`).
    threshold, shingles, shingle_size, min_shingles, bands, rows, seed
        The trace options (``docs/similarity_traces.md``): smallest Jaccard, shingle kind
        and size, shortest text in distinct shingles, LSH bands and rows per band, MinHash
        seed.

    Returns
    -------
    polars.LazyFrame
        ``post_row``, ``account_code``, ``time_us`` and ``key`` (UInt64: a hash of the
        group's earliest post) of every post in a group, in post order.

    Examples
    --------
    >>> import polars as pl
    >>> posts = pl.LazyFrame({"post_row": [0, 1, 2], "account_code": [0, 1, 2],
    ...     "time_us": [0, 300_000_000, 540_000_000],
    ...     "text": ["Vote for the river park plan today!", "vote for the river park plan",
    ...              "completely different words in this post"]})
    >>> keys = near_duplicate_keys(posts, posts.collect_schema().names(), window_us=600_000_000)
    >>> keys = keys.collect()
    >>> keys.get_column("post_row").to_list(), keys.get_column("key").n_unique()
    ([0, 1], 1)
    """
    docs = _documents(posts, columns, normalize_text(pl.col("text"))).collect()
    starts, values = _shingled(docs.get_column("text"), shingles, shingle_size)
    sizes = np.diff(starts)
    keep = sizes >= min_shingles
    if not keep.all():
        docs = docs.filter(pl.Series(keep))
        values = values[np.repeat(keep, sizes)]
        starts = np.concatenate([[0], np.cumsum(sizes[keep])]).astype(np.int64)
    time = np.ascontiguousarray(docs.get_column("time_us").to_numpy(), dtype=np.int64)
    account = np.ascontiguousarray(docs.get_column("account_code").to_numpy(), dtype=np.int64)
    options = {"threshold": threshold, "bands": bands, "rows": rows, "seed": seed}
    roots = _near_duplicate_roots(
        time, account, starts, values, window_us=window_us, max_key_posts=max_key_posts,
        options=options,
    )  # fmt: skip
    linked = np.flatnonzero(np.bincount(roots, minlength=len(roots))[roots] >= 2)
    members = docs[linked].with_columns(pl.Series("root", roots[linked]))
    # A group's key is a hash of its earliest post (time, account, text), not of a row
    # number, so that neither the keys nor their order depend on the order of the rows.
    first = pl.struct("time_us", "account_code", "text")
    keys = (
        members.sort("root", "time_us", "account_code", "text")
        .group_by("root", maintain_order=True)
        .agg(first.first().hash(seed=_KEY_SEED).alias("key"))
    )
    return (
        members.join(keys, on="root")
        .select("post_row", "account_code", "time_us", "key")
        .sort("post_row")
        .lazy()
    )


def text_jaccard(
    texts_a: pl.Series, texts_b: pl.Series, *, shingles: str = "word", shingle_size: int = 1
) -> np.ndarray:
    """Jaccard similarity of the shingle sets of two aligned text series (normalised first),
    for the evidence of ``co_similar_text``.

    Examples
    --------
    >>> import polars as pl
    >>> text_jaccard(pl.Series(["Vote for the river park plan today!"]),
    ...              pl.Series(["vote for the river park plan"])).round(3).tolist()
    [0.857]
    """
    both = pl.concat([texts_a, texts_b]).cast(pl.String).fill_null("")
    starts, values = _shingled(
        pl.select(normalize_text(pl.lit(both))).to_series(), shingles, shingle_size
    )
    n = len(texts_a)
    out = np.zeros(n)
    for k in range(n):
        a = values[starts[k] : starts[k + 1]]
        b = values[starts[n + k] : starts[n + k + 1]]
        union = len(np.union1d(a, b))
        out[k] = len(np.intersect1d(a, b)) / union if union else 0.0
    return out
