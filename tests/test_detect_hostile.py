"""detect() on data with nothing to find and on bad parameters: clear answers, before work."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import polars as pl
import pytest

import cib_detect as cd
from cib_detect.cli import _traces
from cib_detect.errors import ParameterError, ParameterWarning


def _two_posts(**extra) -> pl.DataFrame:
    """Two posts by two accounts an hour apart: nothing co-acts."""
    return pl.DataFrame(
        {
            "post_id": ["1", "2"],
            "account_id": ["a", "b"],
            "timestamp": [
                datetime(2024, 1, 1, 12, tzinfo=timezone.utc),
                datetime(2024, 1, 1, 13, tzinfo=timezone.utc),
            ],
            "text": ["hello world this is some text", "another text entirely here"],
            **extra,
        }
    )


@pytest.mark.parametrize(
    "options", [{}, {"traces": ["hashtag_sequence"]}, {"traces": "co_text"}], ids=str
)
def test_detect_without_coactions_is_an_empty_detection(options):
    result = cd.detect(_two_posts(), **options)
    assert result.n_clusters == 0
    assert result.edges.height == 0
    assert {"account_a", "account_b", "weight", "p_value", "q_value"} <= set(result.edges.columns)
    assert result.clusters.sort("account_id").rows() == [("a", -1), ("b", -1)]
    assert result.cluster_scores.height == 0


def test_detect_streamed_without_coactions_is_an_empty_detection(tmp_path):
    path = tmp_path / "posts.parquet"
    _two_posts().write_parquet(path)
    result = cd.detect(path, n_chunks=2, traces=["hashtag_sequence", "co_text"])
    assert any("n_chunks=2" in w for w in result.warnings)
    assert result.n_clusters == 0
    assert result.edges.height == 0


def test_empty_traces_names_the_parameter():
    with pytest.raises(ParameterError, match="'traces' parameter of detect names no trace"):
        cd.detect(_two_posts(), traces=[])


def test_posts_with_only_required_columns_are_tested_on_their_timing():
    posts = _two_posts().select("post_id", "account_id", "timestamp")
    result = cd.detect(posts)
    assert result.params["traces"] == ["sync_activity"]


@pytest.mark.parametrize("name", ["seed_accounts", "seed_domains"])
def test_a_single_seed_string_is_one_seed(name):
    result = cd.detect(_two_posts(), **{name: "rt.com"})
    assert result.params[name] == ["rt.com"]


@pytest.mark.parametrize("name", ["seed_accounts", "seed_domains"])
def test_seeds_of_the_wrong_type_are_refused(name):
    with pytest.raises(ParameterError, match=name):
        cd.detect(_two_posts(), **{name: 5})


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"alpha": 0}, "alpha"),
        ({"alpha": 1.5}, "alpha"),
        ({"random_state": -1}, "random_state"),
        ({"min_cluster_size": 1}, "min_cluster_size"),
        ({"max_burst_share": 0}, "max_burst_share"),
        ({"window": "soon"}, "window"),
        ({"traces": ["co_nothing"]}, "traces"),
        ({"n_chunks": 0}, "n_chunks"),
        ({"backend": "spark"}, "backend"),
    ],
    ids=str,
)
def test_bad_parameters_are_refused_at_entry_by_their_public_name(options, name, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("posts were read before the parameters were checked")

    monkeypatch.setattr("cib_detect.pipeline.open_posts", no_work)
    with pytest.raises(ParameterError, match=rf"'{name}' parameter of detect"):
        cd.detect(_two_posts(), **options)


def test_missing_spill_dir_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match=r"'spill_dir'.*existing directory"):
        cd.detect(_two_posts(), n_chunks=2, spill_dir=tmp_path / "nope")
    with pytest.raises(ParameterError, match=r"'spill_dir'.*existing directory"):
        cd.co_action_edges(_two_posts(), trace="co_text", n_chunks=2, spill_dir=tmp_path / "x")


def test_numpy_integers_are_accepted_like_python_integers():
    posts = _two_posts(repost_of=["x", "x"])
    edges = cd.co_action_edges(
        posts, trace="co_repost", window=np.int64(3600), min_weight=np.int64(1)
    )
    assert edges.select("account_a", "account_b", "n_coactions").rows() == [("a", "b", 1)]
    result = cd.detect(posts, window=np.int64(60), min_cluster_size=np.int64(3))
    assert result.params["window_seconds"] == 60.0


def test_huge_n_chunks_on_small_data_is_reported(tmp_path):
    path = tmp_path / "posts.parquet"
    _two_posts(repost_of=["x", "x"]).write_parquet(path)
    with pytest.warns(ParameterWarning, match="n_chunks=1,000,000"):
        edges = cd.co_action_edges(path, trace="co_repost", window="2h", n_chunks=10**6)
    assert edges.height == 1


def test_cli_traces_take_spaces_and_commas():
    assert _traces(["co_url, co_text"]) == ["co_url", "co_text"]
    assert _traces(["co_url,co_text", "co_repost"]) == ["co_url", "co_text", "co_repost"]


def test_public_names_resolve_lazily_and_all_is_complete():
    exported = set(cd.__all__) - {"__version__"}
    assert exported == set(cd._EXPORTS)
    for name in exported:
        assert getattr(cd, name) is not None


def test_cli_module_loads_no_heavy_library_so_an_interrupt_while_loading_is_caught():
    import subprocess
    import sys

    code = "import sys, cib_detect.cli; print(sorted({'polars', 'numba'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_interrupt_while_loading_exits_130_without_traceback(monkeypatch, capsys):
    import types

    from cib_detect import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # The first library call of a command is where polars and numba load.
    monkeypatch.setattr(cd, "datasets", types.SimpleNamespace(synthetic=interrupted))
    assert cli.main(["demo"]) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "interrupted" in err
    assert "Traceback" not in err


def test_data_too_small_to_test_says_what_it_could_test_and_what_to_try():
    # CooRTweet's small simulated set: 9 accounts on 5 objects within one hour
    path = "../shared/data/coortweet/simulated/small_input.csv.gz"
    result = cd.detect(cd.read_posts(path, format="coortweet"))
    assert result.n_clusters == 0
    tests = result.trace_tests.row(0, named=True)
    assert tests["trace"] == "co_repost"
    assert (tests["accounts"], tests["keys"]) == (9, 5)
    assert tests["pairs_tested"] > 0 and tests["min_p_value"] > 0.05
    why = result.warnings[-1]
    assert "no coordinated cluster" in why and "unlikely by chance" in why
    assert "backbone_method='min_weight'" in why and "cd.compat.coortweet" in why
    assert "what each trace could test" in result.summary()


def test_no_pair_on_two_keys_is_explained():
    result = cd.detect(_two_posts(repost_of=["x", "x"]))
    assert result.trace_tests["pairs_tested"].sum() == 0  # every text trace and co_repost
    assert "no two accounts co-acted twice" in result.warnings[-1]


def test_the_count_rule_the_empty_result_points_to_runs_and_finds_the_small_set():
    path = "../shared/data/coortweet/simulated/small_input.csv.gz"
    posts = cd.read_posts(path, format="coortweet")
    result = cd.detect(
        posts,
        backbone_method="min_weight",
        backbone_options={"weight": "n_coactions", "min_weight": 15},
        max_burst_share=1.0,
    )
    found = result.clusters.filter(pl.col("cluster_id") >= 0)["account_id"].sort().to_list()
    assert found == [f"account_{i}" for i in range(1, 6)]  # the planted coordinated five
    with pytest.raises(ParameterError, match="needs min_weight"):
        cd.detect(posts, backbone_method="min_weight")
    with pytest.raises(ParameterError, match=r"'backbone_options'.*'minimum'"):
        cd.detect(posts, backbone_method="min_weight", backbone_options={"minimum": 3})
