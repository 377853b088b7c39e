"""Time of ``result.write(dir)`` against the ``detect`` that made it (issue 16, part 3).

Run ``python -m benchmarks.bench_write`` (``--inputs ira,synthetic_1000000``). For each
input: ``cd.detect`` with its defaults (timed, after a warm-up on the first 5,000 posts so
that numba compilation is not counted), then ``result.write`` into a fresh directory (the
figure the target is about: at most half the detect seconds), then the same files again
one by one, each timed on its own, so that the slow one is visible.

Inputs: the IRA tweets (``../shared/data/ira/ira_tweets.parquet``, ``cd.read_posts``) and
``cd.datasets.synthetic(n, seed=0)`` cached as parquet under ``benchmarks/out/`` (see
:func:`benchmarks.bench_traces.ensure_synthetic`). The machine has 2 cores shared with
other work: the load average is printed with every figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import polars as pl

from benchmarks.bench_traces import IRA, OUT, ensure_synthetic, synthetic_paths
from benchmarks.harness import print_table, timed


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def read_input(name: str) -> pl.DataFrame:
    import cib_detect as cd

    if name == "ira":
        return cd.read_posts(IRA)
    n = int(name.removeprefix("synthetic_"))
    ensure_synthetic([n])
    return pl.read_parquet(synthetic_paths(n)["posts"])


def files_one_by_one(result, directory: Path) -> list[dict]:
    """The files of ``result.write`` written one at a time by the functions it calls."""
    from cib_detect import export
    from cib_detect.io.writers import GRAPH_FORMATS, write_csv, write_graph_frames, write_parquet
    from cib_detect.report import write_report

    rows = []

    def step(name, function, *args, **kwargs):
        _, seconds = timed(function, *args, **kwargs)
        rows.append({"file": name, "seconds": seconds, "load": load_average()})

    tables = result.tables()
    for fmt, writer in (("parquet", write_parquet), ("csv", write_csv)):
        for name, table in tables.items():
            step(f"{name}.{fmt}", writer, table, directory / f"{name}.{fmt}")
    edges, nodes = result.edges, result._node_table()
    for fmt, suffix in GRAPH_FORMATS.items():
        step(
            f"graph{suffix}",
            write_graph_frames,
            edges,
            nodes,
            directory / f"graph{suffix}",
            format=fmt,
        )
    step("report.html", write_report, result, directory / "report.html")
    step(
        "detection.json + clusters.jsonl",
        export.write_json_files,
        result,
        directory / "detection.json",
        directory / "clusters.jsonl",
    )
    return rows


def measure(name: str) -> list[dict]:
    import cib_detect as cd

    posts, read_seconds = timed(read_input, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cd.detect(posts.head(5_000))  # compile the kernels
        load_detect = load_average()
        result, detect_seconds = timed(cd.detect, posts)
    work = Path(tempfile.mkdtemp(prefix="bench_write-", dir=OUT))
    try:
        load_write = load_average()
        _, write_seconds = timed(result.write, work / "run")
        (work / "one_by_one").mkdir()
        rows = files_one_by_one(result, work / "one_by_one")
        sizes = {p.name: p.stat().st_size for p in (work / "run").iterdir()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for row in rows:
        first = row["file"].split(" ")[0]
        row["MB"] = sizes.get(first, 0) / 1e6
    print_table(rows, f"{name}: each file on its own")
    summary = [
        {
            "input": name,
            "posts": posts.height,
            "edges": result.edges.height,
            "read s": read_seconds,
            "detect s": detect_seconds,
            "load (detect)": load_detect,
            "write s": write_seconds,
            "load (write)": load_write,
            "write / detect": write_seconds / detect_seconds,
        }
    ]
    print_table(summary, f"{name}: write against detect (target <= 0.5)")
    return summary


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", default="ira,synthetic_1000000")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    print(f"load average at start: {load_average()}", flush=True)
    summary = []
    for name in args.inputs.split(","):
        summary += measure(name)
    print_table(summary, "write against detect")


if __name__ == "__main__":
    main()
