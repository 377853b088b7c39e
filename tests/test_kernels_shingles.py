"""shingle_sets against its naive twin: the same hashes, set for set."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels.shingles import shingle_sets
from tests.reference import on_one_and_all_threads
from tests.reference_similarity import naive_shingle_sets, shingle_hash

tasks = st.sampled_from([None, 1, 2, 3])
# normalised texts: words of ASCII, 2-, 3- and 4-byte characters, separated by single spaces
words = st.text(alphabet="abé日😀", min_size=1, max_size=4)
texts = st.lists(words, max_size=8).map(" ".join)


def arrow(texts):
    encoded = [t.encode() for t in texts]
    offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded])]).astype(np.int64)
    return offsets, np.frombuffer(b"".join(encoded), np.uint8)


def as_sets(starts, values):
    return [values[starts[d] : starts[d + 1]].tolist() for d in range(len(starts) - 1)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(texts, max_size=12),
    st.sampled_from(["word", "char"]),
    st.integers(1, 4),
    tasks,
)
def test_shingle_sets_equal_the_naive_sets(texts, kind, size, n_tasks):
    offsets, data = arrow(texts)
    starts, values = on_one_and_all_threads(
        lambda: shingle_sets(offsets, data, kind, size, n_tasks=n_tasks)
    )
    assert starts.dtype == np.int64 and values.dtype == np.uint64
    assert as_sets(starts, values) == naive_shingle_sets(texts, kind, size)


def test_shingles_are_the_hashes_of_their_text():
    offsets, data = arrow(["to be or not to be", "", "é日"])
    assert as_sets(*shingle_sets(offsets, data, "word", 2)) == [
        sorted({shingle_hash(s) for s in ("to be", "be or", "or not", "not to")}),
        [],
        [shingle_hash("é日")],
    ]
    assert as_sets(*shingle_sets(offsets, data, "char", 3))[2] == [shingle_hash("é日")]
