"""The coordination-network-toolkit's networks (Graham et al., QUT Digital Observatory).

Semantics reproduced exactly (checked against the toolkit's own outputs): an edge A -> B
has weight = the number of distinct messages of A for which B has a *different* message
with the same key whose timestamp lies in ``[t - time_window, t + time_window]``. Edges
are directed; self-loops only when ``loops=True``; edges below ``min_edge_weight`` are
dropped per direction. Reposts are left out of every network except ``co_retweet``.
The toolkit's release 1.5.2 counts a message against itself in self-loops; its
repository head, reproduced here, does not.

``co_similar_tweet`` pairs two messages whose token sets (the toolkit's ``tokenize``:
lowercase, @mentions removed, Unicode word segmentation by the ``regex`` module) have
Jaccard similarity ``>= similarity_threshold``; every pair within the window is compared
exactly (:func:`cib_detect.kernels.verify.window_jaccard_pairs`), as the toolkit does.
It needs the ``regex`` package (the toolkit's own tokenizer), imported on use.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cib_detect._params import check_choice, check_int, duration_microseconds
from cib_detect.encode import EncodedKeys, account_codes, encode_keyed
from cib_detect.errors import ParameterError
from cib_detect.kernels.account_pairs import account_pair_stats
from cib_detect.kernels.directed import _directed_fill, _directed_layout
from cib_detect.kernels.verify import window_jaccard_pairs
from cib_detect.traces.posts import as_posts
from cib_detect.traces.similarity import original_documents

__all__ = ["KINDS", "network", "toolkit_text", "toolkit_token_sets"]

KINDS = ("co_retweet", "co_tweet", "co_link", "co_reply", "co_post", "co_similar_tweet")

# The toolkit's similarity.py, verbatim: its word tokenizer and @mention cleaner.
_WORD_TOKENIZER = r"\b\p{Word_Break=WSegSpace}*'?"
_MENTION_CLEANER = r"@.*?(?=(?:\s|$))"


def toolkit_text(text: pl.Expr) -> pl.Expr:
    """The toolkit's co_tweet text normalisation: lowercase, drop ``@mentions`` (an ``@``
    and everything up to the next whitespace), and collapse whitespace.

    Examples
    --------
    >>> import polars as pl
    >>> pl.select(toolkit_text(pl.lit("RT  @Bob: Hello\\tWorld @x"))).item()
    'rt hello world'
    """
    # Python's str.split() also splits on the ASCII separators \x1c-\x1f.
    space = r"[\s\x1c-\x1f]"
    # Each run of whitespace becomes one space. A lone " " is already that, so only runs
    # of two or more and lone other whitespace are matched (the longer alternative first:
    # leftmost-first matching then takes whole runs); replacing every single space as
    # well made this step several times slower.
    return (
        text.str.to_lowercase()
        .str.replace_all(r"@[^\s\x1c-\x1f]*", "")
        .str.replace_all(rf"{space}{{2,}}|[^\S ]|[\x1c-\x1f]", " ")
        .str.strip_chars(" ")
    )


def _toolkit_regexes():
    try:
        import regex
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "cnt.network(kind='co_similar_tweet') needs the 'regex' package, whose Unicode "
            "word segmentation the toolkit's tokenizer uses; install it with "
            "`pip install regex`"
        ) from None
    tokenizer = regex.compile(_WORD_TOKENIZER, flags=regex.WORD | regex.UNICODE | regex.V1)
    return tokenizer, regex.compile(_MENTION_CLEANER)


def toolkit_token_sets(texts: pl.Series) -> pl.Series:
    """The toolkit's token set of each text, as its ``similarity`` sees it: the words of
    ``tokenize(text).split()``, sorted.

    ``tokenize`` lowercases (``str.lower``), removes ``@mentions`` (``@`` up to the next
    whitespace), splits at Unicode word boundaries (the ``regex`` module's ``WORD`` mode)
    and joins the distinct non-empty pieces with spaces; ``similarity`` splits that string
    on whitespace again. Work is done once per distinct text.

    Examples
    --------
    >>> import polars as pl
    >>> toolkit_token_sets(pl.Series(["The quick fox, the QUICK dog. @Bob hi", None])).to_list()
    [[',', '.', 'dog', 'fox', 'hi', 'quick', 'the'], None]
    """
    tokenizer, cleaner = _toolkit_regexes()

    def tokens(text: str) -> list[str]:
        pieces = set(t for t in tokenizer.split(cleaner.sub("", text.lower())) if t)
        return sorted(set(" ".join(sorted(pieces)).split()))

    distinct = texts.drop_nulls().unique()
    mapping = pl.DataFrame(
        {
            "text": distinct,
            "tokens": pl.Series([tokens(t) for t in distinct], dtype=pl.List(pl.String)),
        }
    )
    joined = texts.to_frame("text").join(mapping, on="text", how="left", maintain_order="left")
    return joined.get_column("tokens").alias(texts.name)


def _similar_tweet_pairs(
    posts: pl.DataFrame, window_us: int, threshold: float, min_tokens: int, loops: bool
) -> tuple[EncodedKeys, pl.Series]:
    """Similar message pairs as two-row groups for the account-pair kernel, and the
    account ids of the codes."""
    docs, account_ids = original_documents(posts, pl.col("text"), trace="co_similar_tweet")
    docs = docs.with_columns(toolkit_token_sets(docs.get_column("text")).alias("tokens"))
    # Token ids: every distinct token an integer, each set a sorted, repeat-free id array.
    ids = (
        docs.select(pl.int_range(pl.len()).alias("doc"), "tokens")
        .explode("tokens")
        .drop_nulls("tokens")
        .with_columns(pl.col("tokens").rank("dense").cast(pl.Int64).alias("token_id"))
        .sort("doc", "token_id")
    )
    sizes = docs.get_column("tokens").list.len().to_numpy().astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    time = np.ascontiguousarray(docs.get_column("time_us").to_numpy(), dtype=np.int64)
    account = np.ascontiguousarray(docs.get_column("account_code").to_numpy(), dtype=np.int64)
    left, right = window_jaccard_pairs(
        time,
        account,
        starts,
        np.ascontiguousarray(ids.get_column("token_id").to_numpy(), dtype=np.int64),
        window_us,
        threshold,
        min_tokens,
        loops,
    )
    # Each similar pair is its own key group of two rows, older first: the account-pair
    # kernel then counts, per direction, the distinct messages with a similar partner.
    rows = np.empty(2 * len(left), np.int64)
    rows[0::2], rows[1::2] = left, right
    post_row = docs.get_column("post_row").to_numpy().astype(np.int64)
    encoded = EncodedKeys(
        starts=np.arange(0, 2 * len(left) + 1, 2, dtype=np.int64),
        time=np.ascontiguousarray(time[rows]),
        account=np.ascontiguousarray(account[rows]),
        post=np.ascontiguousarray(post_row[rows]),
        keys=pl.Series("key", np.arange(len(left), dtype=np.int64)),
        capped=pl.DataFrame(schema={"key": pl.Int64, "n_posts": pl.Int64}),
    )
    return encoded, account_ids


# The keyed rows carry account ids; the codes are made from the accounts that have a key.
_ROW = ("post_row", "account_id", "time_us")


def _keys(frame: pl.LazyFrame, kind: str, columns) -> pl.LazyFrame:
    originals = frame.filter(pl.col("repost_of").is_null()) if "repost_of" in columns else frame
    if kind == "co_retweet":
        return frame.filter(pl.col("repost_of").is_not_null()).select(
            *_ROW, pl.col("repost_of").alias("key")
        )
    if kind == "co_tweet":
        return originals.filter(pl.col("text").is_not_null()).select(
            *_ROW, toolkit_text(pl.col("text")).alias("key")
        )
    if kind == "co_link":
        return (
            originals.select(*_ROW, pl.col("urls").alias("key"))
            .explode("key")
            .filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
        )
    if kind == "co_reply":
        return originals.filter(pl.col("reply_to").is_not_null()).select(
            *_ROW, pl.col("reply_to").alias("key")
        )
    return frame.select(*_ROW, pl.lit("").alias("key"))


_NEEDS = {
    "co_retweet": "repost_of",
    "co_tweet": "text",
    "co_link": "urls",
    "co_reply": "reply_to",
    "co_similar_tweet": "text",
}


def network(
    posts,
    *,
    kind: str,
    time_window=60,
    min_edge_weight: int = 1,
    loops: bool = False,
    similarity_threshold: float = 0.9,
    min_document_size_similarity: int = 0,
) -> pl.DataFrame:
    """A coordination-network-toolkit network, edge for edge and weight for weight.

    Parameters
    ----------
    posts : polars.DataFrame or path
        Posts, e.g. ``cd.read_posts("messages.csv", format="cnt")``.
    kind : str
        ``"co_retweet"``, ``"co_tweet"``, ``"co_link"``, ``"co_reply"``, ``"co_post"`` or
        ``"co_similar_tweet"``.
    time_window : float, str or timedelta
        The toolkit's ``--time_window`` in seconds (inclusive on both sides).
    min_edge_weight : int
        Directed edges with a smaller weight are dropped.
    loops : bool
        Keep self-loops (an account repeating its own action), as ``--include_self_loops``.
    similarity_threshold : float
        ``co_similar_tweet`` only: smallest Jaccard similarity of two messages' token
        sets, in (0, 1] (the toolkit's ``--similarity_threshold``).
    min_document_size_similarity : int
        ``co_similar_tweet`` only: messages with fewer distinct tokens are similar to
        nothing (the toolkit's ``--min_document_size_similarity``); 0 disables it. Two
        messages without any token are not similar (the toolkit divides by zero there).

    Returns
    -------
    polars.DataFrame
        ``user_1``, ``user_2`` (account ids) and ``weight``: one row per directed edge,
        sorted by (user_1, user_2).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> t = lambda s: datetime(2024, 1, 1, 0, 0, s, tzinfo=timezone.utc)
    >>> posts = pl.DataFrame({"post_id": ["1", "2", "3"], "account_id": ["u0", "u1", "u0"],
    ...     "timestamp": [t(0), t(59), t(1)], "repost_of": ["r", "r", "r"]})
    >>> network(posts, kind="co_retweet", time_window=60).rows()
    [('u0', 'u1', 2), ('u1', 'u0', 1)]
    """
    name = "cnt.network"
    check_choice(kind, KINDS, name="kind", function=name)
    window_us = duration_microseconds(time_window, name="time_window", function=name)
    check_int(min_edge_weight, name="min_edge_weight", function=name, minimum=1)
    check_int(min_document_size_similarity, name="min_document_size_similarity", function=name)
    threshold = similarity_threshold
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        threshold = None
    if threshold is None or not 0 < threshold <= 1:
        raise ParameterError(
            f"the 'similarity_threshold' parameter of {name} must be a number in (0, 1]; got "
            f"{similarity_threshold!r} instead"
        )
    posts = as_posts(posts)
    if kind in _NEEDS and _NEEDS[kind] not in posts.columns:
        return pl.DataFrame(schema={"user_1": pl.String, "user_2": pl.String, "weight": pl.Int64})
    if kind == "co_similar_tweet":
        encoded, account_ids = _similar_tweet_pairs(
            posts, window_us, float(threshold), min_document_size_similarity, loops
        )
        return _directed(encoded, account_ids, window_us, min_edge_weight, loops)
    frame = posts.lazy().with_row_index("post_row")
    frame = frame.with_columns(pl.col("timestamp").dt.epoch("us").alias("time_us"))
    keyed = _keys(frame, kind, posts.columns).collect()
    # Codes for the accounts with a key only (fewer ids to hash and sort than all posts'):
    # they follow id order all the same, so the edges and their order do not change.
    codes, account_ids = account_codes(keyed)
    # Only co_link has several keys per post (and may repeat one); the others need no
    # deduplication of (post, key) rows.
    encoded = encode_keyed(keyed.with_columns(codes), dedupe=kind == "co_link")
    return _directed(encoded, account_ids, window_us, min_edge_weight, loops)


def _directed(
    enc: EncodedKeys, account_ids: pl.Series, window_us: int, min_edge_weight: int, loops: bool
) -> pl.DataFrame:
    """The toolkit's directed edges of an encoded trace, sorted by (user_1, user_2).

    The account-pair kernel gives, per pair ``a <= b``, the posts of each side with a
    partner; the edges are built from the account codes (ordered like the ids, so sorting
    codes sorts ids) and the id strings gathered once at the end.
    """
    stats = account_pair_stats(
        enc.starts,
        enc.time,
        enc.account,
        enc.post,
        len(account_ids),
        window_us,
        1,
        min_edge_weight,
        loops,
    )
    # codes and weights (posts of one account) are below the number of rows: 32 bits
    assert enc.time.shape[0] < 2**31, "cnt.network packs account codes and weights in 32 bits"
    pairs = (stats.account_a, stats.account_b, stats.n_posts_a, stats.n_posts_b)
    bounds, n_reversed = _directed_layout(*pairs, len(account_ids), min_edge_weight)
    # allocated by numpy, which backs large arrays with huge pages (see account_pairs)
    packed = np.empty(bounds[-1], np.int64)
    out = np.empty((3, bounds[-1]), np.int64)
    _directed_fill(*pairs, min_edge_weight, bounds, n_reversed, packed, out)
    ids = account_ids
    return pl.DataFrame(
        {
            "user_1": ids.gather(out[0]),
            "user_2": ids.gather(out[1]),
            "weight": out[2],
        },
        schema={"user_1": pl.String, "user_2": pl.String, "weight": pl.Int64},
    )
