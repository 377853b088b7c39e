"""cib_detect.normalize: text, hashtag, mention and URL normalisation; stable hashes."""

from __future__ import annotations

import unicodedata

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cib_detect.errors import ParameterError
from cib_detect.normalize import (
    SITE_TRACKING_PARAMS,
    TRACKING_PARAMS,
    canonical_url,
    extract_hashtags,
    extract_mentions,
    extract_urls,
    normalize_hashtag,
    normalize_text,
    registered_domain,
    stable_hash,
    text_hash,
)
from cib_detect.normalize._common import NEEDS_UNICODE_FOLD
from tests.reference import xxh64_reference

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def apply(function, values, dtype=pl.String, **kwargs) -> list:
    """``function`` on a column of ``values``; the output as a Python list."""
    frame = pl.DataFrame({"x": values}, schema={"x": dtype})
    return frame.select(function("x", **kwargs))["x"].to_list()


# --------------------------------------------------------------------------------------
# XXH64 (twin in tests/reference.py, written from xxHash doc/xxhash_spec.md)
# --------------------------------------------------------------------------------------


def test_xxh64_reference_matches_published_vectors():
    # Published XXH64 (seed 0) values: xxHash's sanity checks and the python-xxhash README.
    assert xxh64_reference(b"") == 0xEF46DB3751D8E999
    assert xxh64_reference(b"a") == 0xD24EC4F1A98C6E5B
    assert xxh64_reference(b"abc") == 0x44BC2CF5AD770999
    assert xxh64_reference(b"Nobody inspects the spammish repetition") == 0xFBCEA83C8A378BF1


def test_stable_hash_matches_published_vectors_and_keeps_nulls():
    values = ["", "a", "abc", "Nobody inspects the spammish repetition", None]
    assert apply(stable_hash, values) == [
        0xEF46DB3751D8E999,
        0xD24EC4F1A98C6E5B,
        0x44BC2CF5AD770999,
        0xFBCEA83C8A378BF1,
        None,
    ]


@FAST
@given(st.lists(st.text(max_size=80), max_size=20))
def test_stable_hash_equals_the_reference_on_utf8_bytes(texts):
    expected = [xxh64_reference(t.encode()) for t in texts]
    assert apply(stable_hash, texts) == expected


def test_stable_hash_works_on_slices_and_several_chunks():
    texts = [f"post number {i} " * (i % 7) for i in range(100)]
    chunked = pl.concat([pl.Series("x", texts[:30]), pl.Series("x", texts[30:])], rechunk=False)
    frame = pl.DataFrame({"x": chunked}).slice(5, 80)
    got = frame.select(stable_hash("x"))["x"].to_list()
    assert got == [xxh64_reference(t.encode()) for t in texts[5:85]]


def test_text_hash_is_xxh64_of_the_normalised_text():
    # Hard-coded: XXH64 of b"vote now" (also what the reference computes).
    assert xxh64_reference(b"vote now") == 13964326376074079283
    got = apply(
        text_hash, ["Vote NOW! https://t.co/a", "RT @x: vote now!!", "ok", None], min_chars=5
    )
    assert got == [13964326376074079283, 13964326376074079283, None, None]


def test_text_hash_min_chars_counts_characters_of_the_normalised_text():
    texts = ["Hello, World!", "hello world", "@bob hi!!!", "日本語の文章です"]
    got = apply(text_hash, texts)  # default min_chars=10
    assert got[0] == got[1] == xxh64_reference(b"hello world")
    assert got[2] is None  # "hi": 2 characters
    assert got[3] is None  # 8 characters
    assert apply(text_hash, texts[3:], min_chars=8) == [xxh64_reference(texts[3].encode())]


def test_text_hash_of_normalised_input_skips_normalisation():
    got = apply(text_hash, ["vote now please", "Vote Now Please"], normalized=True)
    assert got[0] == xxh64_reference(b"vote now please")
    assert got[1] == xxh64_reference(b"Vote Now Please")


@pytest.mark.parametrize("bad", [-1, 2.5, "10", None, True])
def test_text_hash_rejects_a_bad_min_chars(bad):
    with pytest.raises(ParameterError, match="min_chars"):
        text_hash("text", min_chars=bad)


@pytest.mark.parametrize(
    "function",
    [normalize_text, text_hash, stable_hash, extract_hashtags, extract_urls, canonical_url],
)
def test_functions_reject_what_is_not_a_column_name_or_expression(function):
    with pytest.raises(ParameterError, match="column name or a polars expression"):
        function(3)


# --------------------------------------------------------------------------------------
# normalize_text
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "RT @user: RT @other: Hello, World!!! http://t.co/AbC #Tag_1 @mention",
            "hello world tag 1",
        ),
        ("Check www.example.com/x?a=1 NOW", "check now"),
        ("awww... so cute", "awww so cute"),
        ("Tom &amp; Jerry &lt;3 &#39;yes&#39;", "tom jerry 3 yes"),
        ("mail john@example.com", "mail john com"),
        ("emoji ❤️ 1️⃣ 👍🏽 vo\u200bte \u200fok", "emoji 1 vote ok"),
        ("ＦＵＬＬ ｗｉｄｔｈ ﬁne 𝐁𝐎𝐋𝐃", "full width fine bold"),
        ("Straße STRASSE ẞ", "strasse strasse ss"),
        ("ΣΑΣ ΟΔΟΣ σας", "σασ οδοσ σασ"),
        ("Привет, МИР!", "привет мир"),
        ("مرحبا   بالعالم،  ١٢٣", "مرحبا بالعالم ١٢٣"),
        ("سلام دنیا می\u200cخواهم", "سلام دنیا میخواهم"),
        ("今日は、良い天気！", "今日は 良い天気"),
        ("नमस्ते दुनिया।", "नमस्ते दुनिया"),
        ("สวัสดีครับ ประเทศไทย", "สวัสดีครับ ประเทศไทย"),
        ("안녕하세요, 세계", "안녕하세요 세계"),
        ("  ...  ", ""),
        ("", ""),
    ],
)
def test_normalize_text_examples(text, expected):
    assert apply(normalize_text, [text]) == [expected]


def test_normalize_text_keeps_nulls_and_the_column_name():
    frame = pl.DataFrame({"body": ["A b", None]})
    out = frame.select(normalize_text("body"))
    assert out.columns == ["body"]
    assert out["body"].to_list() == ["a b", None]


def test_normalize_text_composes_decomposed_letters():
    decomposed = unicodedata.normalize("NFD", "Café Ελλάδα")
    assert apply(normalize_text, [decomposed, "Café Ελλάδα"]) == ["café ελλάδα"] * 2


def test_normalize_text_on_repeated_values_equals_distinct_values():
    # Batches that repeat values are computed once per distinct value: same result.
    distinct = ["RT @a: Same text!", "Другой ТЕКСТ", None, "ﬁne https://x.y/z", ""]
    repeated = distinct * 500
    assert apply(normalize_text, repeated) == apply(normalize_text, distinct) * 500
    assert apply(text_hash, repeated) == apply(text_hash, distinct) * 500


def _is_normal_output(text: str) -> bool:
    if text == "":
        return True
    if text != text.strip(" ") or "  " in text:
        return False
    return all(c == " " or unicodedata.category(c)[0] in "LNM" for c in text)


@FAST
@given(st.lists(st.text(max_size=60), min_size=1, max_size=20))
def test_normalize_text_is_idempotent_and_leaves_words_and_single_spaces(texts):
    once = apply(normalize_text, texts)
    assert apply(normalize_text, once) == once
    # Python's Unicode tables may be older than polars': a character unknown to Python
    # ("Cn") that polars kept is a letter of a newer Unicode version.
    for text in once:
        known = "".join("x" if unicodedata.category(c) == "Cn" else c for c in text)
        assert _is_normal_output(known), text


@FAST
@given(st.lists(st.text(max_size=60), min_size=1, max_size=20))
def test_normalize_text_is_invariant_under_nfkc(texts):
    nfkc = [unicodedata.normalize("NFKC", t) for t in texts]
    assert apply(normalize_text, nfkc) == apply(normalize_text, texts)


_CASED = st.text(
    alphabet=st.sampled_from([*"abcXYZ жЖяЯ,.!?#-0123", "ß", "ẞ", "é", "É", "Σ", "σ", "ς", "İ"]),
    max_size=40,
)


@FAST
@given(st.lists(_CASED, min_size=1, max_size=20))
def test_normalize_text_ignores_case_and_is_idempotent_on_cased_scripts(texts):
    once = apply(normalize_text, texts)
    assert apply(normalize_text, [t.upper() for t in texts]) == once
    assert apply(normalize_text, once) == once


def test_unicode_fold_guard_covers_every_character_nfkc_changes():
    # Every code point that polars' NFKC changes (other than punctuation that becomes other
    # punctuation, which normalize_text removes anyway) and every combining mark must send
    # its text down the NFKC path; outside the guard, lowercasing must keep text NFKC.
    code_points = [*range(0x80, 0xD800), *range(0xE000, 0x30000), *range(0xE0000, 0xE0200)]
    chars = pl.DataFrame({"c": [chr(cp) for cp in code_points]})
    word = r"[\p{L}\p{N}\p{M}]"
    checked = chars.with_columns(
        nfkc=pl.col("c").str.normalize("NFKC"),
        guarded=pl.col("c").str.contains(NEEDS_UNICODE_FOLD),
        lower=pl.col("c").str.to_lowercase(),
    ).with_columns(
        junk_to_junk=~pl.col("c").str.contains(word)
        & ~pl.col("nfkc").str.contains(word)
        & ~pl.col("nfkc").str.contains(r"[@&#:/;]"),
        lower_stable=pl.col("lower").str.normalize("NFKC") == pl.col("lower"),
    )
    missed = checked.filter(
        (pl.col("nfkc") != pl.col("c")) & ~pl.col("junk_to_junk") & ~pl.col("guarded")
    )
    assert missed["c"].to_list() == []
    combining = [chr(cp) for cp in code_points if unicodedata.combining(chr(cp))]
    assert all(apply(lambda x: pl.col(x).str.contains(NEEDS_UNICODE_FOLD), combining))
    unstable = checked.filter(
        ~pl.col("guarded")
        & ~pl.col("junk_to_junk")
        & (~pl.col("lower_stable") | pl.col("lower").str.contains("[ßς]"))
    )
    assert unstable["c"].to_list() == []


# --------------------------------------------------------------------------------------
# Hashtags and mentions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#MAGA #Vote_Now! #2024election", ["maga", "vote_now", "2024election"]),
        ("#1 #123 #_ not tags, #1a is", ["1a"]),
        ("Привет #Выборы2024 и #ПУТИН", ["выборы2024", "путин"]),
        ("#السعودية_تنتخب و #مصر", ["السعودية_تنتخب", "مصر"]),
        ("#ایران\u200cآزاد #مهسا_امینی", ["ایرانآزاد", "مهسا_امینی"]),
        ("今日は #日本 ＃東京 天気#晴れ", ["日本", "東京"]),
        ("#한국 #대한민국만세", ["한국", "대한민국만세"]),
        ("#ประเทศไทย #กรุงเทพมหานคร", ["ประเทศไทย", "กรุงเทพมหานคร"]),
        ("#भारत #नमस्ते", ["भारत", "नमस्ते"]),
        ("#ＦＵＬＬ #Straße", ["full", "strasse"]),
        ("https://x.com/a#anchor http://x.com/#frag x.com/#bare www.y.org/#z", []),
        ("&#39;quoted&#39; abc#nottag a_#no", []),
        ('(#paren) #tag. #tag, "#quoted"', ["paren", "tag", "tag", "quoted"]),
        ("#a#b", ["a", "b"]),
        ("no tags here", []),
        ("", []),
    ],
)
def test_extract_hashtags_examples(text, expected):
    assert apply(extract_hashtags, [text]) == [expected]


def test_extract_hashtags_keeps_nulls_and_order_with_repeats():
    assert apply(extract_hashtags, ["#b #a #b", None]) == [["b", "a", "b"], None]


def test_normalize_hashtag_on_strings_and_lists():
    assert apply(normalize_hashtag, ["#MAGA", " ＃Выборы ", "Straße", "#", None]) == [
        "maga",
        "выборы",
        "strasse",
        None,
        None,
    ]
    lists = [["#A", "ｂ", "ایران\u200cآزاد"], [], None]
    assert apply(normalize_hashtag, lists, dtype=pl.List(pl.String)) == [
        ["a", "b", "ایرانآزاد"],
        [],
        None,
    ]


@FAST
@given(st.lists(st.text(max_size=20), min_size=1, max_size=20))
def test_normalize_hashtag_is_idempotent(tags):
    once = apply(normalize_hashtag, tags)
    assert apply(normalize_hashtag, once) == once


def test_extracted_hashtags_are_already_normalised():
    texts = ["#MAGA #Ｖｏｔｅ #Straße #ایران\u200cآزاد #ΣΟΦΙΑ"]
    tags = pl.DataFrame({"x": texts}).select(extract_hashtags("x"))
    assert tags.select(normalize_hashtag("x"))["x"].to_list() == tags["x"].to_list()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RT @NewsBot: hi @Alice_1, @bob's", ["newsbot", "alice_1", "bob"]),
        ("mail me@x.org or see https://medium.com/@writer/post", []),
        ("@alice@mastodon.social and ＠Ｆｕｌｌ", ["alice@mastodon.social", "full"]),
        ("@Пользователь", ["пользователь"]),
        ("nobody", []),
    ],
)
def test_extract_mentions_examples(text, expected):
    assert apply(extract_mentions, [text]) == [expected]


# --------------------------------------------------------------------------------------
# URLs in text
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Read (https://bbc.co.uk/news/a?id=1). Now!", ["https://bbc.co.uk/news/a?id=1"]),
        (
            "see https://en.wikipedia.org/wiki/Foo_(bar), ok",
            ["https://en.wikipedia.org/wiki/Foo_(bar)"],
        ),
        ("www.rt.com/x! and HTTP://A.B/c?", ["www.rt.com/x", "HTTP://A.B/c"]),
        ("truncated https://t.co/abc…", ["https://t.co/abc"]),
        ('"https://x.org/a" «https://y.org/b»', ["https://x.org/a", "https://y.org/b"]),
        ("two:https://a.com/1,https://b.com/2", ["https://a.com/1,https://b.com/2"]),
        ("awww.no url, mailto:x@y.z, ftp://f.org", []),
        ("", []),
    ],
)
def test_extract_urls_examples(text, expected):
    assert apply(extract_urls, [text]) == [expected]


def test_extract_urls_keeps_nulls():
    assert apply(extract_urls, [None, "x"]) == [None, []]


# --------------------------------------------------------------------------------------
# canonical_url
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://www.BBC.co.uk:80/News/A/?utm_source=tw&id=7#top", "https://bbc.co.uk/News/A?id=7"),
        ("https://example.com:8080/a//", "https://example.com:8080/a"),
        ("http://example.com:443/", "https://example.com"),
        ("https://example.com/?", "https://example.com"),
        (
            "https://example.com/a?b=1&&c=2&fbclid=x&UTM_Medium=x&si=abc&sidebar=1",
            "https://example.com/a?b=1&c=2&sidebar=1",
        ),
        ("https://twitter.com/Bob/status/1?s=20&t=xyz", "https://twitter.com/Bob/status/1"),
        (
            "https://www.youtube.com/watch?v=abc&feature=share&t=30s",
            "https://youtube.com/watch?v=abc&t=30s",
        ),
        ("https://example.com/search?s=query&t=1", "https://example.com/search?s=query&t=1"),
        ("https://example.com/#!/route", "https://example.com#!/route"),
        ("https://example.com/app#/page/1", "https://example.com/app#/page/1"),
        (
            "https://example.com/%7euser/%2fpath?q=%e2%82%ac",
            "https://example.com/~user/%2Fpath?q=%E2%82%AC",
        ),
        ("www.example.com", "https://example.com"),
        ("example.com/path", "https://example.com/path"),
        ("www.example.com:8080/x/", "https://example.com:8080/x"),
        ("example.com/r?to=https://x.org/", "https://example.com/r?to=https://x.org/"),
        ("//cdn.example.com/x.js", "https://cdn.example.com/x.js"),
        ("https://user:pw@Example.com:8443/a", "https://user:pw@example.com:8443/a"),
        ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
        ("https://EXAMPLE.COM./a", "https://example.com/a"),
        ("https://www.www.com/", "https://www.com"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("  https://x.org/a  ", "https://x.org/a"),
        ("mailto:Someone@Example.com", "mailto:Someone@Example.com"),
        ("ftp://Example.com/File", "ftp://Example.com/File"),
        ("not a url", "not a url"),
        ("   ", None),
        (None, None),
    ],
)
def test_canonical_url_examples(url, expected):
    assert apply(canonical_url, [url]) == [expected]


def test_canonical_url_works_on_list_columns_and_lazy_frames():
    frame = pl.DataFrame({"urls": [["HTTP://A.com/x/", "https://a.com/x?utm_id=1"], [], None]})
    got = frame.lazy().select(pl.col("urls").list.eval(canonical_url(pl.element()))).collect()
    assert got["urls"].to_list() == [["https://a.com/x", "https://a.com/x"], [], None]


_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True).filter(
    lambda label: label != "www"
)
_SEGMENT = st.from_regex(r"[A-Za-z0-9_~-]{1,8}", fullmatch=True)
_TRACKING_KEYS = [key[:-1] + "source" if key.endswith("*") else key for key in TRACKING_PARAMS]
_ALL_TRACKING = {k.lower() for k in _TRACKING_KEYS} | {
    key for keys in SITE_TRACKING_PARAMS.values() for key in keys
}
_PARAM_KEY = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True).filter(
    lambda key: key not in _ALL_TRACKING and not key.startswith(("utm", "mtm", "hsa"))
)
_VALUE = st.from_regex(r"[A-Za-z0-9]{0,6}", fullmatch=True)


@st.composite
def url_parts(draw):
    return {
        "labels": draw(st.lists(_LABEL, min_size=1, max_size=3)),
        "tld": draw(st.sampled_from(["com", "org", "co.uk", "ru", "de"])),
        "port": draw(st.sampled_from([None, None, "8080"])),
        "segments": draw(st.lists(_SEGMENT, max_size=4)),
        "params": draw(st.lists(st.tuples(_PARAM_KEY, _VALUE), max_size=3)),
    }


def build_url(parts, *, variant=None, draw=None) -> str:
    """The URL of ``parts``; with ``draw``, a random spelling of the same resource."""
    host = ".".join([*parts["labels"], parts["tld"]])
    params = [f"{k}={v}" for k, v in parts["params"]]
    scheme, port, slash, fragment = "https", parts["port"], "", ""
    if draw is not None:
        scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
        host = "".join(c.upper() if draw(st.booleans()) else c for c in host)
        if draw(st.booleans()):
            host = draw(st.sampled_from(["www.", "WWW."])) + host
        if port is None and draw(st.booleans()):
            port = draw(st.sampled_from(["80", "443"]))
        slash = draw(st.sampled_from(["", "/", "//"]))
        for key in draw(st.lists(st.sampled_from(_TRACKING_KEYS), max_size=3)):
            params.insert(draw(st.integers(0, len(params))), f"{key}={draw(_VALUE)}")
        fragment = draw(st.sampled_from(["", "#", "#top", "#section-2"]))
    path = "".join("/" + segment for segment in parts["segments"]) + slash
    query = "?" + "&".join(params) if params else ""
    return f"{scheme}://{host}{':' + port if port else ''}{path}{query}{fragment}"


@FAST
@given(url_parts(), st.data())
def test_canonical_url_merges_spellings_of_one_resource(parts, data):
    urls = [build_url(parts)] + [build_url(parts, draw=data.draw) for _ in range(4)]
    canonical = apply(canonical_url, urls)
    assert len(set(canonical)) == 1, list(zip(urls, canonical, strict=True))
    assert apply(canonical_url, canonical) == canonical


@FAST
@given(url_parts(), st.data())
def test_canonical_url_keeps_different_resources_apart(parts, data):
    other = {**parts, "segments": list(parts["segments"]), "params": list(parts["params"])}
    change = data.draw(st.sampled_from(["segment", "case", "param", "value", "port"]))
    if change == "segment":
        other["segments"].insert(data.draw(st.integers(0, len(other["segments"]))), "extra")
    elif change == "case" and any(c.isalpha() for c in "".join(parts["segments"])):
        i = data.draw(
            st.sampled_from(
                [i for i, s in enumerate(parts["segments"]) if any(map(str.isalpha, s))]
            )
        )
        segment = other["segments"][i]
        j = next(j for j, c in enumerate(segment) if c.isalpha())
        other["segments"][i] = segment[:j] + segment[j].swapcase() + segment[j + 1 :]
    elif change == "value" and parts["params"]:
        key, value = other["params"][0]
        other["params"][0] = (key, value + "x")
    elif change == "port":
        other["port"] = "8081"
    else:
        other["params"].append(("page", "2"))
    a, b = apply(
        canonical_url, [build_url(parts, draw=data.draw), build_url(other, draw=data.draw)]
    )
    assert a != b


@FAST
@given(st.lists(st.text(max_size=40), min_size=1, max_size=20))
def test_canonical_url_is_idempotent_on_any_text(texts):
    texts += [f"https://{t}" for t in texts] + [f"www.x.org/{t}" for t in texts]
    once = apply(canonical_url, texts)
    assert apply(canonical_url, once) == once


# --------------------------------------------------------------------------------------
# registered_domain
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("https://news.bbc.co.uk/a?b=c", "bbc.co.uk"),
        ("a.b.blogspot.com", "b.blogspot.com"),
        ("blogspot.com", "blogspot.com"),
        ("foo.github.io", "foo.github.io"),
        ("WWW.Example.COM.", "example.com"),
        ("http://user:pw@sub.example.org:8080/x", "example.org"),
        ("www.gov.uk", "www.gov.uk"),
        ("a.city.kawasaki.jp", "city.kawasaki.jp"),
        ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
        ("https://www.xn--e1afmkfd.xn--p1ai/", "xn--e1afmkfd.xn--p1ai"),
        ("http://127.0.0.1:8080/", "127.0.0.1"),
        ("https://[2001:DB8:0:0::1]/x", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("localhost", None),
        ("http://localhost:8000/", None),
        ("com", None),
        ("", None),
        (None, None),
    ],
)
def test_registered_domain_examples(value, expected):
    assert apply(registered_domain, [value]) == [expected]


def test_registered_domain_of_many_rows_with_few_hosts():
    urls = ["https://a.bbc.co.uk/x", "http://b.bbc.co.uk/y", "https://rt.com/z", None] * 3000
    assert apply(registered_domain, urls) == ["bbc.co.uk", "bbc.co.uk", "rt.com", None] * 3000


def test_pipeline_runs_in_the_streaming_engine():
    frame = pl.LazyFrame({"text": ["RT @a: Look https://www.BBC.co.uk/x/?utm_source=t #News"] * 3})
    out = (
        frame.with_columns(
            h=text_hash("text", min_chars=5),
            tags=extract_hashtags("text"),
            urls=extract_urls("text").list.eval(canonical_url(pl.element())),
        )
        .with_columns(domains=pl.col("urls").list.eval(registered_domain(pl.element())))
        .collect(engine="streaming")
    )
    assert out["h"].to_list() == [xxh64_reference(b"look news")] * 3
    assert out["tags"].to_list() == [["news"]] * 3
    assert out["urls"].to_list() == [["https://bbc.co.uk/x"]] * 3
    assert out["domains"].to_list() == [["bbc.co.uk"]] * 3
