"""The command line reaches every mode of detect: streamed chunks, Dask, seeds, key caps,
per-trace windows and options; `cib-detect formats` lists the readers."""

import json
from pathlib import Path

import polars as pl
import pytest

import cib_detect as cd
from cib_detect.cli import main
from cib_detect.io.formats import FORMATS

TIKTOK = Path(__file__).parent / "data" / "tiktok_videos.jsonl"


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "posts.parquet"
    cd.read_posts(TIKTOK).write_parquet(path)
    return path


def run_json(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())["params"]


def clusters(out: Path) -> pl.DataFrame:
    return pl.read_parquet(out / "clusters.parquet").sort("account_id")


def test_formats_lists_every_reader_and_its_required_fields(capsys):
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    for name, module in FORMATS.items():
        assert f"{name}: {module.SUMMARY}" in out
    assert "needs account_id   <- username" in out  # tiktok
    assert "needs post_id      <- uri" in out  # bluesky


@pytest.mark.parametrize(
    "mode", [["--n-chunks", "3"], ["--backend", "dask", "--n-chunks", "2"]], ids=["chunks", "dask"]
)
def test_streamed_and_dask_modes_find_what_memory_finds(parquet, tmp_path, mode, capsys):
    assert main(["detect", str(parquet), "--out", str(tmp_path / "memory"), "-q"]) == 0
    extra = ["--spill-dir", str(tmp_path)] if mode[0] == "--n-chunks" else []
    args = ["detect", str(parquet), "--out", str(tmp_path / "other"), "-q", *mode, *extra]
    assert main(args) == 0
    assert clusters(tmp_path / "other").equals(clusters(tmp_path / "memory"))
    params = run_json(tmp_path / "other")
    assert params["backend"] == ("dask" if "dask" in mode else "polars")
    assert params["n_chunks"] == int(mode[-1])


def test_seeds_caps_windows_and_trace_options_reach_detect(tmp_path, capsys):
    out = tmp_path / "out"
    args = [
        "detect", str(TIKTOK), "--out", str(out), "-q",
        "--seed-account", "daily_truth_0", "--max-key-posts", "none",
        "--trace-window", "co_sound=10m", "--trace-option", "co_key.column=voice_to_text",
    ]  # fmt: skip
    assert main(args) == 0
    params = run_json(out)
    assert params["seed_accounts"] == ["daily_truth_0"]
    assert params["max_key_posts"] is None
    assert params["trace_windows_seconds"]["co_sound"] == 600.0
    assert params["trace_options"] == {"co_key": {"column": "voice_to_text"}}
    assert "co_key" in params["traces"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --backend dask"),
        (["--spill-dir", "."], "--spill-dir needs --n-chunks"),
        (["--max-key-posts", "many"], "--max-key-posts"),
        (["--trace-window", "co_sound"], "--trace-window: expected KEY=VALUE"),
        (["--trace-option", "co_key=text"], "expected TRACE.OPTION=VALUE"),
        (["--trace-option", "co_text.bands=3"], "does not take"),
        (["--n-chunks", "2", "--drop-invalid"], "--drop-invalid needs the posts in memory"),
    ],
)
def test_bad_mode_arguments_exit_2_with_the_fix(tmp_path, capsys, args, needle):
    assert main(["detect", str(TIKTOK), "--out", str(tmp_path / "o"), *args]) == 2
    assert needle in capsys.readouterr().err
