"""Write the platform fixtures of tests/data from the platforms' published schemas.

Run ``python tests/data/make_platform_fixtures.py`` to write them again; the output is
deterministic (fixed seeds, no clock), so a rerun changes no file. Each fixture follows
the field names and shapes of the platform's public documentation:

- Twitter/X API v2 (developer.x.com, "Tweet object", "expansions"): raw search responses
  (``data``, ``includes.users/tweets/media``, ``meta``, twarc2's ``__twarc``), one
  response as a ``.json`` document, twarc2 ``flatten`` output and twarc-csv's CSV.
- TikTok Research API ("Query Videos": ``id``, ``username``, ``create_time``,
  ``video_description``, ``hashtag_names``, ``music_id``, ``effect_ids``,
  ``region_code``, ``voice_to_text``...): a response document, and a few hundred videos
  (JSON lines) with organic accounts and one planted undisclosed campaign whose accounts
  post the same sounds and hashtags within seconds of each other.
- Bluesky (atproto lexicons ``app.bsky.feed.post``, ``app.bsky.feed.repost``,
  ``app.bsky.feed.defs#postView``, ``#feedViewPost``, ``#reasonRepost``, richtext facets,
  embeds; Jetstream events): an author feed document, post views as JSON lines, and
  Jetstream events.
- Telegram Desktop's "Machine-readable JSON" export: two channels' ``result.json``.
- CrowdTangle: API posts as CooRnet flattens them (dotted ``account.*`` columns), and the
  dashboard's historical-data CSV.
- Meta Content Library: Facebook posts (``id``, ``creation_time``, ``post_owner``,
  ``link_attachment``...), JSON lines.
- YouTube Data API v3: a ``commentThreads.list`` response, and a YouTube Data Tools style
  comments CSV whose reply column is empty for top-level comments.
"""

from __future__ import annotations

import csv
import datetime
import json
import random
from pathlib import Path

HERE = Path(__file__).parent
T0 = 1_714_564_800  # 2024-05-01T12:00:00Z


def iso(seconds: int, *, millis: bool = False) -> str:
    from datetime import datetime, timezone

    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (".000Z" if millis else "Z")


def write_jsonl(path: Path, records) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def write_json(path: Path, document) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n")


# -- Twitter/X API v2 -------------------------------------------------------------------------

USERS = [
    {
        "id": "1001",
        "username": "mfa_official",
        "name": "Ministry of Foreign Affairs",
        "created_at": "2012-03-04T05:06:07.000Z",
        "description": "Official account",
        "location": "Capital City",
        "verified": True,
        "verified_type": "government",
        "protected": False,
        "public_metrics": {
            "followers_count": 250000,
            "following_count": 12,
            "tweet_count": 9000,
            "listed_count": 800,
        },
    },
    {
        "id": "2002",
        "username": "ann_reads",
        "name": "Ann",
        "created_at": "2019-01-02T03:04:05.000Z",
        "description": "books, tea",
        "location": "Lyon",
        "verified": False,
        "verified_type": "none",
        "protected": False,
        "public_metrics": {
            "followers_count": 310,
            "following_count": 200,
            "tweet_count": 1200,
            "listed_count": 2,
        },
    },
    {
        "id": "3003",
        "username": "bob_news",
        "name": "Bob",
        "created_at": "2023-11-30T00:00:00.000Z",
        "description": "",
        "location": "",
        "verified": False,
        "verified_type": "none",
        "protected": False,
        "public_metrics": {
            "followers_count": 4,
            "following_count": 900,
            "tweet_count": 50,
            "listed_count": 0,
        },
    },
]

TWEETS = [
    {  # an original with a hashtag, a link, a mention and a photo
        "id": "1790000000000000001",
        "author_id": "1001",
        "conversation_id": "1790000000000000001",
        "created_at": iso(T0, millis=True),
        "lang": "en",
        "source": "Twitter Web App",
        "text": "Our statement #Peace @ann_reads https://t.co/abc https://t.co/pic",
        "edit_history_tweet_ids": ["1790000000000000001"],
        "entities": {
            "hashtags": [{"start": 14, "end": 20, "tag": "Peace"}],
            "mentions": [{"start": 21, "end": 31, "username": "ann_reads", "id": "2002"}],
            "urls": [
                {
                    "start": 32,
                    "end": 55,
                    "url": "https://t.co/abc",
                    "expanded_url": "https://news.example.org/statement?utm_source=tw",
                    "display_url": "news.example.org/statement",
                },
                {
                    "start": 56,
                    "end": 79,
                    "url": "https://t.co/pic",
                    "media_key": "3_17900001",
                    "expanded_url": "https://x.com/mfa_official/status/1790000000000000001/photo/1",
                    "display_url": "pic.x.com/pic",
                },
            ],
        },
        "attachments": {"media_keys": ["3_17900001"]},
        "public_metrics": {"retweet_count": 2, "reply_count": 1, "like_count": 5, "quote_count": 1},
    },
    {  # a retweet of it
        "id": "1790000000000000002",
        "author_id": "2002",
        "conversation_id": "1790000000000000002",
        "created_at": iso(T0 + 30, millis=True),
        "lang": "en",
        "source": "Twitter for iPhone",
        "text": "RT @mfa_official: Our statement #Peace @ann_reads https://t.co/abc",
        "edit_history_tweet_ids": ["1790000000000000002"],
        "referenced_tweets": [{"type": "retweeted", "id": "1790000000000000001"}],
        "entities": {
            "hashtags": [{"start": 32, "end": 38, "tag": "Peace"}],
            "mentions": [{"start": 3, "end": 16, "username": "mfa_official", "id": "1001"}],
        },
    },
    {  # a reply that quotes, with no entities at all
        "id": "1790000000000000003",
        "author_id": "3003",
        "conversation_id": "1790000000000000001",
        "created_at": iso(T0 + 95, millis=True),
        "lang": "en",
        "in_reply_to_user_id": "1001",
        "text": "@mfa_official agreed",
        "edit_history_tweet_ids": ["1790000000000000003"],
        "referenced_tweets": [
            {"type": "replied_to", "id": "1790000000000000001"},
            {"type": "quoted", "id": "1780000000000000009"},
        ],
    },
]

INCLUDED_TWEETS = [
    {
        "id": "1790000000000000001",
        "author_id": "1001",
        "text": TWEETS[0]["text"],
        "created_at": TWEETS[0]["created_at"],
    },
    {
        "id": "1780000000000000009",
        "author_id": "2002",
        "text": "an older thought",
        "created_at": iso(T0 - 86_400, millis=True),
    },
]
MEDIA = [{"media_key": "3_17900001", "type": "photo", "url": "https://pbs.twimg.com/media/x.jpg"}]
TWARC = {
    "url": "https://api.twitter.com/2/tweets/search/all?query=peace",
    "version": "2.14.0",
    "retrieved_at": "2024-05-02T00:00:00+00:00",
}


def twitter() -> None:
    responses = [
        {
            "data": TWEETS[:2],
            "includes": {"users": USERS[:2], "tweets": INCLUDED_TWEETS[:1], "media": MEDIA},
            "meta": {"newest_id": TWEETS[1]["id"], "oldest_id": TWEETS[0]["id"], "result_count": 2},
            "__twarc": TWARC,
        },
        {
            "data": TWEETS[2:],
            "includes": {"users": [USERS[0], USERS[2]], "tweets": INCLUDED_TWEETS},
            "meta": {"newest_id": TWEETS[2]["id"], "oldest_id": TWEETS[2]["id"], "result_count": 1},
            "__twarc": TWARC,
        },
    ]
    write_jsonl(HERE / "twitter_v2_responses.jsonl", responses)
    write_json(HERE / "twitter_v2_response.json", responses[0])
    by_id = {u["id"]: u for u in USERS}
    included = {t["id"]: t for t in INCLUDED_TWEETS}
    flat = []
    for tweet in TWEETS:
        item = dict(tweet, author=by_id[tweet["author_id"]], __twarc=TWARC)
        if "referenced_tweets" in tweet:
            item["referenced_tweets"] = [
                dict(ref, **included.get(ref["id"], {})) for ref in tweet["referenced_tweets"]
            ]
        flat.append(item)
    write_jsonl(HERE / "twitter_v2_flat.jsonl", flat)
    # twarc-csv: dotted columns, lists as JSON, "#"/"@" prefixed entities, escaped newlines
    columns = [
        "id",
        "conversation_id",
        "referenced_tweets.replied_to.id",
        "referenced_tweets.retweeted.id",
        "referenced_tweets.quoted.id",
        "author_id",
        "in_reply_to_user_id",
        "retweeted_user_id",
        "created_at",
        "text",
        "lang",
        "source",
        "entities.hashtags",
        "entities.mentions",
        "entities.urls",
        "attachments.media_keys",
        "author.id",
        "author.created_at",
        "author.username",
        "author.name",
        "author.description",
        "author.location",
        "author.public_metrics.followers_count",
        "author.verified",
        "author.verified_type",
        "__twarc.retrieved_at",
    ]
    rows = []
    for tweet in TWEETS:
        refs = {r["type"]: r["id"] for r in tweet.get("referenced_tweets", [])}
        entities = tweet.get("entities", {})
        author = by_id[tweet["author_id"]]
        urls = [u["expanded_url"] for u in entities.get("urls", []) if "media_key" not in u]
        rows.append(
            {
                "id": tweet["id"],
                "conversation_id": tweet["conversation_id"],
                "referenced_tweets.replied_to.id": refs.get("replied_to", ""),
                "referenced_tweets.retweeted.id": refs.get("retweeted", ""),
                "referenced_tweets.quoted.id": refs.get("quoted", ""),
                "author_id": tweet["author_id"],
                "in_reply_to_user_id": tweet.get("in_reply_to_user_id", ""),
                "retweeted_user_id": "1001" if "retweeted" in refs else "",
                "created_at": tweet["created_at"],
                "text": tweet["text"].replace("statement", "statement\\nin full"),
                "lang": tweet["lang"],
                "source": tweet.get("source", ""),
                "entities.hashtags": json.dumps(
                    ["#" + h["tag"] for h in entities.get("hashtags", [])]
                )
                if entities.get("hashtags")
                else "",
                "entities.mentions": json.dumps(
                    ["@" + m["username"] for m in entities.get("mentions", [])]
                )
                if entities.get("mentions")
                else "",
                "entities.urls": json.dumps(urls) if urls else "",
                "attachments.media_keys": json.dumps(
                    tweet.get("attachments", {}).get("media_keys", [])
                )
                if tweet.get("attachments")
                else "",
                "author.id": author["id"],
                "author.created_at": author["created_at"],
                "author.username": author["username"],
                "author.name": author["name"],
                "author.description": author["description"],
                "author.location": author["location"],
                "author.public_metrics.followers_count": author["public_metrics"][
                    "followers_count"
                ],
                "author.verified": author["verified"],
                "author.verified_type": author["verified_type"],
                "__twarc.retrieved_at": TWARC["retrieved_at"],
            }
        )
    with open(HERE / "twarc2.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


# -- TikTok Research API ----------------------------------------------------------------------

# The campaign rides a different trending sound and topic hashtag each time, with its
# effect, a trending tag and two political hashtags that organic accounts use too.
CAMPAIGN_EFFECT = "1093847"
CAMPAIGN_TAGS = [
    "peacenow",
    "sanctionshurt",
    "energycrisis",
    "wakeupeurope",
    "truthaboutthewar",
    "stopthewar",
]
TRENDING_SOUNDS = [7200000000000000000 + i * 7919 for i in range(25)]
# Where the campaign's accounts are registered (local voices of its audience); none
# discloses anything. They work another country's clock: Beijing office hours.
CAMPAIGN_REGIONS = ["GB", "US", "DE"]
# Campaign working days, 22 April to 17 May 2024: Monday to Friday, silent over the
# Labour Day holiday of 1-5 May (China, 2024).
CAMPAIGN_DAYS = [
    f"2024-{month:02d}-{day:02d}"
    for month, days in (
        (4, (22, 23, 24, 25, 26, 29, 30)),
        (5, (6, 7, 8, 9, 10, 13, 14, 15, 16, 17)),
    )
    for day in days
]
# Wave times of a working day, local UTC+8: a full office day, with a lunch break.
CAMPAIGN_TIMES = ("09:05", "10:20", "11:35", "13:40", "15:10", "16:50")


def _office_waves(rng: random.Random) -> list[int]:
    """Start times (epoch seconds) of the campaign's waves, on Beijing's working clock."""
    beijing = datetime.timezone(datetime.timedelta(hours=8))
    starts = []
    for number, day in enumerate(CAMPAIGN_DAYS):
        # two waves a day, at times that turn through the whole office day
        for clock in (CAMPAIGN_TIMES[number % 6], CAMPAIGN_TIMES[(number + 3) % 6]):
            local = datetime.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=beijing)
            starts.append(int(local.timestamp()) + rng.randint(0, 1_200))
    return starts


def _video(
    video_id: int,
    username: str,
    when: int,
    description: str,
    tags,
    music,
    effects,
    region: str,
    transcript: str,
    views: int,
) -> dict:
    return {
        "id": video_id,
        "username": username,
        "create_time": when,
        "region_code": region,
        "video_description": description,
        "hashtag_names": list(tags),
        "music_id": music,
        "effect_ids": list(effects),
        "voice_to_text": transcript,
        "view_count": views,
        "like_count": views // 20,
        "comment_count": views // 200,
        "share_count": views // 300,
        "video_duration": 15 + video_id % 45,
        "playlist_id": 0,
        "is_stem_verified": False,
        "video_mention_list": [],
    }


def tiktok_videos(seed: int = 17) -> list[dict]:
    """A few hundred videos: 100 organic accounts posting on their own rhythm over six
    days, trending sounds and tags shared by chance, and a campaign of 8 accounts
    registered in GB, US and DE that post within seconds of each other in 34 waves on
    Beijing's working clock (:func:`_office_waves`), each time riding a trending sound
    and a topic hashtag, with its effect and two of six political hashtags (which organic
    accounts use often too)."""
    rng = random.Random(seed)
    videos = []
    next_id = [7350000000000000000]

    def new_id() -> int:
        next_id[0] += rng.randint(1_000, 90_000)
        return next_id[0]

    trending_sounds = TRENDING_SOUNDS
    trending_tags = [
        "fyp",
        "foryou",
        "cooking",
        "football",
        "dance",
        "travel",
        "cats",
        "music",
        "funny",
        "diy",
        "art",
        "news",
        "fitness",
        "books",
        "gaming",
    ]
    # the long tail of topics of the day, which the campaign rides too
    topics = [f"{word}{n}" for n in range(6) for word in ("today", "trend", "story", "vibes")]
    trending_tags += topics
    effects = [str(1000000 + i * 37) for i in range(12)]
    regions = ["DE", "FR", "IT", "ES", "NL", "PL", "GB", "SE", "US", "BR"]
    organic = [f"user_{i:03d}" for i in range(100)]
    for name in organic:
        region = rng.choice(regions)
        for _ in range(rng.randint(2, 6)):
            when = T0 + rng.randint(0, 6 * 86_400)
            tags = rng.sample(trending_tags, rng.randint(0, 3))
            if rng.random() < 0.5:  # political tags are common
                tags.append(rng.choice(CAMPAIGN_TAGS))
            sound = rng.choice(trending_sounds) if rng.random() < 0.7 else new_id()
            fx = rng.sample(effects, 1) if rng.random() < 0.3 else []
            videos.append(
                _video(
                    new_id(),
                    name,
                    when,
                    f"my day {' '.join('#' + t for t in tags)}",
                    tags,
                    sound,
                    fx,
                    region,
                    "",
                    rng.randint(100, 50_000),
                )
            )
    campaign = [f"daily_truth_{i}" for i in range(8)]
    for wave, start in enumerate(_office_waves(rng)):
        sound = TRENDING_SOUNDS[(3 * wave) % len(TRENDING_SOUNDS)]
        wave_tags = [CAMPAIGN_TAGS[(wave + k) % len(CAMPAIGN_TAGS)] for k in range(2)]
        wave_tags.append(topics[(5 * wave) % len(topics)])
        for index, name in enumerate(campaign):
            when = start + rng.randint(0, 40)
            tags = [*wave_tags, rng.choice(trending_tags[:4])]
            videos.append(
                _video(
                    new_id(),
                    name,
                    when,
                    f"they will not tell you this {' '.join('#' + t for t in tags)}",
                    tags,
                    sound,
                    [CAMPAIGN_EFFECT],
                    CAMPAIGN_REGIONS[index % len(CAMPAIGN_REGIONS)],
                    "the west is lying to you about the war",
                    rng.randint(2_000, 9_000),
                )
            )
    videos.sort(key=lambda v: (v["create_time"], v["id"]))
    return videos


def tiktok() -> None:
    videos = tiktok_videos()
    write_jsonl(HERE / "tiktok_videos.jsonl", videos)
    response = {
        "data": {
            "videos": videos[:5],
            "cursor": 5,
            "has_more": True,
            "search_id": "7351234567890123456",
        },
        "error": {"code": "ok", "message": "", "log_id": "20240501120000ABCDEF"},
    }
    write_json(HERE / "tiktok_response.json", response)


# -- Bluesky ----------------------------------------------------------------------------------

A, B, C = (
    "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa",
    "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb",
    "did:web:c.example",
)


def _uri(did: str, rkey: str, collection: str = "app.bsky.feed.post") -> str:
    return f"at://{did}/{collection}/{rkey}"


def _author(did: str, handle: str, **extra) -> dict:
    return {"did": did, "handle": handle, "displayName": handle.split(".")[0], **extra}


def bluesky_posts() -> list[dict]:
    link = {"$type": "app.bsky.richtext.facet#link", "uri": "https://news.example.org/a"}
    tag = {"$type": "app.bsky.richtext.facet#tag", "tag": "Election"}
    mention = {"$type": "app.bsky.richtext.facet#mention", "did": B}
    image = {
        "$type": "blob",
        "ref": {"$link": "bafkreiimageaaaa"},
        "mimeType": "image/jpeg",
        "size": 12345,
    }
    return [
        {
            "uri": _uri(A, "3kabc0000001"),
            "cid": "bafyreia1",
            "author": _author(A, "alice.bsky.social", createdAt="2023-04-01T00:00:00.000Z"),
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": iso(T0),
                "langs": ["en"],
                "text": "Read this #Election @bob.bsky.social news.example.org/a",
                "facets": [
                    {"index": {"byteStart": 10, "byteEnd": 19}, "features": [tag]},
                    {"index": {"byteStart": 20, "byteEnd": 36}, "features": [mention]},
                    {"index": {"byteStart": 37, "byteEnd": 55}, "features": [link]},
                ],
                "tags": ["vote"],
                "embed": {
                    "$type": "app.bsky.embed.images",
                    "images": [{"alt": "a chart", "image": image}],
                },
            },
            "replyCount": 1,
            "repostCount": 1,
            "likeCount": 3,
            "indexedAt": iso(T0 + 1),
        },
        {
            "uri": _uri(B, "3kabc0000002"),
            "cid": "bafyreib2",
            "author": _author(B, "bob.bsky.social"),
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": iso(T0 + 20),
                "text": "so true",
                "reply": {
                    "root": {"uri": _uri(A, "3kabc0000001"), "cid": "bafyreia1"},
                    "parent": {"uri": _uri(A, "3kabc0000001"), "cid": "bafyreia1"},
                },
            },
            "indexedAt": iso(T0 + 21),
        },
        {
            "uri": _uri(C, "3kabc0000003"),
            "cid": "bafyreic3",
            "author": _author(C, "c.example"),
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": iso(T0 + 40),
                "text": "quoting",
                "embed": {
                    "$type": "app.bsky.embed.external",
                    "external": {
                        "uri": "https://blog.example.net/post",
                        "title": "t",
                        "description": "d",
                    },
                },
            },
            "indexedAt": iso(T0 + 41),
        },
        {
            "uri": _uri(C, "3kabc0000004"),
            "cid": "bafyreic4",
            "author": _author(C, "c.example"),
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": iso(T0 + 60),
                "text": "",
                "embed": {
                    "$type": "app.bsky.embed.record",
                    "record": {"uri": _uri(A, "3kabc0000001"), "cid": "bafyreia1"},
                },
            },
            "indexedAt": iso(T0 + 61),
        },
    ]


def bluesky() -> None:
    posts = bluesky_posts()
    write_jsonl(HERE / "bluesky_posts.jsonl", posts)
    feed = {
        "feed": [
            {"post": posts[0]},
            {
                "post": posts[0],
                "reason": {
                    "$type": "app.bsky.feed.defs#reasonRepost",
                    "by": _author(B, "bob.bsky.social"),
                    "indexedAt": iso(T0 + 90),
                },
            },
            {"post": posts[1], "reply": {"root": posts[0], "parent": posts[0]}},
        ],
        "cursor": "2024-05-01T12:00:00.000Z",
    }
    write_json(HERE / "bluesky_feed.json", feed)
    jetstream = [
        {
            "did": B,
            "time_us": (T0 + 5) * 1_000_000,
            "kind": "commit",
            "commit": {
                "rev": "3kabc",
                "operation": "create",
                "collection": "app.bsky.feed.repost",
                "rkey": "3krepost0001",
                "cid": "bafyreir1",
                "record": {
                    "$type": "app.bsky.feed.repost",
                    "createdAt": iso(T0 + 5),
                    "subject": {"uri": _uri(A, "3kabc0000001"), "cid": "bafyreia1"},
                },
            },
        },
        {
            "did": C,
            "time_us": (T0 + 7) * 1_000_000,
            "kind": "commit",
            "commit": {
                "rev": "3kabd",
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": "3kpost000009",
                "cid": "bafyreip9",
                "record": {
                    "$type": "app.bsky.feed.post",
                    "createdAt": iso(T0 + 7),
                    "text": "hello",
                    "langs": ["en"],
                },
            },
        },
        {
            "did": C,
            "time_us": (T0 + 8) * 1_000_000,
            "kind": "commit",
            "commit": {
                "rev": "3kabe",
                "operation": "create",
                "collection": "app.bsky.feed.like",
                "rkey": "3klike000001",
                "cid": "bafyreil1",
                "record": {
                    "$type": "app.bsky.feed.like",
                    "createdAt": iso(T0 + 8),
                    "subject": {"uri": _uri(A, "3kabc0000001"), "cid": "bafyreia1"},
                },
            },
        },
        {
            "did": C,
            "time_us": (T0 + 9) * 1_000_000,
            "kind": "commit",
            "commit": {
                "rev": "3kabf",
                "operation": "delete",
                "collection": "app.bsky.feed.post",
                "rkey": "3kpost000008",
            },
        },
        {
            "did": A,
            "time_us": (T0 + 10) * 1_000_000,
            "kind": "identity",
            "identity": {"did": A, "handle": "alice.bsky.social", "seq": 1, "time": iso(T0 + 10)},
        },
    ]
    write_jsonl(HERE / "bluesky_jetstream.jsonl", jetstream)


# -- Telegram ---------------------------------------------------------------------------------


def telegram() -> None:
    news = {
        "name": "Daily News",
        "type": "public_channel",
        "id": 1500000001,
        "messages": [
            {
                "id": 1,
                "type": "service",
                "date": "2024-05-01T14:00:00",
                "date_unixtime": str(T0 - 1000),
                "actor": "Daily News",
                "actor_id": "channel1500000001",
                "action": "create_channel",
                "title": "Daily News",
                "text": "",
                "text_entities": [],
            },
            {
                "id": 2,
                "type": "message",
                "date": "2024-05-01T14:00:00",
                "date_unixtime": str(T0),
                "from": "Daily News",
                "from_id": "channel1500000001",
                "text": [
                    "Breaking: ",
                    {"type": "hashtag", "text": "#Summit"},
                    " read ",
                    {"type": "link", "text": "https://news.example.org/summit"},
                    " via ",
                    {"type": "mention", "text": "@wire_service"},
                ],
                "text_entities": [
                    {"type": "plain", "text": "Breaking: "},
                    {"type": "hashtag", "text": "#Summit"},
                    {"type": "plain", "text": " read "},
                    {"type": "link", "text": "https://news.example.org/summit"},
                    {"type": "plain", "text": " via "},
                    {"type": "mention", "text": "@wire_service"},
                ],
            },
            {
                "id": 3,
                "type": "message",
                "date": "2024-05-01T14:01:00",
                "date_unixtime": str(T0 + 60),
                "from": "Daily News",
                "from_id": "channel1500000001",
                "reply_to_message_id": 2,
                "text": "More soon",
                "text_entities": [{"type": "plain", "text": "More soon"}],
            },
            {
                "id": 4,
                "type": "message",
                "date": "2024-05-01T14:02:00",
                "date_unixtime": str(T0 + 120),
                "from": "Daily News",
                "from_id": "channel1500000001",
                "forwarded_from": "Ministry Channel",
                "photo": "photos/photo_4@01-05-2024_14-02-00.jpg",
                "text": [
                    "The minister says ",
                    {"type": "text_link", "text": "this", "href": "https://gov.example/speech"},
                ],
                "text_entities": [
                    {"type": "plain", "text": "The minister says "},
                    {"type": "text_link", "text": "this", "href": "https://gov.example/speech"},
                ],
            },
        ],
    }
    # an older export: text as a plain string or a list, no text_entities, no date_unixtime
    mirror = {
        "name": "Mirror",
        "type": "public_channel",
        "id": 1500000002,
        "messages": [
            {
                "id": 10,
                "type": "message",
                "date": "2024-05-01T12:02:30",
                "from": "Mirror",
                "from_id": "channel1500000002",
                "forwarded_from": "Ministry Channel",
                "text": [
                    "The minister says ",
                    {"type": "text_link", "text": "this", "href": "https://gov.example/speech"},
                ],
            },
            {
                "id": 11,
                "type": "message",
                "date": "2024-05-01T12:03:00",
                "from": "Mirror",
                "from_id": "channel1500000002",
                "text": [{"type": "mention_name", "text": "Ann", "user_id": 424242}, " agrees"],
            },
        ],
    }
    for name, chat in (("news", news), ("mirror", mirror)):
        (HERE / "telegram" / name).mkdir(parents=True, exist_ok=True)
        write_json(HERE / "telegram" / name / "result.json", chat)


# -- CrowdTangle, Meta Content Library --------------------------------------------------------


def crowdtangle() -> None:
    api = [
        {
            "id": "111|901",
            "platformId": "111_901",
            "platform": "Facebook",
            "date": "2021-03-01 10:00:00",
            "type": "link",
            "message": "Must read",
            "expanded": "https://news.example.org/story",
            "link": "https://bit.ly/xyz",
            "postUrl": "https://www.facebook.com/111/posts/901",
            "account.id": "5001",
            "account.name": "Page One",
            "account.handle": "pageone",
            "account.url": "https://www.facebook.com/111",
            "account.platformId": "111",
            "account.pageAdminTopCountry": "RU",
            "account.subscriberCount": "1200",
            "account.verified": "FALSE",
        },
        {
            "id": "222|902",
            "platformId": "222_902",
            "platform": "Facebook",
            "date": "2021-03-01 10:00:20",
            "type": "link",
            "message": "",
            "expanded": "https://news.example.org/story",
            "link": "",
            "postUrl": "https://www.facebook.com/222/posts/902",
            "account.id": "5002",
            "account.name": "Page Two",
            "account.handle": "",
            "account.url": "https://www.facebook.com/222",
            "account.platformId": "222",
            "account.pageAdminTopCountry": "",
            "account.subscriberCount": "30",
            "account.verified": "FALSE",
        },
    ]
    with open(HERE / "crowdtangle_api.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(api[0]))
        writer.writeheader()
        writer.writerows(api)
    columns = [
        "Page Name",
        "User Name",
        "Facebook Id",
        "Page Category",
        "Page Admin Top Country",
        "Page Description",
        "Page Created",
        "Likes at Posting",
        "Followers at Posting",
        "Post Created",
        "Post Created Date",
        "Post Created Time",
        "Type",
        "Total Interactions",
        "URL",
        "Message",
        "Link",
        "Final Link",
        "Link Text",
        "Sponsor Id",
        "Sponsor Name",
    ]
    rows = [
        [
            "Page One",
            "pageone",
            "111",
            "NEWS_SITE",
            "RU",
            "News for you",
            "2015-01-01 00:00:00",
            "1000",
            "1200",
            "2021-03-01 05:00:00 EST",
            "2021-03-01",
            "05:00:00",
            "Link",
            "42",
            "https://www.facebook.com/111/posts/901",
            "Must read",
            "https://bit.ly/xyz",
            "https://news.example.org/story",
            "Story",
            "",
            "",
        ],
        [
            "Page Two",
            "",
            "222",
            "COMMUNITY",
            "",
            "",
            "2020-06-01 00:00:00",
            "20",
            "30",
            "2021-03-01 11:00:20 CET",
            "2021-03-01",
            "11:00:20",
            "Link",
            "3",
            "https://www.facebook.com/222/posts/902",
            "",
            "https://news.example.org/story",
            "",
            "Story",
            "",
            "",
        ],
    ]
    with open(HERE / "crowdtangle_dashboard.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


def meta_content_library() -> None:
    posts = [
        {
            "id": "1234567890123456",
            "creation_time": "2024-03-01T10:00:00+0000",
            "text": "Read the facts",
            "lang": "en",
            "is_branded_content": False,
            "url": "https://www.facebook.com/77/posts/1234567890123456",
            "post_owner": {"id": "77", "name": "Facts Page", "type": "PAGE", "username": "facts"},
            "link_attachment": {
                "link": "https://news.example.org/facts",
                "name": "Facts",
                "caption": "news.example.org",
                "description": "d",
            },
            "statistics": {"reaction_count": 10, "comment_count": 2, "share_count": 5},
        },
        {
            "id": "1234567890123457",
            "creation_time": "2024-03-01T10:00:30+0000",
            "text": "",
            "lang": "en",
            "is_branded_content": False,
            "url": "https://www.facebook.com/88/posts/1234567890123457",
            "post_owner": {"id": "88", "name": "Local Group", "type": "GROUP"},
            "statistics": {"reaction_count": 0, "comment_count": 0, "share_count": 0},
        },
    ]
    write_jsonl(HERE / "meta_content_library.jsonl", posts)


# -- YouTube ----------------------------------------------------------------------------------


def _comment(
    cid: str, channel: str, name: str, when: int, text: str, video: str, parent: str | None = None
) -> dict:
    snippet = {
        "channelId": "UCvideoowner0000000000",
        "videoId": video,
        "textDisplay": text,
        "textOriginal": text,
        "authorDisplayName": name,
        "authorProfileImageUrl": "https://yt3.ggpht.com/x",
        "authorChannelUrl": f"http://www.youtube.com/channel/{channel}",
        "authorChannelId": {"value": channel},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": 1,
        "publishedAt": iso(when),
        "updatedAt": iso(when),
    }
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "etag": "e", "id": cid, "snippet": snippet}


def youtube() -> None:
    video = "dQw4w9WgXcQ"
    top = _comment("UgzTop1", "UCaaaaaaaaaaaaaaaaaaaaaa", "@ann", T0, "Great video", video)
    reply = _comment(
        "UgzTop1.reply1",
        "UCbbbbbbbbbbbbbbbbbbbbbb",
        "@bob",
        T0 + 15,
        "@ann agreed https://example.org/x",
        video,
        parent="UgzTop1",
    )
    lone = _comment("UgzTop2", "UCcccccccccccccccccccccc", "@cy", T0 + 30, "first!", video)
    response = {
        "kind": "youtube#commentThreadListResponse",
        "etag": "e",
        "nextPageToken": "tok",
        "pageInfo": {"totalResults": 2, "resultsPerPage": 20},
        "items": [
            {
                "kind": "youtube#commentThread",
                "etag": "e",
                "id": "UgzTop1",
                "snippet": {
                    "channelId": "UCvideoowner0000000000",
                    "videoId": video,
                    "topLevelComment": top,
                    "canReply": True,
                    "totalReplyCount": 1,
                    "isPublic": True,
                },
                "replies": {"comments": [reply]},
            },
            {
                "kind": "youtube#commentThread",
                "etag": "e",
                "id": "UgzTop2",
                "snippet": {
                    "channelId": "UCvideoowner0000000000",
                    "videoId": video,
                    "topLevelComment": lone,
                    "canReply": True,
                    "totalReplyCount": 0,
                    "isPublic": True,
                },
            },
        ],
    }
    write_json(HERE / "youtube_comment_threads.json", response)
    columns = [
        "id",
        "replyCount",
        "likeCount",
        "publishedAt",
        "authorName",
        "text",
        "authorChannelId",
        "authorChannelUrl",
        "isReply",
        "isReplyTo",
        "isReplyToName",
        "urls",
    ]
    rows = [
        [
            "UgzTop1",
            "1",
            "3",
            iso(T0),
            "@ann",
            "Great video",
            "UCaaaaaaaaaaaaaaaaaaaaaa",
            "http://www.youtube.com/channel/UCaaaaaaaaaaaaaaaaaaaaaa",
            "0",
            "",
            "",
            "",
        ],
        [
            "UgzTop1.reply1",
            "0",
            "1",
            iso(T0 + 15),
            "@bob",
            "@ann agreed https://example.org/x",
            "UCbbbbbbbbbbbbbbbbbbbbbb",
            "http://www.youtube.com/channel/UCbbbbbbbbbbbbbbbbbbbbbb",
            "1",
            "UgzTop1",
            "@ann",
            "",
        ],
        [
            "UgzTop2",
            "0",
            "0",
            iso(T0 + 30),
            "@cy",
            "first!",
            "UCcccccccccccccccccccccc",
            "http://www.youtube.com/channel/UCcccccccccccccccccccccc",
            "0",
            "",
            "",
            "",
        ],
    ]
    with open(HERE / "youtube_comments.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


def main() -> None:
    twitter()
    tiktok()
    bluesky()
    telegram()
    crowdtangle()
    meta_content_library()
    youtube()


if __name__ == "__main__":
    main()
