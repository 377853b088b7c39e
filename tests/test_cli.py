"""`cib-detect`: every command, bad arguments and bad files (exit codes and messages)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from cib_detect import cli
from cib_detect.cli import main

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    assert main(["synth", "--posts", "8000", "--seed", "3", "--out", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def detect_dir(synth_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("detect")
    code = main(["detect", str(synth_dir / "posts.parquet"), "--accounts",
                 str(synth_dir / "accounts.parquet"), "--out", str(out), "-q"])  # fmt: skip
    assert code == 0
    return out


def _error_line(capsys) -> str:
    """The one error line on stderr (progress lines, which start with "[", aside)."""
    text = capsys.readouterr().err
    assert "Traceback" not in text
    err = [line for line in text.strip().splitlines() if not line.startswith("[")]
    assert len(err) == 1, err
    return err[0]


# -- commands -----------------------------------------------------------------------------


def test_version_and_help(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("cib-detect ")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("detect", "demo", "synth", "evaluate", "compat"):
        assert command in out
    assert main([]) == 2


def test_synth_writes_posts_accounts_and_truth(synth_dir):
    names = {p.name for p in synth_dir.iterdir()}
    assert names == {"posts.parquet", "accounts.parquet", "truth.parquet", "groups.parquet"}
    truth = pl.read_parquet(synth_dir / "truth.parquet")
    assert {"account_id", "role", "group"} <= set(truth.columns)
    assert "hidden_state" in truth["role"].to_list()


def test_detect_writes_every_output(detect_dir, capsys):
    names = {p.name for p in detect_dir.iterdir()}
    for table in ("edges", "clusters", "account_scores", "cluster_scores", "evidence"):
        assert {f"{table}.parquet", f"{table}.csv"} <= names
    assert {"graph.graphml", "graph.gexf", "report.html", "detection.json", "clusters.jsonl",
            "run.json"} <= names  # fmt: skip
    report = (detect_dir / "report.html").read_text(encoding="utf-8")
    assert "posts by weekday and hour" in report  # the CLI passes the posts to the report
    doc = json.loads((detect_dir / "detection.json").read_text())
    assert doc["counts"]["clusters"] > 0


def test_detect_progress_summary_and_options(synth_dir, tmp_path, capsys):
    code = main(["detect", str(synth_dir / "posts.parquet"), "--traces", "co_repost,co_url",
                 "co_hashtag", "--window", "90", "--alpha", "0.01", "--formats", "csv",
                 "--no-report", "--no-json", "--top", "2", "--out", str(tmp_path)])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    assert "reading posts" in captured.err and "done" in captured.err
    assert "cluster_id" in captured.out and f"to {tmp_path}" in captured.out
    names = {p.name for p in tmp_path.iterdir()}
    assert "edges.csv" in names and "edges.parquet" not in names and "report.html" not in names
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["params"]["traces"] == ["co_repost", "co_url", "co_hashtag"]
    assert run["params"]["window_seconds"] == 90 and run["params"]["alpha"] == 0.01


def test_quiet_prints_nothing_on_stderr(synth_dir, tmp_path, capsys):
    code = main(["detect", str(synth_dir / "posts.parquet"), "--formats", "parquet",
                 "--out", str(tmp_path), "--quiet"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().err == ""


def test_demo(tmp_path, capsys):
    assert main(["demo", "--posts", "6000", "--seed", "1", "-q"]) == 0
    assert "hidden-state accounts found" in capsys.readouterr().out
    assert main(["demo", "--posts", "6000", "--out", str(tmp_path), "-q"]) == 0
    assert (tmp_path / "report.html").exists()


def test_evaluate(detect_dir, synth_dir, tmp_path, capsys):
    out = tmp_path / "metrics.json"
    code = main(["evaluate", str(detect_dir), "--truth", str(synth_dir / "truth.parquet"),
                 "--out", str(out), "-q"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.strip()
    assert json.loads(out.read_text())


def test_evaluate_bad_inputs(detect_dir, synth_dir, tmp_path, capsys):
    assert main(["evaluate", str(tmp_path), "--truth", str(synth_dir / "truth.parquet")]) == 2
    assert "is missing" in _error_line(capsys)
    bad = tmp_path / "truth.csv"
    bad.write_text("who,role\nx,organic\n")
    assert main(["evaluate", str(detect_dir), "--truth", str(bad)]) == 2
    assert "'account_id'" in _error_line(capsys)


def test_compat_cnt(tmp_path, capsys, shared_data):
    source = shared_data / "cnt" / "coretweet_test_input.csv"
    code = main(["compat", "cnt", str(source), "--format", "cnt", "--window", "60",
                 "--out", str(tmp_path), "-q"])  # fmt: skip
    assert code == 0
    edges = pl.read_csv(tmp_path / "co_retweet.csv")
    assert edges.columns == ["user_1", "user_2", "weight"] and edges.height > 0
    oracle = json.loads((shared_data / "cnt/oracle/fixture_co_retweet_results.json").read_text())
    assert oracle  # the toolkit's own output exists for this fixture
    assert "directed edges" in capsys.readouterr().out


def test_compat_coortweet(tmp_path, capsys, shared_data):
    source = shared_data / "coortweet" / "russian_coord_tweets.parquet"
    code = main(["compat", "coortweet", str(source), "--window", "60", "--out", str(tmp_path),
                 "-q"])  # fmt: skip
    assert code == 0
    network = pl.read_csv(tmp_path / "network.csv")
    vertices = pl.concat([network["from"], network["to"]]).n_unique()
    assert (vertices, network.height) == (2110, 3721)  # CooRTweet's published vignette numbers
    assert (tmp_path / "groups.csv").exists()


# -- bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["detect"], "required"),
        (["detect", "x.csv"], "--out"),
        (["detect", "x.csv", "--out", "o", "--alpha", "abc"], "--alpha"),
        (["frobnicate"], "invalid choice"),
        (["compat"], "required"),
        (["compat", "nope", "x"], "invalid choice"),
        (["synth", "--posts", "ten", "--out", "o"], "--posts"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    line = _error_line(capsys)
    assert needle in line and line.startswith("cib-detect")


def test_bad_values_exit_2(synth_dir, tmp_path, capsys):
    posts = str(synth_dir / "posts.parquet")
    cases = [
        (["detect", posts, "--traces", "co_banana"], "'traces'"),
        (["detect", posts, "--window=-5s"], "'window'"),
        (["detect", posts, "--backbone", "magic"], "'backbone_method'"),
        (["detect", posts, "--formats", "csv,xlsx"], "'xlsx'"),
        (["detect", posts, "--format", "myspace"], "'format'"),
        (["compat", "cnt", posts, "--kind", "co_nope"], "'kind'"),
        (["synth", "--posts", "10"], "at least 1000"),
    ]
    for argv, needle in cases:
        assert main([*argv, "--out", str(tmp_path / "o")]) == 2, argv
        assert needle in _error_line(capsys), argv


# -- bad files ------------------------------------------------------------------------------


def test_bad_files_exit_2(tmp_path, capsys):
    missing = tmp_path / "nope.parquet"
    assert main(["detect", str(missing), "--out", str(tmp_path / "o")]) == 2
    assert "file not found" in _error_line(capsys)
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"not a parquet file at all")
    assert main(["detect", str(corrupt), "--out", str(tmp_path / "o")]) == 2
    assert f"cannot read posts from {corrupt}" in _error_line(capsys)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    assert main(["detect", str(wrong), "--out", str(tmp_path / "o")]) == 2
    assert "post_id" in _error_line(capsys)
    badtime = tmp_path / "badtime.csv"
    badtime.write_text("post_id,account_id,timestamp\n1,a,yesterday\n")
    assert main(["detect", str(badtime), "--out", str(tmp_path / "o")]) == 2
    assert "timestamp" in _error_line(capsys)
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["detect", str(wrong), "--out", str(afile)]) == 2
    assert "not a directory" in _error_line(capsys)
    assert main(["compat", "coortweet", str(wrong), "--out", str(tmp_path / "o")]) == 2
    assert "object_id" in _error_line(capsys)
    assert main(["detect", str(tmp_path / "*.nothing"), "--out", str(tmp_path / "o")]) == 2
    assert "no file matches" in _error_line(capsys)


def test_bad_accounts_file(synth_dir, tmp_path, capsys):
    wrong = tmp_path / "accounts.csv"
    wrong.write_text("name\nx\n")
    code = main(["detect", str(synth_dir / "posts.parquet"), "--accounts", str(wrong),
                 "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 2
    assert "cannot read accounts" in _error_line(capsys)


def test_unexpected_errors_exit_1_and_debug_shows_the_traceback(monkeypatch, tmp_path, capsys):
    def boom(args, say):
        raise RuntimeError("kaput\nsecond line")

    monkeypatch.setattr(cli, "_cmd_synth", boom)
    assert main(["synth", "--out", str(tmp_path)]) == 1
    line = _error_line(capsys)
    assert "unexpected error: RuntimeError: kaput second line" in line and "--debug" in line
    assert main(["synth", "--out", str(tmp_path), "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_module_entry_point_in_a_subprocess(tmp_path):
    missing = tmp_path / "missing.csv"
    run = subprocess.run(
        [sys.executable, "-m", "cib_detect.cli", "detect", str(missing), "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip() == f"cib-detect detect: error: INPUT: file not found: {missing}"
    assert run.stdout == ""
