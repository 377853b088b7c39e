"""XXH64 (seed 0) of byte strings laid out Arrow-style (offsets + one data buffer).

XXH64 is specified independently of any library (https://github.com/Cyan4973/xxHash,
doc/xxhash_spec.md), so a hash is the same in every process, run, platform and polars
version. The naive twin is ``tests/reference.py::xxh64_reference``.
"""

from __future__ import annotations

import numba
import numpy as np

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._tasks import _n_tasks, _readonly

__all__ = ["xxh64_strings"]

_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)
_ZERO = np.uint64(0)


@numba.njit(inline="always", **NJIT_KW)
def _rotl64(x, r):
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@numba.njit(inline="always", **NJIT_KW)
def _read_le(data, i, n_bytes):
    """Little-endian unsigned integer of ``data[i:i + n_bytes]`` (no alignment needed)."""
    value = _ZERO
    for k in range(n_bytes):
        value |= np.uint64(data[i + k]) << np.uint64(8 * k)
    return value


@numba.njit(inline="always", **NJIT_KW)
def _round(acc, lane):
    return _rotl64(acc + lane * _P2, 31) * _P1


@numba.njit(inline="always", **NJIT_KW)
def _merge(acc, value):
    return (acc ^ _round(_ZERO, value)) * _P1 + _P4


@numba.njit(inline="always", **NJIT_KW)
def _xxh64(data, start, end):
    """XXH64 with seed 0 of the bytes ``data[start:end]``."""
    length = end - start
    i = start
    if length >= 32:
        v1 = _P1 + _P2
        v2 = _P2
        v3 = _ZERO
        v4 = _ZERO - _P1
        while i + 32 <= end:
            v1 = _round(v1, _read_le(data, i, 8))
            v2 = _round(v2, _read_le(data, i + 8, 8))
            v3 = _round(v3, _read_le(data, i + 16, 8))
            v4 = _round(v4, _read_le(data, i + 24, 8))
            i += 32
        h = _rotl64(v1, 1) + _rotl64(v2, 7) + _rotl64(v3, 12) + _rotl64(v4, 18)
        h = _merge(_merge(_merge(_merge(h, v1), v2), v3), v4)
    else:
        h = _P5
    h = h + np.uint64(length)
    while i + 8 <= end:
        h = _rotl64(h ^ _round(_ZERO, _read_le(data, i, 8)), 27) * _P1 + _P4
        i += 8
    if i + 4 <= end:
        h = _rotl64(h ^ (_read_le(data, i, 4) * _P1), 23) * _P2 + _P3
        i += 4
    while i < end:
        h = _rotl64(h ^ (np.uint64(data[i]) * _P5), 11) * _P1
        i += 1
    h = (h ^ (h >> np.uint64(33))) * _P2
    h = (h ^ (h >> np.uint64(29))) * _P3
    return h ^ (h >> np.uint64(32))


@numba.njit(**PARALLEL_KW)
def _xxh64_strings(offsets, data, out):
    """``out[r]`` = XXH64 of ``data[offsets[r]:offsets[r + 1]]`` for every row ``r``."""
    for r in numba.prange(out.shape[0]):
        out[r] = _xxh64(data, offsets[r], offsets[r + 1])


@numba.njit(**NJIT_KW)
def _xxh64_strings_serial(offsets, data, out):
    """Serial twin of :func:`_xxh64_strings`, several times faster to compile."""
    for r in range(out.shape[0]):
        out[r] = _xxh64(data, offsets[r], offsets[r + 1])


def xxh64_strings(offsets: np.ndarray, data: np.ndarray) -> np.ndarray:
    """XXH64 of ``data[offsets[r]:offsets[r + 1]]`` for every row ``r``.

    Examples
    --------
    >>> import numpy as np
    >>> data = np.frombuffer(b"abc", dtype=np.uint8)
    >>> hex(int(xxh64_strings(np.array([0, 3]), data)[0]))
    '0x44bc2cf5ad770999'
    """
    out = np.empty(len(offsets) - 1, dtype=np.uint64)
    offsets, data = _readonly(np.ascontiguousarray(offsets, dtype=np.int64), data)
    # Below _MIN_ROWS_PER_TASK rows per thread the serial twin runs: a small input never
    # compiles the parallel kernel.
    kernel = _xxh64_strings if _n_tasks(None, out.shape[0]) > 1 else _xxh64_strings_serial
    kernel(offsets, data, out)
    return out
