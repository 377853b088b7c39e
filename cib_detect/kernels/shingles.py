"""Shingle sets of UTF-8 texts: the distinct 64-bit hashes of their word or character runs.

Texts come in as the Arrow buffers of a string column (``offsets`` int64, ``data`` uint8
UTF-8 bytes); sets go out as CSR: set ``d`` is ``values[starts[d]:starts[d + 1]]``, sorted
and without repeats (see :mod:`cib_detect.kernels.minhash` for their band keys).

Texts are split into one contiguous block per task of about equal work (bytes), and each
text writes its own output slot, so results do not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cib_detect._config import NJIT_KW, PARALLEL_KW
from cib_detect.kernels._mix import _fmix64
from cib_detect.kernels._tasks import (
    _MIN_SETS_PER_TASK,
    _exclusive_cumsum,
    _n_tasks,
    _readonly,
    _sort_int64,
    _split_by_work,
)

__all__ = ["shingle_sets"]

WORD, CHAR = 0, 1

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_SPACE = np.uint8(32)
_TOP = np.uint64(1 << 63)


@njit(**NJIT_KW)
def _bytes_hash(data, start, end):
    """FNV-1a of ``data[start:end]`` with a final mix, a stable 64-bit shingle hash ``h``,
    returned as ``h - 2**63`` in int64: signed order of the results is the unsigned order
    of the hashes, so the raw shingles sort with the int64 sort of every kernel
    (:func:`~cib_detect.kernels._tasks._sort_int64`; a uint64 sort would be a second
    specialisation, about 1 s of compiling). Compiled once, not inlined by numba at its
    four call sites (about 0.05 s of compiling each)."""
    h = _FNV_OFFSET
    for i in range(start, end):
        h ^= np.uint64(data[i])
        h *= _FNV_PRIME
    return np.int64(_fmix64(h) ^ _TOP)


@njit(inline="always", **NJIT_KW)
def _is_char_start(byte):
    return (byte & np.uint8(0xC0)) != np.uint8(0x80)


@njit(**NJIT_KW)
def _shingle_bounds(data, start, end, kind, size, bounds):
    """Unit boundaries of one text into ``bounds`` (words: start of each word and the end
    of the last, as byte offsets with the separating space excluded; chars: start of each
    code point, then ``end``). Returns the number of units."""
    n_units = 0
    if kind == WORD:
        in_word = False
        for i in range(start, end):
            if data[i] == _SPACE:
                if in_word:
                    bounds[2 * n_units - 1] = i
                    in_word = False
            elif not in_word:
                bounds[2 * n_units] = i
                n_units += 1
                in_word = True
        if in_word:
            bounds[2 * n_units - 1] = end
    else:
        for i in range(start, end):
            if _is_char_start(data[i]):
                bounds[n_units] = i
                n_units += 1
        bounds[n_units] = end
    return n_units


@njit(**NJIT_KW)
def _text_shingles(data, start, end, kind, size, bounds, out, o):
    """Write the raw (unsorted, possibly repeated) shingle hashes of one text, signed
    (see :func:`_bytes_hash`), from ``out[o]`` on; return how many. A text with fewer
    units than ``size`` is one shingle."""
    n_units = _shingle_bounds(data, start, end, kind, size, bounds)
    if n_units == 0:
        return 0
    if n_units < size:
        if kind == WORD:
            out[o] = _bytes_hash(data, bounds[0], bounds[2 * n_units - 1])
        else:
            out[o] = _bytes_hash(data, start, end)
        return 1
    n = n_units - size + 1
    for k in range(n):
        if kind == WORD:
            out[o + k] = _bytes_hash(data, bounds[2 * k], bounds[2 * (k + size) - 1])
        else:
            out[o + k] = _bytes_hash(data, bounds[k], bounds[k + size])
    return n


@njit(**NJIT_KW)
def _shingle_task(first, last, offsets, data, kind, size, raw_starts, out, n_unique):
    """Texts ``first..last-1``: raw shingles into their slice, sorted and deduplicated in
    place; ``n_unique[d]`` = distinct shingles of text ``d``."""
    longest = 1
    for d in range(first, last):
        longest = max(longest, offsets[d + 1] - offsets[d])
    bounds = np.empty(2 * longest + 2, np.int64)
    for d in range(first, last):
        o = raw_starts[d]
        n = _text_shingles(data, offsets[d], offsets[d + 1], kind, size, bounds, out, o)
        if n > 1:
            _sort_int64(out, np.int64(o), np.int64(o + n))
        m = 0
        for k in range(n):
            if m == 0 or out[o + k] != out[o + m - 1]:
                out[o + m] = out[o + k]
                m += 1
        n_unique[d] = m


@njit(**PARALLEL_KW)
def _shingle_parallel(bounds, offsets, data, kind, size, raw_starts, out, n_unique):
    for t in prange(bounds.shape[0] - 1):
        _shingle_task(
            bounds[t], bounds[t + 1], offsets, data, kind, size, raw_starts, out, n_unique
        )


@njit(**NJIT_KW)
def _raw_counts(offsets, data, kind, size):
    """Raw shingles of every text, exactly as :func:`_text_shingles` writes them (units
    counted as :func:`_shingle_bounds` finds them): the slice each text needs."""
    n_texts = offsets.shape[0] - 1
    counts = np.empty(n_texts, np.int64)
    for d in range(n_texts):
        n_units = 0
        if kind == WORD:
            in_word = False
            for i in range(offsets[d], offsets[d + 1]):
                if data[i] == _SPACE:
                    in_word = False
                elif not in_word:
                    n_units += 1
                    in_word = True
        else:
            for i in range(offsets[d], offsets[d + 1]):
                if _is_char_start(data[i]):
                    n_units += 1
        counts[d] = 0 if n_units == 0 else (1 if n_units < size else n_units - size + 1)
    return counts


@njit(**NJIT_KW)
def _gather_sets(out, raw_starts, n_unique, starts, values):
    """The deduplicated prefix of every text's slice of ``out``, packed as CSR (``starts``
    from the caller, as uint64 hashes again) into ``values``."""
    for d in range(n_unique.shape[0]):
        o = raw_starts[d]
        for k in range(n_unique[d]):
            values[starts[d] + k] = np.uint64(out[o + k]) ^ _TOP


def _shingle_sets(offsets, data, kind, size, n_tasks):
    """Driver in Python: a serial run never compiles the parallel kernel (several times
    dearer to compile), and the serial and parallel runs share one specialisation of
    :func:`_shingle_task`."""
    n_texts = offsets.shape[0] - 1
    offsets, data = _readonly(offsets, data)
    # Each text's exact slice of raw shingles (a byte-sized slice would need 8 bytes of
    # scratch per text byte: 5 GB at 10M posts); the tasks split the bytes.
    raw_starts = _exclusive_cumsum(_raw_counts(offsets, data, kind, size))
    out = np.empty(raw_starts[n_texts], np.int64)  # signed shingle hashes (_bytes_hash)
    n_unique = np.zeros(n_texts, np.int64)
    bounds = _split_by_work(np.diff(offsets) + 1, np.int64(n_tasks))
    if n_tasks == 1:
        _shingle_task(bounds[0], bounds[1], offsets, data, kind, size, raw_starts, out, n_unique)
    else:
        _shingle_parallel(bounds, offsets, data, kind, size, raw_starts, out, n_unique)
    starts = _exclusive_cumsum(n_unique)
    values = np.empty(starts[n_texts], np.uint64)
    _gather_sets(out, raw_starts, n_unique, starts, values)
    return starts, values


# ------------------------------------------------------------------------------ wrapper


def shingle_sets(
    offsets: np.ndarray,
    data: np.ndarray,
    kind: str = "word",
    size: int = 1,
    *,
    n_tasks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Shingle-hash sets of UTF-8 texts, as CSR.

    Parameters
    ----------
    offsets : int64 ndarray, shape (n_texts + 1,)
        Text ``d`` is ``data[offsets[d]:offsets[d + 1]]`` (Arrow large-string offsets).
    data : uint8 ndarray
        UTF-8 bytes of normalised texts: words separated by single spaces.
    kind : {"word", "char"}
        ``"word"``: runs of ``size`` consecutive words (w-shingles); ``"char"``: runs of
        ``size`` consecutive characters (code points), spaces included.
    size : int
        Words or characters per shingle. A text with fewer has one shingle, itself.
    n_tasks : int, optional
        Parallel tasks; the output does not depend on it.

    Returns
    -------
    starts : int64 ndarray, shape (n_texts + 1,)
    values : uint64 ndarray
        Set ``d`` is ``values[starts[d]:starts[d + 1]]``: the distinct 64-bit hashes of its
        shingles (FNV-1a with a MurmurHash3 finaliser), sorted. Empty texts have none.

    Examples
    --------
    >>> import numpy as np
    >>> text = "to be or not to be".encode()
    >>> offsets = np.array([0, len(text)])
    >>> data = np.frombuffer(text, np.uint8)
    >>> starts, values = shingle_sets(offsets, data, "word", 2)
    >>> starts.tolist()  # to be, be or, or not, not to (to be repeats)
    [0, 4]
    >>> shingle_sets(offsets, data, "char", 3)[0].tolist()
    [0, 13]
    """
    assert kind in ("word", "char"), f"kind must be 'word' or 'char', got {kind!r}"
    assert size >= 1, f"size must be >= 1, got {size}"
    assert offsets.dtype == np.int64 and data.dtype == np.uint8
    data = data if data.shape[0] else np.zeros(1, np.uint8)
    return _shingle_sets(
        np.ascontiguousarray(offsets),
        np.ascontiguousarray(data),
        np.int64(WORD if kind == "word" else CHAR),
        np.int64(size),
        _n_tasks(n_tasks, offsets.shape[0] - 1, _MIN_SETS_PER_TASK),
    )
