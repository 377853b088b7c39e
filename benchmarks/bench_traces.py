"""Speed and peak memory of every key trace through the public ``cd.co_action_edges``.

Run ``python -m benchmarks.bench_traces`` (``--sizes 100000,1000000,10000000``, ``--ira``
for the IRA tweets). Each case runs in a fresh spawned process (its peak RSS is its own,
input reading included), numba compilation excluded by a warm-up call on the first 5,000
rows of the same input. Figures per case: wall seconds of the measured call (best of
``--repeat`` calls at up to 1M posts; one call above), peak RSS, edges (account pairs
kept), co-action pairs (sum of ``n_coactions``) and pairs per second.

Inputs: ``cd.datasets.synthetic(n, seed=0)``, generated once per size and cached as
parquet under ``benchmarks/out/`` (gitignored), and the IRA tweets
(``../shared/data/ira/ira_tweets.parquet``; text but no repost ids, so only the text
traces). The last table is the 10M target of DESIGN §9: co_repost + co_text + co_url +
co_hashtag with ``min_weight=2`` in one process, reading included.

The machine has 2 cores shared with other work: figures are noisy, the load average at
the start of each case is reported with it.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import time
import warnings
from pathlib import Path

import polars as pl

from benchmarks.harness import _child, peak_rss_gb, print_table, timed

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parents[1]
IRA = ROOT / ".." / "shared" / "data" / "ira" / "ira_tweets.parquet"

TRACES = (
    "co_repost",
    "co_text",
    "co_url",
    "co_domain",
    "co_hashtag",
    "hashtag_sequence",
    "co_reply",
)
#: The IRA tweets have text but no repost or reply ids.
IRA_TRACES = ("co_text", "co_url", "co_domain", "co_hashtag", "hashtag_sequence")
#: The combined target of DESIGN §9 (10M posts, under 60 s and 8 GB).
COMBINED_TRACES = ("co_repost", "co_text", "co_url", "co_hashtag")
#: A spawned case above this resident size is killed (the machine is shared).
DEFAULT_LIMIT_GB = 12.0


# -- inputs -------------------------------------------------------------------------------


def synthetic_paths(n: int) -> dict[str, Path]:
    """Cache files of ``cd.datasets.synthetic(n, seed=0)``: posts, accounts, truth."""
    return {part: OUT / f"synthetic_{n}_{part}.parquet" for part in ("posts", "accounts", "truth")}


def case_generate(n: int) -> dict:
    """Generate and cache the synthetic data of one size (in its own process, so that its
    memory does not count against the measured cases)."""
    paths = synthetic_paths(n)
    if all(path.exists() for path in paths.values()):
        return {"cached": True}
    import cib_detect as cd

    OUT.mkdir(exist_ok=True)
    data, seconds = timed(cd.datasets.synthetic, n, seed=0)
    for part, path in paths.items():
        getattr(data, part).write_parquet(path)
    return {"cached": False, "generate_seconds": seconds, "posts": data.posts.height}


def ensure_synthetic(sizes) -> None:
    """Generate the missing sizes, one process each."""
    for n in sizes:
        if not all(path.exists() for path in synthetic_paths(n).values()):
            figures = run_guarded(case_generate, n=n)
            if "error" in figures:
                raise RuntimeError(f"generating {n} synthetic posts failed: {figures['error']}")
            print(f"generated synthetic posts n={n:,}: {figures}", flush=True)


def load_posts(source) -> pl.DataFrame:
    """Posts of a source: a synthetic size (int) or ``"ira"``."""
    import cib_detect as cd

    if source == "ira":
        return cd.read_posts(IRA)
    return pl.read_parquet(synthetic_paths(int(source))["posts"])


def source_label(source) -> str:
    return "IRA" if source == "ira" else f"{int(source):,}"


# -- running cases ------------------------------------------------------------------------


def _tree_rss_gb(process) -> float:
    import psutil

    try:
        root = psutil.Process(process.pid)
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 1e9


def run_guarded(case, *, limit_gb: float = DEFAULT_LIMIT_GB, timeout_s: float = 3600, **params):
    """Like :func:`benchmarks.harness.run_case`, but the parent watches the case's
    resident memory (with its child processes) and kills it above ``limit_gb`` or after
    ``timeout_s``, returning an ``error`` instead of taking the shared machine down."""
    import queue as queue_module

    context = mp.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_child, args=(results, case, params))
    start = time.monotonic()
    process.start()
    figures, watched_peak = None, 0.0
    while figures is None:
        try:
            figures = results.get(timeout=0.25)
        except queue_module.Empty:
            rss = _tree_rss_gb(process)
            watched_peak = max(watched_peak, rss)
            if rss > limit_gb or time.monotonic() - start > timeout_s:
                process.kill()
                process.join()
                reason = f"RSS {rss:.1f} GB > {limit_gb} GB" if rss > limit_gb else "timeout"
                figures = {"error": f"killed by the benchmark guard: {reason}"}
            elif not process.is_alive() and results.empty():
                figures = {"error": f"case process died (exit code {process.exitcode})"}
    process.join()
    return {**params, **figures}


def quiet_library_log() -> None:
    """Capped-key warnings are counted in the tables; keep them out of the console."""
    import logging

    logging.getLogger("cib_detect").setLevel(logging.ERROR)


def _load_avg() -> float:
    return round(os.getloadavg()[0], 2)


_CAPPED = re.compile(r"(\d+) keys with more than \d+ posts were left out \((\d+) posts")


def _capped(caught) -> str:
    """Capped keys and posts reported by CappedKeysWarning, as ``keys/posts``."""
    keys = posts = 0
    for warning in caught:
        match = _CAPPED.search(str(warning.message))
        if match:
            keys += int(match.group(1))
            posts += int(match.group(2))
    return f"{keys}/{posts}" if keys else "0"


# -- cases --------------------------------------------------------------------------------


def case_trace(source, trace: str, min_weight: int = 1, repeat: int = 1) -> dict:
    """One trace on one input: best wall time of ``repeat`` measured calls."""
    import cib_detect as cd

    quiet_library_log()
    posts = load_posts(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cd.co_action_edges(posts.head(5_000), trace=trace, min_weight=min_weight)
    input_gb = peak_rss_gb()
    load = _load_avg()
    best, edges, coactions, capped = float("inf"), 0, 0, "0"
    for _ in range(repeat):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result, seconds = timed(cd.co_action_edges, posts, trace=trace, min_weight=min_weight)
        edges, coactions = result.height, int(result["n_coactions"].sum() or 0)
        capped = _capped(caught)
        del result
        best = min(best, seconds)
    return {
        "seconds": best,
        "edges": edges,
        "coaction_pairs": coactions,
        "M_pairs_per_s": coactions / best / 1e6 if best > 0 else 0.0,
        "capped_keys/posts": capped,
        "input_peak_gb": round(input_gb, 3),
        "load_avg": load,
    }


def case_combined(source, traces=COMBINED_TRACES, min_weight: int = 2) -> dict:
    """The combined target: read the posts, then each trace with ``min_weight``, in one
    process; total wall time includes reading (compile excluded by a warm-up first)."""
    import cib_detect as cd

    quiet_library_log()
    warm = load_posts(100_000 if source != "ira" else "ira").head(5_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for trace in traces:
            cd.co_action_edges(warm, trace=trace, min_weight=min_weight)
    del warm
    load = _load_avg()
    figures: dict = {}
    start = time.perf_counter()
    posts, figures["read_s"] = timed(load_posts, source)
    edges = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for trace in traces:
            result, figures[f"{trace}_s"] = timed(
                cd.co_action_edges, posts, trace=trace, min_weight=min_weight
            )
            edges += result.height
            del result
    figures["total_s"] = time.perf_counter() - start
    figures["edges"] = edges
    figures["load_avg"] = load
    return figures


# -- main ---------------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--ira", action="store_true", help="also the IRA tweets")
    parser.add_argument("--traces", default=",".join(TRACES), help="comma-separated traces")
    parser.add_argument(
        "--min-weight",
        type=int,
        default=1,
        help="min_weight of the per-trace cases (the combined case always uses 2)",
    )
    parser.add_argument(
        "--min-weight-10m",
        type=int,
        default=None,
        help="min_weight for sizes of 10M and more (default: --min-weight)",
    )
    parser.add_argument("--repeat", type=int, default=2, help="calls per case up to 1M posts")
    parser.add_argument(
        "--combined-sizes",
        type=_sizes,
        default=[1_000_000, 10_000_000],
        help="sizes of the combined target case (its target is stated for 10M)",
    )
    parser.add_argument("--no-combined", action="store_true")
    parser.add_argument("--limit-gb", type=float, default=DEFAULT_LIMIT_GB)
    args = parser.parse_args(argv)
    traces = [t for t in args.traces.split(",") if t]

    needed = set(args.sizes) | (set() if args.no_combined else set(args.combined_sizes))
    ensure_synthetic(sorted({100_000, *needed}))
    rows = []
    sources = [*args.sizes, *(["ira"] if args.ira else [])]
    for source in sources:
        chosen = [t for t in traces if source != "ira" or t in IRA_TRACES]
        big = source != "ira" and source >= 10_000_000
        min_weight = args.min_weight_10m if big and args.min_weight_10m else args.min_weight
        repeat = 1 if (source == "ira" or source > 1_000_000) else args.repeat
        for trace in chosen:
            figures = run_guarded(
                case_trace,
                limit_gb=args.limit_gb,
                source=source,
                trace=trace,
                min_weight=min_weight,
                repeat=repeat,
            )
            figures["source"] = source_label(figures["source"])
            rows.append(figures)
            print(f"done: {figures}", flush=True)
    print_table(rows, "co_action_edges per trace (window 60 s, max_key_posts 10,000)")
    if not args.no_combined:
        combined_rows = []
        for n in args.combined_sizes:
            combined = run_guarded(case_combined, limit_gb=args.limit_gb, source=n)
            combined["source"] = source_label(combined["source"])
            combined_rows.append(combined)
            print(f"done: {combined}", flush=True)
        print_table(
            combined_rows,
            "combined: co_repost + co_text + co_url + co_hashtag, min_weight=2, one process, "
            "reading included (target at 10M: < 60 s, < 8 GB)",
        )


if __name__ == "__main__":
    main()
