"""XXH64 (seed 0) of a string column: its Arrow buffers handed to the hashing kernel.

XXH64 is specified independently of any library (https://github.com/Cyan4973/xxHash,
doc/xxhash_spec.md), so the hash of a string is the same in every process, run, platform
and polars version, and other tools (the ``xxhash`` Python package, ``xxhsum -H64``)
reproduce it. ``pl.Expr.hash`` gives no such guarantee across polars versions.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cib_detect.kernels.hashing import xxh64_strings


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
    out = xxh64_strings(offsets, data)
    hashes = pl.Series(series.name, out, dtype=pl.UInt64)
    keep = series.is_not_null()
    if min_chars > 0:
        keep = keep & (series.str.len_chars() >= min_chars)
    if keep.all():
        return hashes
    return hashes.to_frame().select(pl.when(keep).then(pl.col(series.name))).to_series()
