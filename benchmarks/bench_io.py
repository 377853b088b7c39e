"""Read + validate + normalise throughput (issue 2), each case in its own process.

Run: ``python -m benchmarks.bench_io [--sizes 1000000,10000000] [--ira]``

- ``read``: ``cd.read_posts`` on a canonical parquet file (scan, dtype checks and
  conversions, validation: required columns, nulls, duplicate post ids, timestamps).
- ``normalise``: the normalisation every content trace needs, on the posts' text:
  ``text_hash`` (normalised text + XXH64), ``extract_hashtags``, and the URL chain
  ``extract_urls`` -> ``canonical_url`` -> ``registered_domain``.

Synthetic posts are ``cd.datasets.synthetic(n, seed=0)`` cached under ``benchmarks/out``;
the real data is the 2.46M IRA tweets of ``../shared/data/ira``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.harness import print_table, run_case, timed

OUT = Path(__file__).parent / "out"
IRA = Path(__file__).parents[1] / ".." / "shared" / "data" / "ira" / "ira_tweets.parquet"


def _path(source) -> Path:
    return IRA.resolve() if source == "ira" else OUT / f"io_synthetic_{int(source)}.parquet"


def case_generate(n: int) -> dict:
    """Write the synthetic posts of one size once (outside the measured processes)."""
    import cib_detect as cd

    path = _path(n)
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        cd.datasets.synthetic(n, seed=0).posts.write_parquet(path)
    return {}


def case_read(source) -> dict:
    import cib_detect as cd

    cd.read_posts(_path(source)).head(1)  # imports and first-call costs
    posts, seconds = timed(cd.read_posts, _path(source))
    return {"rows": posts.height, "seconds": seconds, "rows_per_s": posts.height / seconds}


def case_normalise(source) -> dict:
    import polars as pl

    import cib_detect as cd
    from cib_detect import normalize

    posts = cd.read_posts(_path(source)).select("text")
    posts.head(1000).select(normalize.text_hash("text"))  # compile the hash kernel

    def run():
        return (
            posts.lazy()
            .select(
                normalize.text_hash("text").alias("hash"),
                normalize.extract_hashtags("text").alias("hashtags"),
                normalize.extract_urls("text")
                .list.eval(normalize.registered_domain(normalize.canonical_url(pl.element())))
                .alias("domains"),
            )
            .collect()
        )

    out, seconds = timed(run)
    return {"rows": out.height, "seconds": seconds, "rows_per_s": out.height / seconds}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000", help="comma-separated synthetic sizes")
    parser.add_argument("--ira", action="store_true", help="also the 2.46M IRA tweets")
    args = parser.parse_args(argv)
    sources = [int(s) for s in args.sizes.split(",") if s]
    for n in sources:
        run_case(case_generate, n=n)
    if args.ira:
        sources.append("ira")
    rows = []
    for source in sources:
        for name, case in (("read + validate", case_read), ("normalise", case_normalise)):
            figures = run_case(case, source=source)
            rows.append({"step": name, **figures})
    print_table(rows, "read, validate and normalise")


if __name__ == "__main__":
    main()
