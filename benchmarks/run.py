"""Run the benchmarks (``make bench``): ``python -m benchmarks.run [--full] [--only ...]``.

Default, modest sizes (a few minutes on 2 cores):

- ``bench_traces``: every key trace on 100k and 1M synthetic posts; the combined case
  (co_repost + co_text + co_url + co_hashtag, min_weight=2) on 1M.
- ``bench_peers``: coordination-network-toolkit 1.5.2 vs ``cnt.network`` on 100k and 1M
  (skipped with a message when the toolkit is not installed).
- ``bench_detect``: ``cd.detect`` on 1M.
- ``bench_kernels``: the kernels on 1M.
- ``bench_dask``: ``co_action_edges(backend="dask")`` on a 2-worker LocalCluster, 1M.

``--full`` adds 10M synthetic posts and the IRA tweets (traces, combined target and
detect at 10M; kernels and Dask at 10M) and ``bench_scaling`` (the streamed path and
``detect`` at 10M and 50M posts): expect about an hour. Every table is printed as
Markdown, the format of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import datetime, timezone

PARTS = ("traces", "peers", "detect", "kernels", "dask", "scaling")


def _header() -> None:
    import os

    print(
        f"# cib_detect benchmarks, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n\n"
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start",
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="add 10M posts and the IRA tweets")
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}"
    )
    args = parser.parse_args(argv)
    parts = [p for p in args.only.split(",") if p]
    _header()
    start = time.perf_counter()
    if "traces" in parts:
        from benchmarks import bench_traces

        sizes = "100000,1000000,10000000" if args.full else "100000,1000000"
        combined = "1000000,10000000" if args.full else "1000000"
        bench_traces.main(
            ["--sizes", sizes, "--combined-sizes", combined, *(["--ira"] if args.full else [])]
        )
    if "peers" in parts:
        from benchmarks import bench_peers

        bench_peers.main(["--sizes", "100000,1000000"])
    if "detect" in parts:
        from benchmarks import bench_detect

        sizes = "1000000,10000000" if args.full else "1000000"
        bench_detect.main(["--sizes", sizes, *(["--ira"] if args.full else [])])
    if "kernels" in parts:
        from benchmarks import bench_kernels

        if hasattr(bench_kernels, "main"):
            sizes = ["1000000", "10000000"] if args.full else ["1000000"]
            bench_kernels.main(["--sizes", *sizes])
    if "dask" in parts:
        from benchmarks import bench_dask

        bench_dask.main(["--sizes", "1000000,10000000" if args.full else "1000000"])
    if "scaling" in parts and args.full:
        from benchmarks import bench_scaling

        bench_scaling.main(["--shards", "1,5", "--chunks", "32", "--detect"])
    print(f"\nbenchmarks done in {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
