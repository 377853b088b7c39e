"""First contact: the cost of compiling the numba kernels in a fresh environment.

Run ``python -m benchmarks.bench_cold_start`` (``--only demo`` or ``--only detect``,
``--kernels N`` for the N dearest kernels, ``--json PATH`` to keep the figures).

Each workload runs twice in a fresh interpreter with ``NUMBA_CACHE_DIR`` pointing at one
new, empty temporary directory: the first run is *cold* (every kernel it calls is
compiled and written to that cache, as on a fresh install, container, CI run or Dask
worker), the second *warm* (every kernel is loaded from the cache). Without
``NUMBA_CACHE_DIR`` numba caches next to the module in ``cib_detect/kernels/__pycache__``
(see ``cib_detect._config``), which a development checkout has usually filled already, so
the variable is what makes the cold run cold.

Workloads:

- ``demo``: ``python -m cib_detect.demo`` (what ``make demo`` runs);
- ``detect``: ``cd.detect`` on ``cd.datasets.synthetic(50_000, seed=0)``, the detection
  alone timed inside the process as well;
- ``similarity``: ``cd.co_action_edges`` of each similarity trace (``co_similar_text``,
  ``sync_activity``, ``activity_profile``, not default traces of ``detect``) on the same
  posts, the calls timed as the detection is.

Reported: wall seconds of the whole process cold and warm and their ratio (the target of
issue 16 is at most 4x), the same for the timed call (``detect``, the traces), and, from
the cold run, per kernel (numba dispatcher) the compile seconds exclusive of the kernels it
calls (from the ``numba:compile`` events of :mod:`numba.core.event`) and the number of
specialisations (``len(dispatcher.signatures)``); then each cib_detect kernel's compile
seconds together with those of the numba-internal functions (overloads of ``np.empty``,
quicksort, error formatting ...) compiled while it was compiling, charged to the innermost
cib_detect kernel on the compile stack, with its dearest internals named.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKLOADS = ("demo", "detect", "similarity")
SIMILARITY_TRACES = ("co_similar_text", "sync_activity", "activity_profile")

# Runs inside the measured interpreter: records every numba compilation (exclusive of the
# nested compilations of the functions it calls), runs the workload, writes JSON.
_PROBE = r"""
import json, sys, time
start = time.perf_counter()
import numba
from numba.core import event

records = []
stack = []

def _name(ev):
    d = ev.data["dispatcher"]
    return f"{d.py_func.__module__}.{d.py_func.__qualname__}"


class Listener(event.Listener):
    def on_start(self, ev):
        stack.append([time.perf_counter(), 0.0, _name(ev)])

    def on_end(self, ev):
        began, nested, name = stack.pop()
        total = time.perf_counter() - began
        if stack:
            stack[-1][1] += total
        # a numba-internal function is charged to the innermost cib_detect kernel whose
        # compilation pulled it in
        owner = next((f[2] for f in reversed(stack) if f[2].startswith("cib_detect")), None)
        records.append((name, total - nested, [str(a) for a in ev.data["args"]], owner))

event.register("numba:compile", Listener())

workload, out = sys.argv[1], sys.argv[2]
detect_seconds = None
if workload == "demo":
    import runpy
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()):
        sys.argv = ["cib_detect.demo"]
        runpy.run_module("cib_detect.demo", run_name="__main__")
elif workload == "detect":
    import cib_detect as cd
    data = cd.datasets.synthetic(50_000, seed=0)
    began = time.perf_counter()
    cd.detect(data.posts, data.accounts)
    detect_seconds = time.perf_counter() - began
else:
    import cib_detect as cd
    data = cd.datasets.synthetic(50_000, seed=0)
    began = time.perf_counter()
    for trace in sys.argv[3].split(","):
        cd.co_action_edges(data.posts, trace=trace, window="60s", min_weight=1)
    detect_seconds = time.perf_counter() - began

kernels = {}
for name, seconds, args, owner in records:
    k = kernels.setdefault(name, {"compile_s": 0.0, "signatures": [], "with_internals_s": 0.0})
    k["compile_s"] += seconds
    k["signatures"].append(args)
    if name.startswith("cib_detect"):
        k["with_internals_s"] += seconds
    elif owner is not None:
        o = kernels.setdefault(owner, {"compile_s": 0.0, "signatures": [], "with_internals_s": 0.0})
        o["with_internals_s"] += seconds
        o.setdefault("internals", {}).setdefault(name, 0.0)
        o["internals"][name] += seconds
# Kernels loaded from the cache compile nothing: count their specialisations too.
for module_name, module in list(sys.modules.items()):
    if not module_name.startswith("cib_detect"):
        continue
    for value in list(vars(module).values()):
        if isinstance(value, numba.core.registry.CPUDispatcher) and value.signatures:
            name = f"{value.py_func.__module__}.{value.py_func.__qualname__}"
            k = kernels.setdefault(name, {"compile_s": 0.0, "signatures": []})
            k["n_signatures"] = len(value.signatures)
for k in kernels.values():
    k.setdefault("n_signatures", len(k["signatures"]))
json.dump(
    {
        "wall_s": time.perf_counter() - start,
        "detect_s": detect_seconds,
        "compile_s": sum(k["compile_s"] for k in kernels.values()),
        "kernels": kernels,
    },
    open(out, "w"),
)
"""


def run_once(workload: str, cache_dir: str) -> dict:
    """Run ``workload`` in a fresh interpreter with ``NUMBA_CACHE_DIR=cache_dir``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    env.pop("CIB_DETECT_NUMBA_CACHE", None)  # caching on, as a user has it
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _PROBE, workload, out.name, ",".join(SIMILARITY_TRACES)],
            check=True,
            cwd=ROOT,
            env=env,
        )
        wall = time.perf_counter() - start
        figures = json.loads(Path(out.name).read_text())
    figures["process_s"] = wall
    return figures


def measure(workload: str) -> dict:
    """Cold then warm run of ``workload`` on one new, empty cache directory."""
    with tempfile.TemporaryDirectory(prefix="cib_numba_cache_") as cache_dir:
        cold = run_once(workload, cache_dir)
        warm = run_once(workload, cache_dir)
    return {"workload": workload, "cold": cold, "warm": warm}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=WORKLOADS, action="append")
    parser.add_argument("--kernels", type=int, default=40, help="kernels listed (40)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    results = [measure(workload) for workload in args.only or WORKLOADS]
    print("\n### Cold start (empty NUMBA_CACHE_DIR) vs warm (same cache, second run)\n")
    print("| workload | cold s | warm s | ratio | compile s | call cold s | call warm s |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        cold, warm = r["cold"], r["warm"]
        detect = (
            f"{cold['detect_s']:.2f} | {warm['detect_s']:.2f}"
            if cold["detect_s"] is not None
            else "- | -"
        )
        print(
            f"| {r['workload']} | {cold['process_s']:.2f} | {warm['process_s']:.2f} | "
            f"{cold['process_s'] / warm['process_s']:.1f}x | {cold['compile_s']:.2f} | "
            f"{detect} |"
        )
    for r in results:
        kernels = r["cold"]["kernels"]
        total = sum(k["n_signatures"] for k in kernels.values())
        print(
            f"\n### {r['workload']}: {len(kernels)} kernels, {total} specialisations, "
            f"{r['cold']['compile_s']:.2f} s compiling (exclusive of nested kernels)\n"
        )
        print("| kernel | compile s | specialisations |")
        print("|---|---|---|")
        ranked = sorted(kernels.items(), key=lambda item: -item[1]["compile_s"])
        for name, k in ranked[: args.kernels]:
            short = name.removeprefix("cib_detect.")
            print(f"| {short} | {k['compile_s']:.2f} | {k['n_signatures']} |")
        if len(ranked) > args.kernels:
            rest = ranked[args.kernels :]
            print(
                f"| ({len(rest)} more) | {sum(k['compile_s'] for _, k in rest):.2f} | "
                f"{sum(k['n_signatures'] for _, k in rest)} |"
            )
        own = {n: k for n, k in kernels.items() if n.startswith("cib_detect")}
        internal = sum(k["compile_s"] for n, k in kernels.items() if n not in own)
        print(
            f"\n### {r['workload']}: cib_detect kernels with the numba internals they pulled "
            f"in ({internal:.2f} s of internals in all)\n"
        )
        print("| kernel | compile s with internals | internals s | dearest internals |")
        print("|---|---|---|---|")
        ranked = sorted(own.items(), key=lambda item: -item[1].get("with_internals_s", 0.0))
        for name, k in ranked[: args.kernels]:
            pulled = sorted(k.get("internals", {}).items(), key=lambda item: -item[1])
            dearest = ", ".join(
                f"{n.replace('.<locals>', '').removeprefix('numba.')} {t:.2f}"
                for n, t in pulled[:3]
            )
            print(
                f"| {name.removeprefix('cib_detect.')} | {k.get('with_internals_s', 0.0):.2f} | "
                f"{sum(t for _, t in pulled):.2f} | {dearest} |"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
