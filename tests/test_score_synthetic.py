"""Acceptance of the undisclosed-government score on synthetic data with every role."""

import polars as pl
import pytest

import cib_detect as cd

SEEDS = (0, 1, 2)
N_POSTS = 200_000
OTHER_ROLES = ("spam", "state_media", "fans", "activists")


@pytest.fixture(scope="module", params=SEEDS)
def evaluated(request):
    data = cd.datasets.synthetic(N_POSTS, seed=request.param)
    result = cd.detect(data.posts, data.accounts)
    return data, result, cd.evaluate(result, data.truth)


def test_hidden_state_accounts_rank_first(evaluated):
    _, _, evaluation = evaluated
    assert evaluation.accounts["roc_auc"] >= 0.97
    assert evaluation.accounts["precision_at_k"] >= 0.9


def test_every_campaign_outscores_every_other_role(evaluated):
    _, _, evaluation = evaluated
    campaigns = evaluation.groups.filter(pl.col("role") == "hidden_state")
    assert campaigns.height >= 4
    lowest_campaign = campaigns["median"].min()
    roles = {r["role"]: r["median"] for r in evaluation.roles.iter_rows(named=True)}
    for role in OTHER_ROLES:
        assert roles[role] < lowest_campaign, (role, roles[role], lowest_campaign)


def test_evidence_names_state_sources_schedule_and_creation(evaluated):
    data, result, _ = evaluated
    labels = result.clusters.join(data.truth, on="account_id")
    majority = (
        labels.filter(pl.col("cluster_id") >= 0)
        .group_by("cluster_id")
        .agg(pl.col("group").mode().first(), pl.col("country").mode().first())
    )
    scores = result.cluster_scores.join(majority, on="cluster_id")
    tz = {"CN": 8.0, "RU": 3.0, "IR": 3.5, "VE": -4.0}
    for row in scores.filter(pl.col("group").str.starts_with("hidden_state")).iter_rows(named=True):
        assert row["utc_offset"] == tz[row["country"]], row["schedule_text"]
        assert row["holiday_country"] == row["country"]
        assert row["holiday_silence"] == pytest.approx(1.0)
        assert "state sources:" in row["evidence"]
        assert "schedule: " in row["evidence"]
        assert "creation: " in row["evidence"]
        assert row["government_link"] > 0.9
    for row in scores.filter(pl.col("group").str.starts_with("spam")).iter_rows(named=True):
        assert row["government_link"] < 0.3
        assert row["amplification"] == 0.0
