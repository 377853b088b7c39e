"""Dense codes of 64-bit hashes in order of first appearance (an open-addressing table).

:func:`cib_detect.encode.account_codes` groups account ids by their polars hash with it in
one pass, then sorts only the distinct ids.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cib_detect._config import NJIT_KW

__all__ = ["_first_seen_codes"]


@njit(**NJIT_KW)
def _first_seen_codes(hashes, codes):
    """Dense codes of the distinct values of ``hashes`` in order of first appearance, into
    ``codes``; returns the first row of each code. An open-addressing table of (hash,
    code + 1) rows, one cache line per probe, doubled at half load."""
    n = hashes.shape[0]
    size = 1024
    # np.empty and a zeroing loop: np.zeros would compile two more numba functions
    table = np.empty((size, 2), np.uint64)
    for t in range(size):
        table[t, 1] = 0  # code + 1 of the row's hash; 0: free (its hash is never read)
    first = np.empty(n, np.int64)
    n_codes = 0
    for i in range(n):
        h = hashes[i]
        slot = np.int64(h & np.uint64(size - 1))
        while table[slot, 1] != 0 and table[slot, 0] != h:
            slot = (slot + 1) & (size - 1)
        if table[slot, 1] == 0:
            first[n_codes] = i
            n_codes += 1
            table[slot, 0] = h
            table[slot, 1] = n_codes
        codes[i] = np.int64(table[slot, 1]) - 1
        if 2 * n_codes > size:
            old = table
            size *= 2
            table = np.empty((size, 2), np.uint64)
            for t in range(size):
                table[t, 1] = 0
            for t in range(old.shape[0]):
                if old[t, 1] != 0:
                    slot = np.int64(old[t, 0] & np.uint64(size - 1))
                    while table[slot, 1] != 0:
                        slot = (slot + 1) & (size - 1)
                    table[slot, 0] = old[t, 0]
                    table[slot, 1] = old[t, 1]
    return first[:n_codes]
