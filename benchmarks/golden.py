"""Golden outputs: save what the library computes, and compare two saved sets.

A refactor proves its results identical by running ``save`` with the old and the new code
and ``compare`` on the two directories::

    python -m benchmarks.golden save OUTDIR
    python -m benchmarks.golden compare DIR_A DIR_B [--ignore-order] [--max-rows N]

``save`` uses only the public API (``cd.detect``, ``cd.co_action_edges``,
``cd.co_action_evidence``, ``cd.compat``, ``cd.datasets.synthetic``, ``Detection.write``,
``Detection.summary``, ``Detection.to_networkx``) so that it runs on both sides of a
refactor. Every case writes ``OUTDIR/<case>/``: one parquet file per table (rows sorted by
their non-float columns, then the floats; the original row number is kept in a ``__row``
column, so a change of row order shows too), json for parameters, warnings and files
written by ``Detection.write`` (``timings`` and ``created_at`` dropped), text for
``summary()`` and the HTML report, and ``_status.json``: ``ok`` or the exception's type and
message (an error is a golden outcome as well). Seconds per case go to
``OUTDIR/_timings.json``, which ``compare`` ignores.

``compare`` exits 0 when the two sets are identical: floats in p-value-like columns (see
:data:`P_LIKE`) to ``rel 1e-9, abs 1e-12``, everything else exact (NaN equals NaN, null
equals null). Otherwise it prints every difference (case, file, column, the first
differing rows) and exits 1. For an exact float column that differs, it says whether the
difference would be within the tolerance, so that a last-bit change can be told from a
real one.

Cases (datasets: ``synthetic(20_000, seed=1)``, ``synthetic(60_000, seed=2)``, CooRTweet's
russian retweets read with ``format="coortweet"`` (duplicated ids dropped), and the first
300,000 rows of the IRA tweets read with ``cd.read_posts``, sorted by time and post id):

1. the datasets themselves (posts, accounts);
2. ``detect`` per dataset in memory, with ``n_chunks=3`` (streamed from a parquet file) and,
   except on IRA, with ``backend="dask"`` on a ``distributed.LocalCluster`` (2 worker
   processes, 1 thread each): tables, params, warnings, summary, graph, written files;
3. ``co_action_edges(window="60s", min_weight=1)`` per dataset and key trace its columns
   support: in memory, with ``n_chunks=4`` and (synthetic 20k only) on Dask, plus
   ``co_action_evidence`` of the first 50 edges; the similarity traces on synthetic 20k
   (edges, evidence of the first 20 edges);
4. ``compat.cnt.network`` of every kind on synthetic 20k; ``compat.coortweet``
   ``detect_groups`` (window 60, min_participation 2) and ``generate_coordinated_network``
   (edge_weight 0.5, subgraph 0 and 1) on the russian data.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
RUSSIAN = DATA / "coortweet" / "russian_coord_tweets.parquet"
IRA = DATA / "ira" / "ira_tweets.parquet"
IRA_ROWS = 300_000

WINDOW = "60s"
N_CHUNKS_DETECT = 3
N_CHUNKS_EDGES = 4
N_CHUNKS_DASK = 4
N_PARTITIONS_DASK = 4
N_EVIDENCE = 50
N_EVIDENCE_SIMILARITY = 20

KEY_TRACES = (
    "co_repost",
    "co_text",
    "co_url",
    "co_domain",
    "co_hashtag",
    "hashtag_sequence",
    "co_reply",
    "co_media",
)
# the columns each key trace can read (any one of them), as documented in DESIGN.md §4
TRACE_COLUMNS = {
    "co_repost": ("repost_of",),
    "co_text": ("text",),
    "co_url": ("urls", "text"),
    "co_domain": ("domains", "urls", "text"),
    "co_hashtag": ("hashtags", "text"),
    "hashtag_sequence": ("hashtags", "text"),
    "co_reply": ("reply_to",),
    "co_media": ("media_hashes",),
}
SIMILARITY_TRACES = ("co_similar_text", "sync_activity", "activity_profile")
CNT_KINDS = ("co_retweet", "co_tweet", "co_link", "co_reply", "co_post", "co_similar_tweet")

#: Float columns (or json keys) compared with a tolerance: p-values, q-values, the fused
#: weight (-log10 p), null-model expectations and the scores computed from them, whose
#: last bits depend on the order of summation; and ``similarity``: on the base (b6132b9)
#: sync_activity's cosine similarities change in the last bits from one call to the next
#: (``traces/sync.py::_bin_matrix`` sums each row's squared weights in the random
#: row order of a polars ``group_by``), so an exact comparison would fail base vs base.
P_LIKE = re.compile(
    r"(^|_)(p_value|q_value|pvalue|qvalue|weight|expected_keys|expected|significance"
    r"|strength|coordination|score|cluster_score|scores|similarity)$"
)
REL_TOL = 1e-9
ABS_TOL = 1e-12

# keys of json files that change from run to run
VOLATILE_KEYS = frozenset({"timings", "created_at"})
ROW = "__row"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- normalising results ------------------------------------------------------------------


_NESTED = (pl.List, pl.Array, pl.Struct, pl.Object)


def _is_nested(dtype) -> bool:
    return isinstance(dtype, _NESTED) or dtype == pl.Object


def _is_float(dtype) -> bool:
    return dtype in (pl.Float32, pl.Float64)


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its original row numbers in ``__row``, sorted deterministically:
    by the non-float scalar columns, then the float columns, then the original row."""
    if ROW in frame.columns:
        raise ValueError(f"a result table already has a column {ROW!r}")
    frame = frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))
    scalar = [c for c, t in frame.schema.items() if c != ROW and not _is_nested(t)]
    keys = [c for c in scalar if not _is_float(frame.schema[c])]
    keys += [c for c in scalar if _is_float(frame.schema[c])]
    if frame.height and keys:
        frame = frame.sort([*keys, ROW], nulls_last=True, maintain_order=True)
    return frame.select(ROW, pl.exclude(ROW))


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items() if str(k) not in VOLATILE_KEYS}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [_jsonable(v) for v in items]
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return {"__repr__": str(value)}


class Work:
    """Temporary files of a run, and the text that names them (replaced in results)."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="cib_golden_"))

    def scrub(self, text: str) -> str:
        for form in {str(self.path), str(self.path.resolve())}:
            text = text.replace(form, "<work>")
        return text

    def scrub_value(self, value):
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_value(v) for v in value]
        return value

    def fresh(self, name: str) -> Path:
        path = self.path / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path


def write_artefacts(directory: Path, artefacts: dict, work: Work) -> None:
    """Write ``{name: DataFrame | str | json-able}`` into ``directory``."""
    for name, value in artefacts.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(value, pl.DataFrame):
            canonical(value).write_parquet(path.with_name(path.name + ".parquet"))
        elif isinstance(value, str):
            path.with_name(path.name + ".txt").write_text(work.scrub(value))
        else:
            text = json.dumps(work.scrub_value(_jsonable(value)), indent=1, allow_nan=False)
            path.with_name(path.name + ".json").write_text(text + "\n")


def graph_tables(graph) -> dict:
    """Nodes and edges of a networkx graph, with their attributes, as two frames."""
    nodes = [{"node": str(n), **attrs} for n, attrs in graph.nodes(data=True)]
    edges = [{"u": str(u), "v": str(v), **attrs} for u, v, attrs in graph.edges(data=True)]
    out = {}
    for name, rows, first in (("nodes", nodes, ["node"]), ("edges", edges, ["u", "v"])):
        if rows:
            try:
                frame = pl.from_dicts(rows, infer_schema_length=None)
            except Exception:  # attributes of mixed types: compare them as json text
                rows = [{k: json.dumps(v) for k, v in row.items()} for row in rows]
                frame = pl.from_dicts(rows, infer_schema_length=None)
        else:
            frame = pl.DataFrame(schema=dict.fromkeys(first, pl.String))
        columns = first + sorted(c for c in frame.columns if c not in first)
        out[name] = frame.select(columns)
    out["info"] = {
        "type": type(graph).__name__,
        "directed": graph.is_directed(),
        "n_nodes": graph.number_of_nodes(),
        "n_edges": graph.number_of_edges(),
        "graph_attrs": {k: v for k, v in graph.graph.items() if k not in VOLATILE_KEYS},
    }
    return out


def written_files(directory: Path) -> dict:
    """What ``Detection.write`` produced, read back and normalised."""
    import networkx as nx

    out = {"files/_names": sorted(p.name for p in directory.iterdir())}
    for path in sorted(directory.iterdir()):
        stem = f"files/{path.name}"
        if path.suffix == ".parquet":
            out[stem] = pl.read_parquet(path)
        elif path.suffix == ".csv":
            try:
                out[stem] = pl.read_csv(path, infer_schema_length=None)
            except pl.exceptions.NoDataError:  # a table without columns: its text
                out[stem] = path.read_text()
        elif path.suffix in (".graphml", ".gexf"):
            reader = nx.read_graphml if path.suffix == ".graphml" else nx.read_gexf
            for name, value in graph_tables(reader(path)).items():
                out[f"{stem}/{name}"] = value
        elif path.suffix == ".json":
            out[stem] = json.loads(path.read_text())
        elif path.suffix == ".jsonl":
            out[stem] = [json.loads(line) for line in path.read_text().splitlines() if line]
        elif path.suffix == ".html":
            out[stem] = without_timings(path.read_text())
        else:
            out[stem] = path.read_text()
    return out


_TIMINGS = re.compile(r"(<h3>Timings \(s\)</h3><table>)(.*?)(</table>)", re.DOTALL)
_CELL = re.compile(r"<td>[^<]*</td>")


def without_timings(html: str) -> str:
    """The report with the seconds of its "Timings" table blanked (its stages kept)."""
    return _TIMINGS.sub(lambda m: m[1] + _CELL.sub("<td>-</td>", m[2]) + m[3], html)


def detection_artefacts(result, work: Work, name: str) -> dict:
    out = {}
    for table in ("edges", "clusters", "account_scores", "cluster_scores", "evidence"):
        value = getattr(result, table)
        out[table] = value if value is not None else {"__none__": True}
    out["params"] = result.params
    out["warnings"] = list(result.warnings)
    out["dropped"] = dict(getattr(result, "dropped", {}))  # gone since the engine redesign
    out["summary"] = result.summary()
    out["repr"] = repr(result)
    for key, value in graph_tables(result.to_networkx()).items():
        out[f"graph/{key}"] = value
    directory = work.fresh(f"write_{name.replace('/', '_')}")
    result.write(directory)
    out.update(written_files(directory))
    shutil.rmtree(directory)
    return out


# -- datasets ------------------------------------------------------------------------------


class Datasets:
    """The inputs, each made once, with a parquet copy of the posts for chunked runs."""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.cache: dict[str, tuple] = {}
        self.seconds = 0.0
        self.warnings: dict[str, list[str]] = {}

    def load(self, name: str):
        if name in self.cache:
            return self.cache[name]
        began = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return self._load(name)
            finally:
                self.seconds += time.perf_counter() - began
                self.warnings[name] = [
                    f"{w.category.__name__}: {w.message}" for w in caught if _library_warning(w)
                ]

    def _load(self, name: str):
        import cib_detect as cd

        if name == "synthetic_20k":
            data = cd.datasets.synthetic(20_000, seed=1)
            posts, accounts = data.posts, data.accounts
        elif name == "synthetic_60k":
            data = cd.datasets.synthetic(60_000, seed=2)
            posts, accounts = data.posts, data.accounts
        elif name == "russian":
            posts = cd.read_posts(RUSSIAN, format="coortweet", on_duplicate="drop")
            accounts = None
        elif name == "ira_300k":
            raw = pl.scan_parquet(IRA).head(IRA_ROWS).collect()
            posts = cd.read_posts(raw).sort("timestamp", "post_id", maintain_order=True)
            accounts = None
        else:
            raise KeyError(name)
        path = self.work.path / "posts" / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        posts.write_parquet(path)
        self.cache[name] = (posts, accounts, path)
        return self.cache[name]

    def dask(self, name: str):
        import dask.dataframe as dd
        import pandas as pd

        key = f"{name}/dask"
        if key not in self.cache:
            posts = self.load(name)[0]
            frame = posts.to_pandas(types_mapper=pd.ArrowDtype)
            self.cache[key] = dd.from_pandas(frame, npartitions=N_PARTITIONS_DASK)
        return self.cache[key]


DATASETS = ("synthetic_20k", "synthetic_60k", "russian", "ira_300k")
DASK_DATASETS = ("synthetic_20k", "synthetic_60k", "russian")


class DaskCluster:
    """One LocalCluster for every Dask case, started on first use."""

    def __init__(self) -> None:
        self.cluster = None
        self.client = None

    def get(self):
        if self.client is None:
            import distributed

            self.cluster = distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = distributed.Client(self.cluster, set_as_default=False)
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.cluster.close()
            self.client = self.cluster = None


# -- cases ---------------------------------------------------------------------------------


def build_cases(data: Datasets, dask: DaskCluster, work: Work) -> list:
    """``(name, function)`` pairs; each function returns the case's artefacts."""
    import cib_detect as cd

    cases = []

    def case(name):
        def add(function):
            cases.append((name, function))
            return function

        return add

    for ds in DATASETS:

        @case(f"dataset/{ds}")
        def _(ds=ds):
            posts, accounts, _ = data.load(ds)
            out = {"posts": posts, "posts_schema": {k: str(v) for k, v in posts.schema.items()}}
            out["read_warnings"] = data.warnings.get(ds, [])
            if accounts is not None:
                out["accounts"] = accounts
            return out

    # -- detect ----------------------------------------------------------------------------
    for ds in DATASETS:

        @case(f"detect/{ds}/memory")
        def _(ds=ds):
            posts, accounts, _ = data.load(ds)
            return detection_artefacts(cd.detect(posts, accounts), work, f"{ds}_memory")

        @case(f"detect/{ds}/chunked{N_CHUNKS_DETECT}")
        def _(ds=ds):
            _, accounts, path = data.load(ds)
            spill = work.fresh("spill")
            result = cd.detect(path, accounts, n_chunks=N_CHUNKS_DETECT, spill_dir=spill)
            return detection_artefacts(result, work, f"{ds}_chunked")

        if ds in DASK_DATASETS:

            @case(f"detect/{ds}/dask")
            def _(ds=ds):
                accounts = data.load(ds)[1]
                result = cd.detect(
                    data.dask(ds),
                    accounts,
                    backend="dask",
                    client=dask.get(),
                    n_chunks=N_CHUNKS_DASK,
                )
                return detection_artefacts(result, work, f"{ds}_dask")

    # -- co_action_edges and co_action_evidence, key traces --------------------------------
    for ds in DATASETS:
        began = time.perf_counter()
        try:
            columns = set(data.load(ds)[0].columns)
        except Exception:  # the cases below raise it again, and record it
            columns = {c for names in TRACE_COLUMNS.values() for c in names}
        log(f"loaded {ds} in {time.perf_counter() - began:.2f} s")
        variants = [(trace, trace, {}) for trace in KEY_TRACES]
        if ds.startswith("synthetic"):  # the default (5 hashtags) finds no pair there
            variants.append(("hashtag_sequence_min2", "hashtag_sequence", {"min_hashtags": 2}))
        for label, trace, options in variants:
            if not columns.intersection(TRACE_COLUMNS[trace]):
                continue
            prefix = f"co_action/{ds}/{label}"
            common = {"trace": trace, "window": WINDOW, **options}

            @case(f"{prefix}/memory")
            def _(ds=ds, common=common):
                posts = data.load(ds)[0]
                return {"edges": cd.co_action_edges(posts, min_weight=1, **common)}

            @case(f"{prefix}/chunked{N_CHUNKS_EDGES}")
            def _(ds=ds, common=common):
                path = data.load(ds)[2]
                edges = cd.co_action_edges(
                    path,
                    min_weight=1,
                    n_chunks=N_CHUNKS_EDGES,
                    spill_dir=work.fresh("spill"),
                    **common,
                )
                return {"edges": edges}

            if ds == "synthetic_20k":

                @case(f"{prefix}/dask")
                def _(ds=ds, common=common):
                    edges = cd.co_action_edges(
                        data.dask(ds),
                        min_weight=1,
                        backend="dask",
                        client=dask.get(),
                        n_chunks=N_CHUNKS_DASK,
                        **common,
                    )
                    return {"edges": edges}

            @case(f"{prefix}/evidence")
            def _(ds=ds, common=common):
                posts = data.load(ds)[0]
                edges = cd.co_action_edges(posts, min_weight=1, **common)
                pairs = edges.head(N_EVIDENCE).select("account_a", "account_b")
                evidence = cd.co_action_evidence(posts, pairs=pairs, **common)
                return {"pairs": pairs, "evidence": evidence}

    # -- similarity traces -----------------------------------------------------------------
    for trace in SIMILARITY_TRACES:

        @case(f"co_action/synthetic_20k/{trace}/memory")
        def _(trace=trace):
            posts = data.load("synthetic_20k")[0]
            edges = cd.co_action_edges(posts, trace=trace, window=WINDOW, min_weight=1)
            out = {"edges": edges}
            try:
                pairs = edges.head(N_EVIDENCE_SIMILARITY).select("account_a", "account_b")
                out["pairs"] = pairs
                out["evidence"] = cd.co_action_evidence(
                    posts, trace=trace, pairs=pairs, window=WINDOW
                )
            except Exception as error:  # the evidence's failure is an outcome of its own
                out["evidence_error"] = error_record(error)
            return out

    # -- compatibility modes ---------------------------------------------------------------
    kinds = getattr(cd.compat.cnt, "KINDS", CNT_KINDS)
    for kind in kinds:

        @case(f"compat/cnt/synthetic_20k/{kind}")
        def _(kind=kind):
            posts = data.load("synthetic_20k")[0]
            return {"network": cd.compat.cnt.network(posts, kind=kind)}

    @case("compat/coortweet/russian")
    def _():
        from cib_detect.compat import coortweet

        raw = pl.read_parquet(RUSSIAN)
        groups = coortweet.detect_groups(raw, time_window=60, min_participation=2)
        out = {"detect_groups": groups}
        for subgraph in (0, 1):
            out[f"network_subgraph{subgraph}"] = coortweet.generate_coordinated_network(
                groups, edge_weight=0.5, subgraph=subgraph
            )
        return out

    return cases


def error_record(error: BaseException) -> dict:
    return {"status": "error", "type": type(error).__name__, "message": str(error)}


def _library_warning(record) -> bool:
    module = getattr(record.category, "__module__", "") or ""
    return module.startswith("cib_detect") or "/cib_detect/" in str(record.filename)


def save(outdir: Path, only: str | None = None) -> int:
    import cib_detect as cd

    outdir = Path(outdir)
    if outdir.exists() and any(outdir.iterdir()):
        log(f"{outdir} is not empty; pass an empty or new directory")
        return 2
    outdir.mkdir(parents=True, exist_ok=True)
    log(f"cib_detect from {cd.__file__}")
    work = Work()
    dask = DaskCluster()
    data = Datasets(work)
    timings: dict[str, float] = {}
    phases: dict[str, float] = {}
    statuses = {"ok": 0, "error": 0}
    start = time.perf_counter()
    try:
        cases = build_cases(data, dask, work)
        if only:
            cases = [(name, fn) for name, fn in cases if re.search(only, name)]
        for number, (name, function) in enumerate(cases, 1):
            directory = outdir / name
            directory.mkdir(parents=True, exist_ok=True)
            began = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    artefacts = function()
                    status = {"status": "ok"}
                except Exception as error:
                    artefacts = {}
                    status = error_record(error)
                    log(traceback.format_exc())
            seconds = time.perf_counter() - began
            raised = [f"{w.category.__name__}: {w.message}" for w in caught if _library_warning(w)]
            try:
                write_artefacts(directory, {**artefacts, "_warnings_raised": raised}, work)
            except Exception as error:  # a result that cannot be saved is an outcome too
                status = error_record(error)
                status["while"] = "saving"
                log(traceback.format_exc())
            write_artefacts(directory, {"_status": status}, work)
            statuses[status["status"]] += 1
            timings[name] = round(seconds, 3)
            phase = name.split("/")[0]
            phases[phase] = phases.get(phase, 0.0) + seconds
            message = "" if status["status"] == "ok" else f"  {status['type']}: "
            message += status.get("message", "")[:200]
            counter = f"[{number:3d}/{len(cases)}]"
            log(f"{counter} {name:55s} {status['status']:5s} {seconds:7.2f} s{message}")
    finally:
        dask.close()
        shutil.rmtree(work.path, ignore_errors=True)
    total = time.perf_counter() - start
    phases["load (datasets, before the cases)"] = data.seconds
    record = {
        "cases": timings,
        "phases": {k: round(v, 2) for k, v in phases.items()},
        "total": round(total, 2),
    }
    (outdir / "_timings.json").write_text(json.dumps(record, indent=1) + "\n")
    log(
        f"saved {len(timings)} cases into {outdir} ({statuses['ok']} ok, "
        f"{statuses['error']} raised) in {total:.1f} s; per phase: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
    )
    return 0


# -- comparing -----------------------------------------------------------------------------


def _close(a: float, b: float) -> bool:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= max(ABS_TOL, REL_TOL * max(abs(a), abs(b)))


def _float_mismatch(a: pl.Series, b: pl.Series, tolerant: bool) -> np.ndarray:
    null_a, null_b = a.is_null().to_numpy(), b.is_null().to_numpy()
    x = a.cast(pl.Float64).fill_null(0.0).to_numpy()
    y = b.cast(pl.Float64).fill_null(0.0).to_numpy()
    with np.errstate(invalid="ignore"):
        both_nan = np.isnan(x) & np.isnan(y)
        if tolerant:
            scale = np.maximum(np.abs(x), np.abs(y))
            close = (x == y) | (np.abs(x - y) <= np.maximum(ABS_TOL, REL_TOL * scale))
        else:
            close = x == y
    return (null_a != null_b) | (~null_a & ~null_b & ~(close | both_nan))


def _generic_mismatch(a: pl.Series, b: pl.Series) -> np.ndarray:
    try:
        return a.ne_missing(b).fill_null(True).to_numpy()
    except Exception:
        return np.array([x != y for x, y in zip(a.to_list(), b.to_list(), strict=True)])


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _tolerant(name: str, exact: bool) -> bool:
    return not exact and bool(P_LIKE.search(name))


def compare_frames(a, b, ignore_order: bool, max_rows: int, exact: bool, notes: list):
    """Lines describing how ``b`` differs from ``a`` (empty when identical); differences
    within the tolerance go to ``notes``."""
    out = []
    if ignore_order:
        a, b = a.drop(ROW, strict=False), b.drop(ROW, strict=False)
    only_a = [c for c in a.columns if c not in b.columns]
    only_b = [c for c in b.columns if c not in a.columns]
    if only_a:
        out.append(f"columns only in A: {only_a}")
    if only_b:
        out.append(f"columns only in B: {only_b}")
    common = [c for c in a.columns if c in b.columns]
    if [c for c in b.columns if c in common] != common:
        out.append("column order differs: A " + str(a.columns) + " | B " + str(b.columns))
    for column in common:
        if a.schema[column] != b.schema[column]:
            out.append(f"column {column!r}: dtype {a.schema[column]} in A, {b.schema[column]} in B")
    keys = [
        c
        for c in common
        if c != ROW and not _is_nested(a.schema[c]) and not _is_float(a.schema[c])
        if a.schema[c] == b.schema[c]
    ]
    if a.height != b.height:
        out.append(f"rows: {a.height} in A, {b.height} in B")
        if keys:
            for label, x, y in (("A", a, b), ("B", b, a)):
                extra = x.join(y.select(keys), on=keys, how="anti", nulls_equal=True)
                if extra.height:
                    out.append(f"  {extra.height} key rows only in {label}, first:")
                    out += [f"    {_show(r)}" for r in extra.select(keys).head(max_rows).rows()]
        return out
    show_keys = [c for c in keys if c != ROW][:4]
    for column in common:
        x, y = a.get_column(column), b.get_column(column)
        dtype_x, dtype_y = x.dtype, y.dtype
        note = ""
        if _is_float(dtype_x) and _is_float(dtype_y):
            tolerant = _tolerant(column, exact)
            bad = _float_mismatch(x, y, tolerant)
            if tolerant and not bad.any():
                n_close = int(_float_mismatch(x, y, False).sum())
                if n_close:
                    notes.append(f"column {column!r}: {n_close} rows differ within the tolerance")
            if bad.any() and not tolerant:
                within = not _float_mismatch(x, y, True).any()
                note = (
                    " (exact column; within rel 1e-9 abs 1e-12: "
                    + ("yes" if within else "no")
                    + ")"
                )
        elif dtype_x != dtype_y:
            bad = np.array([p != q for p, q in zip(x.to_list(), y.to_list(), strict=True)])
        else:
            bad = _generic_mismatch(x, y)
        if not bad.any():
            continue
        rows = np.flatnonzero(bad)
        label = "row order (__row)" if column == ROW else f"column {column!r}"
        out.append(f"{label}: {len(rows)} of {a.height} rows differ{note}; first:")
        for row in rows[:max_rows]:
            where = {k: a.get_column(k)[int(row)] for k in show_keys if k != column}
            out.append(
                f"    row {row} {_show(where) if where else ''}: "
                f"A={_show(x[int(row)])} B={_show(y[int(row)])}"
            )
    return out


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        if not value:
            yield prefix, {}
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}/{key}")
    elif isinstance(value, list):
        if not value:
            yield prefix, []
        yield f"{prefix}/__len__", len(value)
        for number, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{number}]")
    else:
        yield prefix, value


def compare_json(a, b, max_rows: int, exact: bool, notes: list):
    flat_a, flat_b = dict(_flatten(a)), dict(_flatten(b))
    out = []
    n_close = 0
    for path in sorted(set(flat_a) | set(flat_b)):
        if path not in flat_b:
            out.append(f"{path}: only in A ({_show(flat_a[path])})")
            continue
        if path not in flat_a:
            out.append(f"{path}: only in B ({_show(flat_b[path])})")
            continue
        x, y = flat_a[path], flat_b[path]
        if type(x) is type(y) and x == y:
            continue
        floats = isinstance(x, float | int) and isinstance(y, float | int)
        floats = floats and not isinstance(x, bool) and not isinstance(y, bool)
        last = re.sub(r"\[\d+\]$", "", path.rsplit("/", 1)[-1])
        tolerant = _tolerant(last, exact)
        if floats and (isinstance(x, float) or isinstance(y, float)) and tolerant:
            if _close(float(x), float(y)):
                n_close += 1
                continue
        note = ""
        if floats and not tolerant and _close(float(x), float(y)):
            note = " (exact key; within rel 1e-9 abs 1e-12)"
        out.append(f"{path}: A={_show(x)} B={_show(y)}{note}")
    if n_close:
        notes.append(f"{n_close} values differ within the tolerance")
    if len(out) > 4 * max_rows:
        out = [*out[: 4 * max_rows], f"... and {len(out) - 4 * max_rows} more"]
    return out


def compare_text(a: str, b: str, max_rows: int):
    lines_a, lines_b = a.splitlines(), b.splitlines()
    out = []
    if len(lines_a) != len(lines_b):
        out.append(f"lines: {len(lines_a)} in A, {len(lines_b)} in B")
    shown = 0
    for number in range(max(len(lines_a), len(lines_b))):
        x = lines_a[number] if number < len(lines_a) else None
        y = lines_b[number] if number < len(lines_b) else None
        if x != y:
            at = 0
            if x is not None and y is not None:
                at = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), None)
                at = min(len(x), len(y)) if at is None else at
            start = max(0, at - 40)
            x = x if x is None else x[start : at + 80]
            y = y if y is None else y[start : at + 80]
            out.append(f"line {number + 1}, from char {start + 1}: A={_show(x)} B={_show(y)}")
            shown += 1
            if shown >= max_rows:
                break
    return out


def _files(directory: Path) -> set[str]:
    return {
        str(p.relative_to(directory))
        for p in directory.rglob("*")
        if p.is_file() and p.name != "_timings.json"
    }


def compare(
    dir_a: Path,
    dir_b: Path,
    ignore_order: bool = False,
    max_rows: int = 5,
    exact: bool = False,
) -> int:
    """Print every difference between two saved sets; 0 when identical, else 1."""
    dir_a, dir_b = Path(dir_a), Path(dir_b)
    for directory in (dir_a, dir_b):
        if not (directory / "_timings.json").is_file():
            print(f"{directory} is not a saved set (no _timings.json)")
            return 2
    files_a, files_b = _files(dir_a), _files(dir_b)
    n_diff = 0
    all_notes = []

    def report(name, lines):
        nonlocal n_diff
        if lines:
            n_diff += 1
            print(f"DIFF {name}")
            for line in lines:
                print(f"  {line}")

    for name in sorted(files_a - files_b):
        report(name, ["only in A"])
    for name in sorted(files_b - files_a):
        report(name, ["only in B"])
    for name in sorted(files_a & files_b):
        path_a, path_b = dir_a / name, dir_b / name
        notes = []
        try:
            if name.endswith(".parquet"):
                frame_a, frame_b = pl.read_parquet(path_a), pl.read_parquet(path_b)
                lines = compare_frames(frame_a, frame_b, ignore_order, max_rows, exact, notes)
            elif name.endswith(".json"):
                value_a, value_b = json.loads(path_a.read_text()), json.loads(path_b.read_text())
                lines = compare_json(value_a, value_b, max_rows, exact, notes)
            else:
                lines = compare_text(path_a.read_text(), path_b.read_text(), max_rows)
        except Exception as error:
            lines = [f"could not compare: {type(error).__name__}: {error}"]
        report(name, lines)
        all_notes += [f"{name}: {note}" for note in notes]
    for note in all_notes:
        print(f"NOTE {note}")
    n_cases = len({str(Path(f).parent) for f in files_a if f.endswith("_status.json")})
    tolerance = "exact" if exact else f"p-value-like floats to rel {REL_TOL:g}, abs {ABS_TOL:g}"
    if n_diff:
        print(
            f"{n_diff} of {len(files_a | files_b)} files differ ({n_cases} cases in A; {tolerance})"
        )
        return 1
    print(f"identical: {len(files_a)} files, {n_cases} cases ({tolerance})")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.golden", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_save = sub.add_parser("save", help="compute every case and write it into OUTDIR")
    p_save.add_argument("outdir", type=Path)
    p_save.add_argument("--only", help="run only the cases whose name matches this regex")
    p_cmp = sub.add_parser("compare", help="compare two saved sets (exit 1 on a difference)")
    p_cmp.add_argument("dir_a", type=Path)
    p_cmp.add_argument("dir_b", type=Path)
    p_cmp.add_argument("--ignore-order", action="store_true", help="ignore row order")
    p_cmp.add_argument("--max-rows", type=int, default=5, help="differing rows shown")
    p_cmp.add_argument(
        "--exact", action="store_true", help="compare p-value-like floats exactly too"
    )
    args = parser.parse_args(argv)
    if args.command == "save":
        return save(args.outdir, args.only)
    return compare(args.dir_a, args.dir_b, args.ignore_order, args.max_rows, args.exact)


if __name__ == "__main__":
    sys.exit(main())
