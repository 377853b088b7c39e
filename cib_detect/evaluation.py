"""``evaluate()``: a detection against ground truth.

Account level (the positive class is ``positive_roles``, by default hidden state
campaigns): precision, recall and F1 of ``score >= threshold``, ROC-AUC, average
precision, and precision at k (k = number of positives, the R-precision; ties broken against
the detection: negatives first). Accounts absent
from ``account_scores`` or in no cluster score 0.

Cluster level, over the accounts that are in a detected cluster or in a true group of a
coordinated role (``cluster_roles``; other accounts are left out so that thousands of
correctly unclustered ordinary users do not inflate the figures): adjusted Rand index and
normalised mutual information between detected ``cluster_id`` (-1 counts as one "none"
label) and true ``group`` (null counts as "none"), and weighted precision.

Weighted precision follows our reading of Iannucci et al. (2025): for each detected
cluster, the share of its accounts that belong to its most common true group (ordinary
accounts, with no group, form the group "none"); the shares are averaged with the cluster
sizes as weights. It is 1 when every detected cluster holds one planted group only, however
the groups are split.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cib_detect.errors import ParameterError, SchemaError

__all__ = ["Evaluation", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """Result of :func:`evaluate`.

    Attributes
    ----------
    accounts : dict of str to float
        ``n_positive``, ``n_predicted``, ``precision``, ``recall``, ``f1``, ``roc_auc``,
        ``average_precision``, ``precision_at_k`` and ``threshold``.
    clusters : dict of str to float
        ``n_accounts``, ``adjusted_rand``, ``nmi`` and ``weighted_precision``.
    roles : polars.DataFrame
        Score distribution per true role: ``role``, ``count``, ``median``, ``mean``,
        ``p90``, ``clustered`` (share of accounts in a cluster).
    groups : polars.DataFrame
        The same per planted group (``group``, ``role`` ...).

    Examples
    --------
    >>> result = Evaluation(accounts={"precision": 1.0, "recall": 0.5},
    ...                     clusters={"adjusted_rand": 0.9})
    >>> result.accounts["recall"], result.clusters["adjusted_rand"]
    (0.5, 0.9)
    >>> result.roles.height
    0
    """

    accounts: dict = field(default_factory=dict)
    clusters: dict = field(default_factory=dict)
    roles: pl.DataFrame = field(default_factory=pl.DataFrame)
    groups: pl.DataFrame = field(default_factory=pl.DataFrame)


def _distribution(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return (
        frame.group_by(by)
        .agg(
            pl.len().cast(pl.Int64).alias("count"),
            pl.col("score").median().alias("median"),
            pl.col("score").mean().alias("mean"),
            pl.col("score").quantile(0.9, interpolation="linear").alias("p90"),
            (pl.col("cluster_id") >= 0).mean().alias("clustered"),
        )
        .sort(by)
    )


def evaluate(
    detection,
    truth: pl.DataFrame,
    *,
    positive_roles=("hidden_state", "hidden_abroad"),
    cluster_roles=("hidden_state", "hidden_abroad", "spam"),
    threshold: float = 0.5,
) -> Evaluation:
    """Compare a detection with ground truth.

    Parameters
    ----------
    detection : Detection
        Result of :func:`cib_detect.detect` (``account_scores`` with ``account_id``,
        ``cluster_id`` and ``score``).
    truth : polars.DataFrame
        ``account_id`` and ``role``; ``group`` for the cluster-level metrics (as in
        ``cd.datasets.synthetic(...).truth``).
    positive_roles : sequence of str
        Roles of the positive class: by default the hidden state campaigns, at home
        (``hidden_state``) and aimed abroad (``hidden_abroad``).
    cluster_roles : sequence of str
        Roles whose groups the clusters should recover.
    threshold : float
        Account score at or above which an account counts as predicted positive.

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> import cib_detect as cd
    >>> data = cd.datasets.synthetic(20_000, seed=1)
    >>> result = cd.evaluate(cd.detect(data.posts, data.accounts), data.truth)
    >>> result.accounts["roc_auc"] > 0.5, result.clusters["weighted_precision"] > 0.9
    (True, True)
    >>> result.roles.columns
    ['role', 'count', 'median', 'mean', 'p90', 'clustered']
    """
    # scikit-learn imports pandas when present: load it only when evaluating
    from sklearn import metrics

    problems = [
        f"truth is missing column {c!r}" for c in ("account_id", "role") if c not in truth.columns
    ]
    scores = getattr(detection, "account_scores", None)
    if not isinstance(scores, pl.DataFrame):
        problems.append("detection has no account_scores table; pass the result of cd.detect()")
    else:
        problems += [
            f"detection.account_scores is missing column {c!r}"
            for c in ("account_id", "cluster_id", "score")
            if c not in scores.columns
        ]
    if not 0 <= threshold <= 1:
        problems.append(f"threshold must be in [0, 1], got {threshold}")
    if problems:
        raise SchemaError("evaluate: " + "; ".join(problems))
    positive_roles = [positive_roles] if isinstance(positive_roles, str) else list(positive_roles)
    cluster_roles = [cluster_roles] if isinstance(cluster_roles, str) else list(cluster_roles)
    group = pl.col("group") if "group" in truth.columns else pl.lit(None, pl.String)
    table = (
        truth.select("account_id", "role", group.alias("group"))
        .join(
            scores.select("account_id", "cluster_id", "score"),
            on="account_id",
            how="left",
        )
        .with_columns(pl.col("cluster_id").fill_null(-1), pl.col("score").fill_null(0.0))
        .with_columns(
            pl.when(pl.col("cluster_id") >= 0).then(pl.col("score")).otherwise(0.0).alias("score"),
            pl.col("role").is_in(positive_roles).alias("positive"),
        )
        .sort("account_id")
    )
    y = table.get_column("positive").to_numpy()
    s = table.get_column("score").to_numpy()
    n_positive = int(y.sum())
    if n_positive == 0 or n_positive == len(y):
        raise ParameterError(
            f"evaluate: truth has {n_positive} accounts of roles {positive_roles} among "
            f"{len(y)}; both classes are needed; pass positive_roles=..."
        )
    predicted = s >= threshold
    tp = int((predicted & y).sum())
    precision = tp / predicted.sum() if predicted.sum() else 0.0
    recall = tp / n_positive
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # top k by score; ties broken against the detection (negatives first, then by account
    # id: the table is sorted by id), so a block of equal scores cannot flatter it
    order = np.lexsort((np.arange(len(s)), y, -s))
    accounts = {
        "n_positive": n_positive,
        "n_predicted": int(predicted.sum()),
        "threshold": threshold,
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "roc_auc": float(metrics.roc_auc_score(y, s)),
        "average_precision": float(metrics.average_precision_score(y, s)),
        "precision_at_k": float(y[order[:n_positive]].mean()),
    }
    subset = table.filter((pl.col("cluster_id") >= 0) | pl.col("role").is_in(cluster_roles))
    clusters = {"n_accounts": subset.height}
    if subset.height:
        true = subset.get_column("group").fill_null("none").to_numpy()
        found = subset.get_column("cluster_id").to_numpy()
        majority = (
            subset.filter(pl.col("cluster_id") >= 0)
            .with_columns(pl.col("group").fill_null("none"))
            .group_by("cluster_id", "group")
            .len()
            .group_by("cluster_id")
            .agg(pl.col("len").max().alias("top"), pl.col("len").sum().alias("size"))
        )
        size = majority.get_column("size").sum()
        clusters |= {
            "adjusted_rand": float(metrics.adjusted_rand_score(true, found)),
            "nmi": float(metrics.normalized_mutual_info_score(true, found)),
            "weighted_precision": float(majority.get_column("top").sum() / size)
            if size
            else float("nan"),
        }
    roles = _distribution(table, ["role"])
    groups = _distribution(table.filter(pl.col("group").is_not_null()), ["group", "role"])
    return Evaluation(accounts=accounts, clusters=clusters, roles=roles, groups=groups)
