"""coordination-network-toolkit co_similar_tweet: exact equality with a brute-force
reference of the toolkit's semantics (its tokenizer, written with the `regex` module)."""

from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.compat import cnt
from cib_detect.errors import ParameterError
from tests.reference_similarity import toolkit_co_similar_tweet, toolkit_tokenize

pytest.importorskip("regex")

T0 = datetime(2024, 3, 1, tzinfo=timezone.utc)
# Pieces that exercise the tokenizer: words, apostrophes, mentions, numbers with
# separators, non-Latin scripts, emoji (and ZWJ sequences), Unicode spaces and newlines.
PIECES = [
    "vote",
    "Vote",
    "VOTE",
    "now",
    "the",
    "river",
    "park",
    "don't",
    "'quoted'",
    "it's",
    "@bob",
    "@Bob:",
    "hi@x",
    "e.g.",
    "3.14",
    "1,000",
    "U.S.A.",
    "#tag",
    "http://t.co/x",
    "Straße",
    "ǅemal",
    "日本語",
    "ผม",
    "مرحبا",
    "🙂",
    "👩‍👩‍👧",
    "🇫🇷",
    "!",
    "?!",
    "...",
    "-",
    "—",
]
SPACES = [" ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2003", ""]


@st.composite
def messages(draw, max_messages=25):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(0, max_messages))
    templates = [
        [PIECES[k] for k in rng.integers(0, len(PIECES), rng.integers(1, 9))] for _ in range(3)
    ]
    out = []
    for i in range(n):
        words = list(templates[rng.integers(3)])
        if rng.random() < 0.5:
            words[rng.integers(len(words))] = PIECES[rng.integers(len(PIECES))]
        text = "".join(w + SPACES[rng.integers(len(SPACES))] for w in words)
        if rng.random() < 0.1:
            text = None
        out.append(
            (f"m{i}", f"u{rng.integers(4)}", int(rng.integers(0, 100)), text, rng.random() < 0.1)
        )
    return out


def _posts(msgs):
    return pl.DataFrame(
        {
            "post_id": [m[0] for m in msgs],
            "account_id": [m[1] for m in msgs],
            "timestamp": [T0 + timedelta(seconds=m[2]) for m in msgs],
            "text": [m[3] for m in msgs],
            "repost_of": ["r" if m[4] else None for m in msgs],
        },
        schema={
            "post_id": pl.String,
            "account_id": pl.String,
            "timestamp": pl.Datetime("us", "UTC"),
            "text": pl.String,
            "repost_of": pl.String,
        },
    )


@settings(max_examples=80, deadline=None)
@given(
    messages(),
    st.sampled_from([0, 5, 30]),
    st.sampled_from([0.2, 0.5, 0.9, 1.0]),
    st.sampled_from([0, 2, 4]),
    st.booleans(),
    st.integers(1, 2),
)
def test_co_similar_tweet_equals_the_toolkit_semantics(
    msgs, window, threshold, min_tokens, loops, min_weight
):
    got = cnt.network(
        _posts(msgs),
        kind="co_similar_tweet",
        time_window=window,
        similarity_threshold=threshold,
        min_document_size_similarity=min_tokens,
        loops=loops,
        min_edge_weight=min_weight,
    )
    expected = toolkit_co_similar_tweet(msgs, window, threshold, min_weight, loops, min_tokens)
    assert {(a, b): w for a, b, w in got.rows()} == expected
    assert got.columns == ["user_1", "user_2", "weight"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=30) | st.sampled_from(PIECES), max_size=8))
def test_token_sets_equal_the_toolkit_tokenize_on_any_text(texts):
    got = cnt.toolkit_token_sets(pl.Series(texts, dtype=pl.String)).to_list()
    assert got == [sorted(set(toolkit_tokenize(t).split())) for t in texts]


def test_tokenizer_examples_of_the_toolkit():
    # the toolkit's own tests/test_tokens.py
    texts = ["hello", "The quick brown fox jumped over the lazy dog.", ""]
    got = cnt.toolkit_token_sets(pl.Series(texts)).to_list()
    assert [" ".join(t) for t in got] == ["hello", ". brown dog fox jumped lazy over quick the", ""]


def test_similarity_threshold_is_checked():
    with pytest.raises(ParameterError, match="similarity_threshold"):
        cnt.network(_posts([]), kind="co_similar_tweet", similarity_threshold=0)
