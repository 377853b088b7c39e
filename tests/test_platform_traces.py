"""co_sound, co_effect and co_key: hand-computed edges, every mode equal, options and columns
checked, detect's defaults, and the planted TikTok campaign found."""

import runpy
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

import cib_detect as cd
from cib_detect.errors import ParameterError, SchemaError
from cib_detect.traces.registry import DETECT_TRACES, TRACES

DATA = Path(__file__).parent / "data"
T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)

dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def tiktok():
    return cd.read_posts(DATA / "tiktok_videos.jsonl", format="tiktok")


@pytest.fixture(scope="module")
def tiktok_parquet(tiktok, tmp_path_factory):
    path = tmp_path_factory.mktemp("tiktok") / "posts.parquet"
    tiktok.write_parquet(path)
    return path


def small_posts() -> pl.DataFrame:
    # a, b and c use sound s1; a and b within 30 s, c 10 minutes later; d's repost of a
    # post with sound s1 is no original and does not count
    return cd.read_posts(
        pl.DataFrame(
            {
                "post_id": ["1", "2", "3", "4", "5", "6"],
                "account_id": ["a", "b", "c", "d", "a", "b"],
                "timestamp": [at(0), at(30), at(600), at(10), at(1000), at(1005)],
                "sound_id": ["s1", "s1", "s1", "s1", "s2", "s2"],
                "effect_ids": [["e1", "e2"], ["e2"], [], ["e2"], ["e3"], ["e3", "e1"]],
                "repost_of": [None, None, None, "9", None, None],
                "script": ["x", "x", "x", "x", None, ""],
            }
        )
    )


def pairs(edges: pl.DataFrame) -> dict:
    return {
        (row["account_a"], row["account_b"]): (row["n_coactions"], row["n_keys"])
        for row in edges.iter_rows(named=True)
    }


def test_co_sound_pairs_accounts_posting_one_sound_within_the_window():
    edges = cd.co_action_edges(small_posts(), trace="co_sound", window="60s")
    # s1: a-b 30 s apart (c too late, d a repost); s2: a-b 5 s apart
    assert pairs(edges) == {("a", "b"): (2, 2)}


def test_co_effect_pairs_each_effect_id():
    edges = cd.co_action_edges(small_posts(), trace="co_effect", window="60s")
    # e2: a-b 30 s apart (d's post is a repost); e3: a-b 5 s apart; e1: 1005 s apart
    assert pairs(edges) == {("a", "b"): (2, 2)}


def test_co_key_reads_the_named_column_of_every_post():
    edges = cd.co_action_edges(small_posts(), trace="co_key", column="script", window="60s")
    # every post counts (d's repost too): a-b 30 s, a-d 10 s, b-d 20 s; c is 570 s late;
    # null and empty values are no key
    assert pairs(edges) == {("a", "b"): (1, 1), ("a", "d"): (1, 1), ("b", "d"): (1, 1)}


def test_co_key_takes_each_item_of_a_list_column():
    by_key = cd.co_action_edges(small_posts(), trace="co_key", column="effect_ids", window="60s")
    assert pairs(by_key) == {("a", "b"): (2, 2), ("a", "d"): (1, 1), ("b", "d"): (1, 1)}


def test_co_key_needs_its_column_option():
    with pytest.raises(ParameterError, match="needs the option column="):
        cd.co_action_edges(small_posts(), trace="co_key")
    with pytest.raises(ParameterError, match="'column' option"):
        cd.co_action_edges(small_posts(), trace="co_key", column=3)


def test_co_key_names_a_missing_column():
    with pytest.raises(SchemaError, match="trace 'co_key' needs column 'music'"):
        cd.co_action_edges(small_posts(), trace="co_key", column="music")


def test_co_key_refuses_struct_values():
    posts = small_posts().with_columns(pl.struct("post_id", "account_id").alias("nested"))
    with pytest.raises(SchemaError, match="not text"):
        cd.co_action_edges(posts, trace="co_key", column="nested")


def test_short_video_traces_name_their_missing_columns():
    posts = small_posts().drop("sound_id", "effect_ids")
    with pytest.raises(SchemaError, match="'sound_id'"):
        cd.co_action_edges(posts, trace="co_sound")
    with pytest.raises(SchemaError, match="'effect_ids'"):
        cd.co_action_edges(posts, trace="co_effect")


def test_columns_read_follow_the_column_option():
    columns = ["post_id", "account_id", "timestamp", "sound_id", "voice_to_text"]
    assert TRACES["co_key"].columns_read(columns, {"column": "voice_to_text"}) == ["voice_to_text"]
    assert TRACES["co_sound"].columns_read(columns) == ["sound_id"]
    assert TRACES["co_key"].applies_to(columns) is False  # never without its option


CASES = [
    ("co_sound", {}),
    ("co_effect", {}),
    ("co_key", {"column": "voice_to_text"}),  # an extra column, not canonical
    ("co_key", {"column": "hashtags"}),  # a list column
    ("co_key", {"column": "sound_id"}),
]


@pytest.mark.parametrize(("trace", "options"), CASES)
def test_every_mode_gives_the_in_memory_edges(tiktok, tiktok_parquet, tmp_path, trace, options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cd.errors.ParameterWarning)  # small chunks
        expected = cd.co_action_edges(tiktok, trace=trace, **options)
        streamed = cd.co_action_edges(
            tiktok_parquet, trace=trace, n_chunks=3, spill_dir=tmp_path, **options
        )
        frame = dd.from_pandas(tiktok.to_pandas(types_mapper=pd.ArrowDtype), npartitions=3)
        on_dask = cd.co_action_edges(frame, trace=trace, backend="dask", n_chunks=4, **options)
        from_path = cd.co_action_edges(
            tiktok_parquet, trace=trace, backend="dask", n_chunks=2, **options
        )
    assert expected.height > 0
    assert streamed.equals(expected)
    assert on_dask.equals(expected)
    assert from_path.equals(expected)


def test_evidence_in_every_mode_names_the_shared_sound(tiktok, tiktok_parquet):
    chosen = [("daily_truth_0", "daily_truth_1")]
    expected = cd.co_action_evidence(tiktok, trace="co_sound", pairs=chosen)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cd.errors.ParameterWarning)
        streamed = cd.co_action_evidence(tiktok_parquet, trace="co_sound", pairs=chosen, n_chunks=2)
    assert streamed.equals(expected)
    # the fixture's campaign rides trending sound 3 * wave (mod 25) in each of its 34 waves
    ridden = {str(7_200_000_000_000_000_000 + (3 * wave % 25) * 7919) for wave in range(34)}
    assert set(expected.get_column("key")) == ridden


def test_detect_runs_the_short_video_traces_where_the_posts_have_them(tiktok):
    assert {"co_sound", "co_effect"} <= set(DETECT_TRACES)
    assert "co_key" not in DETECT_TRACES
    result = cd.detect(tiktok)
    assert {"co_sound", "co_effect"} <= set(result.params["traces"])
    without = cd.detect(tiktok.drop("sound_id", "effect_ids"))
    assert not {"co_sound", "co_effect"} & set(without.params["traces"])


def test_detect_finds_the_planted_tiktok_campaign(tiktok):
    accounts = cd.read_accounts(DATA / "tiktok_videos.jsonl", format="tiktok")
    result = cd.detect(tiktok, accounts)
    members = result.clusters.filter(pl.col("cluster_id") >= 0)
    assert members.get_column("cluster_id").n_unique() == 1
    assert sorted(members.get_column("account_id")) == [f"daily_truth_{i}" for i in range(8)]
    cluster = result.cluster_scores.row(0, named=True)
    assert cluster["undisclosed"] == 1.0
    assert "co_sound" in cluster["evidence"] and "co_hashtag" in cluster["evidence"]
    assert set(result.evidence.get_column("trace")) >= {"co_sound"}


def test_the_tiktok_campaign_registered_abroad_on_beijing_office_hours_scores_high(tiktok):
    # issue 18: accounts registered in GB, US and DE that work Mon-Fri office hours of
    # UTC+8 and fall silent over China's Labour Day holiday
    accounts = cd.read_accounts(DATA / "tiktok_videos.jsonl", format="tiktok")
    cluster = cd.detect(tiktok, accounts).cluster_scores.row(0, named=True)
    assert cluster["score"] >= 0.5
    place = next(line for line in cluster["evidence"].splitlines() if line.startswith("place:"))
    assert "8 of 8 accounts claim GB, US or DE" in place
    assert "Mon-Fri 09:00-18:00 UTC+8" in place and "Labor Day" in place


EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("platform_*.py"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_platform_examples_run_end_to_end(example, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(Path(__file__).parent.parent)
    monkeypatch.setattr("sys.argv", [str(example), str(tmp_path / "out")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runpy.run_path(str(example), run_name="__main__")
    out = capsys.readouterr().out
    assert (tmp_path / "out" / "report.html").exists()
    if example.stem == "platform_tiktok":
        assert "daily_truth_0, daily_truth_1" in out
        assert "co_sound: 25 keys" in out
        assert "peacenow" in out and "sanctionshurt" in out


def test_detect_runs_co_key_when_given_its_column(tiktok):
    result = cd.detect(tiktok, trace_options={"co_key": {"column": "voice_to_text"}})
    assert result.params["traces"][-1] == "co_key"
    assert result.params["trace_options"] == {"co_key": {"column": "voice_to_text"}}
    assert "co_key_p_value" in result.edges.columns
    with pytest.raises(ParameterError, match="needs the option column="):
        cd.detect(tiktok, traces=["co_sound", "co_key"])
    with pytest.raises(SchemaError, match="needs column 'script'"):
        cd.detect(tiktok, traces=["co_key"], trace_options={"co_key": {"column": "script"}})


def test_detect_takes_a_window_per_trace(tiktok):
    result = cd.detect(tiktok, traces=["co_sound", "co_hashtag"], windows={"co_sound": "10m"})
    assert result.params["trace_windows_seconds"] == {"co_sound": 600.0, "co_hashtag": 60.0}
    wide = cd.co_action_edges(tiktok, trace="co_sound", window="10m", min_weight=2)
    tested = result.edges.filter(pl.col("co_sound_n_coactions").is_not_null())
    assert tested.height == wide.height  # the co_sound edges were counted with 10 minutes
    with pytest.raises(ParameterError, match="windows"):
        cd.detect(tiktok, windows={"co_nothing": "5m"})
