"""Readers on the real samples and on every kind of source.

Expected values are computed independently of the readers: the csv module, pyarrow and
plain Python.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timezone

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cib_detect.errors import DroppedRowsWarning
from cib_detect.io import read_accounts, read_posts
from cib_detect.io.formats import coortweet
from cib_detect.schema import ACCOUNT_COLUMNS, POST_COLUMNS

SAMPLES = ["fake_test", "iranian_unseen", "real_test", "russian_unseen", "vz_unseen"]
UTC = timezone.utc


def _csv_rows(path):
    """Rows as the csv module reads them, except that a bare carriage return inside an
    unquoted field (vz_unseen has two tweets with one) stays part of the field, as in
    polars, instead of ending the row."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        text = re.sub(r"\r(?!\n)", "\x00", handle.read())
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    return [{k: v and v.replace("\x00", "\r") for k, v in row.items()} for row in rows]


def _assert_canonical_dtypes(frame, spec):
    for column, dtype in frame.schema.items():
        if column in spec:
            assert dtype == spec[column], (column, dtype)


# --- twitter_io -----------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_archive_samples_read_as_twitter_io(shared_data, name):
    path = shared_data / "io_archive_samples" / f"{name}.csv"
    rows = _csv_rows(path)
    first_of_id = {}
    for row in rows:
        first_of_id.setdefault(row["tweetid"], row)
    # vz_unseen repeats one tweet: the first row of each id is kept, with a warning.
    repeats = len(rows) - len(first_of_id)
    if repeats:
        with pytest.warns(DroppedRowsWarning, match=f"dropped {repeats} of {len(rows)}"):
            posts = read_posts(path, format="twitter_io", on_duplicate="drop")
    else:
        posts = read_posts(path, format="twitter_io")

    assert posts.height == len(first_of_id)
    assert posts.columns[:4] == ["post_id", "account_id", "timestamp", "text"]
    _assert_canonical_dtypes(posts, POST_COLUMNS)
    assert posts["post_id"].to_list() == list(first_of_id)  # ids keep every digit
    kept = list(first_of_id.values())
    assert posts["account_id"].to_list() == [r["user_screen_name"] for r in kept]
    assert posts["text"].to_list() == [r["tweet_text"] or None for r in kept]
    expected_times = [
        datetime.fromisoformat(r["tweet_time"]).replace(tzinfo=UTC) for r in kept[:50]
    ]
    assert posts["timestamp"].head(50).to_list() == expected_times
    # Columns that are not archive columns (a label, cleaned text) are kept as extras;
    # pandas' nameless index column is not.
    assert ("bot_or_not" in posts.columns) == ("bot_or_not" in rows[0])
    assert "" not in posts.columns
    assert "follower_count" not in posts.columns  # profile fields belong to accounts


def test_auto_picks_twitter_io_and_logs_it(shared_data, caplog):
    with caplog.at_level(logging.INFO, logger="cib_detect"):
        read_posts(shared_data / "io_archive_samples" / "fake_test.csv")
    assert "format 'twitter_io'" in caplog.text


@pytest.mark.parametrize("name", ["fake_test", "real_test", "russian_unseen"])
def test_archive_samples_read_as_accounts(shared_data, name):
    path = shared_data / "io_archive_samples" / f"{name}.csv"
    rows = _csv_rows(path)
    latest = {}
    for row in sorted(rows, key=lambda r: r["tweet_time"]):
        latest[row["user_screen_name"]] = row
    accounts = read_accounts(path, format="twitter_io")
    assert accounts.height == len(latest)
    _assert_canonical_dtypes(accounts, ACCOUNT_COLUMNS)
    assert accounts.columns[:4] == ["account_id", "created_at", "description", "location"]
    got = {r["account_id"]: r for r in accounts.iter_rows(named=True)}
    assert set(got) == set(latest)
    for account, row in list(latest.items())[:20]:
        assert got[account]["followers"] == int(row["follower_count"])
        assert got[account]["created_at"] is not None  # dates and Twitter API times


def _archive_row(**values):
    from cib_detect.io.formats.twitter_io import TWEET_COLUMNS

    return {column: values.get(column, "") for column in TWEET_COLUMNS}


@pytest.fixture
def full_archive(tmp_path):
    """A tweets CSV with all 31 archive columns, written with the csv module."""
    from cib_detect.io.formats.twitter_io import TWEET_COLUMNS

    rows = [
        _archive_row(
            tweetid="1234567890123456789", userid="9876543210987654321",
            user_screen_name="alice", tweet_time="2017-01-01 12:34", tweet_text="hi #a",
            hashtags="[a, b]", urls="['http://x.com/a,b', 'http://y.org']",
            user_mentions="[]", is_retweet="False", tweet_language="en",
            in_reply_to_tweetid="1111111111111111111", in_reply_to_userid="5",
            tweet_client_name="Twitter Web Client", follower_count="10",
        ),
        _archive_row(
            tweetid="1234567890123456790", userid="abcdef0123", user_screen_name="bob",
            tweet_time="2017-01-01 12:35", tweet_text="RT @alice: hi #a", hashtags="[a]",
            urls="[]", user_mentions="[9876543210987654321]", is_retweet="True",
            retweet_tweetid="1234567890123456789", retweet_userid="9876543210987654321",
            follower_count="20",
        ),
    ]  # fmt: skip
    path = tmp_path / "tweets.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TWEET_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_full_archive_maps_every_column(full_archive):
    posts = read_posts(full_archive, format="twitter_io")
    _assert_canonical_dtypes(posts, POST_COLUMNS)
    first, second = posts.iter_rows(named=True)
    assert first["post_id"] == "1234567890123456789"
    assert first["account_id"] == "9876543210987654321"
    assert first["timestamp"] == datetime(2017, 1, 1, 12, 34, tzinfo=UTC)
    assert first["hashtags"] == ["a", "b"]
    assert first["urls"] == ["http://x.com/a,b", "http://y.org"]
    assert first["mentions"] == []
    assert first["repost_of"] is None
    assert first["reply_to"] == "1111111111111111111"
    assert first["language"] == "en" and first["client"] == "Twitter Web Client"
    assert first["reply_to_account"] == "5"
    assert second["repost_of"] == "1234567890123456789"
    assert second["repost_of_account"] == "9876543210987654321"
    assert second["mentions"] == ["9876543210987654321"]
    assert second["is_repost"] is True and first["is_repost"] is False
    assert "user_display_name" not in posts.columns


def test_archive_mirror_aliases(full_archive):
    renamed = pl.read_csv(full_archive, infer_schema=False).rename(
        {"retweet_userid": "retweet_user_id", "tweetid": "tweet_id"}
    )
    posts = read_posts(renamed, format="twitter_io")
    assert posts["post_id"][0] == "1234567890123456789"
    assert posts["repost_of_account"][1] == "9876543210987654321"


def test_archive_users_csv_to_accounts(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(
        "userid,user_display_name,user_screen_name,user_reported_location,"
        "user_profile_description,user_profile_url,follower_count,following_count,"
        "account_creation_date,account_language\n"
        "12345678901234567890,Al,alice,Moscow,news,,1200,30,2014-10-26,ru\n"
    )
    accounts = read_accounts(path)
    assert accounts.row(0, named=True) == {
        "account_id": "12345678901234567890",
        "created_at": datetime(2014, 10, 26, tzinfo=UTC),
        "description": "news",
        "location": "Moscow",
        "language": "ru",
        "followers": 1200,
        "screen_name": "alice",
        "display_name": "Al",
        "following": "30",
        "profile_url": None,
    }


# --- coordination-network-toolkit ------------------------------------------------------


def test_cnt_fixture(shared_data):
    path = shared_data / "cnt" / "coretweet_test_input.csv"
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]  # the toolkit skips the header line
    posts = read_posts(path, format="cnt")
    assert posts.height == len(rows) == 15
    _assert_canonical_dtypes(posts, POST_COLUMNS)
    assert posts["post_id"].to_list() == [r[0] for r in rows]
    assert posts["account_id"].to_list() == [r[1] for r in rows]
    assert posts["repost_of"].to_list() == [r[3] or None for r in rows]
    assert posts["reply_to"].to_list() == [r[4] or None for r in rows]
    assert posts["text"].to_list() == [r[5] for r in rows]
    seconds = [p.timestamp() for p in posts["timestamp"].to_list()]
    assert seconds == [float(r[6]) for r in rows]
    assert posts["urls"].to_list() == [r[7].split() for r in rows]
    assert posts["username"].to_list() == [r[2] for r in rows]
    assert read_posts(path).equals(posts)  # the header's names are sniffed


def test_cnt_first_row_wins_and_is_reported(tmp_path, caplog):
    path = tmp_path / "messages.csv"
    path.write_text(
        "\ufeffwhatever,the,header,says,is,ignored,by,position\n"
        "1,u1,n1,,,first,10,http://a.org http://b.org\n"
        "2,u2,n2,1,,second,20,\n"
        "1,u3,n3,,,again,30,\n"
        "1,u4,n4,,,and again,40,\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.INFO, logger="cib_detect"):
        with pytest.warns(DroppedRowsWarning, match="dropped 2 of 4 rows") as record:
            posts = read_posts(path, format="cnt")
    assert record[0].filename == __file__  # points at the caller, not the library
    assert "dropped 2 of 4 rows" in caplog.text
    assert posts["post_id"].to_list() == ["1", "2"]
    assert posts["text"].to_list() == ["first", "second"]
    assert posts["urls"].to_list() == [["http://a.org", "http://b.org"], []]
    assert posts["repost_of"].to_list() == [None, "1"]


# --- CooRTweet -------------------------------------------------------------------------


def test_coortweet_russian(shared_data):
    path = shared_data / "coortweet" / "russian_coord_tweets.parquet"
    table = pq.read_table(path).to_pydict()
    first = {}
    for i, content in enumerate(table["content_id"]):
        first.setdefault(content, i)
    repeats = len(table["content_id"]) - len(first)
    assert repeats == 40  # the README: 80 rows share a content_id
    with pytest.warns(DroppedRowsWarning, match=f"dropped {repeats} of 35125"):
        posts = read_posts(path, format="coortweet", on_duplicate="drop")
    assert posts.columns == ["post_id", "account_id", "timestamp", "repost_of"]
    _assert_canonical_dtypes(posts, POST_COLUMNS)
    assert posts["post_id"].to_list() == list(first)
    assert posts["repost_of"].to_list() == [table["object_id"][i] for i in first.values()]
    assert posts["account_id"].to_list() == [table["account_id"][i] for i in first.values()]
    expected = [datetime.fromtimestamp(table["timestamp_share"][i], UTC) for i in first.values()]
    assert posts["timestamp"].to_list() == expected


def test_coortweet_mapping_keeps_rows_for_compat_code(shared_data):
    raw = pl.scan_parquet(shared_data / "coortweet" / "russian_coord_tweets.parquet")
    assert coortweet.to_posts(raw).collect().height == 35125  # rows, as CooRTweet


def test_coortweet_german_gathers_objects(shared_data):
    path = shared_data / "coortweet" / "german_elections.parquet"
    table = pq.read_table(path)
    post_ids = table.column("post_id").to_pylist()
    order = [str(p) for p in dict.fromkeys(p for p in post_ids if p is not None)]
    assert post_ids.count(None) == 3
    # Objects of the first 2,000 posts, gathered in plain Python from their rows.
    some = table.filter(pc.is_in(table.column("post_id"), pa.array(map(int, order[:2000]))))
    expected = defaultdict(lambda: defaultdict(list))
    for row in some.to_pylist():
        post = expected[str(row["post_id"])]
        post["account_id"], post["timestamp"] = row["account_id"], row["timestamp"]
        for column in ("url_id", "hashtag_id", "phash_id", "domain_id"):
            value = row[column]
            if value is not None and str(value) not in post[column]:
                post[column].append(str(value))

    with pytest.warns(DroppedRowsWarning, match="dropped 3 of"):
        posts = read_posts(path, on_invalid="drop")  # auto picks coortweet
    assert posts.columns == [
        "post_id", "account_id", "timestamp", "hashtags", "urls", "media_hashes", "domains"
    ]  # fmt: skip
    _assert_canonical_dtypes(posts, POST_COLUMNS)
    assert posts["post_id"].to_list() == order
    for row in posts.head(2000).iter_rows(named=True):
        post = expected[row["post_id"]]
        assert row["account_id"] == post["account_id"]
        assert row["timestamp"].timestamp() == post["timestamp"]
        assert row["urls"] == post["url_id"]
        assert row["hashtags"] == post["hashtag_id"]
        assert row["media_hashes"] == post["phash_id"]
        assert row["domains"] == post["domain_id"]


def test_coortweet_german_null_post_ids_are_reported(shared_data):
    with pytest.raises(ValueError, match="'post_id' of posts has 3 missing values"):
        read_posts(shared_data / "coortweet" / "german_elections.parquet", format="coortweet")


# --- canonical and source kinds ----------------------------------------------------------


@pytest.fixture(scope="module")
def ira_slice(shared_data, tmp_path_factory):
    """The first 5,000 IRA tweets as a parquet file of canonical-looking columns."""
    batches = pq.ParquetFile(shared_data / "ira" / "ira_tweets.parquet").iter_batches(5000)
    table = pa.Table.from_batches([next(batches)])
    path = tmp_path_factory.mktemp("ira") / "ira.parquet"
    pq.write_table(table, path)
    return path, table.to_pydict()


def test_canonical_ira_slice(ira_slice):
    path, table = ira_slice
    posts = read_posts(path)
    assert posts.height == 5000
    assert posts.columns == [
        "post_id", "account_id", "timestamp", "text", "language", "post_type", "followers",
        "following",
    ]  # fmt: skip
    _assert_canonical_dtypes(posts, POST_COLUMNS)
    assert posts["post_id"].to_list() == [str(i) for i in table["post_id"]]
    assert posts["timestamp"].to_list() == table["timestamp"]
    assert read_posts(path, keep_extra=False).columns == [
        "post_id",
        "account_id",
        "timestamp",
        "text",
    ]


def test_every_kind_of_source_gives_the_same_posts(ira_slice, tmp_path):
    path, _ = ira_slice
    frame = pl.read_parquet(path).head(300).with_columns(pl.col("post_id").cast(pl.String))
    expected = read_posts(frame)
    frame.write_csv(tmp_path / "p.csv")
    frame.write_ndjson(tmp_path / "p.jsonl")
    frame.write_ndjson(tmp_path / "p.ndjson")
    (tmp_path / "dir").mkdir()
    frame.head(100).write_parquet(tmp_path / "dir" / "a.parquet")
    frame.tail(200).write_parquet(tmp_path / "dir" / "b.parquet")
    frame.write_parquet(tmp_path / "p.parquet")
    for name in ("p.csv", "p.jsonl", "p.parquet"):
        with open(tmp_path / name, "rb") as src, gzip.open(tmp_path / f"{name}.gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
    sources = [
        frame.lazy(), frame.to_pandas(), tmp_path / "dir", str(tmp_path / "p.parquet"),
        tmp_path / "p.csv", tmp_path / "p.jsonl", tmp_path / "p.ndjson", tmp_path / "p.csv.gz",
        tmp_path / "p.jsonl.gz", tmp_path / "p.parquet.gz", str(tmp_path / "dir" / "*.parquet"),
    ]  # fmt: skip
    for source in sources:
        got = read_posts(source, format="canonical")
        # CSV reads every column as text: extras stay text, canonical columns converge.
        canonical = ["post_id", "account_id", "timestamp", "text"]
        assert got.select(canonical).equals(expected.select(canonical)), source


def test_column_map_renames_before_the_format(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("id,user,when,tags\n1,a,1483274096.25,#x #y\n2,b,2017-01-01T12:35Z,\n")
    posts = read_posts(
        path,
        column_map={"id": "post_id", "user": "account_id", "when": "timestamp", "tags": "hashtags"},
    )
    assert posts.columns == ["post_id", "account_id", "timestamp", "hashtags"]
    assert posts["timestamp"].to_list() == [
        datetime(2017, 1, 1, 12, 34, 56, 250000, tzinfo=UTC),
        datetime(2017, 1, 1, 12, 35, tzinfo=UTC),
    ]
    assert posts["hashtags"].to_list() == [["x", "y"], None]  # normalised as extracted tags


def test_importing_the_readers_does_not_import_pandas():
    code = "import sys, cib_detect.io; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
