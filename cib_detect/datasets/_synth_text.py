"""Words, hashtags and strings of the synthetic generator, built from integer ids.

Texts are rows of word ids until the very end, where :func:`render` turns millions of rows
into an Arrow string column at once: every token is a fixed-width byte row of a lookup
matrix, padding bytes are dropped and the rest is the string data.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from cib_detect.datasets._synth_base import Ragged, TableSampler, lognormal_int, zipf_weights

# The frequent head of the Zipf vocabulary, roughly in order of frequency.
COMMON_WORDS = """
the to and a of i is in you it for this that on my with be are so just not have we at
all but what me like your they do was will can if about from no get out up one now more
people how don't time new today know love good day great want see think make really our
there he she her his them when who some would go need thank still why only back year here
best world right first life never way news did much then than well even too work via over
after last going let us many could look big every home free show right last please into
because any those these made things thing being its also should why down off again watch
said says real week night happy true next must long little old other same may might while
where own most both few while always around part point live game read man woman country
state money power public help keep call try feel give tell ask end hope wait mean find
""".split()

EVENT_WORDS = """
goal what unbelievable penalty referee offside save keeper header finish striker comeback
final champions yes lads incredible var card yellow red shot corner kick pitch crowd
scenes wow omg lets brilliant robbed screamer worldie halftime fulltime scored assist
tackle derby boss legend
""".split()

SPAM_WORDS = """
giveaway crypto bonus click limited offer win deal discount promo code followers earn
cash prize exclusive luxury cheap sale hurry claim link bio reward airdrop token signal
guaranteed instant shipping outlet watches rich
""".split()

CAUSE_WORDS = """
save protect petition sign river park community council local future justice climate
together voices stand share forest wetland neighbours rally support clean water
""".split()

#: Words of promotional posts (a marketing firm's adverts).
MARKETING_WORDS = """
buy shop order download app store install discount coupon deal limited offer sale new
arrival collection free shipping today only save off price drop upgrade subscribe trial
premium gift voucher bestseller launch now link exclusive cart checkout week best
""".split()

#: Words of crypto and affiliate scams (an undisclosed commercial spam farm).
CRYPTO_WORDS = """
crypto airdrop token wallet connect presale staking yield coin nft mint invest profit
passive income referral code bonus claim earn withdraw guaranteed signal bitcoin eth
usdt doubled returns daily join link bio dm whitelist launchpad gem moon x100
""".split()

#: Frequent real-looking hashtags at the head of the organic hashtag distribution.
COMMON_TAGS = """
news music love football ai tech crypto travel photography art gaming politics climate
health food fashion movies nba nfl kpop fitness books science bitcoin nature covid
motivation business marketing startup design photo weekend fridayfeeling mondaymotivation
tbt anime memes streaming podcast education economy election worldcup f1 tennis cricket
""".split()

_ONSETS = "b c d f g h j k l m n p r s t v w z br ch cl dr fl gr pl pr sh st th tr".split()
_VOWELS = "a e i o u a e i o ai ea ou io".split()
_CODAS = ["", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck"]

#: Number of alternative words a word can be swapped for when paraphrasing.
N_SYNONYMS = 4


def _pseudo_words(n: int, exclude: set[str]) -> list[str]:
    """Pronounceable made-up words of one to three syllables, deterministic."""
    rng = np.random.default_rng(20240415)
    m = 3 * n
    syllables = rng.choice([1, 2, 2, 3], m)
    words = np.full(m, "", dtype=object)
    for k in range(3):
        onset = np.array(_ONSETS, dtype=object)[rng.integers(0, len(_ONSETS), m)]
        vowel = np.array(_VOWELS, dtype=object)[rng.integers(0, len(_VOWELS), m)]
        words = np.where(syllables > k, words + onset + vowel, words)
    words = words + np.array(_CODAS, dtype=object)[rng.integers(0, len(_CODAS), m)]
    unique = (w for w in dict.fromkeys(words.tolist()) if len(w) <= 10 and w not in exclude)
    out = list(itertools.islice(unique, n))
    if len(out) < n:  # pragma: no cover - 3n candidates give far more than n distinct words
        raise RuntimeError(f"only {len(out)} distinct made-up words; {n} needed")
    return out


@dataclass(frozen=True)
class Lexicon:
    """The word vocabulary (fixed, independent of the seed) and its samplers."""

    words: list[str]
    sampler: TableSampler  # Zipf over all words
    filler: TableSampler  # Zipf over the frequent head: words inserted by paraphrases
    synonyms: np.ndarray  # (n_words, N_SYNONYMS) int32: replacement candidates per word
    event: np.ndarray  # word ids of the live-event vocabulary
    spam: np.ndarray
    cause: np.ndarray
    marketing: np.ndarray  # word ids of promotional posts (some beyond the Zipf vocabulary)
    crypto: np.ndarray  # word ids of crypto and affiliate scams
    tags: list[str]  # organic hashtags, Zipf ordered
    tag_sampler: TableSampler


@functools.lru_cache(maxsize=1)
def lexicon(n_words: int = 20_000, n_tags: int = 3_000) -> Lexicon:
    """The shared vocabulary: frequent English words, themed words, made-up words.

    The marketing and crypto words missing from the first ``n_words`` come after them
    (ids ``n_words`` and up): no Zipf draw or synonym of the other words reaches them, so
    adding them changed no other text.
    """
    themed = EVENT_WORDS + SPAM_WORDS + CAUSE_WORDS
    pseudo = _pseudo_words(n_words + n_tags, set(COMMON_WORDS) | set(themed))
    head = list(dict.fromkeys(COMMON_WORDS))
    words = list(dict.fromkeys(head + pseudo[:600] + themed + pseudo[600:]))[:n_words]
    index = {w: i for i, w in enumerate(words)}
    v = len(words)
    rng = np.random.default_rng(7)
    ids = np.arange(v)
    reach = np.maximum(8, ids // 8)
    synonyms = ids[:, None] + rng.integers(1, 2 * reach[:, None] + 1, (v, N_SYNONYMS))
    synonyms -= reach[:, None]
    synonyms = np.where(synonyms == ids[:, None], synonyms + 1, synonyms)
    synonyms = np.clip(synonyms, 0, v - 1).astype(np.int32)
    extra = [w for w in dict.fromkeys(MARKETING_WORDS + CRYPTO_WORDS) if w not in index]
    index |= {w: v + i for i, w in enumerate(extra)}
    words = words + extra
    # the appended words swap among themselves when paraphrased
    extra_rng = np.random.default_rng(8)
    extra_synonyms = v + extra_rng.integers(0, max(len(extra), 1), (len(extra), N_SYNONYMS))
    synonyms = np.concatenate([synonyms, extra_synonyms.astype(np.int32)])
    tags = list(dict.fromkeys(COMMON_TAGS + pseudo[-n_tags:]))
    return Lexicon(
        words=words,
        sampler=TableSampler(zipf_weights(v, 1.0)),
        filler=TableSampler(zipf_weights(len(head), 1.0)),
        synonyms=synonyms,
        event=np.array([index[w] for w in EVENT_WORDS], np.int32),
        spam=np.array([index[w] for w in SPAM_WORDS], np.int32),
        cause=np.array([index[w] for w in CAUSE_WORDS], np.int32),
        marketing=np.array([index[w] for w in MARKETING_WORDS], np.int32),
        crypto=np.array([index[w] for w in CRYPTO_WORDS], np.int32),
        tags=tags,
        tag_sampler=TableSampler(zipf_weights(len(tags), 1.1, 1.5)),
    )


# ---------------------------------------------------------------------------------------
# Token rows.


def text_lengths(rng: np.random.Generator, size: int, median: float = 11, lo=2, hi=40):
    """Words per post: lognormal, like the lengths of short social-media posts."""
    return lognormal_int(rng, median, 0.5, size, lo, hi)


def zipf_rows(rng: np.random.Generator, lex: Lexicon, counts: np.ndarray) -> Ragged:
    """Rows of ``counts`` Zipf-distributed word ids."""
    return Ragged(counts, lex.sampler.sample(rng, int(counts.sum())))


def themed_rows(
    rng: np.random.Generator, lex: Lexicon, counts: np.ndarray, theme: np.ndarray, share: float
) -> Ragged:
    """Rows mixing words of a theme (probability ``share``) with ordinary Zipf words."""
    rows = zipf_rows(rng, lex, counts)
    pick = rng.random(len(rows.values)) < share
    rows.values[pick] = theme[rng.integers(0, len(theme), int(pick.sum()))]
    return rows


def tag_rows(
    rng: np.random.Generator, lex: Lexicon, size: int, p_any: float, max_tags: int = 3
) -> Ragged:
    """Organic hashtags: none with probability 1 - p_any, else 1..max_tags Zipf tags."""
    counts = np.where(rng.random(size) < p_any, rng.integers(1, max_tags + 1, size), 0)
    return Ragged(counts.astype(np.int64), lex.tag_sampler.sample(rng, int(counts.sum())))


def paraphrase(
    rng: np.random.Generator,
    lex: Lexicon,
    rows: Ragged,
    strength: float,
    exact_share: float,
) -> Ragged:
    """Near-duplicates of token rows: word swaps, insertions, deletions, transpositions.

    Each token of a non-exact row is deleted with probability ``strength / 4``, replaced by
    one of its synonyms with probability ``strength / 2`` and followed by an inserted
    frequent word with probability ``strength / 4``; adjacent words trade places with
    probability ``strength / 10``. ``exact_share`` of the rows stay byte-identical.
    """
    n_rows = len(rows)
    row = rows.row_ids()
    values = rows.values.copy()
    m = len(values)
    active = (rng.random(n_rows) >= exact_share)[row]
    r = rng.random(m)
    delete = active & (r < strength / 4)
    swap = active & (r >= strength / 4) & (r < 3 * strength / 4)
    values[swap] = lex.synonyms[values[swap], rng.integers(0, N_SYNONYMS, int(swap.sum()))]
    transpose = np.flatnonzero(active[:-1] & (row[:-1] == row[1:]) & (r[1:] > 1 - strength / 10))
    values[transpose], values[transpose + 1] = values[transpose + 1], values[transpose].copy()
    insert = active & ~delete & (rng.random(m) < strength / 4)
    repeats = (~delete).astype(np.int64) + insert
    values = np.repeat(values, repeats)
    new_row = np.repeat(row, repeats)
    inserted = (np.cumsum(repeats) - 1)[insert]
    values[inserted] = lex.filler.sample(rng, len(inserted))
    return Ragged.from_row_ids(new_row, values, n_rows)


def row_hashes(rows: Ragged, *, as_sets: bool = False) -> np.ndarray:
    """A 64-bit hash of each row's ids in order (equal rows, equal hashes), or with
    ``as_sets`` of the set of its ids (rows with the same words in any order or number
    of repeats, equal hashes)."""
    starts = rows.offsets[:-1]
    row = rows.row_ids()
    position = np.arange(len(rows.values)) - starts[row]
    mult = np.random.default_rng(99).integers(1, 2**62, 64, dtype=np.int64).astype(np.uint64)
    mult |= np.uint64(1)
    values = rows.values.astype(np.uint64) + np.uint64(1)
    if as_sets:  # one term per distinct (row, id), summed: the order does not matter
        key = np.unique(row.astype(np.uint64) << np.uint64(32) | values)
        row, values = (key >> np.uint64(32)).astype(np.int64), key & np.uint64(0xFFFFFFFF)
        position = np.zeros(len(values), np.int64)
    terms = values * mult[position % 64]
    terms = (terms ^ (terms >> np.uint64(29))) * mult[(position * 7 + 3) % 64]
    terms ^= terms >> np.uint64(31)
    sums = np.zeros(len(rows), np.uint64)
    np.add.at(sums, row, terms)
    counts = np.bincount(row, minlength=len(rows)) if as_sets else rows.counts
    return sums ^ (counts.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))


def distinct_rows(rng: np.random.Generator, lex: Lexicon, rows: Ragged) -> Ragged:
    """``rows`` with every repeated row changed until no two rows have the same set of
    words (so no two texts are equal either): a repeat gets one of its words swapped for
    a synonym or a frequent word inserted after it."""
    for _ in range(50):
        _, first = np.unique(row_hashes(rows, as_sets=True), return_index=True)
        repeat = np.ones(len(rows), bool)
        repeat[first] = False
        if not repeat.any():
            return rows
        counts, values, starts = rows.counts.copy(), rows.values.copy(), rows.offsets[:-1]
        todo = np.flatnonzero(repeat & (counts > 0))
        at = starts[todo] + (rng.random(len(todo)) * counts[todo]).astype(np.int64)
        swap = rng.random(len(todo)) < 0.5
        picks = rng.integers(0, N_SYNONYMS, int(swap.sum()))
        values[at[swap]] = lex.synonyms[values[at[swap]], picks]
        empty = np.flatnonzero(repeat & (counts == 0))  # an empty row gets one word
        where = np.concatenate([at[~swap] + 1, starts[empty]])
        values = np.insert(values, where, lex.filler.sample(rng, len(where)))
        counts[todo[~swap]] += 1
        counts[empty] += 1
        rows = Ragged(counts, values.astype(rows.values.dtype))
    raise RuntimeError("distinct_rows: rows still repeat after 50 rounds")  # pragma: no cover


# ---------------------------------------------------------------------------------------
# Strings.


def _byte_matrix(strings, prefix: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-width byte rows ``prefix + string`` padded with zero bytes, and their lengths.

    The width is a multiple of 8 so that rows can be gathered as single void items.
    """
    encoded = [prefix + s.encode() for s in strings]
    lengths = np.array([len(b) for b in encoded], np.int64)
    width = -(-int(lengths.max(initial=1)) // 8) * 8
    buffer = b"".join(b.ljust(width, b"\0") for b in encoded)
    matrix = np.frombuffer(buffer, np.uint8).reshape(len(encoded), width)
    return matrix, lengths


def _string_series(offsets: np.ndarray, data: np.ndarray) -> pl.Series:
    array = pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))
    )
    return pl.from_arrow(array)


def render(rows: Ragged, strings, *, prefix: str = "", chunk: int = 65_536) -> pl.Series:
    """Join each row of ids into one string: ``prefix + strings[id]``, space separated.

    Empty rows give empty strings. Each token is gathered as one fixed-width item of a
    byte matrix, the padding bytes are filtered out (a polars filter: much faster than
    numpy's boolean indexing) and the rest is written into one Arrow string buffer.
    Chunks of ``chunk`` rows keep the temporaries small enough to be reused.
    """
    matrix, lengths = _byte_matrix(strings, b" " + prefix.encode())
    width = matrix.shape[1]
    items = np.ascontiguousarray(matrix).view(np.dtype((np.void, width))).ravel()
    offsets = rows.offsets
    # bytes per row: its tokens, less the separator of the first one
    token_end = np.zeros(len(rows.values) + 1, np.int64)
    np.cumsum(lengths[rows.values], out=token_end[1:])
    row_bytes = token_end[offsets[1:]] - token_end[offsets[:-1]] - (rows.counts > 0)
    del token_end
    string_offsets = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(row_bytes, out=string_offsets[1:])
    data = np.empty(int(string_offsets[-1]), np.uint8)
    for lo in range(0, len(rows), chunk):
        hi = min(lo + chunk, len(rows))
        t_lo = offsets[lo]
        block = items[rows.values[t_lo : offsets[hi]]].view(np.uint8).reshape(-1, width)
        counts = rows.counts[lo:hi]
        block[offsets[lo:hi][counts > 0] - t_lo, 0] = 0  # no separator before a first token
        flat = block.reshape(-1)
        kept = pl.Series(flat, dtype=pl.UInt8).filter(pl.Series(flat != 0))
        data[string_offsets[lo] : string_offsets[hi]] = kept.to_numpy()
    return _string_series(string_offsets, data)


def _digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """ASCII decimal digits of non-negative integers, zero padded: (n, width) uint8."""
    out = np.empty((len(numbers), width), np.uint8)
    small = len(numbers) == 0 or int(numbers.max()) < 2**32
    rest = numbers.astype(np.uint32 if small else np.uint64)
    for k in range(width - 1, -1, -1):
        out[:, k] = rest % 10 + 48
        rest //= 10
    return out


def fixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """Identifiers ``prefix`` + zero-padded ``numbers`` (e.g. ``p000123``)."""
    head = np.frombuffer(prefix.encode(), np.uint8)
    rows = np.empty((len(numbers), len(head) + width), np.uint8)
    rows[:, : len(head)] = head
    rows[:, len(head) :] = _digits(numbers, width)
    offsets = np.arange(len(numbers) + 1, dtype=np.int64) * rows.shape[1]
    return _string_series(offsets, rows.reshape(-1))


def hex_strings(values: np.ndarray) -> pl.Series:
    """16-digit lowercase hexadecimal strings of 64-bit integers."""
    table = np.frombuffer(b"0123456789abcdef", np.uint8)
    raw = values.astype(">u8").view(np.uint8).reshape(-1, 8)
    rows = np.empty((len(values), 16), np.uint8)
    rows[:, 0::2] = table[raw >> 4]
    rows[:, 1::2] = table[raw & 15]
    offsets = np.arange(len(values) + 1, dtype=np.int64) * 16
    return _string_series(offsets, rows.reshape(-1))


def number_strings(numbers: np.ndarray) -> pl.Series:
    """Decimal strings of non-negative integers (variable width)."""
    return pl.Series(numbers, dtype=pl.Int64).cast(pl.String)
