"""64-bit mixing shared by the shingle and MinHash kernels."""

from __future__ import annotations

import numpy as np
from numba import njit

from cib_detect._config import NJIT_KW

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(inline="always", **NJIT_KW)
def _fmix64(x):
    """MurmurHash3's 64-bit finaliser: every input bit affects every output bit."""
    x ^= x >> np.uint64(33)
    x *= _M1
    x ^= x >> np.uint64(33)
    x *= _M2
    x ^= x >> np.uint64(33)
    return x
