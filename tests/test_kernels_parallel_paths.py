"""The parallel kernels that small inputs never reach give what their serial twins give.

Below a size threshold per thread every kernel runs its serial twin (a small input then
never compiles the parallel one). The thresholds are lowered here to 1 so that the same
small inputs go through the parallel kernels, and the results must not change.
"""

from __future__ import annotations

import warnings

import numba
import pytest

import cib_detect as cd
from cib_detect.kernels import _tasks, components, hashing, minhash, null

TRACES = ("co_repost", "co_text", "co_url", "co_hashtag", "co_similar_text", "sync_activity")


@pytest.fixture(scope="module")
def data():
    return cd.datasets.synthetic(8_000, seed=4)


def _run(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        edges = {t: cd.co_action_edges(data.posts, trace=t) for t in TRACES}
        result = cd.detect(data.posts, data.accounts)
    return edges, result


def test_lowered_thresholds_take_the_parallel_kernels_and_change_nothing(data, monkeypatch):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one thread: there is no parallel path")
    serial_edges, serial = _run(data)
    monkeypatch.setattr(_tasks, "_MIN_ROWS_PER_TASK", 1)
    monkeypatch.setattr(_tasks, "_MIN_SETS_PER_TASK", 1)
    monkeypatch.setattr(_tasks, "_MIN_VECTORS_PER_TASK", 1)
    monkeypatch.setattr(minhash, "_MIN_SETS_PER_TASK", 1, raising=False)
    monkeypatch.setattr(components, "_MIN_SETS_PER_TASK", 1)
    monkeypatch.setattr(null, "_MIN_CELLS_PER_TASK", 1)
    parallel_edges, parallel = _run(data)
    # the parallel kernels did run (a dispatcher gets a signature when first called)
    kernels = (null._expected_keys_table, null._group_window_pairs, hashing._xxh64_strings,
               components._link_parallel)  # fmt: skip
    for kernel in kernels:
        assert kernel.signatures, kernel
    for trace in TRACES:
        assert parallel_edges[trace].equals(serial_edges[trace]), trace
    for table in ("edges", "clusters", "cluster_scores", "evidence"):
        assert getattr(parallel, table).equals(getattr(serial, table)), table
