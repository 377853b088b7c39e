"""Progress bars: opt-in, counts and an ETA per stage on stderr, never on stdout; the command
line draws them on a terminal (checked under a pseudo-terminal) and not in a pipe or with -q."""

import os
import pty
import select
import subprocess
import sys
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


def _cli(args, tmp_path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "cib_detect.cli",
        "detect",
        str(TIKTOK),
        "--out",
        str(tmp_path / "out"),
        *args,
    ]


def _run_on_a_terminal(command) -> tuple[int, str]:
    """Run ``command`` with stderr on a pseudo-terminal; its exit code and what it drew."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal closed with the process
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_the_cli_draws_a_progress_bar_on_a_terminal(tmp_path):
    code, drawn = _run_on_a_terminal(_cli([], tmp_path))
    assert code == 0, drawn
    assert "detect:" in drawn and "stage/s" in drawn  # tqdm's bar: counts and rate
    assert "co_sound" in drawn  # the running stage
    assert "14/14" in drawn  # the stages of the TikTok posts' traces, all done


def test_the_cli_draws_no_bar_in_a_pipe(tmp_path):
    done = subprocess.run(_cli([], tmp_path), capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "detecting coordinated clusters" in done.stderr  # the stage lines stay
    assert "stage/s" not in done.stderr and "stage/s" not in done.stdout


def test_the_cli_draws_no_bar_with_quiet_on_a_terminal(tmp_path):
    code, drawn = _run_on_a_terminal(_cli(["-q"], tmp_path))
    assert code == 0, drawn
    assert "stage/s" not in drawn
