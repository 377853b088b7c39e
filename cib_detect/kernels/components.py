"""Near-duplicate groups: connected components of the verified candidate pairs.

Grouping needs the components of the graph of pairs with Jaccard ``>= threshold``, not
every such pair. :func:`link_candidates` walks the candidates with a union-find and
verifies a pair only when its two sets are not yet in one component: in a campaign's
hundreds of near-copies most candidates join sets already joined, and are skipped without
a merge of their shingles. The components are exactly those of the verified graph,
whatever the order of the candidates (a skipped pair would only add an edge inside a
component).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cib_detect._config import NJIT_KW
from cib_detect.kernels._tasks import _check_csr, _readonly
from cib_detect.kernels.verify import _jaccard_at_least

__all__ = ["component_roots", "link_candidates"]


@njit(**NJIT_KW)
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        up = parent[x]
        parent[x] = root
        x = up
    return root


@njit(**NJIT_KW)
def _link(left, right, band, keys, starts, values, threshold, parent):
    n_checked = 0
    for p in range(left.shape[0]):
        i = left[p]
        j = right[p]
        a = _find(parent, i)
        b = _find(parent, j)
        if a == b:
            continue
        met_before = False  # a pair is verified from the first band it agrees on only
        for k in range(band[p]):
            if keys[i, k] == keys[j, k]:
                met_before = True
                break
        if met_before:
            continue
        n_checked += 1
        if _jaccard_at_least(starts, values, i, j, threshold) >= 0.0:
            if a < b:
                parent[b] = a
            else:
                parent[a] = b
    return n_checked


@njit(**NJIT_KW)
def _roots(parent):
    out = np.empty(parent.shape[0], np.int64)
    for x in range(parent.shape[0]):
        out[x] = _find(parent, x)
    return out


def link_candidates(
    left: np.ndarray,
    right: np.ndarray,
    band: np.ndarray,
    keys: np.ndarray,
    starts: np.ndarray,
    values: np.ndarray,
    threshold: float,
    parent: np.ndarray,
) -> int:
    """Join the components of candidate pairs whose sets have Jaccard ``>= threshold``.

    Parameters
    ----------
    left, right : int64 ndarray
        Candidate pairs of set indices.
    band : int64 ndarray
        The LSH band each candidate comes from; a pair that agrees on an earlier band of
        ``keys`` was met there and is not verified again.
    keys : uint64 ndarray, shape (n_sets, n_bands)
        Band keys (:func:`~cib_detect.kernels.minhash.band_keys`).
    starts, values : ndarray
        The sets as CSR (int64 starts, sorted uint64 values without repeats).
    threshold : float
        Smallest Jaccard similarity of a link, in (0, 1].
    parent : int64 ndarray, shape (n_sets,)
        Union-find forest, updated in place (start with ``np.arange(n_sets)``); a root is
        the smallest index of its component.

    Returns
    -------
    int
        Candidates whose Jaccard was computed (the others were already joined).

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([0, 3, 6, 9])
    >>> values = np.array([1, 2, 3, 1, 2, 4, 7, 8, 9], np.uint64)
    >>> parent = np.arange(3)
    >>> link_candidates(np.array([0, 0]), np.array([1, 2]), np.zeros(2, np.int64),
    ...                 np.zeros((3, 1), np.uint64), starts, values, 0.5, parent)
    2
    >>> component_roots(parent).tolist()
    [0, 0, 2]
    """
    _check_csr(starts, values, np.uint64)
    args = _readonly(
        np.ascontiguousarray(left, np.int64),
        np.ascontiguousarray(right, np.int64),
        np.ascontiguousarray(band, np.int64),
        keys,
        starts,
        values,
    )
    return int(_link(*args, float(threshold), parent))


def component_roots(parent: np.ndarray) -> np.ndarray:
    """The root (smallest index) of every set's component."""
    return _roots(parent)
