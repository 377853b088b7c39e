"""CooRTweet's ``detect_groups`` and ``generate_coordinated_network`` (Righetti & Balluff).

Input is CooRTweet's own layout, one row per share: ``object_id`` (what was shared: a
retweeted tweet, a URL, a hashtag), ``account_id``, ``content_id`` (the share itself) and
``timestamp_share`` (seconds). CooRTweet works on rows, not unique posts, so duplicated
``content_id`` values are kept as CooRTweet keeps them.

Semantics reproduced exactly (checked against CooRTweet 2.1.3 outputs):

``detect_groups``
    keep accounts with at least ``min_participation`` rows; for each object, every pair of
    rows with ``|dt| <= time_window``; with ``remove_loops`` drop pairs of one account, of
    one content id, or involving the object itself; keep pairs where either side's
    account still has ``min_participation`` rows among the paired contents. Each pair is
    oriented so ``content_id`` is the older share (ties keep CooRTweet's row order).
``generate_coordinated_network``
    per unordered account pair: ``weight`` (number of pairs), ``avg_time_delta``,
    ``n_content_id`` / ``n_content_id_y`` (distinct older / newer shares),
    ``edge_symmetry_score`` (their min / max) and ``weight_threshold`` (1 where weight is
    above the ``edge_weight`` quantile of all weights, R's default type 7).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cib_detect._params import check_choice, check_int, check_number, duration_microseconds
from cib_detect.encode import account_codes, encode_keyed
from cib_detect.errors import ParameterError, SchemaError
from cib_detect.kernels.pairs import window_pairs

__all__ = ["detect_groups", "generate_coordinated_network"]

_COLUMNS = ("object_id", "account_id", "content_id", "timestamp_share")


def _shares(x, function: str) -> pl.DataFrame:
    """CooRTweet's input as a polars frame with typed columns."""
    if isinstance(x, str | Path):
        path = str(x)
        if path.endswith((".parquet", ".pq")):
            x = pl.read_parquet(path)
        else:
            x = pl.read_csv(path, infer_schema_length=0)
    elif isinstance(x, pl.LazyFrame):
        x = x.collect()
    elif not isinstance(x, pl.DataFrame):
        try:
            x = pl.from_pandas(x)
        except (TypeError, ValueError, ImportError):
            raise ParameterError(
                f"the 'x' parameter of {function} must be a polars or pandas DataFrame or a "
                f"path; got {type(x).__name__} instead"
            ) from None
    missing = [c for c in _COLUMNS if c not in x.columns]
    if missing:
        raise SchemaError(
            f"{function} needs CooRTweet's columns {list(_COLUMNS)}; missing {missing} "
            f"(found {x.columns}); rename yours with .rename({{...}})"
        )
    ts = x.get_column("timestamp_share")
    if not ts.dtype.is_numeric():
        ts = ts.cast(pl.Float64, strict=False)
        if ts.null_count() > x.get_column("timestamp_share").null_count():
            raise SchemaError(
                f"{function}: column 'timestamp_share' must hold seconds since the epoch; "
                f"found values like {x.get_column('timestamp_share').head(3).to_list()}"
            )
        if (ts.drop_nulls() == ts.drop_nulls().round()).all():
            ts = ts.cast(pl.Int64)
    return x.select(*(pl.col(c).cast(pl.String) for c in _COLUMNS[:3]), ts.alias("timestamp_share"))


def detect_groups(
    x,
    *,
    time_window=10,
    min_participation: int = 2,
    remove_loops: bool = True,
) -> pl.DataFrame:
    """CooRTweet's ``detect_groups``: pairs of shares of one object within the window.

    Parameters
    ----------
    x : polars.DataFrame, pandas.DataFrame or path
        Shares with ``object_id``, ``account_id``, ``content_id``, ``timestamp_share``.
    time_window : float
        Seconds (inclusive).
    min_participation : int
        Fewest rows an account needs, before and after pairing.
    remove_loops : bool
        Drop pairs of the same account, same content, or involving the object itself.

    Returns
    -------
    polars.DataFrame
        ``object_id``, ``content_id`` (older share), ``content_id_y`` (newer share),
        ``time_delta`` (seconds), ``account_id``, ``account_id_y``, in CooRTweet's order.

    Examples
    --------
    >>> import polars as pl
    >>> x = pl.DataFrame({"object_id": ["o", "o", "o", "p", "p"],
    ...     "account_id": ["a", "b", "c", "a", "b"], "content_id": ["1", "2", "3", "4", "5"],
    ...     "timestamp_share": [0, 5, 100, 10, 12]})
    >>> detect_groups(x, time_window=10, min_participation=1).rows()
    [('o', '1', '2', 5, 'a', 'b'), ('p', '4', '5', 2, 'a', 'b')]
    """
    name = "coortweet.detect_groups"
    window_us = duration_microseconds(time_window, name="time_window", function=name)
    check_int(min_participation, name="min_participation", function=name, minimum=0)
    shares = _shares(x, name).with_row_index("row")
    # CooRTweet's pre-filter regroups the rows by account in order of first appearance;
    # that order decides how equal timestamps are oriented and how the output is ordered.
    shares = (
        shares.with_columns(
            pl.len().over("account_id").alias("n_rows"),
            pl.col("row").min().over("account_id").alias("first_row"),
        )
        .filter(pl.col("n_rows") >= min_participation)
        .sort(["first_row", "row"])
        .drop("n_rows", "first_row", "row")
        .with_row_index("order")
    )
    codes, _ = account_codes(shares)
    keyed = shares.select(
        pl.col("order").cast(pl.Int64).alias("post_row"),
        codes,
        (pl.col("timestamp_share") * 1_000_000).round().cast(pl.Int64).alias("time_us"),
        pl.col("object_id").alias("key"),
    )
    enc = encode_keyed(keyed)
    left, right = window_pairs(enc.starts, enc.time, enc.account, window_us, True)
    row_l, row_r = enc.post[left], enc.post[right]
    pick = lambda col, rows: shares.get_column(col).gather(rows)  # noqa: E731
    pairs = pl.DataFrame(
        {
            "object_id": pick("object_id", row_l),
            "content_id": pick("content_id", row_l),
            "content_id_y": pick("content_id", row_r),
            "time_delta": (pick("timestamp_share", row_r) - pick("timestamp_share", row_l)),
            "account_id": pick("account_id", row_l),
            "account_id_y": pick("account_id", row_r),
            "first": pl.Series(row_l).clip(upper_bound=pl.Series(row_r)),
            "second": pl.Series(row_r).clip(lower_bound=pl.Series(row_l)),
        }
    )
    if remove_loops:
        pairs = pairs.filter(
            (pl.col("object_id") != pl.col("content_id"))
            & (pl.col("object_id") != pl.col("content_id_y"))
            & (pl.col("content_id") != pl.col("content_id_y"))
            & (pl.col("account_id") != pl.col("account_id_y"))
        )
    if min_participation >= 1:
        paired = pl.concat([pairs["content_id"], pairs["content_id_y"]]).unique()
        active = shares.filter(pl.col("content_id").is_in(paired.implode())).filter(
            pl.len().over("account_id") >= min_participation
        )
        kept = active.get_column("content_id").unique().implode()
        pairs = pairs.filter(pl.col("content_id").is_in(kept) | pl.col("content_id_y").is_in(kept))
    object_rank = shares.group_by("object_id").agg(pl.col("order").min().alias("object_rank"))
    return (
        pairs.join(object_rank, on="object_id", how="left")
        .sort(["object_rank", "second", "first"])
        .drop("object_rank", "first", "second")
    )


def generate_coordinated_network(
    groups: pl.DataFrame,
    *,
    edge_weight: float = 0.5,
    subgraph: int = 0,
    objects: bool = False,
) -> pl.DataFrame:
    """CooRTweet's ``generate_coordinated_network`` as an undirected edge list.

    Parameters
    ----------
    groups : polars.DataFrame
        The result of :func:`detect_groups`.
    edge_weight : float
        Quantile (0-1) of the weights above which ``weight_threshold`` is 1.
    subgraph : int
        0 keeps every edge; 1 keeps only edges with ``weight_threshold == 1``.
    objects : bool
        Add ``object_ids``: the pair's objects, comma-separated, in CooRTweet's order.

    Returns
    -------
    polars.DataFrame
        ``from``, ``to`` (``from < to``), ``weight``, ``avg_time_delta``,
        ``n_content_id``, ``n_content_id_y``, ``edge_symmetry_score``, [``object_ids``],
        ``weight_threshold``.

    Examples
    --------
    >>> import polars as pl
    >>> x = pl.DataFrame({"object_id": ["o", "o", "p", "p", "q", "q"],
    ...     "account_id": ["b", "a", "a", "b", "a", "c"],
    ...     "content_id": ["1", "2", "3", "4", "5", "6"],
    ...     "timestamp_share": [0, 5, 10, 12, 20, 21]})
    >>> net = generate_coordinated_network(detect_groups(x, min_participation=1))
    >>> net.select("from", "to", "weight", "weight_threshold").rows()
    [('a', 'b', 2, 1), ('a', 'c', 1, 0)]
    """
    name = "coortweet.generate_coordinated_network"
    check_number(edge_weight, name="edge_weight", function=name, low=0, high=1)
    check_choice(subgraph, [0, 1], name="subgraph", function=name)
    edge_order = [
        pl.min_horizontal("account_id", "account_id_y").alias("from"),
        pl.max_horizontal("account_id", "account_id_y").alias("to"),
    ]
    aggregates = [
        pl.len().cast(pl.Int64).alias("weight"),
        pl.col("time_delta").mean().alias("avg_time_delta"),
        pl.col("content_id").n_unique().cast(pl.Int64).alias("n_content_id"),
        pl.col("content_id_y").n_unique().cast(pl.Int64).alias("n_content_id_y"),
    ]
    if objects:
        aggregates.append(pl.col("object_id").unique(maintain_order=True).str.join(","))
    edges = (
        groups.with_columns(edge_order)
        .group_by("from", "to", maintain_order=True)
        .agg(aggregates)
        .with_columns(
            (
                pl.min_horizontal("n_content_id", "n_content_id_y")
                / pl.max_horizontal("n_content_id", "n_content_id_y")
            ).alias("edge_symmetry_score")
        )
    )
    if objects:
        edges = edges.rename({"object_id": "object_ids"})
    threshold = edges.get_column("weight").quantile(edge_weight, interpolation="linear")
    edges = edges.with_columns(
        (pl.col("weight") > (threshold if threshold is not None else 0))
        .cast(pl.Int64)
        .alias("weight_threshold")
    )
    if subgraph == 1:
        edges = edges.filter(pl.col("weight_threshold") == 1)
    columns = ["from", "to", "weight", "avg_time_delta", "n_content_id", "n_content_id_y"]
    columns += ["edge_symmetry_score", *(["object_ids"] if objects else []), "weight_threshold"]
    return edges.select(columns).sort(["from", "to"])
