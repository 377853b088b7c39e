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
# Shift counts of the rotations, spelled out as ``(x << r) | (x >> 64 - r)``. Helpers
# inlined by numba (``inline="always"``) cost about 0.05 s of compiling per call site
# (1.2 s for this kernel), and a rotation helper taking ``r`` as a literal int would be
# compiled once per rotation; two small helpers of uint64 arguments remain (``_read8``,
# ``_round``), compiled once each.
_U1 = np.uint64(1)
_U7 = np.uint64(7)
_U11 = np.uint64(11)
_U12 = np.uint64(12)
_U18 = np.uint64(18)
_U23 = np.uint64(23)
_U27 = np.uint64(27)
_U29 = np.uint64(29)
_U31 = np.uint64(31)
_U32 = np.uint64(32)
_U33 = np.uint64(33)
_U37 = np.uint64(37)
_U41 = np.uint64(41)
_U46 = np.uint64(46)
_U52 = np.uint64(52)
_U53 = np.uint64(53)
_U57 = np.uint64(57)
_U63 = np.uint64(63)


@numba.njit(**NJIT_KW)
def _read8(data, i):
    """Little-endian uint64 of ``data[i:i + 8]`` (no alignment needed)."""
    value = _ZERO
    for k in range(8):
        value |= np.uint64(data[i + k]) << np.uint64(8 * k)
    return value


@numba.njit(**NJIT_KW)
def _round(acc, lane):
    x = acc + lane * _P2
    return ((x << _U31) | (x >> _U33)) * _P1


@numba.njit(**NJIT_KW)
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
            v1 = _round(v1, _read8(data, i))
            v2 = _round(v2, _read8(data, i + 8))
            v3 = _round(v3, _read8(data, i + 16))
            v4 = _round(v4, _read8(data, i + 24))
            i += 32
        h = (
            ((v1 << _U1) | (v1 >> _U63))
            + ((v2 << _U7) | (v2 >> _U57))
            + ((v3 << _U12) | (v3 >> _U52))
            + ((v4 << _U18) | (v4 >> _U46))
        )
        h = (h ^ _round(_ZERO, v1)) * _P1 + _P4
        h = (h ^ _round(_ZERO, v2)) * _P1 + _P4
        h = (h ^ _round(_ZERO, v3)) * _P1 + _P4
        h = (h ^ _round(_ZERO, v4)) * _P1 + _P4
    else:
        h = _P5
    h = h + np.uint64(length)
    while i + 8 <= end:
        x = h ^ _round(_ZERO, _read8(data, i))
        h = ((x << _U27) | (x >> _U37)) * _P1 + _P4
        i += 8
    if i + 4 <= end:
        lane = _ZERO
        for k in range(4):
            lane |= np.uint64(data[i + k]) << np.uint64(8 * k)
        x = h ^ (lane * _P1)
        h = ((x << _U23) | (x >> _U41)) * _P2 + _P3
        i += 4
    while i < end:
        x = h ^ (np.uint64(data[i]) * _P5)
        h = ((x << _U11) | (x >> _U53)) * _P1
        i += 1
    h = (h ^ (h >> _U33)) * _P2
    h = (h ^ (h >> _U29)) * _P3
    return h ^ (h >> _U32)


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
