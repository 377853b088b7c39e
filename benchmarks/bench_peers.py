"""Side by side with coordination-network-toolkit 1.5.2 on the same input, edge for edge.

Run ``python -m benchmarks.bench_peers`` (``--sizes 100000,1000000``). Needs the optional
extra ``[peers]`` (``pip install coordination-network-toolkit==1.5.2``); without it the
script says so and exits 0.

For each size, ``cd.datasets.synthetic(n, seed=0)`` posts (cached by
:mod:`benchmarks.bench_traces`) are written once as the toolkit's CSV (message_id,
user_id, username, repost_id, reply_id, message, timestamp in epoch seconds, urls
separated by spaces; a header row, which the toolkit skips). Then, each in a fresh
process:

- the toolkit: ``preprocess.preprocess_csv_files`` into a new SQLite database, then
  ``compute_networks.compute_co_retweet_parallel`` / ``compute_co_tweet_network`` /
  ``compute_co_link_network`` with ``n_threads=2``, ``time_window=60``; each timed, each
  network table exported (user_1, user_2, weight, self-loops left out: release 1.5.2
  counts a message against itself in loops);
- ours: ``cd.read_posts(csv, format="cnt")`` (timed apart, one call), a warm-up on
  5,000 rows (numba compile excluded), then ``cd.compat.cnt.network`` for the same
  kinds, best of 3 calls each (the toolkit's figures are single runs: it is slow).

The edge sets (user_1, user_2, weight) are compared exactly.

Toolkit quirk: its CSV reader splits the urls field with ``"".split(" ") == [""]``, so
every non-repost message *without* a URL gets the URL ``""``, and its co_link network
links all URL-less messages posted within the window of each other. ``cnt.network``
leaves empty URLs out. The co_link row therefore comes twice: as the toolkit computes it
from the CSV, and (``co_link*``) after deleting the ``""`` rows from its ``message_url``
table and recomputing, which is the comparable figure.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sqlite3
import sys
import warnings
from pathlib import Path

import polars as pl

from benchmarks.bench_traces import (
    DEFAULT_LIMIT_GB,
    OUT,
    _sizes,
    ensure_synthetic,
    quiet_library_log,
    run_guarded,
    synthetic_paths,
)
from benchmarks.harness import peak_rss_gb, print_table, timed

KINDS = ("co_retweet", "co_tweet", "co_link")
TIME_WINDOW = 60
N_THREADS = 2


def toolkit_available() -> bool:
    try:
        import coordination_network_toolkit  # noqa: F401
    except ImportError:
        return False
    return True


def _dir(n: int) -> Path:
    return OUT / f"cnt_{n}"


def csv_path(n: int) -> Path:
    return _dir(n) / "messages.csv"


def case_write_csv(n: int) -> dict:
    """Write the synthetic posts of size ``n`` in the toolkit's CSV format (once)."""
    path = csv_path(n)
    if path.exists():
        return {"cached": True}
    posts = pl.read_parquet(synthetic_paths(n)["posts"])
    _dir(n).mkdir(parents=True, exist_ok=True)
    frame = posts.select(
        pl.col("post_id").alias("message_id"),
        pl.col("account_id").alias("user_id"),
        pl.col("account_id").alias("username"),
        pl.col("repost_of").alias("repost_id"),
        pl.col("reply_to").alias("reply_id"),
        pl.col("text").alias("message"),
        pl.col("timestamp").dt.epoch("s").alias("timestamp"),
        pl.col("urls").list.join(" ").alias("urls"),
    )
    temporary = path.with_suffix(".tmp")
    frame.write_csv(temporary)
    temporary.rename(path)
    return {"cached": False, "rows": frame.height}


def _table_path(n: int, variant: str) -> Path:
    """Exported toolkit edges (no '*' in the name: polars would read it as a glob)."""
    return _dir(n) / f"toolkit_{variant.replace('*', '_no_empty_url')}.parquet"


def _export(db: sqlite3.Connection, table: str, path: Path) -> int:
    rows = db.execute(f"select user_1, user_2, weight from {table} where user_1 != user_2")
    frame = pl.DataFrame(
        rows.fetchall(),
        schema={"user_1": pl.String, "user_2": pl.String, "weight": pl.Int64},
        orient="row",
    )
    frame.write_parquet(path)
    return frame.height


def case_toolkit(n: int) -> dict:
    """Preprocess and the three networks with the toolkit; export its edge tables."""
    from coordination_network_toolkit import compute_networks, preprocess

    db_path = _dir(n) / "toolkit.db"
    for stale in _dir(n).glob("toolkit.db*"):
        stale.unlink()
    figures = {"load_avg": round(os.getloadavg()[0], 2)}
    chatter = io.StringIO()  # the toolkit prints progress
    with contextlib.redirect_stdout(chatter):
        _, figures["preprocess"] = timed(
            preprocess.preprocess_csv_files, str(db_path), [str(csv_path(n))]
        )
        _, figures["co_retweet"] = timed(
            compute_networks.compute_co_retweet_parallel,
            str(db_path),
            TIME_WINDOW,
            n_threads=N_THREADS,
        )
        _, figures["co_tweet"] = timed(
            compute_networks.compute_co_tweet_network,
            str(db_path),
            TIME_WINDOW,
            n_threads=N_THREADS,
        )
        _, figures["co_link"] = timed(
            compute_networks.compute_co_link_network,
            str(db_path),
            TIME_WINDOW,
            n_threads=N_THREADS,
        )
    db = sqlite3.connect(db_path)
    for kind in KINDS:
        figures[f"{kind}_edges"] = _export(db, f"{kind}_network", _table_path(n, kind))
    # The comparable co_link: without the "" URL the CSV reader gives URL-less messages.
    figures["empty_url_rows"] = db.execute(
        "select count(*) from message_url where url = ''"
    ).fetchone()[0]
    with db:
        db.execute("delete from message_url where url = ''")
    db.close()
    with contextlib.redirect_stdout(chatter):
        _, figures["co_link*"] = timed(
            compute_networks.compute_co_link_network,
            str(db_path),
            TIME_WINDOW,
            n_threads=N_THREADS,
        )
    db = sqlite3.connect(db_path)
    figures["co_link*_edges"] = _export(db, "co_link_network", _table_path(n, "co_link*"))
    db.close()
    for stale in _dir(n).glob("toolkit.db*"):
        stale.unlink()
    return figures


def _compare(ours: pl.DataFrame, theirs: pl.DataFrame) -> tuple[bool, int, int]:
    """(identical, rows only in ours, rows only in theirs) of two directed edge tables."""
    key = ["user_1", "user_2", "weight"]
    ours, theirs = ours.select(key), theirs.select(key)
    only_ours = ours.join(theirs, on=key, how="anti").height
    only_theirs = theirs.join(ours, on=key, how="anti").height
    identical = only_ours == 0 and only_theirs == 0 and ours.height == theirs.height
    return identical, only_ours, only_theirs


def case_ours(n: int, repeat: int = 3) -> dict:
    """Read the CSV, then ``cnt.network`` per kind (best of ``repeat`` calls); compare
    with the toolkit's edges."""
    import cib_detect as cd

    quiet_library_log()
    figures = {"load_avg": round(os.getloadavg()[0], 2)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = cd.read_posts(csv_path(n), format="cnt").head(5_000)
        for kind in KINDS:
            cd.compat.cnt.network(warm, kind=kind, time_window=TIME_WINDOW)
        del warm
        posts, figures["read"] = timed(cd.read_posts, csv_path(n), format="cnt")
    ours = {}
    for kind in KINDS:
        figures[kind] = float("inf")
        for _ in range(repeat):  # best of `repeat`: the machine is shared
            edges, seconds = timed(cd.compat.cnt.network, posts, kind=kind, time_window=TIME_WINDOW)
            figures[kind] = min(figures[kind], seconds)
        ours[kind] = edges.filter(pl.col("user_1") != pl.col("user_2"))
        figures[f"{kind}_edges"] = ours[kind].height
        del edges
    # Before loading the toolkit's tables (18M rows of co_link at 1M posts).
    figures["our_peak_gb"] = round(peak_rss_gb(), 3)
    del posts
    for kind in KINDS:
        for variant in (kind, f"{kind}*") if kind == "co_link" else (kind,):
            theirs_path = _table_path(n, variant)
            if theirs_path.exists():
                figures[f"{variant}_compare"] = _compare(ours[kind], pl.read_parquet(theirs_path))
    return figures


def _rows(n: int, toolkit: dict, ours: dict) -> list[dict]:
    rows = []

    def row(label, theirs_s, ours_s, identical="", edges_t="", edges_o="", note=""):
        rows.append(
            {
                "posts": f"{n:,}",
                "kind": label,
                "toolkit_s": theirs_s,
                "ours_s": ours_s,
                "speed_up": theirs_s / ours_s if ours_s else float("nan"),
                "identical_edges": identical,
                "toolkit_edges": edges_t,
                "our_edges": edges_o,
                "note": note,
            }
        )

    row("preprocess / read", toolkit["preprocess"], ours["read"], note="CSV into SQLite / polars")
    for variant in (*KINDS, "co_link*"):
        kind = variant.rstrip("*")
        compared = ours.get(f"{variant}_compare")
        identical = "" if compared is None else ("yes" if compared[0] else "no")
        note = ""
        if compared is not None and not compared[0]:
            note = f"{compared[1]} rows only ours, {compared[2]} only toolkit"
        if variant == "co_link":
            note = (note + "; " if note else "") + (
                f"toolkit links URL-less messages via url '' ({toolkit['empty_url_rows']:,} rows)"
            )
        if variant == "co_link*":
            note = (note + "; " if note else "") + "toolkit after deleting url '' rows"
        row(
            variant,
            toolkit[variant],
            ours[kind],
            identical,
            toolkit[f"{variant}_edges"],
            ours[f"{kind}_edges"],
            note,
        )
    total_t = toolkit["preprocess"] + sum(
        toolkit[k] for k in ("co_retweet", "co_tweet", "co_link*")
    )
    total_o = ours["read"] + sum(ours[k] for k in KINDS)
    row("total (read + 3 networks, co_link*)", total_t, total_o)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[100_000, 1_000_000])
    parser.add_argument("--limit-gb", type=float, default=DEFAULT_LIMIT_GB)
    args = parser.parse_args(argv)
    if not toolkit_available():
        print(
            "bench_peers: coordination_network_toolkit is not installed; skipping the peer "
            "comparison. Install the optional extra with `pip install -e '.[peers]'` "
            "(coordination-network-toolkit==1.5.2)."
        )
        return 0
    ensure_synthetic(args.sizes)
    rows = []
    for n in args.sizes:
        written = run_guarded(case_write_csv, n=n)
        if "error" in written:
            print(f"writing the toolkit CSV for n={n:,} failed: {written['error']}")
            continue
        toolkit = run_guarded(case_toolkit, limit_gb=args.limit_gb, n=n)
        print(f"toolkit n={n:,}: {toolkit}", flush=True)
        ours = run_guarded(case_ours, limit_gb=args.limit_gb, n=n)
        print(f"ours n={n:,}: {ours}", flush=True)
        if "error" in toolkit or "error" in ours:
            continue
        rows.extend(_rows(n, toolkit, ours))
        print(
            f"peak RSS n={n:,}: toolkit main process {toolkit['peak_rss_gb']} GB "
            f"(its worker processes not counted), ours {ours['our_peak_gb']} GB (before loading "
            f"the toolkit's tables to compare); load average "
            f"at start {toolkit['load_avg']} / {ours['load_avg']}",
            flush=True,
        )
    print_table(
        rows,
        f"coordination-network-toolkit 1.5.2 vs cnt.network (time_window {TIME_WINDOW} s, "
        f"n_threads {N_THREADS}, self-loops left out)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
