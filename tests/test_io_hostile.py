"""Readers on hostile input: broken files, mixed directories, odd units and spellings.

Each test pins one behaviour with a hand-written input and a hand-computed expectation.
"""

from __future__ import annotations

import ast
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

import cib_detect
from cib_detect import normalize
from cib_detect.io import read_accounts, read_posts, scan_posts

PACKAGE = Path(cib_detect.__file__).parent
UTC = timezone.utc


# --- the schema module holds names and dtypes only --------------------------------------


def test_schema_imports_nothing_of_cib_detect_even_inside_functions():
    tree = ast.parse((PACKAGE / "schema.py").read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.startswith("cib_detect")]


def test_validation_lives_in_io_validate_and_stays_public():
    from cib_detect.io import validate

    assert cib_detect.validate_posts is validate.validate_posts
    assert cib_detect.validate_accounts is validate.validate_accounts
    assert cib_detect.io.validate_posts is validate.validate_posts
    assert not hasattr(cib_detect.schema, "validate_posts")


# --- epoch numbers: the unit is told by the magnitude -----------------------------------

# 2023-11-14 22:13:20.123456 UTC is 1_700_000_000.123456 epoch seconds.
MOMENT = datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)


def _one_post(timestamp) -> pl.DataFrame:
    return pl.DataFrame({"post_id": ["1"], "account_id": ["a"], "timestamp": [timestamp]})


@pytest.mark.parametrize(
    "timestamp",
    [
        1_700_000_000_123_456,  # microseconds
        1_700_000_000_123_456_789,  # nanoseconds: the last three digits are cut
        1.700000000123456e15,  # microseconds as a float
        "1700000000123456",  # microseconds as text
        "1700000000123456789",  # nanoseconds as text, beyond a float's 2**53
    ],
)
def test_epoch_microseconds_and_nanoseconds_are_told_by_magnitude(timestamp):
    posts = read_posts(_one_post(timestamp))
    assert posts["timestamp"].to_list() == [MOMENT]


def test_epoch_units_mixed_in_one_csv_column(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(
        "post_id,account_id,timestamp\n"
        "1,a,1700000000\n2,a,1700000000123\n3,a,1700000000123456\n4,a,1700000000123456789\n"
    )
    seconds = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    expected = [seconds, seconds.replace(microsecond=123000), MOMENT, MOMENT]
    assert read_posts(path)["timestamp"].to_list() == expected
    assert scan_posts(path).collect()["timestamp"].to_list() == expected


def test_epoch_milliseconds_of_account_creation():
    accounts = read_accounts(pl.DataFrame({"account_id": ["a"], "created_at": [1_700_000_000_123]}))
    assert accounts["created_at"].to_list() == [MOMENT.replace(microsecond=123000)]


# --- hashtags given as text -------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["#a, #b", "#A,#B", "a,b", "a b", "[a, b]", "['a', 'b']", '["#a", "#b"]', "#a#b", "a; b"],
)
def test_hashtags_written_as_text_become_normalised_tags(written):
    posts = read_posts(_one_post(0).with_columns(hashtags=pl.lit(written)))
    assert posts["hashtags"].to_list() == [["a", "b"]]


def test_archive_hashtags_are_normalised_like_extracted_ones():
    raw = pl.DataFrame(
        {"tweetid": ["1"], "userid": ["u"], "tweet_time": ["2017-01-01 12:34"]}
    ).with_columns(hashtags=pl.lit("[MAGA, Straße, vo\u200bte]"))
    posts = read_posts(raw, format="twitter_io")
    assert posts["hashtags"].to_list() == [["maga", "strasse", "vote"]]


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_an_invisible_character_inside_a_hashtag_does_not_split_it(invisible):
    text = pl.Series([f"#vo{invisible}te now", f"#Vote{invisible} #{invisible}vote"])
    tags = pl.select(normalize.extract_hashtags(pl.lit(text))).to_series().to_list()
    assert tags == [["vote"], ["vote", "vote"]]
    given = pl.Series([[f"#vo{invisible}te"]])
    assert pl.select(normalize.normalize_hashtag(pl.lit(given))).item().to_list() == ["vote"]


def test_an_invisible_character_inside_a_mention_does_not_split_it():
    text = pl.Series(["hi @ali\u200bce"])
    assert pl.select(normalize.extract_mentions(pl.lit(text))).item().to_list() == ["alice"]


def test_co_hashtag_links_a_tag_hidden_by_a_zero_width_space():
    posts = pl.DataFrame(
        {
            "post_id": ["1", "2"],
            "account_id": ["a", "b"],
            "timestamp": [datetime(2024, 1, 1, tzinfo=UTC)] * 2,
            "text": ["#election is rigged", "#elec\u200btion is rigged"],
        }
    )
    edges = cib_detect.co_action_edges(posts, trace="co_hashtag", window="60s")
    assert edges.select("account_a", "account_b").rows() == [("a", "b")]
