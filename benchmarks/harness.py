"""Benchmark harness: each case runs in a fresh process so its peak RSS is its own.

A case is a module-level function ``case(**params) -> dict``; it prepares its input, runs a
warm-up (so numba compilation is excluded), then times the measured call with
:func:`timed` and returns the figures. :func:`run_case` starts it in a spawned process and
adds ``peak_rss_gb`` (the process's maximum resident set size, input preparation included).
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time
from collections.abc import Callable


def timed(function: Callable, *args, **kwargs):
    """Call ``function`` and return (result, wall seconds)."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far, in GB."""
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kilobytes * (1 if sys.platform != "darwin" else 1 / 1024) / 1e6


def _child(queue, case, params):
    try:
        figures = case(**params)
        figures["peak_rss_gb"] = round(peak_rss_gb(), 3)
        queue.put(figures)
    except BaseException as error:  # report, don't hang the parent
        queue.put({"error": f"{type(error).__name__}: {error}"})


def run_case(case: Callable, **params) -> dict:
    """Run ``case(**params)`` in a spawned process; return its figures plus peak RSS."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, case, params))
    process.start()
    figures = queue.get()
    process.join()
    return {**params, **figures}


def print_table(rows: list[dict], title: str) -> None:
    """Print rows as a Markdown table (the format docs/ keeps)."""
    if not rows:
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    print(f"\n### {title}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column, "")
            cells.append(f"{value:,.3f}" if isinstance(value, float) else str(value))
        print("| " + " | ".join(cells) + " |")
    sys.stdout.flush()
