"""``cib-detect``: the command line of cib_detect.

Commands: ``detect`` (posts in, tables, graph, report and JSON export out), ``demo``,
``synth`` (synthetic posts with planted campaigns and their truth), ``evaluate`` (a
detection against a truth file), ``compat cnt|coortweet`` (the peer tools' outputs).

Results go to files and a short summary to stdout; progress lines and errors go to
stderr. Exit codes: 0 success, 1 unexpected error, 2 bad arguments or bad input,
3 command not available in this installation, 130 interrupted. See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
import re
import sys
import time
import traceback
import warnings
from pathlib import Path

__all__ = ["EXIT_BAD_INPUT", "EXIT_ERROR", "EXIT_OK", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

PROG = "cib-detect"


class InputError(Exception):
    """Bad input or arguments found by the CLI itself: exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump), exit code 2."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Progress:
    """Stage messages on stderr, with the time since start; silent with ``--quiet``."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            elapsed = time.perf_counter() - self.start
            print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


# -- parser ---------------------------------------------------------------------------------


def _table_formats() -> tuple[str, ...]:
    """The table and graph files ``detect`` writes (``Detection.write``'s formats)."""
    # Imported here, not at module level: it loads polars, which ``import cib_detect.cli``
    # must not (an interrupt while polars loads is caught inside main).
    from cib_detect.io.writers import WRITE_FORMATS

    return WRITE_FORMATS


def _trace_list() -> tuple[str, str]:
    """The names of the traces ``detect`` takes, and an epilog listing every trace of the
    registry with its one-line summary (those ``detect`` does not run marked as such)."""
    # Loads polars and numba: build_parser runs inside main's error handling.
    from cib_detect.traces.registry import DETECT_TRACES, TRACES

    width = max(map(len, TRACES)) + 2
    lines = ["traces (TRACE, from cib_detect.traces.registry):"]
    lines += [f"  {name:<{width}}{TRACES[name].summary}" for name in DETECT_TRACES]
    others = [name for name in TRACES if name not in DETECT_TRACES]
    if others:
        lines.append("not run by detect (no null model yet; use cib_detect.co_action_edges):")
        lines += [f"  {name:<{width}}{TRACES[name].summary}" for name in others]
    return ", ".join(DETECT_TRACES), "\n".join(lines)


def _format_names() -> tuple[str, str]:
    """The reader formats of posts and of accounts, as help text."""
    from cib_detect.io.formats import ACCOUNT_FORMATS, FORMATS

    return ", ".join(["auto", *FORMATS]), ", ".join(["auto", *ACCOUNT_FORMATS])


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cib-detect`` (commands and their options).

    It reads the trace registry and the writers' formats, so it loads polars and numba:
    :func:`main` calls it inside its error handling.
    """
    trace_names, trace_epilog = _trace_list()
    table_formats = _table_formats()
    post_formats, account_formats = _format_names()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
        help="no progress lines or warnings on stderr (errors are still printed)",
    )  # fmt: skip
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS,
        help="debug logging, and a traceback on errors",
    )  # fmt: skip

    parser = _Parser(
        prog=PROG,
        description="Find coordinated inauthentic behaviour in social-media posts.",
        parents=[common],
        epilog="Exit codes: 0 ok, 1 unexpected error, 2 bad arguments or input, "
        "3 command not available, 130 interrupted. Docs: docs/cli.md",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser(
        "detect", parents=[common], help="detect coordinated clusters and write all outputs",
        description="Read posts, run cib_detect.detect() and write the tables (parquet, csv),"
        "\nthe graph (GraphML, GEXF), report.html, detection.json, clusters.jsonl and\nrun.json.",
        epilog=trace_epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument(
        "input", metavar="INPUT", help="posts: parquet, csv, jsonl, json (or .gz), directory, glob"
    )
    p.add_argument(
        "--format", default="auto",
        help=f"layout of INPUT: {post_formats} (auto; see `{PROG} formats`)",
    )  # fmt: skip
    p.add_argument(
        "--accounts", metavar="FILE",
        help="account profiles (labels, descriptions); may be INPUT itself for platform "
        "exports that carry them (X includes.users, TikTok region_code...)",
    )  # fmt: skip
    p.add_argument("--accounts-format", default="auto", help=f"{account_formats} (auto)")
    p.add_argument(
        "--traces", nargs="+", metavar="TRACE",
        help="traces to run, space or comma separated, of: " + trace_names
        + " (default: every one whose columns the posts have; listed below)",
    )  # fmt: skip
    p.add_argument(
        "--window", default=None,
        help="co-action window of every trace: 60s, 5m, seconds (default: each trace's "
        "own, 60s; co_similar_text 30m)",
    )  # fmt: skip
    p.add_argument(
        "--trace-window", action="append", default=[], metavar="TRACE=WINDOW",
        help="window of one trace, e.g. co_sound=10m (repeatable; the others use --window)",
    )  # fmt: skip
    p.add_argument(
        "--trace-option", action="append", default=[], metavar="TRACE.OPTION=VALUE",
        help="option of one trace, e.g. co_key.column=voice_to_text (runs co_key on that "
        "column) or co_text.min_chars=20 (repeatable)",
    )  # fmt: skip
    p.add_argument("--alpha", type=float, default=0.05, help="false discovery rate (0.05)")
    p.add_argument(
        "--backbone", default="significance",
        help="significance, disparity, min_weight or percentile (significance)",
    )  # fmt: skip
    p.add_argument("--min-cluster-size", type=int, default=3, help="smallest cluster (3)")
    p.add_argument(
        "--seed-domain", action="append", default=[], metavar="DOMAIN",
        help="extra state-linked domain (repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--seed-account", action="append", default=[], metavar="ACCOUNT_ID",
        help="account id known to be a state account (repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--max-key-posts", default="10000", metavar="N",
        help="keys with more posts are left out and reported; 'none' keeps all (10000)",
    )  # fmt: skip
    p.add_argument("--random-state", type=int, default=0, help="seed of Louvain refinement")
    mode = p.add_argument_group(
        "larger than memory and clusters",
        "Same results as in memory (docs/scaling.md). Progress bars with counts and ETA are "
        "drawn on stderr when it is a terminal (not in a pipe, not with -q).",
    )
    mode.add_argument(
        "--n-chunks", type=int, metavar="N",
        help="stream INPUT (read lazily) into N key-partitioned chunks on disk",
    )  # fmt: skip
    mode.add_argument("--spill-dir", metavar="DIR", help="where the chunks go (with --n-chunks)")
    mode.add_argument(
        "--backend", default="polars", choices=("polars", "dask"),
        help="polars (this process) or dask (INPUT: canonical parquet files, a glob)",
    )  # fmt: skip
    mode.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="with --backend dask: a distributed scheduler, e.g. tcp://10.0.0.5:8786 "
        "(default: Dask's local scheduler)",
    )  # fmt: skip
    p.add_argument(
        "--drop-invalid", action="store_true",
        help="drop rows with missing ids or unreadable times, and duplicated post ids, "
        "instead of failing (counts are reported)",
    )  # fmt: skip
    p.add_argument(
        "--formats", default=",".join(table_formats),
        help=f"table and graph files to write, comma separated ({','.join(table_formats)})",
    )  # fmt: skip
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    p.add_argument(
        "--no-json", action="store_true", help="do not write detection.json/clusters.jsonl"
    )
    p.add_argument("--top", type=int, default=10, help="clusters in the stdout summary (10)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.set_defaults(run=_cmd_detect)

    p = commands.add_parser(
        "formats", parents=[common], help="list the readers and the fields each needs",
        description="The formats read_posts and `detect --format` understand, the source "
        "fields each maps to the canonical columns, and whether it also gives accounts.",
    )  # fmt: skip
    p.set_defaults(run=_cmd_formats)

    p = commands.add_parser(
        "demo", parents=[common], help="synthetic data with planted campaigns -> detect",
        description="Generate synthetic posts with planted hidden state campaigns, a spam "
        "botnet, fans and activists; detect; print the top clusters.",
    )  # fmt: skip
    p.add_argument("--posts", type=int, default=50_000, help="synthetic posts (50000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--out", metavar="DIR", help="also write all outputs (with report) here")
    p.set_defaults(run=_cmd_demo)

    p = commands.add_parser(
        "synth", parents=[common], help="write synthetic posts, accounts and truth",
        description="Write posts.parquet, accounts.parquet, truth.parquet and groups.parquet "
        "(cib_detect.datasets.synthetic).",
    )  # fmt: skip
    p.add_argument("--posts", type=int, default=50_000, help="approximate posts (50000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--days", type=int, default=30, help="length of the period (30)")
    p.add_argument(
        "--no-coordination", action="store_true",
        help="leave out the hidden state campaigns and the spam botnet (a null dataset)",
    )  # fmt: skip
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.set_defaults(run=_cmd_synth)

    p = commands.add_parser(
        "evaluate", parents=[common], help="score a detection against a truth file",
        description="Compare a detection (an output directory of `cib-detect detect`) with "
        "ground truth (account_id, role, group), using cib_detect.evaluate().",
    )  # fmt: skip
    p.add_argument("detection", metavar="DETECTION_DIR", help="output directory of detect")
    p.add_argument("--truth", required=True, metavar="FILE", help="truth: parquet or csv")
    p.add_argument("--out", metavar="FILE", help="also write the metrics here (json or csv)")
    p.set_defaults(run=_cmd_evaluate)

    p = commands.add_parser(
        "compat", parents=[common], help="the peer tools' outputs, for users migrating",
        description="Reproduce coordination-network-toolkit or CooRTweet outputs exactly.",
    )  # fmt: skip
    peers = p.add_subparsers(dest="peer", metavar="PEER", required=True)
    q = peers.add_parser(
        "cnt", parents=[common], help="coordination-network-toolkit network -> CSV",
        description="A coordination-network-toolkit network (user_1, user_2, weight; "
        "directed) written to DIR/<kind>.csv.",
    )  # fmt: skip
    q.add_argument("input", metavar="INPUT", help="posts, e.g. the toolkit's CSV")
    q.add_argument("--format", default="auto", help=f"layout of INPUT: {post_formats} (auto)")
    q.add_argument(
        "--kind", default="co_retweet",
        help="co_retweet, co_tweet, co_link, co_reply, co_post or co_similar_tweet (co_retweet)",
    )  # fmt: skip
    q.add_argument("--window", default="60", help="time window in seconds (60)")
    q.add_argument("--min-weight", type=int, default=1, help="min_edge_weight (1)")
    q.add_argument("--loops", action="store_true", help="keep self-loops")
    q.add_argument("--similarity-threshold", type=float, default=0.9, help="co_similar_tweet")
    q.add_argument("--out", required=True, metavar="DIR", help="output directory")
    q.set_defaults(run=_cmd_compat_cnt)
    q = peers.add_parser(
        "coortweet", parents=[common], help="CooRTweet detect_groups + network -> CSV",
        description="CooRTweet's detect_groups and generate_coordinated_network on a table "
        "with object_id, account_id, content_id, timestamp_share; writes DIR/groups.csv and "
        "DIR/network.csv.",
    )  # fmt: skip
    q.add_argument("input", metavar="INPUT", help="shares: parquet or csv")
    q.add_argument("--window", default="10", help="time_window in seconds (10)")
    q.add_argument("--min-participation", type=int, default=2, help="(2)")
    q.add_argument("--edge-weight", type=float, default=0.5, help="quantile (0.5)")
    q.add_argument("--subgraph", action="store_true", help="keep only edges above the quantile")
    q.add_argument("--objects", action="store_true", help="add object_ids to the network")
    q.add_argument("--out", required=True, metavar="DIR", help="output directory")
    q.set_defaults(run=_cmd_compat_coortweet)
    return parser


# -- helpers --------------------------------------------------------------------------------


def _existing(path: str, what: str) -> str:
    """Check that a path (or glob) names something readable."""
    if any(c in path for c in "*?["):
        if not glob.glob(path):
            raise InputError(f"{what}: no file matches {path!r}")
        return path
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what}: file not found: {path}")
    return path


def _out_dir(path: str) -> Path:
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"--out: {path} exists and is not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"--out: cannot create {path}: {error.strerror or error}") from None
    return p


def _reading(what: str, path: str, function, *args, **kwargs):
    """Call a reader; any failure is bad input (exit 2) naming the file."""
    from cib_detect.errors import ParameterError

    try:
        return function(*args, **kwargs)
    except ParameterError:
        raise
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as error:
        message = _one_line(error)
        if "on_duplicate='drop'" in message or "on_invalid='drop'" in message:
            message += " (on the command line: --drop-invalid)"
        raise InputError(f"cannot read {what} from {path}: {message}") from error


def _window(text: str | None):
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _pairs(values, option: str, separator: str = "=") -> list[tuple[str, str]]:
    """``KEY=VALUE`` arguments as pairs, or an error naming the option."""
    found = []
    for value in values:
        key, sep, rest = value.partition(separator)
        if not sep or not key.strip() or not rest.strip():
            raise InputError(f"{option}: expected KEY{separator}VALUE, got {value!r}")
        found.append((key.strip(), rest.strip()))
    return found


def _trace_windows(values) -> dict | None:
    windows = {trace: _window(window) for trace, window in _pairs(values, "--trace-window")}
    return windows or None


def _trace_options(values) -> dict | None:
    options: dict[str, dict] = {}
    for key, value in _pairs(values, "--trace-option"):
        trace, dot, option = key.partition(".")
        if not dot or not option:
            raise InputError(f"--trace-option: expected TRACE.OPTION=VALUE, got {key!r}")
        number = value.lstrip("-")
        parsed = int(value) if number.isdigit() else None if value == "none" else value
        options.setdefault(trace, {})[option] = parsed
    return options or None


def _max_key_posts(text: str):
    if text.strip().lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(
            f"--max-key-posts: expected a whole number or 'none', got {text!r}"
        ) from None


def _show_progress(args) -> bool:
    """Progress bars on a terminal only: not in a pipe, not with -q."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


def _traces(values):
    if not values:
        return None
    return [t for v in values for t in re.split(r"[,\s]+", v) if t]


def _formats(text: str) -> list[str]:
    chosen = [f.strip() for f in text.split(",") if f.strip()]
    known = _table_formats()
    unknown = [f for f in chosen if f not in known]
    if unknown:
        raise InputError(
            f"--formats: unknown {', '.join(map(repr, unknown))}; choose from {','.join(known)}"
        )
    return chosen


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text


# -- commands -------------------------------------------------------------------------------


def _cmd_detect(args, say) -> int:
    import cib_detect as cd

    formats = _formats(args.formats)
    out = _out_dir(args.out)
    policy = "drop" if args.drop_invalid else "raise"
    _existing(args.input, "INPUT")
    if args.scheduler and args.backend != "dask":
        raise InputError("--scheduler needs --backend dask")
    if args.spill_dir and args.n_chunks is None:
        raise InputError("--spill-dir needs --n-chunks")
    streamed = args.n_chunks is not None or args.backend == "dask"
    if streamed and args.drop_invalid:
        raise InputError(
            "--drop-invalid needs the posts in memory; read and clean them once (cib-detect "
            "without --n-chunks, or cd.read_posts(..., on_invalid='drop')) and pass the "
            "parquet file"
        )
    accounts = None
    if args.accounts:
        _existing(args.accounts, "--accounts")
        accounts = _reading(
            "accounts", args.accounts, cd.read_accounts, args.accounts,
            format=args.accounts_format, on_invalid=policy, on_duplicate=policy,
        )  # fmt: skip
        say(f"read {accounts.height:,} accounts from {args.accounts}")
    if args.backend == "dask":
        if args.format not in ("auto", "canonical"):
            raise InputError(
                f"--backend dask reads canonical parquet files; read --format {args.format} "
                "once with cd.read_posts(...).write_parquet(path) and pass that path"
            )
        say(f"posts on Dask from {args.input}")
        return _detect_and_write(cd, args.input, accounts, args, out, formats, say)
    if args.n_chunks is not None:
        say(f"streaming posts from {args.input} into {args.n_chunks} chunks")
        posts = _reading("posts", args.input, cd.scan_posts, args.input, format=args.format)
        return _detect_and_write(cd, posts, accounts, args, out, formats, say)
    say(f"reading posts from {args.input}")
    posts = _reading(
        "posts", args.input, cd.read_posts, args.input, format=args.format,
        on_invalid=policy, on_duplicate=policy,
    )  # fmt: skip
    say(f"read {posts.height:,} posts by {posts.get_column('account_id').n_unique():,} accounts")
    return _detect_and_write(cd, posts, accounts, args, out, formats, say)


def _client(args, stack):
    """The distributed client of --scheduler, closed when ``stack`` closes; else None."""
    address = getattr(args, "scheduler", None)
    if not address:
        return None
    try:
        from distributed import Client
    except ImportError:
        raise InputError(
            "--scheduler needs Dask's distributed: pip install 'cib_detect[dask]'"
        ) from None
    try:
        return stack.enter_context(Client(address, timeout="20s"))
    except OSError as error:
        raise InputError(f"--scheduler: cannot reach {address}: {_one_line(error)}") from None


def _detect_and_write(cd, posts, accounts, args, out, formats, say) -> int:
    from contextlib import ExitStack

    say("detecting coordinated clusters")
    with ExitStack() as stack:
        result = cd.detect(
            posts,
            accounts,
            window=_window(getattr(args, "window", None)),
            traces=_traces(getattr(args, "traces", None)),
            alpha=getattr(args, "alpha", 0.05),
            backbone_method=getattr(args, "backbone", "significance"),
            min_cluster_size=getattr(args, "min_cluster_size", 3),
            max_key_posts=_max_key_posts(getattr(args, "max_key_posts", "10000")),
            seed_domains=getattr(args, "seed_domain", ()),
            seed_accounts=getattr(args, "seed_account", ()),
            random_state=getattr(args, "random_state", 0),
            n_chunks=getattr(args, "n_chunks", None),
            spill_dir=getattr(args, "spill_dir", None),
            backend=getattr(args, "backend", "polars"),
            client=_client(args, stack),
            windows=_trace_windows(getattr(args, "trace_window", [])),
            trace_options=_trace_options(getattr(args, "trace_option", [])),
            progress=_show_progress(args),
        )
    # posts streamed or on a cluster are not loaded here; the report then shows post ids
    posts = posts if not isinstance(posts, str) and hasattr(posts, "height") else None
    say(f"found {result.n_clusters} clusters, {result.edges.height:,} tested account pairs")
    for message in result.warnings:
        say(f"warning: {message}")
    say(f"writing outputs to {out}")
    paths = result.write(
        out,
        formats=formats,
        posts=posts,
        report=not getattr(args, "no_report", False),
        export=not getattr(args, "no_json", False),
    )
    print(result.summary(top=max(1, getattr(args, "top", 10))))
    print(f"wrote {len(paths)} files to {out}")
    say("done")
    return EXIT_OK


def _cmd_formats(args, say) -> int:
    from cib_detect.io.formats import ACCOUNT_FORMATS, FORMATS

    required = ("post_id", "account_id", "timestamp")
    for name, module in FORMATS.items():
        fields = getattr(module, "FIELDS", {})
        accounts = "; read_accounts too" if name in ACCOUNT_FORMATS else ""
        print(f"{name}: {getattr(module, 'SUMMARY', '')}{accounts}")
        for column in (*required, *(c for c in fields if c not in required)):
            if column in fields:
                need = "needs" if column in required else "     "
                print(f"  {need} {column:<12} <- {fields[column]}")
    print("\nformat auto tries them in this order; docs/data_model.md has every field")
    return EXIT_OK


def _cmd_demo(args, say) -> int:
    import cib_detect as cd

    if args.posts < 1_000:
        raise InputError(f"--posts must be at least 1000; got {args.posts}")
    say(f"generating {args.posts:,} synthetic posts (seed {args.seed})")
    data = cd.datasets.synthetic(args.posts, seed=args.seed)
    planted = data.truth.get_column("group").drop_nulls().n_unique()
    say(f"generated {data.posts.height:,} posts, {data.accounts.height:,} accounts, "
        f"{planted} planted groups")  # fmt: skip
    if args.out:
        out = _out_dir(args.out)
        formats = list(_table_formats())
        return _detect_and_write(cd, data.posts, data.accounts, args, out, formats, say)
    say("detecting coordinated clusters")
    result = cd.detect(data.posts, data.accounts)
    print(result.summary(top=10))
    if result.cluster_scores.height:
        import polars as pl

        labels = result.clusters.filter(pl.col("cluster_id") >= 0).join(data.truth, on="account_id")
        hidden = data.truth.filter(pl.col("role") == "hidden_state")
        found = hidden.join(labels.select("account_id"), on="account_id").height
        print(f"hidden-state accounts found: {found} of {hidden.height}")
    say("done")
    return EXIT_OK


def _cmd_synth(args, say) -> int:
    import cib_detect as cd

    if args.posts < 1_000:
        raise InputError(f"--posts must be at least 1000; got {args.posts}")
    out = _out_dir(args.out)
    kwargs = {"seed": args.seed, "days": args.days}
    if args.no_coordination:
        kwargs["include_roles"] = ["organic", "fans", "activists", "state_media"]
    say(f"generating {args.posts:,} synthetic posts (seed {args.seed})")
    data = cd.datasets.synthetic(args.posts, **kwargs)
    paths = []
    for name in ("posts", "accounts", "truth", "groups"):
        path = out / f"{name}.parquet"
        getattr(data, name).write_parquet(path)
        paths.append(path)
    print(
        f"wrote {data.posts.height:,} posts, {data.accounts.height:,} accounts and their truth "
        f"to {out} ({', '.join(p.name for p in paths)})"
    )
    return EXIT_OK


def load_detection(directory):
    """A :class:`~cib_detect.Detection` read back from a ``detect`` output directory."""
    import polars as pl

    from cib_detect import Detection

    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"DETECTION_DIR: not a directory: {directory}")
    tables = {}
    for name in ("edges", "clusters", "account_scores", "cluster_scores", "evidence"):
        path = directory / f"{name}.parquet"
        if path.exists():
            tables[name] = _reading(name, str(path), pl.read_parquet, path)
        elif name != "evidence":
            raise InputError(
                f"DETECTION_DIR: {path} is missing; write it with `cib-detect detect ... "
                "--formats parquet,...`"
            )
    run = {}
    if (directory / "run.json").exists():
        run = _reading("run.json", str(directory / "run.json"), json.loads,
                       (directory / "run.json").read_text())  # fmt: skip
    return Detection(
        **tables,
        params=run.get("params", {}),
        warnings=run.get("warnings", []),
        timings=run.get("timings", {}),
    )


def _cmd_evaluate(args, say) -> int:
    import polars as pl

    from cib_detect import evaluate

    detection = load_detection(args.detection)
    _existing(args.truth, "--truth")
    reader = pl.read_parquet if args.truth.endswith((".parquet", ".pq")) else pl.read_csv
    truth = _reading("truth", args.truth, reader, args.truth)
    if "account_id" not in truth.columns:
        raise InputError(f"--truth: {args.truth} has no 'account_id' column (found "
                         f"{', '.join(truth.columns)})")  # fmt: skip
    say(f"evaluating {detection.n_clusters} clusters against {truth.height:,} truth rows")
    metrics = evaluate(detection, truth)
    text, payload = _render_metrics(metrics)
    print(text)
    if args.out:
        out = Path(args.out)
        if isinstance(metrics, pl.DataFrame) and out.suffix == ".csv":
            metrics.write_csv(out)
        else:
            out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        say(f"wrote {out}")
    return EXIT_OK


def _render_metrics(metrics):
    import dataclasses

    import polars as pl

    if isinstance(metrics, pl.DataFrame):
        with pl.Config(tbl_rows=50, tbl_cols=20):
            return str(metrics), metrics.to_dicts()
    if dataclasses.is_dataclass(metrics) and not isinstance(metrics, type):
        metrics = {
            f.name: getattr(metrics, f.name)
            for f in dataclasses.fields(metrics)
            if not isinstance(getattr(metrics, f.name), pl.DataFrame)
        }
    if hasattr(metrics, "to_dict") and not isinstance(metrics, dict):
        metrics = metrics.to_dict()
    if isinstance(metrics, dict):
        return json.dumps(metrics, indent=2, default=str), metrics
    return str(metrics), {"result": str(metrics)}


def _cmd_compat_cnt(args, say) -> int:
    import cib_detect as cd

    out = _out_dir(args.out)
    _existing(args.input, "INPUT")
    say(f"reading posts from {args.input}")
    posts = _reading("posts", args.input, cd.read_posts, args.input, format=args.format)
    say(f"computing the toolkit's {args.kind} network on {posts.height:,} posts")
    start = time.perf_counter()
    edges = cd.compat.cnt.network(
        posts,
        kind=args.kind,
        time_window=_window(args.window),
        min_edge_weight=args.min_weight,
        loops=args.loops,
        similarity_threshold=args.similarity_threshold,
    )
    seconds = time.perf_counter() - start
    path = out / f"{args.kind}.csv"
    edges.write_csv(path)
    print(f"{args.kind}: {edges.height:,} directed edges in {seconds:.2f} s -> {path}")
    return EXIT_OK


def _cmd_compat_coortweet(args, say) -> int:
    import polars as pl

    import cib_detect as cd

    out = _out_dir(args.out)
    _existing(args.input, "INPUT")
    if args.input.endswith((".parquet", ".pq")):
        shares = _reading("shares", args.input, pl.read_parquet, args.input)
    else:
        shares = _reading("shares", args.input, pl.read_csv, args.input, infer_schema_length=0)
    say(f"detect_groups on {shares.height:,} shares (time_window {args.window})")
    start = time.perf_counter()
    groups = cd.compat.coortweet.detect_groups(
        shares, time_window=_window(args.window), min_participation=args.min_participation
    )
    network = cd.compat.coortweet.generate_coordinated_network(
        groups, edge_weight=args.edge_weight, subgraph=int(args.subgraph), objects=args.objects
    )
    seconds = time.perf_counter() - start
    groups.write_csv(out / "groups.csv")
    network.write_csv(out / "network.csv")
    accounts = pl.concat([network.get_column("from"), network.get_column("to")]).n_unique()
    print(
        f"coortweet: {groups.height:,} coordinated share pairs, {network.height:,} edges between "
        f"{accounts:,} accounts in {seconds:.2f} s -> {out / 'groups.csv'}, {out / 'network.csv'}"
    )
    return EXIT_OK


# -- entry point ----------------------------------------------------------------------------


def _configure_logging(quiet: bool, debug: bool) -> logging.Handler:
    logger = logging.getLogger("cib_detect")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False
    return handler


def main(argv: list[str] | None = None) -> int:
    """Run ``cib-detect`` with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    cib-detect ...
    0
    """
    try:
        # Building the parser loads polars and numba (the trace registry): an interrupt
        # while they load exits 130 like one during a command.
        parser = build_parser()
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2), already printed
        return exit_.code if isinstance(exit_.code, int) else EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    quiet, debug = getattr(args, "quiet", False), getattr(args, "debug", False)
    if args.version:
        from cib_detect import __version__

        print(f"{PROG} {__version__}")
        return EXIT_OK
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    name = f"{PROG} {args.command}" + (f" {args.peer}" if args.command == "compat" else "")
    say = _Progress(quiet)
    logger = logging.getLogger("cib_detect")
    saved = (logger.level, logger.propagate)
    handler = _configure_logging(quiet, debug)

    def show(message, category, *_args, **_kwargs):
        if not quiet:
            print(f"{PROG}: warning: {_one_line(message)}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = show
            return args.run(args, say)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        code, kind = _classify(error)
        if debug:
            traceback.print_exc()
        hint = "" if debug or code != EXIT_ERROR else " (run with --debug for the traceback)"
        print(f"{name}: {kind}{_one_line(error)}{hint}", file=sys.stderr)
        return code
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _classify(error: Exception) -> tuple[int, str]:
    from cib_detect.errors import ParameterError, SchemaError

    if isinstance(error, InputError | SchemaError | ParameterError):
        return EXIT_BAD_INPUT, "error: "
    if isinstance(error, OSError):
        return EXIT_BAD_INPUT, "error: "
    return EXIT_ERROR, f"unexpected error: {type(error).__name__}: "


if __name__ == "__main__":
    sys.exit(main())
