"""Numba flags and library-wide defaults, in one place."""

import os

# Compiled kernels are cached on disk so a second run skips compilation: next to the
# module (cib_detect/kernels/__pycache__) or, when the NUMBA_CACHE_DIR environment
# variable is set, under that directory (benchmarks/bench_cold_start points it at an empty
# one to measure a first run). Set CIB_DETECT_NUMBA_CACHE=0 to compile without caching.
NUMBA_CACHE = os.environ.get("CIB_DETECT_NUMBA_CACHE", "1") != "0"

# Keyword arguments shared by every serial and parallel kernel.
NJIT_KW = {"cache": NUMBA_CACHE, "nogil": True}
PARALLEL_KW = {"cache": NUMBA_CACHE, "nogil": True, "parallel": True}

# Timestamps are encoded as int64 microseconds since the Unix epoch (UTC).
MICROSECONDS = 1_000_000

# Keys with more posts than this are left out of co-action networks by default (a viral
# post reposted by 100k accounts would otherwise yield billions of account pairs).
DEFAULT_MAX_KEY_POSTS = 10_000
