"""co_similar_text (near-duplicate groups as keys) and the MinHash kernels against
brute-force Jaccard."""

from datetime import datetime, timedelta, timezone

import numba
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cib_detect as cd
import cib_detect.traces.tables
from cib_detect.errors import CappedKeysWarning, ParameterError
from cib_detect.kernels.minhash import band_keys, band_sorts
from cib_detect.kernels.shingles import shingle_sets
from cib_detect.kernels.verify import window_jaccard_pairs
from cib_detect.traces.similarity import candidate_probability, near_duplicate_keys
from tests.reference_similarity import (
    jaccard,
    naive_group_edges,
    naive_groups,
    naive_similar_pairs,
    shingles,
)

T0 = datetime(2024, 3, 1, tzinfo=timezone.utc)
T0_US = int(T0.timestamp() * 1_000_000)
VOCABULARY = [f"w{k}" for k in range(60)] + ["é", "日本", "ñandú"]


def _posts(texts, accounts, seconds):
    return pl.DataFrame(
        {
            "post_id": [f"p{i:03d}" for i in range(len(texts))],
            "account_id": [f"acc{a}" for a in accounts],
            "timestamp": [T0 + timedelta(seconds=int(s)) for s in seconds],
            "text": texts,
        },
        schema={
            "post_id": pl.String,
            "account_id": pl.String,
            "timestamp": pl.Datetime("us", "UTC"),
            "text": pl.String,
        },
    )


def _paraphrase(rng, words, strength):
    out = [
        w if rng.random() > strength else VOCABULARY[rng.integers(len(VOCABULARY))] for w in words
    ]
    if rng.random() < strength and len(out) > 1:
        out.pop(int(rng.integers(len(out))))
    if rng.random() < strength:
        out.insert(int(rng.integers(len(out) + 1)), VOCABULARY[rng.integers(len(VOCABULARY))])
    return out


@st.composite
def corpora(draw, max_posts=40):
    """Texts already in normal form (lowercase words, single spaces): a few templates and
    their paraphrases, so that Jaccard values spread over [0, 1]."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(0, max_posts))
    templates = [
        list(rng.choice(VOCABULARY, int(rng.integers(3, 12)))) for _ in range(rng.integers(1, 5))
    ]
    strength = draw(st.sampled_from([0.0, 0.1, 0.3, 0.6]))
    texts = [
        " ".join(_paraphrase(rng, templates[rng.integers(len(templates))], strength))
        for _ in range(n)
    ]
    accounts = rng.integers(0, draw(st.integers(1, 6)), n)
    seconds = rng.integers(0, draw(st.sampled_from([1, 60, 600, 86_400])), n)
    return texts, accounts.tolist(), seconds.tolist()


def _naive(texts, accounts, seconds, window_s, threshold, kind="word", size=1, min_shingles=1):
    docs = [
        (f"p{i:03d}", f"acc{a}", T0_US + s * 1_000_000, shingles(t, kind, size))
        for i, (t, a, s) in enumerate(zip(texts, accounts, seconds, strict=True))
    ]
    pairs = naive_similar_pairs(docs, window_s * 1_000_000, threshold, min_shingles)
    return pairs, naive_group_edges(docs, pairs, window_s * 1_000_000)


def _edges_dict(frame):
    return {
        (r["account_a"], r["account_b"]): (
            r["n_coactions"],
            r["n_keys"],
            r["n_posts_a"],
            r["n_posts_b"],
            r["min_dt"],
            r["mean_dt"],
        )
        for r in frame.iter_rows(named=True)
    }


def _assert_same_edges(got, expected):
    assert set(got) == set(expected)
    for pair, row in expected.items():
        assert got[pair][:5] == row[:5], pair
        assert got[pair][5] == pytest.approx(row[5], rel=1e-12), pair


# One row per band: a pair of Jaccard s >= 0.3 is missed with probability (1 - s)**60
# <= 5e-10, so LSH equals brute force here; the default banding is tested for recall below.
CERTAIN = {"bands": 60, "rows": 1}


@settings(max_examples=60, deadline=None)
@given(
    corpora(),
    st.sampled_from([0, 30, 300, 100_000]),
    st.sampled_from([0.3, 0.5, 0.8, 1.0]),
    st.sampled_from([("word", 1), ("word", 2), ("char", 3)]),
)
def test_co_similar_text_equals_brute_force_jaccard(corpus, window, threshold, shingling):
    texts, accounts, seconds = corpus
    kind, size = shingling
    got = cd.co_action_edges(
        _posts(texts, accounts, seconds),
        trace="co_similar_text",
        window=window,
        threshold=threshold,
        shingles=kind,
        shingle_size=size,
        min_shingles=2,
        **CERTAIN,
    )
    assert got.columns == list(cd.traces.tables.EDGE_SCHEMA)
    assert (got["account_a"] < got["account_b"]).all()
    _, expected = _naive(texts, accounts, seconds, window, threshold, kind, size, min_shingles=2)
    _assert_same_edges(_edges_dict(got), expected)


@settings(max_examples=30, deadline=None)
@given(corpora(), st.integers(1, 3))
def test_min_weight_keeps_pairs_with_enough_near_duplicates(corpus, min_weight):
    texts, accounts, seconds = corpus
    posts = _posts(texts, accounts, seconds)
    options = {"trace": "co_similar_text", "window": 600, "min_shingles": 1, **CERTAIN}
    every = cd.co_action_edges(posts, **options)
    kept = cd.co_action_edges(posts, min_weight=min_weight, **options)
    assert kept.equals(every.filter(pl.col("n_coactions") >= min_weight))


def _planted_corpus(seed, n_templates=150, copies=5):
    """Templates of 8-20 words and paraphrased copies by different accounts, spread over
    a day, plus unrelated posts."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"v{k}" for k in range(3000)]
    texts, accounts, seconds = [], [], []
    for _ in range(n_templates):
        words = list(rng.choice(vocabulary, int(rng.integers(8, 21)), replace=False))
        start = int(rng.integers(0, 86_400))
        strength = rng.choice([0.05, 0.15, 0.3])
        for _ in range(copies):
            copy = [w if rng.random() > strength else str(rng.choice(vocabulary)) for w in words]
            texts.append(" ".join(copy))
            accounts.append(int(rng.integers(0, 400)))
            seconds.append(start + int(rng.integers(0, 1800)))
    for _ in range(n_templates):
        texts.append(" ".join(rng.choice(vocabulary, int(rng.integers(5, 15)))))
        accounts.append(int(rng.integers(0, 400)))
        seconds.append(int(rng.integers(0, 86_400)))
    return texts, accounts, seconds


def test_default_lsh_recall_is_at_least_99_percent_and_every_link_is_verified():
    found_total = expected_total = 0
    for seed in range(3):
        texts, accounts, seconds = _planted_corpus(seed)
        posts = _posts(texts, accounts, seconds)
        expected, _ = _naive(texts, accounts, seconds, 3600, 0.5, min_shingles=5)
        components = naive_groups(None, expected)
        indexed = posts.with_row_index("post_row").select(
            pl.col("post_row").cast(pl.Int64),
            pl.col("account_id").str.slice(3).cast(pl.Int64).alias("account_code"),
            pl.col("timestamp").dt.epoch("us").alias("time_us"),
            "text",
        )
        keyed = near_duplicate_keys(
            indexed.lazy(), indexed.columns, window_us=3_600_000_000
        ).collect()
        group = dict(zip(keyed["post_row"], keyed["key"], strict=True))
        post_id = posts["post_id"].to_list()
        found = {post_id[row]: key for row, key in group.items()}
        # nothing is grouped that brute force does not link, directly or through a chain
        grouped = pl.DataFrame({"post": list(found), "key": list(found.values())})
        for members in grouped.group_by("key").agg("post")["post"]:
            assert len({components[p] for p in members}) == 1
        recalled = sum(i in found and found.get(j) == found[i] for i, j in expected)
        found_total += recalled
        expected_total += len(expected)
    assert expected_total > 1000
    assert found_total / expected_total >= 0.99


def test_s_curve_matches_the_banding_formula():
    assert candidate_probability(0.5) == pytest.approx(1 - (1 - 0.5**3) ** 40)
    assert candidate_probability(0.5) >= 0.99


def test_evidence_shows_both_texts_and_their_jaccard():
    texts = ["vote for the river park plan today", "vote for the river park plan now", "x y z w v"]
    posts = _posts(texts, [1, 2, 3], [0, 30, 40])
    evidence = cd.co_action_evidence(
        posts, trace="co_similar_text", window=60, pairs=[("acc2", "acc1")]
    )
    assert evidence.columns == list(cd.traces.tables.EVIDENCE_SCHEMA)
    row = evidence.row(0, named=True)
    assert (row["post_a"], row["post_b"], row["dt"]) == ("p000", "p001", 30.0)
    assert row["key"] == (
        "'vote for the river park plan today' ~ 'vote for the river park plan now' (Jaccard 0.75)"
    )


def test_reposts_and_short_texts_take_no_part():
    posts = _posts(["a b c d e f", "a b c d e f", "a b", "a b"], [1, 2, 3, 4], [0, 1, 2, 3])
    posts = posts.with_columns(pl.Series("repost_of", [None, "p000", None, None]))
    edges = cd.co_action_edges(posts, trace="co_similar_text", window=60)
    assert edges.height == 0  # the copy is a repost; "a b" has 2 < 5 shingles


def test_unknown_options_and_bad_values_are_rejected_clearly():
    posts = _posts(["a b c d e"], [1], [0])
    with pytest.raises(ParameterError, match=r"'min_posts'.*'co_similar_text'.*'threshold'"):
        cd.co_action_edges(posts, trace="co_similar_text", min_posts=3)
    with pytest.raises(ParameterError, match="threshold"):
        cd.co_action_edges(posts, trace="co_similar_text", threshold=0)
    with pytest.raises(ParameterError, match="'co_similar_text', 'sync_activity'"):
        cd.co_action_edges(posts, trace="co_similar")


def test_huge_band_buckets_are_capped_and_reported():
    texts = ["same words in every single post here"] * 30
    posts = _posts(texts, list(range(30)), list(range(30)))
    with pytest.warns(CappedKeysWarning, match="band buckets with more than 10 posts"):
        edges = cd.co_action_edges(posts, trace="co_similar_text", max_key_posts=10)
    assert edges.height == 0
    full = cd.co_action_edges(posts, trace="co_similar_text", max_key_posts=None)
    assert full.height == 30 * 29 // 2


# --------------------------------------------------------------------------- kernels


def _csr(sets):
    starts = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    values = np.array([v for s in sets for v in sorted(s)], dtype=np.int64)
    return starts, values


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.frozensets(st.integers(0, 12), max_size=8), max_size=30),
    st.integers(0, 50),
    st.sampled_from([0.1, 0.34, 0.5, 0.9, 1.0]),
    st.integers(0, 3),
    st.booleans(),
    st.sampled_from([None, 1, 2, 3]),
    st.randoms(use_true_random=False),
)
def test_window_jaccard_pairs_equal_all_pairs(
    sets, window, threshold, min_size, loops, n_tasks, random
):
    n = len(sets)
    time = np.sort(np.array([random.randint(0, 100) for _ in range(n)], dtype=np.int64))
    account = np.array([random.randint(0, 3) for _ in range(n)], dtype=np.int64)
    starts, values = _csr(sets)
    left, right = window_jaccard_pairs(
        time, account, starts, values, window, threshold, min_size, loops, n_tasks=n_tasks
    )
    expected = {
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if time[j] - time[i] <= window
        and (loops or account[i] != account[j])
        and min(len(sets[i]), len(sets[j])) >= min_size
        and jaccard(set(sets[i]), set(sets[j])) >= threshold
    }
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == expected
    assert np.array_equal(np.lexsort((right, left)), np.arange(len(left)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="ab cé日", max_size=12), max_size=20), st.sampled_from([1, 2, 3]))
def test_shingle_sets_count_the_distinct_shingles(texts, size):
    texts = [" ".join(t.split()) for t in texts]  # normal form: single spaces
    encoded = [t.encode() for t in texts]
    offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded])]).astype(np.int64)
    data = np.frombuffer(b"".join(encoded), np.uint8)
    for kind in ("word", "char"):
        starts, values = shingle_sets(offsets, data, kind, size)
        assert np.diff(starts).tolist() == [len(shingles(t, kind, size)) for t in texts]
        for d in range(len(texts)):
            chunk = values[starts[d] : starts[d + 1]]
            assert np.all(np.diff(chunk.astype(np.float64)) != 0) and np.all(chunk[:-1] < chunk[1:])


def test_kernels_give_the_same_output_with_one_thread_and_all_threads():
    rng = np.random.default_rng(1)
    n = 3000
    texts = [" ".join(rng.choice(VOCABULARY, int(rng.integers(3, 10)))) for _ in range(n)]
    encoded = [t.encode() for t in texts]
    offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded])]).astype(np.int64)
    data = np.frombuffer(b"".join(encoded), np.uint8)
    time = np.sort(rng.integers(0, 10**9, n)).astype(np.int64)
    account = rng.integers(0, 50, n).astype(np.int64)
    index = {w: k for k, w in enumerate(VOCABULARY)}
    token_starts, token_ids = _csr([{index[w] for w in t.split()} for t in texts])
    all_threads = numba.get_num_threads()
    outputs = []
    for threads in (1, all_threads):
        numba.set_num_threads(threads)
        try:
            for n_tasks in (None, 1, 2, 3):
                starts, values = shingle_sets(offsets, data, "word", 1, n_tasks=n_tasks)
                keys = band_keys(starts, values, 10, 2, n_tasks=n_tasks)
                order, sorted_keys = band_sorts(np.ascontiguousarray(keys.T))
                pairs = window_jaccard_pairs(
                    time, account, token_starts, token_ids, 10**7, 0.3, n_tasks=n_tasks
                )
                outputs.append((starts, values, keys, order, sorted_keys, *pairs))
        finally:
            numba.set_num_threads(all_threads)
    for output in outputs[1:]:
        for got, expected in zip(output, outputs[0], strict=True):
            assert np.array_equal(got, expected)


def test_band_keys_agree_with_probability_j_to_the_rows():
    # small consecutive ids: the worst case for weak hash families
    starts, values = _csr([set(range(100)), set(range(50, 150))])  # Jaccard 1/3
    for rows, expected in ((1, 1 / 3), (2, 1 / 9)):
        keys = band_keys(starts, values.astype(np.uint64), 4000, rows, seed=rows)
        assert (keys[0] == keys[1]).mean() == pytest.approx(expected, abs=0.03)
