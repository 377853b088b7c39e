"""Naive twins of the similarity traces, for tests only: brute-force Jaccard over all pairs
of posts, dense TF-IDF cosine, dense profile similarity, and the coordination-network-
toolkit's co_similar_tweet written the way the toolkit computes it. Slow on purpose."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import numpy as np

# ------------------------------------------------------------------ co_similar_text


def shingles(text: str, kind: str = "word", size: int = 1) -> set[str]:
    """Shingles of a normalised text (words separated by single spaces)."""
    if not text:
        return set()
    units = text.split(" ") if kind == "word" else list(text)
    joiner = " " if kind == "word" else ""
    if len(units) < size:
        return {joiner.join(units)}
    return {joiner.join(units[k : k + size]) for k in range(len(units) - size + 1)}


def jaccard(a: set, b: set) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def naive_similar_pairs(docs, window_us, threshold, min_shingles=1):
    """``docs``: list of (post_id, account, time_us, shingle set). Every pair of posts by
    different accounts within the window with Jaccard >= threshold, as a dict
    ``{(post_i, post_j): jaccard}`` with ``post_i < post_j``."""
    found = {}
    for x in range(len(docs)):
        for y in range(x + 1, len(docs)):
            pi, ai, ti, si = docs[x]
            pj, aj, tj, sj = docs[y]
            if ai == aj or abs(ti - tj) > window_us:
                continue
            if len(si) < min_shingles or len(sj) < min_shingles:
                continue
            sim = jaccard(si, sj)
            if sim >= threshold:
                found[(min(pi, pj), max(pi, pj))] = sim
    return found


def naive_groups(docs, pairs):
    """Near-duplicate groups: connected components of the verified pairs, as
    ``{post_id: group}`` for every post in a pair (the group is its smallest post id)."""
    parent = {}

    def find(p):
        parent.setdefault(p, p)
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for i, j in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    return {p: find(p) for p in list(parent)}


def naive_group_edges(docs, pairs, window_us):
    """Co-actions on near-duplicate groups: two posts of one group by different accounts
    within the window, counted per account pair as the co-action engine counts keys:
    ``{(a, b): (n_coactions, n_keys, n_posts_a, n_posts_b, min_dt_s, mean_dt_s)}``."""
    group = naive_groups(docs, pairs)
    members = [d for d in docs if d[0] in group]
    rows = defaultdict(list)
    for x in range(len(members)):
        for y in range(x + 1, len(members)):
            (pi, ai, ti, _), (pj, aj, tj, _) = members[x], members[y]
            if ai == aj or group[pi] != group[pj] or abs(ti - tj) > window_us:
                continue
            if ai > aj:
                pi, ai, ti, pj, aj, tj = pj, aj, tj, pi, ai, ti
            rows[(ai, aj)].append((pi, pj, abs(ti - tj) / 1e6, group[pi]))
    out = {}
    for pair, found in rows.items():
        dts = [r[2] for r in found]
        out[pair] = (
            len(found),
            len({r[3] for r in found}),
            len({r[0] for r in found}),
            len({r[1] for r in found}),
            min(dts),
            sum(dts) / len(dts),
        )
    return out


# -------------------------------------------------------------------- sync_activity


def naive_sync_activity(rows, bin_us, min_posts, min_similarity, min_shared=1):
    """``rows``: (account, time_us). Dense accounts x bins TF-IDF, cosine of every pair:
    ``{(a, b): (shared_bins, posts_a_in_shared, posts_b_in_shared, cosine)}``, ``a < b``."""
    per_account = defaultdict(list)
    for account, t in rows:
        per_account[account].append(t // bin_us)
    accounts = sorted(a for a, bins in per_account.items() if len(bins) >= min_posts)
    bins = sorted({b for a in accounts for b in per_account[a]})
    index = {b: k for k, b in enumerate(bins)}
    counts = np.zeros((len(accounts), len(bins)))
    for r, a in enumerate(accounts):
        for b in per_account[a]:
            counts[r, index[b]] += 1
    n = len(accounts)
    df = (counts > 0).sum(axis=0)
    weights = np.where(counts > 0, (1 + np.log(np.maximum(counts, 1))) * np.log(n / df), 0.0)
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    unit = np.divide(weights, norms, out=np.zeros_like(weights), where=norms > 0)
    out = {}
    for x in range(n):
        for y in range(x + 1, n):
            shared = (counts[x] > 0) & (counts[y] > 0) & (unit[x] > 0) & (unit[y] > 0)
            if not shared.any():
                continue
            cosine = float(unit[x] @ unit[y])
            if shared.sum() >= min_shared and cosine >= min_similarity:
                out[(accounts[x], accounts[y])] = (
                    int(shared.sum()),
                    int(counts[x][shared].sum()),
                    int(counts[y][shared].sum()),
                    cosine,
                )
    return out


# ----------------------------------------------------------------- activity_profile


def naive_profiles(rows, min_posts, interval_bins=24):
    """``rows``: (account, datetime). Hour-of-week and log-gap histograms, each unit
    length, concatenated and scaled to unit length: ``{account: vector}``."""
    per_account = defaultdict(list)
    for account, stamp in rows:
        per_account[account].append(stamp)
    edges = [0.0, *np.geomspace(1.0, 30 * 86400.0, interval_bins + 1).tolist()]
    out = {}
    for account, stamps in per_account.items():
        if len(stamps) < min_posts:
            continue
        stamps = sorted(stamps)
        how = np.zeros(168)
        for s in stamps:
            how[s.weekday() * 24 + s.hour] += 1
        gaps = np.zeros(interval_bins + 2)
        for s, t in itertools.pairwise(stamps):
            gap = (t - s).total_seconds()
            k = max(i for i, e in enumerate(edges) if gap >= e) if gap < math.inf else 0
            gaps[k] += 1
        parts = [v / np.linalg.norm(v) if np.linalg.norm(v) > 0 else v for v in (how, gaps)]
        out[account] = np.concatenate(parts) / math.sqrt(2)
    return out


def naive_top_k(profiles: dict, k: int, min_similarity: float):
    """Dense cosine of every pair, each account's k best (similarity, then account id):
    ``{(a, b): (similarity, best rank of the pair in the two lists)}``, ``a < b``."""
    accounts = sorted(profiles)
    if not accounts:
        return {}
    matrix = np.array([profiles[a] for a in accounts])
    sims = matrix @ matrix.T
    out = {}
    for x, a in enumerate(accounts):
        ranked = sorted(
            (-sims[x, y], y)
            for y in range(len(accounts))
            if y != x and sims[x, y] >= min_similarity
        )[:k]
        for rank, (neg, y) in enumerate(ranked, start=1):
            pair = (min(a, accounts[y]), max(a, accounts[y]))
            old = out.get(pair)
            out[pair] = (-neg, rank if old is None else min(rank, old[1]))
    return out


# ------------------------------------------------------- toolkit co_similar_tweet


def toolkit_tokenize(text: str) -> str:
    """coordination_network_toolkit.similarity.tokenize, as published."""
    import regex

    word_tokenizer = regex.compile(
        r"\b\p{Word_Break=WSegSpace}*'?", flags=regex.WORD | regex.UNICODE | regex.V1
    )
    social_media_cleaner = regex.compile(r"@.*?(?=(?:\s|$))")
    words = sorted(
        set(t for t in word_tokenizer.split(social_media_cleaner.sub("", text.lower())) if t)
    )
    return " ".join(words)


def toolkit_similarity(tokens_1: str, tokens_2: str, min_tokens: int) -> float:
    """The toolkit's similarity / MinDocSizeSimilarity; 0 for two empty sets (where the
    toolkit raises ZeroDivisionError)."""
    set_1, set_2 = set(tokens_1.split()), set(tokens_2.split())
    if min_tokens > 0 and (len(set_1) < min_tokens or len(set_2) < min_tokens):
        return 0
    union = set_1 | set_2
    return len(set_1 & set_2) / len(union) if union else 0


def toolkit_co_similar_tweet(
    messages, window_s, threshold, min_edge_weight=1, loops=False, min_tokens=0
):
    """``messages``: (message_id, user_id, timestamp_s, text or None, is_repost). The
    toolkit's query: weight(A -> B) = distinct messages of A with a different message of B
    within [t - w, t + w] and similarity >= threshold. Returns {(A, B): weight}."""
    tokens = {m[0]: toolkit_tokenize(m[3]) for m in messages if m[3] is not None and not m[4]}
    found = defaultdict(set)
    for m1 in messages:
        for m2 in messages:
            if m1[0] == m2[0] or m1[0] not in tokens or m2[0] not in tokens:
                continue
            if not (m1[2] - window_s <= m2[2] <= m1[2] + window_s):
                continue
            if toolkit_similarity(tokens[m1[0]], tokens[m2[0]], min_tokens) >= threshold:
                found[(m1[1], m2[1])].add(m1[0])
    return {
        pair: len(ids)
        for pair, ids in found.items()
        if len(ids) >= min_edge_weight and (loops or pair[0] != pair[1])
    }


# ------------------------------------------------------ kernels: shingles, MinHash, LSH

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def fmix64(x: int) -> int:
    """MurmurHash3's 64-bit finaliser, on Python ints."""
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & _MASK64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & _MASK64
    return x ^ (x >> 33)


def shingle_hash(shingle: str) -> int:
    """FNV-1a (64-bit) of the UTF-8 bytes of a shingle, then ``fmix64``."""
    h = 0xCBF29CE484222325
    for byte in shingle.encode():
        h = ((h ^ byte) * 0x100000001B3) & _MASK64
    return fmix64(h)


def naive_shingle_sets(texts, kind: str, size: int) -> list[list[int]]:
    """The sorted distinct shingle hashes of each normalised text."""
    return [sorted({shingle_hash(s) for s in shingles(text, kind, size)}) for text in texts]


def naive_hash_coefficients(n_hashes: int, seed: int) -> tuple[list[int], list[int]]:
    """``n_hashes`` odd multipliers ``2 u + 1``, then ``n_hashes`` addends ``u``, each ``u``
    drawn uniformly from ``[0, 2**63)`` by numpy's default generator seeded with ``seed``."""
    rng = np.random.default_rng(seed)
    mult = [2 * int(u) + 1 for u in rng.integers(0, 2**63, n_hashes, dtype=np.uint64)]
    add = [int(u) for u in rng.integers(0, 2**63, n_hashes, dtype=np.uint64)]
    return mult, add


def naive_band_keys(sets, mult, add, n_bands: int, rows: int) -> list[list[int]]:
    """MinHash band keys, straight from the definition: hash ``k`` of ``x`` is the top 32
    bits of ``mult[k] * fmix64(x ^ GOLDEN) + add[k]`` (mod 2**64), the signature is each
    hash's minimum over the set (2**64 - 1 for an empty set), and the key of a band
    starts at ``band * GOLDEN`` and takes in each of its ``rows`` minima as
    ``fmix64(key ^ minimum) + GOLDEN``."""
    out = []
    for values in sets:
        mixed = [fmix64((int(x) & _MASK64) ^ _GOLDEN) for x in values]
        signature = [
            min((((m * x + a) & _MASK64) >> 32 for x in mixed), default=_MASK64)
            for m, a in zip(mult, add, strict=True)
        ]
        keys = []
        for band in range(n_bands):
            key = (band * _GOLDEN) & _MASK64
            for minimum in signature[band * rows : (band + 1) * rows]:
                key = (fmix64(key ^ minimum) + _GOLDEN) & _MASK64
            keys.append(key)
        out.append(keys)
    return out


# -------------------------------------------------------------- kernels: cosine


def naive_sparse_cosine_pairs(rows, min_similarity, min_shared, top_k=None):
    """``rows``: one ``{column: (value, count)}`` per row. Every pair of rows sharing a
    column, cosine = sum of ``value_a * value_b`` over the shared columns in increasing
    column order, kept when ``>= min_similarity`` with ``>= min_shared`` shared columns.

    Returns ``[(a, b, similarity, shared, count_a, count_b, rank)]``: without ``top_k``
    each pair once (``a < b``) sorted by ``(a, b)``, ``rank`` the position of ``b`` among
    ``a``'s kept partners in that order; with ``top_k``, each row's ``top_k`` best partners
    (similarity, then lower index) from its own side, ranked from 1.
    """
    kept = defaultdict(list)
    for a, row_a in enumerate(rows):
        for b, row_b in enumerate(rows):
            if b == a or (top_k is None and b < a):
                continue
            shared = sorted(set(row_a) & set(row_b))
            if not shared:
                continue
            similarity = 0.0
            for c in shared:
                similarity += row_a[c][0] * row_b[c][0]
            if similarity >= min_similarity and len(shared) >= min_shared:
                count_a = sum(row_a[c][1] for c in shared)
                count_b = sum(row_b[c][1] for c in shared)
                kept[a].append((b, similarity, len(shared), count_a, count_b))
    out = []
    for a in sorted(kept):
        if top_k is None:
            partners = sorted(kept[a])
        else:
            partners = sorted(kept[a], key=lambda p: (-p[1], p[0]))[:top_k]
        for rank, (b, *rest) in enumerate(partners, start=1):
            out.append((a, b, *rest, rank))
    return out


def _dot(x, y) -> float:
    total = 0.0
    for u, v in zip(x, y, strict=True):
        total += u * v
    return total


def _ranked(x, a, candidates, k, min_similarity):
    """Row ``a``'s best ``k`` candidates (similarity, then lower index), padded."""
    scored = [(b, _dot(x[a], x[b])) for b in candidates if b != a]
    kept = sorted((p for p in scored if p[1] >= min_similarity), key=lambda p: (-p[1], p[0]))
    kept += [(-1, math.nan)] * k
    return [b for b, _ in kept[:k]], [s for _, s in kept[:k]]


def naive_dense_top_k(profiles, k, min_similarity):
    """Each row's ``k`` best other rows by dot product (summed in coordinate order), then
    lower index, among those ``>= min_similarity``; ``-1`` and NaN pad."""
    x = np.asarray(profiles, np.float64).tolist()
    ranked = [_ranked(x, a, range(len(x)), k, min_similarity) for a in range(len(x))]
    return [r[0] for r in ranked], [r[1] for r in ranked]


def naive_simhash_top_k(profiles, k, min_similarity, n_tables, reach, seed):
    """As :func:`naive_dense_top_k` among candidates only: for each of ``n_tables``
    tables (hyperplanes ``rng.standard_normal((d, 64))`` drawn in turn from numpy's
    default generator seeded with ``seed``), bit ``b`` of a row's code is set when its
    projection on plane ``b`` is ``>= 0``; rows are sorted by (code, index) and each takes
    the ``reach`` rows before and after it as candidates."""
    x = np.asarray(profiles, np.float64)
    n, d = x.shape
    rng = np.random.default_rng(seed)
    candidates = [set() for _ in range(n)]
    for _ in range(n_tables):
        projected = (x @ rng.standard_normal((d, 64))).tolist()
        codes = [sum(1 << b for b in range(64) if p[b] >= 0) for p in projected]
        order = sorted(range(n), key=lambda i: (codes[i], i))
        for p, a in enumerate(order):
            candidates[a].update(order[max(p - reach, 0) : p + reach + 1])
    rows = x.tolist()
    ranked = [_ranked(rows, a, sorted(candidates[a]), k, min_similarity) for a in range(n)]
    return [r[0] for r in ranked], [r[1] for r in ranked]
