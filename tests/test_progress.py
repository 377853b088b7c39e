"""Progress bars: opt-in, counts and an ETA per stage on stderr, never on stdout; the command
line draws them on a terminal (checked under a pseudo-terminal) and not in a pipe or with -q."""

import warnings
from pathlib import Path

import pytest

import cib_detect as cd
from cib_detect.errors import ParameterError

DATA = Path(__file__).parent / "data"
TIKTOK = DATA / "tiktok_videos.jsonl"
ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def posts():
    return cd.read_posts(TIKTOK)


@pytest.fixture(scope="module")
def parquet(posts, tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "posts.parquet"
    posts.write_parquet(path)
    return path


def test_co_action_edges_draws_stage_counts_on_stderr_only(posts, capsys):
    quiet = cd.co_action_edges(posts, trace="co_sound")
    assert capsys.readouterr() == ("", "")  # off by default
    shown = cd.co_action_edges(posts, trace="co_sound", progress=True)
    out, err = capsys.readouterr()
    assert shown.equals(quiet)
    assert out == ""
    assert "co_action_edges co_sound" in err
    assert "3/3" in err and "stage" in err  # counts, and the rate tqdm estimates the ETA from


def test_chunked_runs_count_their_chunks(parquet, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cd.errors.ParameterWarning)
        cd.co_action_edges(parquet, trace="co_hashtag", n_chunks=4, progress=True)
    err = capsys.readouterr().err
    assert "chunk" in err and "/4" in err


def test_progress_must_be_a_bool(posts):
    with pytest.raises(ParameterError, match="'progress' parameter of co_action_edges"):
        cd.co_action_edges(posts, trace="co_sound", progress="yes")


def test_detect_counts_every_stage_and_stays_quiet_by_default(posts, capsys):
    quiet = cd.detect(posts)
    assert capsys.readouterr() == ("", "")
    shown = cd.detect(posts, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    stages = len(shown.params["traces"]) + 5  # read, traces, fuse, cluster, read, score
    assert f"{stages}/{stages}" in err
    assert shown.clusters.equals(quiet.clusters)
