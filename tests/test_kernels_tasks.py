"""_split_by_work (numpy) against the loop it replaced."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cib_detect.kernels._tasks import _split_by_work


def naive_split_by_work(work, n_tasks):
    total = sum(work)
    bounds = [0]
    i = 0
    done = 0
    for t in range(1, n_tasks):
        while i < len(work) and (2 * done + work[i]) * n_tasks <= 2 * total * t:
            done += work[i]
            i += 1
        bounds.append(i)
    return [*bounds, len(work)]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.lists(st.integers(0, 3), max_size=60),
        st.lists(st.integers(0, 10**6), max_size=60),
        st.lists(st.sampled_from([0, 1, 1000]), max_size=60),
    ),
    st.integers(1, 70),
)
def test_split_by_work_equals_the_loop(work, n_tasks):
    bounds = _split_by_work(np.array(work, dtype=np.int64), np.int64(n_tasks))
    assert bounds.dtype == np.int64
    assert bounds.tolist() == naive_split_by_work(work, n_tasks)
