"""``co_action_edges(backend="dask")`` on a LocalCluster: time, memory, shuffle volume.

Run ``python -m benchmarks.bench_dask`` (``--sizes 1000000,10000000``). Each size runs in
one spawned process (:func:`benchmarks.bench_traces.run_guarded`: killed above
``--limit-gb`` of resident memory, workers included) that starts a
``distributed.LocalCluster`` (``--workers`` worker processes, one thread each,
``--worker-memory-gb`` each), warms the workers up on 100,000 posts (numba and the
shuffle machinery), then for every trace (co_repost, co_text, co_url, co_hashtag;
``min_weight=2``; input: the cached parquet of ``cd.datasets.synthetic(n, seed=0)``):

- ``wall_s``: the public call, ``cd.co_action_edges(path, backend="dask", ...)``, end to end.
- a second, instrumented run of the same steps
  (:func:`cib_detect.engine.dask.chunks.dask_chunks`,
  :func:`cib_detect.engine.pair_stats.chunk_pair_stats` per chunk and
  :meth:`~cib_detect.engine.dask.chunks.DaskChunks.pair_totals` on the workers), split into
  phases: ``ids_s`` (first pass: distinct accounts, partition lengths), ``keys_shuffle_s``
  (second pass: keys per input partition, shuffle by chunk, persist), ``totals_s`` (the
  chunks' kernels, then their pair statistics added up by ranges of account codes, on the
  workers; the result back on the client), ``label_s`` (account ids, on the client);
  ``rows_shuffled`` and ``MB_shuffled`` (the keyed rows and their in-memory size, all of
  which go through the shuffle); per-chunk kernel seconds (min / median / max, measured on
  the workers in a separate pass) and ``partial_pairs`` / ``partial_MB`` (pair statistics
  and split triples the chunks hand to the reduction before the totals are known).
- memory: peak resident memory of the client process (scheduler included, LocalCluster
  runs it there), the sum of the workers' peaks, and the peak of the whole process tree
  (client, nannies, workers), sampled every 0.1 s with psutil.
- ``equal``: the edges equal the single-process ``cd.co_action_edges(posts, ...)``
  (``DataFrame.equals``), checked at sizes up to ``--check-up-to`` (after the measurements,
  so the single-process run does not count in the memory figures).

The machine has 2 cores shared with other work: the load average at the start of each
trace is reported with it.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import threading
import time
import warnings

from benchmarks.bench_traces import (
    COMBINED_TRACES,
    DEFAULT_LIMIT_GB,
    ensure_synthetic,
    run_guarded,
    source_label,
    synthetic_paths,
)
from benchmarks.harness import print_table


class TreeSampler:
    """Resident memory of this process and its children, sampled in a thread."""

    def __init__(self, interval: float = 0.1) -> None:
        import psutil

        self.root = psutil.Process()
        self.interval = interval
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.reset()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        with self.lock:
            self.peak_by_pid: dict[int, int] = {}
            self.peak_total = 0

    def _run(self) -> None:
        import psutil

        while not self.stop.is_set():
            total, seen = 0, {}
            for process in [self.root, *self.root.children(recursive=True)]:
                try:
                    seen[process.pid] = process.memory_info().rss
                except psutil.Error:
                    continue
                total += seen[process.pid]
            with self.lock:
                for pid, rss in seen.items():
                    self.peak_by_pid[pid] = max(self.peak_by_pid.get(pid, 0), rss)
                self.peak_total = max(self.peak_total, total)
            time.sleep(self.interval)

    def figures(self, worker_pids) -> dict:
        with self.lock:
            return {
                "client_peak_gb": self.peak_by_pid.get(self.root.pid, 0) / 1e9,
                "workers_peak_gb": sum(self.peak_by_pid.get(p, 0) for p in worker_pids) / 1e9,
                "tree_peak_gb": self.peak_total / 1e9,
            }


def _quiet() -> None:
    logging.getLogger("cib_detect").setLevel(logging.ERROR)
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")


def _instrumented(path, trace: str, client, n_chunks: int | None, min_weight: int) -> tuple:
    """The steps of ``co_action_edges(backend="dask")``, timed one by one: (figures, edges)."""
    import distributed

    from cib_detect.engine.dask.chunks import dask_chunks
    from cib_detect.engine.dask.input import as_dask_frame, check_meta, resolve_client
    from cib_detect.engine.pair_stats import chunk_pair_stats
    from cib_detect.traces.tables import label_pairs

    window_us = 60_000_000
    figures: dict = {}
    start = time.perf_counter()
    ddf = as_dask_frame(path, "bench")
    check_meta(ddf, "bench")
    with dask_chunks(
        ddf,
        trace,
        {},
        n_chunks=n_chunks,
        client=resolve_client(client),
        max_key_posts=10_000,
        window_us=60_000_000,
        function="bench",
    ) as chunks:
        ids = chunks.account_ids
        figures["ids_s"] = time.perf_counter() - start
        n_accounts = len(ids)
        distributed.wait(chunks.partitions)
        figures["keys_shuffle_s"] = time.perf_counter() - start - figures["ids_s"]
        sizes = chunks.sizes()

        def timed_work(chunk):
            begin = time.perf_counter()
            stats = chunk_pair_stats(chunk, n_accounts, window_us)
            seconds = time.perf_counter() - begin
            size = stats.edges.estimated_size() + stats.split.estimated_size()
            return seconds, stats.edges.height, size

        per_chunk = chunks.map(timed_work)
        begin = time.perf_counter()
        totals = chunks.pair_totals(window_us, min_coactions=min_weight)
        figures["totals_s"] = time.perf_counter() - begin
        lengths = chunks.input_lengths
    begin = time.perf_counter()
    edges = label_pairs(totals.edges, ids)
    figures["label_s"] = time.perf_counter() - begin
    seconds = [s for s, _, _ in per_chunk]
    figures.update(
        input_partitions=len(lengths),
        chunks=len(per_chunk),
        rows_shuffled=int(sizes["rows"].sum()),
        MB_shuffled=float(sizes["bytes"].sum()) / 1e6,
        chunk_rows_max=int(sizes["rows"].max()),
        chunk_kernel_s_min=min(seconds),
        chunk_kernel_s_median=statistics.median(seconds),
        chunk_kernel_s_max=max(seconds),
        partial_pairs=sum(n for _, n, _ in per_chunk),
        partial_MB=sum(b for _, _, b in per_chunk) / 1e6,
    )
    return figures, edges


def case_dask(
    n: int,
    traces=COMBINED_TRACES,
    min_weight: int = 2,
    workers: int = 2,
    worker_memory_gb: float = 6.0,
    n_chunks: int | None = None,
    check: bool = True,
) -> dict:
    """All traces on one size on a fresh LocalCluster; figures per trace under ``rows``."""
    import distributed
    import polars as pl

    import cib_detect as cd

    _quiet()
    path = str(synthetic_paths(n)["posts"])
    sampler = TreeSampler()
    rows = []
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=f"{worker_memory_gb}GB",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(_quiet)
        worker_pids = list(client.run(os.getpid).values())

        # 100k posts: large enough for the kernels' parallel paths (compiled or loaded
        # from numba's cache in every worker) and the shuffle's first use.
        warm = str(synthetic_paths(100_000)["posts"])
        for trace in traces:
            cd.co_action_edges(warm, trace=trace, backend="dask", client=client, min_weight=2)
        results = {}
        for trace in traces:
            load = round(os.getloadavg()[0], 2)
            sampler.reset()
            begin = time.perf_counter()
            result = cd.co_action_edges(
                path,
                trace=trace,
                min_weight=min_weight,
                backend="dask",
                client=client,
                n_chunks=n_chunks,
            )
            wall = time.perf_counter() - begin
            memory = sampler.figures(worker_pids)
            phases, edges = _instrumented(path, trace, client, n_chunks, min_weight)
            assert edges.equals(result), "the instrumented run differs from co_action_edges"
            results[trace] = result
            row = {
                "posts": source_label(n),
                "trace": trace,
                "wall_s": wall,
                "edges": result.height,
                **memory,
                **phases,
                "load_avg": load,
            }
            rows.append(row)
            print(f"done: {row}", flush=True)
    sampler.stop.set()
    if check:
        posts = pl.read_parquet(path)
        for row in rows:
            expected = cd.co_action_edges(posts, trace=row["trace"], min_weight=min_weight)
            row["equal"] = bool(results[row["trace"]].equals(expected))
    return {"rows": rows}


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[1_000_000, 10_000_000])
    parser.add_argument("--traces", default=",".join(COMBINED_TRACES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-memory-gb", type=float, default=6.0)
    parser.add_argument(
        "--n-chunks", type=int, default=None, help="default: one per million posts, >= 2 per thread"
    )
    parser.add_argument("--check-up-to", type=int, default=1_000_000)
    parser.add_argument("--limit-gb", type=float, default=DEFAULT_LIMIT_GB + 4)
    args = parser.parse_args(argv)
    ensure_synthetic(sorted({100_000, *args.sizes}))
    rows = []
    for n in args.sizes:
        figures = run_guarded(
            case_dask,
            limit_gb=args.limit_gb,
            n=n,
            traces=tuple(t for t in args.traces.split(",") if t),
            workers=args.workers,
            worker_memory_gb=args.worker_memory_gb,
            n_chunks=args.n_chunks,
            check=n <= args.check_up_to,
        )
        if "error" in figures:
            print(f"size {n:,} failed: {figures['error']}", flush=True)
            rows.append({"posts": source_label(n), "error": figures["error"]})
            continue
        for row in figures["rows"]:
            row["case_peak_rss_gb"] = figures["peak_rss_gb"]
        rows.extend(figures["rows"])
    print_table(
        rows,
        f"co_action_edges(backend='dask') on a LocalCluster ({args.workers} worker processes, "
        "1 thread each), min_weight=2, window 60 s",
    )


if __name__ == "__main__":
    main()
