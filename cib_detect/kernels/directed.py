"""Directed edges from undirected account-pair weights, in linear time (CSR layout, then fill).

Used by :mod:`cib_detect.compat.cnt`: an account pair ``a <= b`` with the posts of each
side that have a partner becomes the edges ``a -> b`` and ``b -> a``, sorted by (source,
target), without sorting.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cib_detect._config import NJIT_KW

__all__ = ["_directed_fill", "_directed_layout"]


@njit(**NJIT_KW)
def _directed_layout(a, b, weight_a, weight_b, n_accounts, min_weight):
    """The edges of each source (see :func:`_directed_fill`) as CSR ``bounds``, and how
    many of them are reversed pairs."""
    n_reversed = np.zeros(n_accounts, np.int64)
    bounds = np.zeros(n_accounts + 1, np.int64)
    for i in range(a.shape[0]):
        if weight_a[i] >= min_weight:
            bounds[a[i] + 1] += 1
        if b[i] != a[i] and weight_b[i] >= min_weight:
            bounds[b[i] + 1] += 1
            n_reversed[b[i]] += 1
    for c in range(n_accounts):
        bounds[c + 1] += bounds[c]
    return bounds, n_reversed


@njit(**NJIT_KW)
def _directed_fill(a, b, weight_a, weight_b, min_weight, bounds, n_reversed, packed, out):
    """The directed edges of account pairs ``a <= b`` sorted by (a, b) into ``out``
    (rows source, target, weight), sorted by (source, target): ``a -> b`` weighs
    ``weight_a``, ``b -> a`` (``a != b``) ``weight_b``; lighter edges are left out.

    Linear time: the edges of one source are its reversed pairs (partners below it, met
    in order of the partner) followed by its own pairs (partners from itself up, already
    sorted). The reversed pairs land all over the output, so each is first written as
    one int64 (target << 32 | weight) into ``packed``, then unpacked in order.
    """
    reversed_at = bounds[:-1].copy()
    own_at = reversed_at + n_reversed
    for i in range(a.shape[0]):
        if weight_a[i] >= min_weight:
            k = own_at[a[i]]
            own_at[a[i]] += 1
            packed[k] = (b[i] << 32) | weight_a[i]
        if b[i] != a[i] and weight_b[i] >= min_weight:
            k = reversed_at[b[i]]
            reversed_at[b[i]] += 1
            packed[k] = (a[i] << 32) | weight_b[i]
    for c in range(bounds.shape[0] - 1):
        for k in range(bounds[c], bounds[c + 1]):
            out[0, k] = c
            out[1, k] = packed[k] >> 32
            out[2, k] = packed[k] & 0xFFFFFFFF
