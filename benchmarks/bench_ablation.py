"""Each trace's contribution: ``detect`` on synthetic data with every trace, then with
each default trace left out in turn.

Run ``python -m benchmarks.bench_ablation`` (``--size 300000``, ``--seeds 0``). For each
run it prints, as a markdown table: ROC-AUC and precision at k of the hidden-state
accounts (``cd.evaluate``: positives ``hidden_state`` and ``hidden_abroad``; ties broken
against the detection), the adjusted Rand index over the campaign accounts, the share of
each kind of hidden-state group's accounts in clusters (the exact-copy campaigns,
paraphrase-only, shift work, the one-afternoon storm, the campaign aimed abroad), the
ordinary accounts in clusters, and the wall time of ``detect``; a last row adds the opt-in
``activity_profile`` to the defaults. A second table gives the
median score of every role with all traces. Timings on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import time
import warnings

import polars as pl

import cib_detect as cd
from cib_detect.pipeline import DEFAULT_TRACES

# hidden-state groups by kind, from their group names (cd.datasets.synthetic)
KINDS = {
    "copies": r"^hidden_state_",
    "paraphrase": r"^paraphrase_",
    "shifts": r"^shifts_",
    "storm": r"^storm_",
    "abroad": r"^hidden_abroad_",
}
INNOCENT = ("organic", "fans", "activists", "diaspora", "travellers", "state_media")


def _row(label: str, data, result, wall: float) -> dict:
    evaluation = cd.evaluate(result, data.truth)
    labels = data.truth.join(result.clusters, on="account_id", how="left").with_columns(
        pl.col("cluster_id").fill_null(-1)
    )
    row = {
        "traces": label,
        "roc_auc": evaluation.accounts["roc_auc"],
        "p@k": evaluation.accounts["precision_at_k"],
        "ARI": evaluation.clusters["adjusted_rand"],
    }
    for kind, pattern in KINDS.items():
        members = labels.filter(pl.col("group").str.contains(pattern))
        row[kind] = (members["cluster_id"] >= 0).mean() if members.height else float("nan")
    innocent = labels.filter(pl.col("role").is_in(INNOCENT))
    row["innocent clustered"] = int((innocent["cluster_id"] >= 0).sum())
    row["seconds"] = round(wall, 1)
    return row


def _print(rows: list[dict]) -> None:
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()]
        print("| " + " | ".join(cells) + " |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=300_000)
    parser.add_argument("--seeds", default="0")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    for seed in (int(s) for s in args.seeds.split(",")):
        data = cd.datasets.synthetic(args.size, seed=seed)
        cd.detect(data.posts.head(20_000), data.accounts)  # numba compilation
        present = [t for t in DEFAULT_TRACES if cd.traces.registry.TRACES[t].applies_to(
            data.posts.columns)]  # fmt: skip
        rows, everything = [], None
        for left_out in [None, *present]:
            traces = [t for t in present if t != left_out]
            start = time.perf_counter()
            result = cd.detect(data.posts, data.accounts, traces=traces)
            wall = time.perf_counter() - start
            rows.append(_row("all" if left_out is None else f"without {left_out}", data,
                             result, wall))  # fmt: skip
            if left_out is None:
                everything = result
        # the opt-in temporal trace, added to the defaults
        start = time.perf_counter()
        result = cd.detect(data.posts, data.accounts, traces=[*present, "activity_profile"])
        rows.append(_row("with activity_profile", data, result, time.perf_counter() - start))
        print(f"\n{args.size:,} posts, seed {seed}: each trace left out in turn\n")
        _print(rows)
        print(f"\nMedian score per role, every trace ({args.size:,} posts, seed {seed})\n")
        roles = cd.evaluate(everything, data.truth).roles.select("role", "count", "median", "p90")
        _print(roles.sort("median", descending=True).to_dicts())


if __name__ == "__main__":
    main()
