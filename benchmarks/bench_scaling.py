"""Larger than memory on one machine: the chunked (streaming) path at 10M and 50M posts.

Run ``python -m benchmarks.bench_scaling`` (``--shards 1,5``, ``--chunks 8,32``,
``--detect`` to add ``detect`` itself). Each case runs in a fresh spawned process
watched by the memory guard of :mod:`benchmarks.bench_traces` (killed above
``--limit-gb``); numba compilation is excluded by a warm-up on 5,000 posts.

Input: ``k`` shards of ``cd.datasets.synthetic(10_000_000, seed=s)`` for ``s < k``,
written as a parquet directory under ``benchmarks/out/`` (gitignored). Ids get the
prefix ``s{s}_`` (posts, accounts and the posts they repost or reply to), so the shards
are different accounts over the same 30 days: five shards are 50M posts, five times as
dense as one, as ``synthetic(50_000_000)`` would be (it cannot be generated in 24 GB).

Cases, each on the parquet directory (nothing loaded up front):

- ``stream``: ``co_action_edges(path, trace=..., min_weight=2, n_chunks=c)`` for
  co_repost, co_text, co_url and co_hashtag one after the other (the DESIGN §9 set);
  wall time per trace, total, edges, peak RSS of the process.
- ``memory`` (one shard only): the same traces in memory (``read_posts`` then
  ``co_action_edges``) for comparison.
- ``detect``: ``cd.detect(path, n_chunks=c)`` end to end with its stage timings.
"""

from __future__ import annotations

import argparse
import time
import warnings

import polars as pl

from benchmarks.bench_traces import (
    COMBINED_TRACES,
    OUT,
    _load_avg,
    ensure_synthetic,
    quiet_library_log,
    run_guarded,
    synthetic_paths,
)
from benchmarks.harness import print_table, timed

SHARD = 10_000_000
ID_COLUMNS = ("post_id", "account_id", "repost_of", "reply_to")


def shard_dir(n_shards: int):
    return OUT / f"synthetic_{n_shards}x10M"


def case_write_shard(n_shards: int, shard: int) -> dict:
    """Generate one 10M shard (seed = shard) with prefixed ids into the directory."""
    path = shard_dir(n_shards) / f"part-{shard}.parquet"
    if path.exists():
        return {"cached": True}
    if shard == 0:
        posts = pl.scan_parquet(synthetic_paths(SHARD)["posts"])
    else:
        import cib_detect as cd

        posts = cd.datasets.synthetic(SHARD, seed=shard).posts.lazy()
    prefix = f"s{shard}_"
    path.parent.mkdir(parents=True, exist_ok=True)
    posts.with_columns((pl.lit(prefix) + pl.col(c)).alias(c) for c in ID_COLUMNS).sink_parquet(path)
    return {"cached": False}


def ensure_shards(n_shards: int) -> None:
    ensure_synthetic([SHARD])
    for shard in range(n_shards):
        figures = run_guarded(case_write_shard, n_shards=n_shards, shard=shard)
        if "error" in figures:
            raise RuntimeError(f"writing shard {shard}: {figures['error']}")


def _warm_up(**options) -> None:
    import cib_detect as cd

    warm = pl.read_parquet(synthetic_paths(SHARD)["posts"], n_rows=5_000)
    for trace in COMBINED_TRACES:
        cd.co_action_edges(warm, trace=trace, min_weight=2, **options)


def case_stream(n_shards: int, n_chunks: int) -> dict:
    import cib_detect as cd

    quiet_library_log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _warm_up(n_chunks=2)
        figures: dict = {"load_avg": _load_avg()}
        start = time.perf_counter()
        edges = 0
        for trace in COMBINED_TRACES:
            result, figures[f"{trace}_s"] = timed(
                cd.co_action_edges,
                shard_dir(n_shards),
                trace=trace,
                min_weight=2,
                n_chunks=n_chunks,
                spill_dir=OUT,
            )
            edges += result.height
            del result
    figures["total_s"] = time.perf_counter() - start
    figures["edges"] = edges
    return figures


def case_memory(n_shards: int) -> dict:
    import cib_detect as cd

    quiet_library_log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _warm_up()
        figures: dict = {"load_avg": _load_avg()}
        start = time.perf_counter()
        posts, figures["read_s"] = timed(cd.read_posts, shard_dir(n_shards))
        edges = 0
        for trace in COMBINED_TRACES:
            result, figures[f"{trace}_s"] = timed(
                cd.co_action_edges, posts, trace=trace, min_weight=2
            )
            edges += result.height
            del result
    figures["total_s"] = time.perf_counter() - start
    figures["edges"] = edges
    return figures


def case_detect(n_shards: int, n_chunks: int) -> dict:
    import cib_detect as cd

    quiet_library_log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = pl.read_parquet(synthetic_paths(SHARD)["posts"], n_rows=20_000)
        cd.detect(warm, n_chunks=2)
        figures: dict = {"load_avg": _load_avg()}
        result, figures["total_s"] = timed(
            cd.detect, shard_dir(n_shards), n_chunks=n_chunks, spill_dir=OUT
        )
    figures["clusters"] = result.n_clusters
    figures["edges"] = result.edges.height
    figures.update({f"{k}_s": round(v, 1) for k, v in result.timings.items()})
    return figures


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=_ints, default=[1, 5])
    parser.add_argument("--chunks", type=_ints, default=[8, 32])
    parser.add_argument("--detect", action="store_true")
    parser.add_argument("--memory", action="store_true", help="also the in-memory path")
    parser.add_argument("--limit-gb", type=float, default=16.0)
    args = parser.parse_args(argv)
    for n_shards in args.shards:
        ensure_shards(n_shards)
        rows = []
        if args.memory and n_shards == 1:
            rows.append(
                {"mode": "memory", **run_guarded(case_memory, limit_gb=args.limit_gb, n_shards=1)}
            )
        for n_chunks in args.chunks:
            figures = run_guarded(
                case_stream, limit_gb=args.limit_gb, n_shards=n_shards, n_chunks=n_chunks
            )
            rows.append({"mode": "stream", **figures})
        print_table(rows, f"co_action_edges, {n_shards * 10}M posts, min_weight=2")
        if args.detect:
            detect_rows = [
                run_guarded(
                    case_detect, limit_gb=args.limit_gb, n_shards=n_shards, n_chunks=n_chunks
                )
                for n_chunks in args.chunks
            ]
            print_table(detect_rows, f"detect, {n_shards * 10}M posts")


if __name__ == "__main__":
    main()
