"""Readers on hostile input: broken files, mixed directories, odd units and spellings.

Each test pins one behaviour with a hand-written input and a hand-computed expectation.
"""

from __future__ import annotations

import ast
import gzip
import logging
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

import cib_detect
from cib_detect import normalize
from cib_detect.errors import CibDetectWarning, DroppedRowsWarning, SchemaError
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


# --- accounts given as a frame are validated like a file ---------------------------------


def test_accounts_frame_with_archive_columns_keeps_its_account_id():
    # Before: the columns looked like format 'twitter_io', whose account id is the screen
    # name, so the caller's account_id was silently replaced by 'bob'.
    frame = pl.DataFrame({"account_id": ["1"], "user_screen_name": ["bob"], "follower_count": [3]})
    accounts = read_accounts(frame)
    assert accounts.rows() == [("1", "bob", 3)]


def test_canonical_accounts_frame_passes_through_unchanged():
    frame = pl.DataFrame(
        {
            "account_id": ["a", "b"],
            "created_at": [datetime(2014, 10, 26, tzinfo=UTC), None],
            "label": ["state-affiliated media", None],
            "followers": [12, 0],
            "extra": [1.5, 2.5],
        },
        schema_overrides={"created_at": pl.Datetime("us", "UTC")},
    )
    assert read_accounts(frame).equals(frame)


def test_accounts_frame_is_converted_and_checked_like_a_file():
    frame = pl.DataFrame({"account_id": [7, 8], "created_at": ["2014-10-26", "1414281600"]})
    accounts = read_accounts(frame)
    assert accounts["account_id"].to_list() == ["7", "8"]
    assert accounts["created_at"].to_list() == [datetime(2014, 10, 26, tzinfo=UTC)] * 2
    with pytest.raises(SchemaError) as info:
        read_accounts(pl.DataFrame({"account_id": ["a", "a"], "created_at": ["soon", None]}))
    message = str(info.value)
    assert "column 'account_id' of accounts has 1 row repeating an earlier account_id" in message
    assert "on_duplicate='drop'" in message
    assert "column 'created_at' of accounts has 1 value that cannot be read as a time" in message
    with pytest.warns(DroppedRowsWarning, match="dropped 1 of 2 rows of accounts repeating"):
        accounts = read_accounts(pl.DataFrame({"account_id": ["a", "a"]}), on_duplicate="drop")
    assert accounts.height == 1


# --- directories: every file of a supported format, the others named --------------------


def _frame(ids) -> pl.DataFrame:
    return pl.DataFrame(
        {"post_id": [str(i) for i in ids], "account_id": "a", "timestamp": [60 * i for i in ids]}
    )


def test_directory_reads_every_supported_file_in_any_case_and_names_the_others(tmp_path, caplog):
    _frame([1, 2]).write_parquet(tmp_path / "a.parquet")
    _frame([3]).write_parquet(tmp_path / "b.PARQUET")
    (tmp_path / "part").mkdir()
    _frame([4]).write_parquet(tmp_path / "part" / "c.pq")
    for name in ("README.txt", ".DS_Store", "_SUCCESS"):
        (tmp_path / name).write_text("not posts")
    for read in (read_posts, lambda path: scan_posts(path).collect()):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="cib_detect"):
            with pytest.warns(CibDetectWarning) as caught:
                posts = read(tmp_path)
        assert sorted(posts["post_id"].to_list()) == ["1", "2", "3", "4"]
        message = str(caught[0].message)
        assert "read 3 posts files and skipped 3" in message
        assert "'.DS_Store', 'README.txt', '_SUCCESS'" in message
        assert "reading 3 posts files from posts directory" in caplog.text


def test_directory_mixing_formats_with_the_same_columns_is_read_whole(tmp_path):
    _frame([1]).write_parquet(tmp_path / "a.parquet")
    _frame([2]).write_csv(tmp_path / "b.CSV")
    with gzip.open(tmp_path / "c.jsonl.gz", "wb") as handle:
        handle.write(b'{"post_id": "3", "account_id": "a", "timestamp": 180}\n')
    _frame([4]).write_ndjson(tmp_path / "d.ndjson")
    posts = read_posts(tmp_path).sort("post_id")
    assert posts.select("post_id", "timestamp").rows() == [
        (str(i), datetime(1970, 1, 1, 0, i, tzinfo=UTC)) for i in (1, 2, 3, 4)
    ]


def test_directory_mixing_formats_with_other_columns_lists_the_files(tmp_path):
    _frame([1]).write_parquet(tmp_path / "a.parquet")
    pl.DataFrame({"id": ["2"], "user": ["b"]}).write_csv(tmp_path / "b.csv")
    with pytest.raises(SchemaError) as info:
        read_posts(tmp_path)
    message = str(info.value)
    assert "mix formats with different columns" in message
    assert "a.parquet" in message and "b.csv" in message
    assert "post_id: String" in message and "id: String, user: String" in message
    assert "pass a glob of the files of one format, such as 'dir/*.parquet'" in message


def test_directory_without_a_readable_file_says_what_it_found(tmp_path):
    (tmp_path / "posts.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(FileNotFoundError, match=r"has no file to read.*found only 'posts.xlsx'"):
        read_posts(tmp_path)


def test_glob_skips_and_names_the_files_it_cannot_read(tmp_path):
    _frame([1]).write_csv(tmp_path / "posts.csv")
    (tmp_path / "notes.md").write_text("# notes")
    with pytest.warns(CibDetectWarning, match="notes.md"):
        posts = read_posts(str(tmp_path / "*"))
    assert posts["post_id"].to_list() == ["1"]


# --- broken files: the file, the line and the fix ----------------------------------------


def _schema_error(source, read=read_posts) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        read(source)
    return info.value


def test_broken_json_line_names_the_file_and_line(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(
        '{"post_id": "1", "account_id": "a", "timestamp": 0}\n'
        "\n"
        '{"post_id": "2", account_id: "b", "timestamp": 60}\n'
    )
    for read in (read_posts, scan_posts):
        error = _schema_error(path, read)
        assert str(path) in str(error)
        assert "has a line that is not JSON: line 3" in str(error)
        assert isinstance(error.__cause__, pl.exceptions.PolarsError)


def test_json_line_that_is_no_object(tmp_path):
    path = tmp_path / "posts.ndjson"
    path.write_text('{"post_id": "1", "account_id": "a", "timestamp": 0}\n["2", "b", 60]\n')
    assert "line 2 is a list; JSON lines hold one object per line" in str(_schema_error(path))


def test_json_field_whose_type_changes_past_the_inferred_rows(tmp_path):
    path = tmp_path / "posts.jsonl"
    lines = [f'{{"post_id": "{i}", "account_id": "a", "timestamp": {i}}}' for i in range(10_001)]
    lines.append('{"post_id": "x", "account_id": "a", "timestamp": "2020-01-01"}')
    path.write_text("\n".join(lines) + "\n")
    message = str(_schema_error(path))
    assert "has field 'timestamp' as a string on line 10002 ('2020-01-01')" in message
    assert "as a number on line 1 (0)" in message


def test_ragged_csv_row_names_the_line_and_field_counts(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text('post_id,account_id,timestamp\n1,a,"0"\n2,"b\nc",60\n3,c,120,oops\n')
    error = _schema_error(path)
    # Line 3 holds a quoted line break, so the ragged row starts on line 5.
    assert "line 5 has 4 fields where the header (line 1) has 3" in str(error)
    assert isinstance(error.__cause__, pl.exceptions.PolarsError)


def test_unclosed_quote_in_csv(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text('post_id,account_id,timestamp\n1,"a,0\n2,b,60\n')
    assert "is not valid CSV from line 2 on" in str(_schema_error(path))


def test_latin1_csv_names_the_line_and_byte_and_suggests_the_encodings(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes("post_id,account_id,timestamp,text\n1,a,0,café\n".encode("latin-1"))
    error = _schema_error(path)
    message = str(error)
    assert f"posts file {str(path)!r} is not UTF-8 text" in message
    assert "line 2 (byte offset 43) has the byte e9 ('1,a,0,café' read as cp1252)" in message
    assert "iconv -f cp1252 -t UTF-8" in message and "encoding='utf8-lossy'" in message
    assert isinstance(error.__cause__, pl.exceptions.PolarsError)


def test_latin1_accounts_csv(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes("account_id,description\nu1,Sé\n".encode("latin-1"))
    assert "is not UTF-8 text: line 2" in str(_schema_error(path, read_accounts))


def test_csv_named_parquet_is_recognised(tmp_path):
    path = tmp_path / "posts.parquet"
    _frame([1]).write_csv(path)
    message = str(_schema_error(path))
    assert f"posts file {str(path)!r} is not a parquet file" in message
    assert "it looks like text starting 'post_id,account_id,timestamp'" in message
    assert "rename it to 'posts.csv'" in message


def test_parquet_named_csv_is_recognised(tmp_path):
    path = tmp_path / "posts.csv"
    _frame([1]).write_parquet(path)
    message = str(_schema_error(path))
    assert "is not CSV text: it looks like a parquet file; rename it to 'posts.parquet'" in message


def test_truncated_parquet(tmp_path):
    path = tmp_path / "posts.parquet"
    _frame(range(100)).write_parquet(path)
    path.write_bytes(path.read_bytes()[:-100])
    assert "is a parquet file cut short" in str(_schema_error(path))


def test_utf16_csv(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes("post_id,account_id,timestamp\n1,a,0\n".encode("utf-16"))
    assert "it looks like UTF-16 text" in str(_schema_error(path))


def test_csv_files_of_one_directory_with_different_headers(tmp_path):
    _frame([1]).write_csv(tmp_path / "a.csv")
    _frame([2]).rename({"timestamp": "time"}).write_csv(tmp_path / "b.csv")
    message = str(_schema_error(tmp_path))
    assert "the posts files do not share one layout" in message
    assert "a.csv" in message and "(post_id, account_id, time)" in message
