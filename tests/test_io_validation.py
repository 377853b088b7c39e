"""Schema validation and reader parameters: one test per bad input, asserting the message."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta, timezone

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cib_detect.errors import DroppedRowsWarning, ParameterError, SchemaError
from cib_detect.io import read_accounts, read_posts
from cib_detect.io.parse import string_list_expr
from cib_detect.io.validate import validate_accounts, validate_posts

UTC = timezone.utc


def _posts(**columns):
    base = {"post_id": ["1", "2"], "account_id": ["a", "b"], "timestamp": [0, 60]}
    base.update(columns)
    return pl.DataFrame({k: v for k, v in base.items() if v is not None}, strict=False)


def _error(frame, **options) -> str:
    with pytest.raises(SchemaError) as info:
        validate_posts(frame, **options)
    return str(info.value)


# --- timestamps accepted ---------------------------------------------------------------


def test_timestamp_dtypes_and_strings_are_all_accepted():
    expected = datetime(2017, 1, 1, 12, 34, tzinfo=UTC)
    berlin = pl.Series([expected]).dt.convert_time_zone("Europe/Berlin")
    sources = {
        "naive datetime in ns": pl.Series([expected.replace(tzinfo=None)]).dt.cast_time_unit("ns"),
        "zoned datetime in ms": berlin.dt.cast_time_unit("ms"),
        "epoch int": pl.Series([int(expected.timestamp())]),
        "epoch float": pl.Series([expected.timestamp()]),
        "epoch text": pl.Series([str(int(expected.timestamp()))]),
        "archive minute": pl.Series(["2017-01-01 12:34"]),
        "iso T": pl.Series(["2017-01-01T12:34:00"]),
        "iso Z": pl.Series(["2017-01-01T12:34:00Z"]),
        "iso offset": pl.Series(["2017-01-01T14:34:00+02:00"]),
        "iso offset no colon": pl.Series(["2017-01-01 14:34:00 +0200"]),
        "iso fraction": pl.Series(["2017-01-01 12:34:00.000"]),
        "utc suffix": pl.Series(["2017-01-01 12:34:00 UTC"]),
        "twitter api": pl.Series(["Sun Jan 01 12:34:00 +0000 2017"]),
        "categorical": pl.Series(["2017-01-01 12:34"], dtype=pl.Categorical),
    }
    for name, series in sources.items():
        posts = validate_posts(_posts(post_id=["1"], account_id=["a"], timestamp=series))
        assert posts["timestamp"].dtype == pl.Datetime("us", "UTC"), name
        assert posts["timestamp"][0] == expected, name


def test_mixed_time_forms_in_one_column():
    # The fast path reads the common form; the rest go through the general parser.
    values = ["2017-01-01 12:34"] * 1500 + ["2017-01-01T12:34:00Z", "1483274040", "x"]
    frame = _posts(post_id=[str(i) for i in range(1503)], account_id=["a"] * 1503, timestamp=values)
    message = _error(frame)
    assert "1 value that cannot be read as a time (e.g. 'x')" in message
    posts = validate_posts(frame.head(1502))
    assert posts["timestamp"].n_unique() == 1
    assert posts["timestamp"][0] == datetime(2017, 1, 1, 12, 34, tzinfo=UTC)


def test_dates_become_midnight_utc():
    posts = validate_posts(_posts(timestamp=[date(2020, 1, 1), date(2020, 1, 2)]))
    assert posts["timestamp"][0] == datetime(2020, 1, 1, tzinfo=UTC)


def test_fractional_epoch_seconds_keep_microseconds():
    posts = validate_posts(_posts(timestamp=[1623881091.123456, 0.000001]))
    assert posts["timestamp"].to_list() == [
        datetime(2021, 6, 16, 22, 4, 51, 123456, tzinfo=UTC),
        datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    ]


@given(st.integers(min_value=0, max_value=4_102_444_800 * 10**6))
def test_epoch_float_seconds_round_trip_to_the_microsecond(micros):
    posts = validate_posts(_posts(post_id=["1"], account_id=["a"], timestamp=[micros / 1e6]))
    expected = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
    assert posts["timestamp"][0] == expected


_TOKEN = st.text(
    # Python's repr escapes backslashes, which the parser leaves as they are.
    alphabet=st.characters(blacklist_characters="[]'\",\\", blacklist_categories=("Z", "C")),
    min_size=1,
    max_size=8,
)


@given(st.lists(_TOKEN, max_size=5))
def test_list_strings_in_every_written_form_parse_back(items):
    forms = ["[" + ", ".join(items) + "]", repr(items), json.dumps(items), " ".join(items)]
    parsed = pl.select(string_list_expr(pl.lit(pl.Series(forms)))).to_series().to_list()
    assert parsed == [items] * len(forms)


# --- problems, one test each ------------------------------------------------------------


def test_missing_required_column_suggests_a_close_match():
    message = _error(_posts(timestamp=None, time=[0, 1]))
    assert "posts is missing column 'timestamp'" in message
    assert "pass column_map={'time': 'timestamp'}" in message


def test_missing_required_column_without_a_match_lists_what_is_there():
    message = _error(_posts(account_id=None, zzz=["x", "y"]))
    assert "missing column 'account_id'" in message
    assert "found columns 'post_id', 'timestamp', 'zzz'" in message
    assert "column_map={'found': 'account_id'}" in message


def test_every_problem_is_listed_at_once():
    frame = pl.DataFrame(
        {
            "post_id": ["1", "1", None],
            "timestamp": ["2017-01-01", "never", "2017-01-02"],
            "hashtags": [1, 2, 3],
        }
    )
    message = _error(frame)
    assert message.startswith("posts does not match the canonical schema (5 problems):")
    for part in ("'account_id'", "'hashtags'", "repeating", "missing value", "never"):
        assert part in message
    assert len(message.splitlines()) == 6


def test_unparseable_timestamps_are_counted_with_three_examples():
    frame = _posts(
        post_id=list("123456"),
        account_id=list("abcdef"),
        timestamp=["2017-01-01", "soon", "later", "2017-13-45", "31/12/2017", "x"],
    )
    message = _error(frame)
    assert "column 'timestamp' of posts has 5 values that cannot be read as a time" in message
    assert "e.g. 'soon', 'later', '2017-13-45')" in message
    assert "31/12/2017" not in message
    assert "on_invalid='drop'" in message


def test_epoch_milliseconds_are_told_by_their_magnitude():
    posts = validate_posts(_posts(timestamp=[1623881091000, 1623881092500]))
    assert posts["timestamp"].to_list() == [
        datetime(2021, 6, 16, 22, 4, 51, tzinfo=UTC),
        datetime(2021, 6, 16, 22, 4, 52, 500000, tzinfo=UTC),
    ]


def test_epoch_numbers_beyond_nanoseconds_are_reported():
    message = _error(_posts(timestamp=[1.7e21, 0.0]))
    assert "1 value too large for an epoch time (e.g. 1.7e+21)" in message
    assert "seconds, milliseconds, microseconds or nanoseconds" in message


def test_null_ids_are_counted_with_rows():
    message = _error(_posts(post_id=["1", None], account_id=["", "b"]))
    assert "column 'post_id' of posts has 1 missing value (null or empty; row 1" in message
    assert "column 'account_id' of posts has 1 missing value (null or empty; row 0" in message


def test_duplicate_post_ids_are_an_error_by_default():
    message = _error(
        _posts(post_id=["7", "7", "7", "8"], account_id=list("abcd"), timestamp=[0] * 4)
    )
    assert "2 rows repeating an earlier post_id (1 id affected, e.g. '7'" in message
    assert "on_duplicate='drop'" in message


def test_ids_that_differ_only_as_text_are_distinct():
    posts = validate_posts(_posts(post_id=["007", "7"]))
    assert posts["post_id"].to_list() == ["007", "7"]


def test_duplicate_post_ids_dropped_keep_the_first_and_are_reported(caplog):
    frame = _posts(post_id=["7", "7", "8"], account_id=["first", "second", "c"], timestamp=[0] * 3)
    with caplog.at_level(logging.INFO, logger="cib_detect"):
        with pytest.warns(DroppedRowsWarning, match="dropped 1 of 3 rows") as record:
            posts = validate_posts(frame, on_duplicate="drop")
    assert posts["account_id"].to_list() == ["first", "c"]
    assert "dropped 1 of 3 rows of posts repeating an earlier post_id" in caplog.text
    assert record[0].filename == __file__  # the warning points at the caller


def test_invalid_rows_dropped_on_request_are_reported():
    frame = _posts(post_id=["1", None, "3"], account_id=list("abc"), timestamp=["0", "1", "x"])
    with pytest.warns(DroppedRowsWarning, match=r"dropped 2 of 3 .*post_id null: 1.*unreadable: 1"):
        posts = validate_posts(frame, on_invalid="drop")
    assert posts["post_id"].to_list() == ["1"]


def test_a_number_where_a_list_belongs():
    message = _error(_posts(hashtags=[1, 2]))
    assert "column 'hashtags' of posts has dtype Int64, which is not a list of strings" in message


def test_ids_of_a_type_that_cannot_hold_ids():
    message = _error(_posts(account_id=[True, False]))
    assert "column 'account_id' of posts has dtype Boolean, which cannot hold ids" in message


def test_timestamps_of_a_type_that_cannot_hold_times():
    message = _error(_posts(timestamp=[[1], [2]]))
    assert "column 'timestamp' of posts has dtype List(Int64), which is not a time" in message


def test_float_ids_beyond_2_53_have_lost_precision():
    message = _error(_posts(post_id=[1.0, 1.2345678901234567e18]))
    assert "1 value above 2**53" in message and "schema_overrides={'post_id': pl.String}" in message


def test_whole_float_ids_are_accepted():
    # pandas turns an id column with a missing value into floats.
    posts = validate_posts(_posts(reply_to=[12.0, None]))
    assert posts["reply_to"].to_list() == ["12", None]


def test_ids_in_scientific_notation():
    message = _error(_posts(repost_of=["8.894066293299896e+17", "1"]))
    assert "1 id in scientific notation (e.g. '8.894066293299896e+17')" in message


def test_empty_input():
    assert "posts has no rows" in _error(_posts().clear())
    assert "posts has no columns" in _error(pl.DataFrame())


def test_accounts_followers_must_be_counts():
    with pytest.raises(SchemaError, match=r"'followers' of accounts has 1 value .* 'many'"):
        validate_accounts(pl.DataFrame({"account_id": ["a", "b"], "followers": ["3", "many"]}))
    accounts = validate_accounts(pl.DataFrame({"account_id": [1, 2], "followers": [3.0, None]}))
    assert accounts["followers"].to_list() == [3, None]


def test_validate_rejects_other_objects():
    with pytest.raises(ParameterError, match="takes a polars DataFrame or LazyFrame; got 'dict'"):
        validate_posts({"post_id": [1]})


# --- reader parameters and sources ------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"format": "tweets"}, "the 'format' parameter of read_posts must be one of 'auto'"),
        ({"on_duplicate": "keep"}, "'on_duplicate' parameter of read_posts must be one of"),
        ({"on_invalid": "ignore"}, "'on_invalid' parameter of read_posts must be one of"),
        ({"column_map": [("a", "b")]}, "'column_map' parameter of read_posts must be a dict"),
        ({"column_map": {"a": 1}}, "'column_map' parameter of read_posts must be a dict"),
        ({"column_map": {"a": "post_id", "b": "post_id"}}, "several columns to 'post_id'"),
        ({"keep_extra": "yes"}, "'keep_extra' parameter of read_posts must be True or False"),
    ],
)
def test_reader_parameters_are_checked(options, match):
    with pytest.raises(ParameterError, match=match):
        read_posts(_posts(), **options)


def test_posts_only_format_for_accounts():
    with pytest.raises(ParameterError, match="format 'cnt' describes posts only"):
        read_accounts(pl.DataFrame({"account_id": ["a"]}), format="cnt")


def test_unsupported_source_type():
    with pytest.raises(ParameterError, match=r"must be a path .* got 'int'"):
        read_posts(42)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"posts file .*nope.csv' does not exist"):
        read_posts(tmp_path / "nope.csv")


def test_unknown_file_type(tmp_path):
    (tmp_path / "posts.xlsx").write_bytes(b"")
    with pytest.raises(ParameterError, match="cannot tell how to read posts file"):
        read_posts(tmp_path / "posts.xlsx")


def test_column_map_naming_an_absent_column():
    with pytest.raises(SchemaError, match="column_map renames 'post' but posts has no column"):
        read_posts(_posts(), column_map={"post": "post_id"})


def test_column_map_onto_an_existing_column():
    with pytest.raises(SchemaError, match="renames 'account_id' to 'post_id' but posts already"):
        read_posts(_posts(), column_map={"account_id": "post_id"})


def test_auto_fails_clearly_when_no_format_fits():
    with pytest.raises(SchemaError) as info:
        read_posts(pl.DataFrame({"id": ["1"], "author": ["a"], "date": ["2020-01-01"]}))
    message = str(info.value)
    assert "cannot tell the format of posts from its columns ('id', 'author', 'date')" in message
    assert "'twitter_io'" in message and "column_map={'id': 'post_id'}" in message


def test_twitter_io_without_its_required_columns():
    with pytest.raises(SchemaError) as info:
        read_posts(pl.DataFrame({"tweetid": ["1"], "text": ["x"]}), format="twitter_io")
    message = str(info.value)
    assert "posts (format 'twitter_io') is missing column 'tweet_time'" in message
    assert "missing column 'userid'" in message and "'user_screen_name'" in message


def test_cnt_with_the_wrong_number_of_columns():
    with pytest.raises(SchemaError, match="has 3 columns; the toolkit's CSV has 8"):
        read_posts(pl.DataFrame({"a": [1], "b": [2], "c": [3]}), format="cnt")


def test_coortweet_without_its_columns():
    with pytest.raises(SchemaError, match="missing column 'timestamp_share'"):
        read_posts(
            pl.DataFrame({"object_id": ["o"], "account_id": ["a"], "content_id": ["c"]}),
            format="coortweet",
        )


def test_reading_errors_name_the_source(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("post_id,account_id,timestamp\n1,a,never\n")
    with pytest.raises(SchemaError) as info:
        read_posts(path)
    notes = getattr(info.value, "__notes__", [str(path)])
    assert any(str(path) in note for note in notes)
