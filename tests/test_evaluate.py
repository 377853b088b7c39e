"""cd.evaluate on hand-built detections."""

import polars as pl
import pytest

import cib_detect as cd
from cib_detect.errors import ParameterError, SchemaError


def detection(cluster_ids, scores):
    ids = [f"a{i}" for i in range(len(scores))]
    table = pl.DataFrame({"account_id": ids, "cluster_id": cluster_ids, "score": scores})
    return cd.Detection(
        edges=pl.DataFrame(
            {"account_a": [], "account_b": []},
            schema={"account_a": pl.String, "account_b": pl.String},
        ),
        clusters=table.select("account_id", "cluster_id"),
        account_scores=table,
        cluster_scores=pl.DataFrame({"cluster_id": [0]}),
    )


TRUTH = pl.DataFrame(
    {
        "account_id": [f"a{i}" for i in range(8)],
        "role": ["hidden_state"] * 3 + ["spam"] * 2 + ["organic"] * 3,
        "group": ["hidden_state_CN"] * 3 + ["spam_1"] * 2 + [None] * 3,
    }
)


def test_perfect_detection():
    result = cd.evaluate(
        detection([0, 0, 0, 1, 1, -1, -1, -1], [0.9, 0.8, 0.7, 0.2, 0.2, 0.0, 0.0, 0.0]), TRUTH
    )
    acc = result.accounts
    assert acc["n_positive"] == 3
    assert acc["precision"] == acc["recall"] == acc["f1"] == 1.0
    assert acc["roc_auc"] == acc["average_precision"] == acc["precision_at_k"] == 1.0
    clusters = result.clusters
    assert clusters["adjusted_rand"] == pytest.approx(1.0)
    assert clusters["nmi"] == pytest.approx(1.0)
    assert clusters["weighted_precision"] == pytest.approx(1.0)
    roles = {r["role"]: r for r in result.roles.iter_rows(named=True)}
    assert roles["hidden_state"]["median"] == pytest.approx(0.8)
    assert roles["spam"]["clustered"] == 1.0
    assert set(result.groups["group"]) == {"hidden_state_CN", "spam_1"}


def test_mixed_cluster_and_unclustered_scores():
    # one cluster mixes the campaign with an ordinary user; a5's score is ignored (no cluster)
    result = cd.evaluate(
        detection([0, 0, -1, -1, -1, -1, 0, -1], [0.9, 0.9, 0.0, 0.0, 0.0, 0.99, 0.9, 0.0]), TRUTH
    )
    acc = result.accounts
    assert acc["precision"] == pytest.approx(2 / 3)
    assert acc["recall"] == pytest.approx(2 / 3)
    assert acc["precision_at_k"] == pytest.approx(2 / 3)
    # weighted precision: cluster 0 holds 2 of hidden_state_CN and one "none"
    assert result.clusters["weighted_precision"] == pytest.approx(2 / 3)
    assert 0 < result.accounts["roc_auc"] < 1


def test_bad_input_is_named():
    with pytest.raises(SchemaError, match="truth is missing column 'role'"):
        cd.evaluate(detection([0], [1.0]), pl.DataFrame({"account_id": ["a0"]}))
    with pytest.raises(ParameterError, match="both classes"):
        cd.evaluate(detection([0, 0, 0], [1.0, 1.0, 1.0]), TRUTH, positive_roles=("fans",))
