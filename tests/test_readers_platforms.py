"""Readers of current platforms' exports: each fixture (tests/data, written from the published
schemas by make_platform_fixtures.py) read to hand-checked canonical values, round-tripped,
told apart by ``format="auto"``, and its malformed variants (missing fields, nulls, empty
lists) read or refused with an error naming the field."""

import json
import logging
import warnings
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

import cib_detect as cd
from cib_detect.errors import SchemaError
from cib_detect.io._source import scan_source
from cib_detect.io.formats import FORMATS
from cib_detect.schema import ACCOUNT_COLUMNS, POST_COLUMNS

DATA = Path(__file__).parent / "data"

FIXTURES = {
    "twitter_v2_responses.jsonl": "twitter_v2",
    "twitter_v2_response.json": "twitter_v2",
    "twitter_v2_flat.jsonl": "twitter_v2",
    "twarc2.csv": "twarc_csv",
    "tiktok_response.json": "tiktok",
    "tiktok_videos.jsonl": "tiktok",
    "bluesky_posts.jsonl": "bluesky",
    "bluesky_feed.json": "bluesky",
    "bluesky_jetstream.jsonl": "bluesky",
    "telegram": "telegram",
    "crowdtangle_api.csv": "crowdtangle",
    "crowdtangle_dashboard.csv": "crowdtangle",
    "meta_content_library.jsonl": "meta_content_library",
    "youtube_comment_threads.json": "youtube",
    "youtube_comments.csv": "youtube",
}


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def read(name: str, **kwargs) -> pl.DataFrame:
    return cd.read_posts(DATA / name, **kwargs)


def by_id(posts: pl.DataFrame) -> dict:
    return {row["post_id"]: row for row in posts.iter_rows(named=True)}


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


# -- every fixture ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), FIXTURES.items())
def test_auto_picks_the_format_and_reads_like_it(name, fmt, caplog):
    with caplog.at_level(logging.INFO, logger="cib_detect"):
        auto = read(name)
    assert f"look like format {fmt!r}" in caplog.text
    assert auto.equals(read(name, format=fmt))


@pytest.mark.parametrize(("name", "fmt"), FIXTURES.items())
def test_no_other_platform_format_claims_the_fixture(name, fmt):
    schema = scan_source(DATA / name, table="posts", function="test").collect_schema()
    claims = {n for n, module in FORMATS.items() if n != "canonical" and module.sniff(schema)}
    assert claims == {fmt}


@pytest.mark.parametrize(("name", "fmt"), FIXTURES.items())
def test_canonical_dtypes_and_a_parquet_round_trip(name, fmt, tmp_path):
    posts = read(name)
    for column, dtype in POST_COLUMNS.items():
        if column in posts.columns:
            assert posts.schema[column] == dtype, column
    path = tmp_path / "posts.parquet"
    posts.write_parquet(path)
    assert cd.read_posts(path, format="canonical").equals(posts)


@pytest.mark.parametrize(("name", "fmt"), FIXTURES.items())
def test_accounts_come_from_the_same_files(name, fmt):
    accounts = cd.read_accounts(DATA / name, format=fmt)
    posts = read(name)
    assert accounts.get_column("account_id").n_unique() == accounts.height
    for column, dtype in ACCOUNT_COLUMNS.items():
        if column in accounts.columns:
            assert accounts.schema[column] == dtype, column
    # every account that posted is described (Jetstream also names identity events' DIDs)
    assert set(posts.get_column("account_id")) <= set(accounts.get_column("account_id"))


def test_posts_keep_their_extra_columns_unless_told():
    lean = read("tiktok_videos.jsonl", keep_extra=False)
    assert set(lean.columns) <= set(POST_COLUMNS)
    assert "region_code" in read("tiktok_videos.jsonl").columns


# -- Twitter/X API v2 and twarc ---------------------------------------------------------------

TWEET_1, TWEET_2, TWEET_3 = (f"179000000000000000{i}" for i in (1, 2, 3))


@pytest.mark.parametrize("name", ["twitter_v2_responses.jsonl", "twitter_v2_flat.jsonl"])
def test_v2_tweets_map_to_canonical_posts(name):
    posts = by_id(read(name))
    first, retweet, reply = posts[TWEET_1], posts[TWEET_2], posts[TWEET_3]
    assert first["account_id"] == "1001"
    assert first["timestamp"] == utc(2024, 5, 1, 12)
    assert first["hashtags"] == ["Peace"]
    assert first["mentions"] == ["ann_reads"]
    # the link to the tweet's own photo is not a shared URL
    assert first["urls"] == ["https://news.example.org/statement?utm_source=tw"]
    assert first["media_keys"] == ["3_17900001"]
    assert first["username"] == "mfa_official"
    assert first["account_location"] == "Capital City"
    assert retweet["repost_of"] == TWEET_1 and retweet["repost_of_account"] == "1001"
    assert reply["reply_to"] == TWEET_1 and reply["quote_of"] == "1780000000000000009"
    assert reply["reply_to_account"] == "1001"
    assert reply["hashtags"] == [] and reply["urls"] == []  # no entities at all


def test_v2_response_document_reads_like_its_jsonl_line():
    document = read("twitter_v2_response.json")
    lines = read("twitter_v2_responses.jsonl").filter(
        pl.col("post_id").is_in(document["post_id"].implode())
    )
    assert document.equals(lines.select(document.columns))


def test_v2_accounts_come_from_includes_users_with_the_government_label():
    accounts = cd.read_accounts(DATA / "twitter_v2_responses.jsonl")
    rows = {r["account_id"]: r for r in accounts.iter_rows(named=True)}
    assert rows["1001"]["label"] == "government organization"
    assert rows["2002"]["label"] is None
    assert rows["1001"]["followers"] == 250_000
    assert rows["2002"]["created_at"] == utc(2019, 1, 2, 3, 4, 5)
    assert rows["3003"]["username"] == "bob_news"


def test_twarc_csv_maps_like_the_v2_tweets():
    csv, flat = by_id(read("twarc2.csv")), by_id(read("twitter_v2_flat.jsonl"))
    assert csv[TWEET_1]["text"] == flat[TWEET_1]["text"].replace("statement", "statement\nin full")
    assert csv[TWEET_1]["hashtags"] == ["peace"]  # text lists are normalised on reading
    assert csv[TWEET_1]["mentions"] == ["ann_reads"]
    assert csv[TWEET_1]["urls"] == flat[TWEET_1]["urls"]
    for tweet in (TWEET_1, TWEET_2, TWEET_3):
        for column in ("account_id", "timestamp", "repost_of", "reply_to", "quote_of"):
            assert csv[tweet][column] == flat[tweet][column], (tweet, column)
    accounts = cd.read_accounts(DATA / "twarc2.csv")
    assert accounts.filter(pl.col("account_id") == "1001")["label"].item() == (
        "government organization"
    )


def test_v2_without_created_at_names_the_field_and_the_request(tmp_path):
    path = write_jsonl(
        tmp_path / "r.jsonl", [{"data": [{"id": "1", "author_id": "9", "text": "x"}], "meta": {}}]
    )
    with pytest.raises(SchemaError, match=r"missing field 'created_at'.*tweet\.fields"):
        cd.read_posts(path, format="twitter_v2")


def test_v2_null_author_is_a_missing_account_id(tmp_path):
    tweets = [
        {"id": "1", "author_id": "9", "created_at": "2024-01-01T00:00:00Z", "text": "a"},
        {"id": "2", "author_id": None, "created_at": "2024-01-01T00:00:00Z", "text": "b"},
    ]
    path = write_jsonl(tmp_path / "r.jsonl", [{"data": tweets, "meta": {}}])
    with pytest.raises(SchemaError, match=r"'account_id'.*1 missing value") as error:
        cd.read_posts(path)
    assert "account_id from data[].author_id" in "".join(getattr(error.value, "__notes__", []))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cd.read_posts(path, on_invalid="drop")["post_id"].to_list() == ["1"]


def test_v2_empty_entities_and_responses_without_includes(tmp_path):
    tweets = [
        {
            "id": "1",
            "author_id": "9",
            "created_at": "2024-01-01T00:00:00Z",
            "text": "a",
            "entities": {"hashtags": [], "urls": [], "mentions": []},
        }
    ]
    path = write_jsonl(tmp_path / "r.jsonl", [{"data": tweets, "meta": {"result_count": 1}}])
    post = cd.read_posts(path).row(0, named=True)
    assert (post["hashtags"], post["urls"], post["mentions"]) == ([], [], [])
    with pytest.raises(SchemaError, match=r"includes.users.*expansions=author_id"):
        cd.read_accounts(path, format="twitter_v2")


def test_twarc_csv_without_author_names_both_spellings(tmp_path):
    path = tmp_path / "t.csv"
    pl.DataFrame({"id": ["1"], "created_at": ["2024-01-01"], "text": ["x"]}).write_csv(path)
    with pytest.raises(SchemaError, match=r"'author_id'.*'author.id'"):
        cd.read_posts(path, format="twarc_csv")


# -- TikTok -----------------------------------------------------------------------------------


def test_tiktok_videos_map_to_posts_with_sound_and_effects():
    posts = read("tiktok_videos.jsonl")
    campaign = posts.filter(pl.col("account_id") == "daily_truth_0")
    assert campaign.height == 34  # two waves on each of 17 working days
    first = campaign.row(0, named=True)
    assert first["effect_ids"] == ["1093847"]
    assert first["sound_id"] == "7200000000000000000"  # the first wave's trending sound
    assert first["voice_to_text"] == "the west is lying to you about the war"
    assert first["region_code"] == "GB"  # registered abroad (issue 18's stealth accounts)
    assert first["hashtags"][:2] == ["peacenow", "sanctionshurt"]
    # TikTok's 64-bit ids keep every digit
    assert all(len(i) == 19 for i in posts["post_id"])


def test_tiktok_response_document_unpacks_its_videos():
    response = read("tiktok_response.json")
    videos = read("tiktok_videos.jsonl").head(5)
    assert response.equals(videos)


def test_tiktok_csv_with_list_text_and_empty_lists(tmp_path):
    path = tmp_path / "videos.csv"
    pl.DataFrame(
        {
            "id": ["7300000000000000001", "7300000000000000002"],
            "username": ["a", "b"],
            "create_time": ["1700000000", "1700000005"],
            "hashtag_names": ['["Fyp", "news"]', "[]"],
            "effect_ids": ["['11', '12']", ""],
            "music_id": ["99", ""],
        }
    ).write_csv(path)
    posts = cd.read_posts(path)
    assert posts["hashtags"].to_list() == [["fyp", "news"], []]
    assert posts["effect_ids"].to_list() == [["11", "12"], []]
    assert posts["sound_id"].to_list() == ["99", None]
    assert posts["timestamp"].to_list() == [
        utc(2023, 11, 14, 22, 13, 20),
        utc(2023, 11, 14, 22, 13, 25),
    ]


def test_tiktok_missing_fields_are_named(tmp_path):
    path = write_jsonl(tmp_path / "v.jsonl", [{"id": 1, "create_time": 1700000000}])
    with pytest.raises(SchemaError, match="missing field 'username'"):
        cd.read_posts(path, format="tiktok")


def test_tiktok_null_create_time_is_reported(tmp_path):
    rows = [
        {"id": 1, "username": "a", "create_time": 1700000000},
        {"id": 2, "username": "b", "create_time": None},
    ]
    path = write_jsonl(tmp_path / "v.jsonl", rows)
    with pytest.raises(SchemaError, match=r"'timestamp'.*1 missing value") as error:
        cd.read_posts(path)
    assert "timestamp from create_time" in "".join(getattr(error.value, "__notes__", []))


# -- Bluesky ----------------------------------------------------------------------------------

A, B, C = (
    "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa",
    "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb",
    "did:web:c.example",
)


def uri(did: str, rkey: str, collection: str = "app.bsky.feed.post") -> str:
    return f"at://{did}/{collection}/{rkey}"


def test_bluesky_post_views_map_facets_reply_and_embeds():
    posts = by_id(read("bluesky_posts.jsonl"))
    first = posts[uri(A, "3kabc0000001")]
    assert first["account_id"] == A
    assert first["timestamp"] == utc(2024, 5, 1, 12)
    assert first["hashtags"] == ["Election", "vote"]  # the facet tag and the record's tags
    assert first["urls"] == ["https://news.example.org/a"]
    assert first["mentions"] == [B]
    assert first["media_hashes"] == ["bafkreiimageaaaa"]  # the image blob's CID
    assert first["handle"] == "alice.bsky.social"
    reply = posts[uri(B, "3kabc0000002")]
    assert reply["reply_to"] == reply["reply_root"] == uri(A, "3kabc0000001")
    assert posts[uri(C, "3kabc0000003")]["urls"] == ["https://blog.example.net/post"]
    assert posts[uri(C, "3kabc0000004")]["quote_of"] == uri(A, "3kabc0000001")


def test_bluesky_feed_reposts_become_posts_and_shown_posts_count_once():
    posts = by_id(read("bluesky_feed.json"))
    assert len(posts) == 3  # the original, the reply and the repost (the original is shown twice)
    repost = posts[f"repost:{B}:{uri(A, '3kabc0000001')}"]
    assert repost["account_id"] == B
    assert repost["repost_of"] == uri(A, "3kabc0000001")
    assert repost["timestamp"] == utc(2024, 5, 1, 12, 1, 30)


def test_bluesky_jetstream_keeps_created_posts_and_reposts_only():
    posts = by_id(read("bluesky_jetstream.jsonl"))
    assert set(posts) == {uri(B, "3krepost0001", "app.bsky.feed.repost"), uri(C, "3kpost000009")}
    assert posts[uri(B, "3krepost0001", "app.bsky.feed.repost")]["repost_of"] == uri(
        A, "3kabc0000001"
    )


def test_bluesky_repo_records_take_the_author_from_the_uri(tmp_path):
    document = {
        "records": [
            {
                "uri": uri(A, "1"),
                "cid": "x",
                "value": {
                    "$type": "app.bsky.feed.post",
                    "text": "hi",
                    "createdAt": "2024-05-01T12:00:00.000Z",
                },
            }
        ],
        "cursor": "1",
    }
    path = tmp_path / "records.json"
    path.write_text(json.dumps(document))
    post = cd.read_posts(path).row(0, named=True)
    assert (post["account_id"], post["text"], post["hashtags"]) == (A, "hi", [])


def test_bluesky_record_without_created_at_is_named(tmp_path):
    rows = [{"uri": uri(A, "1"), "author": {"did": A}, "record": {"text": "no time"}}]
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    with pytest.raises(SchemaError, match=r"missing field 'record.createdAt'"):
        cd.read_posts(path)


# -- Telegram ---------------------------------------------------------------------------------


def test_telegram_exports_map_entities_forwards_and_replies():
    posts = by_id(read("telegram"))
    assert "1500000001/1" not in posts  # the service message
    news = posts["1500000001/2"]
    assert news["account_id"] == "channel1500000001"
    assert news["timestamp"] == utc(2024, 5, 1, 12)  # date_unixtime, not the local date
    assert (
        news["text"] == "Breaking: #Summit read https://news.example.org/summit via @wire_service"
    )
    assert news["hashtags"] == ["Summit"]
    assert news["urls"] == ["https://news.example.org/summit"]
    assert news["mentions"] == ["wire_service"]
    assert posts["1500000001/3"]["reply_to"] == "1500000001/2"
    # two channels forwarding one message share repost_of; text_link targets are URLs
    forward, mirror = posts["1500000001/4"], posts["1500000002/10"]
    assert forward["repost_of"] == mirror["repost_of"]
    assert forward["repost_of"].startswith("Ministry Channel#")
    assert forward["urls"] == mirror["urls"] == ["https://gov.example/speech"]
    assert posts["1500000002/11"]["mentions"] == ["user424242"]
    assert posts["1500000002/11"]["text"] == "Ann agrees"


def test_telegram_forwards_co_repost():
    edges = cd.co_action_edges(read("telegram"), trace="co_repost", window="60s")
    assert edges.select("account_a", "account_b", "n_coactions").rows() == [
        ("channel1500000001", "channel1500000002", 1)
    ]


def test_telegram_export_without_messages_fields_is_named(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(
        json.dumps(
            {
                "name": "x",
                "type": "public_channel",
                "id": 5,
                "messages": [{"id": 1, "type": "message", "text": "hi"}],
            }
        )
    )
    with pytest.raises(SchemaError, match=r"missing field 'date_unixtime' \(or 'date'\)"):
        cd.read_posts(path, format="telegram")


def test_broken_json_document_names_file_and_line(tmp_path):
    path = tmp_path / "result.json"
    path.write_text('{"messages": [\n{"id": 1,}\n]}')
    with pytest.raises(SchemaError, match=r"result.json.*not valid JSON.*line 2"):
        cd.read_posts(path)


def test_json_metadata_beside_table_files_is_skipped(tmp_path):
    read("tiktok_videos.jsonl").write_parquet(tmp_path / "posts.parquet")
    (tmp_path / "dataset_info.json").write_text('{"name": "x"}')
    with pytest.warns(cd.errors.CibDetectWarning, match=r"dataset_info.json"):
        posts = cd.read_posts(tmp_path)
    assert posts.height == read("tiktok_videos.jsonl").height


# -- CrowdTangle, Meta Content Library --------------------------------------------------------


def test_crowdtangle_api_and_dashboard_describe_the_same_shares():
    api, dashboard = read("crowdtangle_api.csv"), read("crowdtangle_dashboard.csv")
    assert (
        api["timestamp"].to_list()
        == dashboard["timestamp"].to_list()
        == [
            utc(2021, 3, 1, 10),
            utc(2021, 3, 1, 10, 0, 20),
        ]
    )  # EST and CET converted to UTC
    assert (
        api["urls"].to_list()
        == dashboard["urls"].to_list()
        == [
            ["https://news.example.org/story"],
            ["https://news.example.org/story"],
        ]
    )  # the expanded link wins over the shortener
    assert api["account_id"].to_list() == ["5001", "5002"]
    assert api["account_handle"].to_list() == ["pageone", None]  # a page without a handle


def test_crowdtangle_without_account_handle_reads(tmp_path):
    path = tmp_path / "shares.csv"
    pl.DataFrame(
        {
            "id": ["1|2"],
            "date": ["2021-01-01 00:00:00"],
            "expanded": ["https://a.b/c"],
            "account.url": ["https://facebook.com/p"],
        }
    ).write_csv(path)
    assert cd.read_posts(path)["account_id"].to_list() == ["https://facebook.com/p"]


def test_crowdtangle_unknown_time_zone_is_named(tmp_path):
    path = tmp_path / "dash.csv"
    pl.DataFrame(
        {
            "Facebook Id": ["1"],
            "URL": ["u"],
            "Post Created": ["2021-03-01 05:00:00 XYZ"],
            "Link": [""],
        }
    ).write_csv(path)
    with pytest.raises(SchemaError, match="'XYZ'"):
        cd.read_posts(path)


def test_meta_content_library_posts_map_owner_and_link():
    posts = by_id(read("meta_content_library.jsonl"))
    first = posts["1234567890123456"]
    assert first["account_id"] == "77" and first["account_type"] == "PAGE"
    assert first["timestamp"] == utc(2024, 3, 1, 10)
    assert first["urls"] == ["https://news.example.org/facts"]
    assert posts["1234567890123457"]["urls"] == []  # no link attachment


def test_meta_content_library_missing_owner_is_named(tmp_path):
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [{"id": "1", "creation_time": "2024-01-01", "post_owner": {"name": "x"}}],
    )
    with pytest.raises(SchemaError, match=r"missing field 'post_owner.id'"):
        cd.read_posts(path, format="meta_content_library")


# -- YouTube ----------------------------------------------------------------------------------


def test_youtube_threads_and_csv_give_the_same_comments():
    threads, flat = by_id(read("youtube_comment_threads.json")), by_id(read("youtube_comments.csv"))
    assert set(threads) == set(flat) == {"UgzTop1", "UgzTop1.reply1", "UgzTop2"}
    for comment in threads:
        for column in ("account_id", "timestamp", "text"):
            assert threads[comment][column] == flat[comment][column], (comment, column)
    # a reply answers its parent; a top-level comment answers the video where it is known
    assert threads["UgzTop1.reply1"]["reply_to"] == flat["UgzTop1.reply1"]["reply_to"] == "UgzTop1"
    assert threads["UgzTop1"]["reply_to"] == "dQw4w9WgXcQ"
    assert flat["UgzTop1"]["reply_to"] is None  # the CSV has no video column


def test_youtube_empty_reply_and_url_columns_just_work():
    posts = read("youtube_comments.csv")
    assert posts["urls"].to_list() == [[], [], []]
    assert posts["reply_to"].null_count() == 2
    result = cd.detect(posts)  # nothing to find, and nothing fails
    assert result.n_clusters == 0


def test_youtube_comments_without_author_are_named(tmp_path):
    path = tmp_path / "c.csv"
    pl.DataFrame(
        {"id": ["c"], "publishedAt": ["2024-01-01T00:00:00Z"], "text": ["x"], "authorName": ["a"]}
    ).write_csv(path)
    with pytest.raises(
        SchemaError, match=r"'snippet.authorChannelId.value' \(or 'authorChannelId'"
    ):
        cd.read_posts(path, format="youtube")


def test_cnt_csv_with_empty_reply_and_url_columns_just_works(tmp_path):
    # the toolkit's layout as YouTube comment exports fill it: no reposts, replies or links
    path = tmp_path / "comments.csv"
    path.write_text(
        "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"
        "c1,UCa,ann,,,great video,1714564800,\n"
        "c2,UCb,bob,,,so true,1714564815,\n"
    )
    posts = cd.read_posts(path)
    assert posts["reply_to"].to_list() == [None, None]
    assert posts["repost_of"].to_list() == [None, None]
    assert posts["urls"].to_list() == [[], []]
