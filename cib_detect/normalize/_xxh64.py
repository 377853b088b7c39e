"""XXH64 (seed 0) of strings: a numba kernel over the Arrow buffers of a string column.

XXH64 is specified independently of any library (https://github.com/Cyan4973/xxHash,
doc/xxhash_spec.md), so the hash of a string is the same in every process, run, platform
and polars version, and other tools (the ``xxhash`` Python package, ``xxhsum -H64``)
reproduce it. ``pl.Expr.hash`` gives no such guarantee across polars versions.
"""

from __future__ import annotations

import numba
import numpy as np
import polars as pl

from cib_detect._config import PARALLEL_KW

_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)
_ZERO = np.uint64(0)


@numba.njit(inline="always")
def _rotl64(x, r):
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@numba.njit(inline="always")
def _read_le(data, i, n_bytes):
    """Little-endian unsigned integer of ``data[i:i + n_bytes]`` (no alignment needed)."""
    value = _ZERO
    for k in range(n_bytes):
        value |= np.uint64(data[i + k]) << np.uint64(8 * k)
    return value


@numba.njit(inline="always")
def _round(acc, lane):
    return _rotl64(acc + lane * _P2, 31) * _P1


@numba.njit(inline="always")
def _merge(acc, value):
    return (acc ^ _round(_ZERO, value)) * _P1 + _P4


@numba.njit(inline="always")
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


def xxh64_series(series: pl.Series, min_chars: int = 0) -> pl.Series:
    """UInt64 XXH64 of the UTF-8 bytes of each string of ``series``; null for null strings
    and for strings shorter than ``min_chars`` characters."""
    import pyarrow as pa  # polars' Arrow export needs it; only this function does

    if series.dtype != pl.String:
        series = series.cast(pl.String)
    array = series.to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    n = len(array)
    _, offset_buffer, data_buffer = array.buffers()
    if n == 0 or data_buffer is None or data_buffer.size == 0:
        data = np.zeros(1, dtype=np.uint8)
    else:
        data = np.frombuffer(data_buffer, dtype=np.uint8)
    if offset_buffer is None:
        offsets = np.zeros(n + 1, dtype=np.int64)
    else:
        offsets = np.frombuffer(offset_buffer, dtype=np.int64)[array.offset : array.offset + n + 1]
    out = np.empty(n, dtype=np.uint64)
    _xxh64_strings(np.ascontiguousarray(offsets), data, out)
    hashes = pl.Series(series.name, out, dtype=pl.UInt64)
    keep = series.is_not_null()
    if min_chars > 0:
        keep = keep & (series.str.len_chars() >= min_chars)
    if keep.all():
        return hashes
    return hashes.to_frame().select(pl.when(keep).then(pl.col(series.name))).to_series()
