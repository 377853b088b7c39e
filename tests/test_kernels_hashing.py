"""The XXH64 kernel against its pure-Python twin, with one thread and with all."""

import numba
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels.hashing import xxh64_strings
from tests.reference import xxh64_reference


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(max_size=100), max_size=30))
def test_kernel_equals_the_reference_with_any_thread_count(strings):
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in strings])]).astype(np.int64)
    data = np.frombuffer(b"".join(strings) or b"\0", dtype=np.uint8)
    expected = [xxh64_reference(s) for s in strings]
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = xxh64_strings(offsets, data)
    finally:
        numba.set_num_threads(threads)
    assert single.tolist() == expected
    assert xxh64_strings(offsets, data).tolist() == expected
