"""Write a whole :class:`~cib_detect.Detection` to a directory, atomically.

Every file goes into a hidden temporary directory beside the target (same parent, so the
same file system) and the finished directory then replaces the target by two renames:
the old directory moves into the temporary one, the new one takes its place, and the
temporary directory (with the old run in it) is deleted. So the output directory holds
one complete run, the old or the new, never a mix; a write that fails or is interrupted
leaves the old directory as it was and removes its temporary directory.

A directory is only replaced if it is empty or was written by cib_detect: it holds a
``run.json`` and nothing but the files :func:`write_detection` writes. Anything else
(the user's own files) makes it refuse with :class:`FileExistsError` and touch nothing.
See ``docs/input_and_output_safety.md``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from cib_detect import export as _export
from cib_detect.cluster import NOISE
from cib_detect.errors import ParameterError
from cib_detect.graph.interop import edges_to_networkx
from cib_detect.io.writers import (
    GRAPH_FORMATS,
    TABLE_FORMATS,
    WRITE_FORMATS,
    write_csv,
    write_graph,
    write_graph_frames,
    write_json,
    write_parquet,
)
from cib_detect.report import write_report

__all__ = ["DEFAULT_FORMATS", "run_record", "write_detection"]

logger = logging.getLogger(__name__)

#: Formats :func:`write_detection` writes unless told otherwise: all of them.
DEFAULT_FORMATS = WRITE_FORMATS
# every table a Detection can hold, as Detection.tables() names them; a rerun may hold
# fewer (no evidence), so the files of all of them count as ours
TABLES = ("edges", "clusters", "account_scores", "cluster_scores", "evidence", "trace_tests")
_OTHER_FILES = ("report.html", "detection.json", "clusters.jsonl", "run.json")
_SHOWN = 5  # foreign names listed in the error


def write_detection(
    detection,
    directory,
    *,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    posts=None,
    report: bool = True,
    export: bool = True,
    csv_safe: bool = True,
) -> list[Path]:
    """Write ``detection`` to ``directory`` as one complete run and return the paths.

    Files: ``{table}.parquet`` and ``{table}.csv`` for ``edges``, ``clusters``,
    ``account_scores``, ``cluster_scores`` and ``evidence`` (when kept; csv holds list
    and struct columns as JSON text); ``graph.graphml`` and ``graph.gexf`` (the graph
    of ``detection.to_networkx()``); ``report.html`` (:func:`cib_detect.report.render`);
    ``detection.json`` and ``clusters.jsonl`` (the versioned export of
    :mod:`cib_detect.export`); and always ``run.json`` (version, counts, ``params``,
    ``warnings``, ``timings``; :func:`run_record`), written last.

    The write is atomic: the files are written into a temporary directory beside
    ``directory`` that then replaces it, so ``directory`` holds this run's files only
    (none left from an earlier run), and if writing fails or is interrupted it is left
    as it was. Parquet and JSON hold the exact values; csv cells that a spreadsheet
    would run as formulas get a leading ``'`` (``csv_safe``); GraphML and GEXF write
    characters XML forbids as visible escapes (:func:`cib_detect.io.writers.xml_safe_graph`).

    Parameters
    ----------
    detection : Detection
        Result of :func:`cib_detect.detect`.
    directory : str or pathlib.Path
        Output directory: new (parents are created), empty, or written by an earlier
        run (it holds ``run.json`` and only files this function writes). A symbolic
        link is followed: the directory it points to is replaced.
    formats : str or iterable of str
        Any of ``"parquet"``, ``"csv"``, ``"graphml"``, ``"gexf"``.
    posts : polars.DataFrame, optional
        The posts the detection ran on: the report then shows each cluster's posting
        timeline, hour-of-week heatmap and the texts of its evidence posts.
    report : bool
        Write ``report.html``.
    export : bool
        Write ``detection.json`` and ``clusters.jsonl``.
    csv_safe : bool
        Prefix csv text cells beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage
        return with ``'`` so that spreadsheets show them as text
        (:func:`cib_detect.io.writers.csv_safe_columns`). ``False`` writes raw cells, for
        programs that read the csv as data.

    Returns
    -------
    list of pathlib.Path
        The files written, inside ``directory``, in the order written.

    Raises
    ------
    FileExistsError
        ``directory`` holds files cib_detect did not write; nothing is written.
    NotADirectoryError
        ``directory`` exists and is not a directory.

    Examples
    --------
    >>> import polars as pl, tempfile, pathlib
    >>> from cib_detect import Detection
    >>> result = Detection(
    ...     pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [3.0]}),
    ...     pl.DataFrame({"account_id": ["=a", "b"], "cluster_id": [-1, -1]}),
    ...     pl.DataFrame({"account_id": ["a", "b"], "score": [0.1, 0.2]}),
    ...     pl.DataFrame({"cluster_id": []}, schema={"cluster_id": pl.Int64}))
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> paths = write_detection(result, out, formats="csv", report=False, export=False)
    >>> [p.name for p in paths]
    ['edges.csv', 'clusters.csv', 'account_scores.csv', 'cluster_scores.csv', 'run.json']
    >>> print((out / "clusters.csv").read_text())
    account_id,cluster_id
    '=a,-1
    b,-1
    <BLANKLINE>
    >>> paths = write_detection(result, out, formats="parquet", report=False, export=False)
    >>> sorted(p.name for p in out.iterdir())  # the csv files of the first run are gone
    ['account_scores.parquet', 'cluster_scores.parquet', 'clusters.parquet', 'edges.parquet', 'run.json']
    """  # noqa: E501
    chosen = _check_formats(formats)
    target = _target(Path(directory), detection)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.cib_detect-", dir=target.parent))
    try:
        new = staging / "new"
        new.mkdir()  # with the usual permissions, unlike mkdtemp's private ones
        written = _write_files(detection, new, chosen, posts, report, export, csv_safe)
        _target(target, detection)  # nothing foreign arrived meanwhile
        _swap(new, target, staging)
    except BaseException:
        _discard(staging)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    if staging.exists():
        logger.warning("could not remove the previous run in %s; delete it by hand", staging)
    return [target / path.name for path in written]


def _discard(staging: Path) -> None:
    """Remove the temporary directory of a failed write, unless it holds the old run."""
    old = staging / "old"
    if old.exists():  # moved away and not back (a second failure): never delete it
        shutil.rmtree(staging / "new", ignore_errors=True)
        logger.error("the previous run could not be put back; it is in %s", old)
    else:
        shutil.rmtree(staging, ignore_errors=True)


def _write_files(detection, directory, chosen, posts, report, export, csv_safe) -> list[Path]:
    written = []
    tables = detection.tables()
    for fmt in TABLE_FORMATS:
        if fmt not in chosen:
            continue
        for name, table in tables.items():
            path = directory / f"{name}.{fmt}"
            if fmt == "csv":
                written.append(write_csv(table, path, csv_safe=csv_safe))
            else:
                written.append(write_parquet(table, path))
    graph_formats = [fmt for fmt in GRAPH_FORMATS if fmt in chosen]
    if graph_formats:
        # the graph of detection.to_networkx(), written from its tables
        edges, nodes = detection.edges, detection._node_table()
        for fmt in graph_formats:
            path = directory / f"graph{GRAPH_FORMATS[fmt]}"
            done = write_graph_frames(edges, nodes, path, format=fmt)
            if done is None:  # tables networkx would change on the way: through networkx
                done = write_graph(edges_to_networkx(edges, nodes), path, format=fmt)
            written.append(done)
    if report:
        written.append(write_report(detection, directory / "report.html", posts=posts))
    if export:
        written.extend(
            _export.write_json_files(
                detection, directory / "detection.json", directory / "clusters.jsonl"
            )
        )
    written.append(write_json(run_record(detection), directory / "run.json"))
    return written


def run_record(detection) -> dict:
    """What ``run.json`` holds: library version, counts, and the run's ``params``,
    ``warnings`` and ``timings``.

    Examples
    --------
    >>> import polars as pl
    >>> from cib_detect import Detection
    >>> result = Detection(
    ...     pl.DataFrame({"account_a": ["a"], "account_b": ["b"]}),
    ...     pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, -1]}),
    ...     pl.DataFrame({"account_id": ["a"]}), pl.DataFrame({"cluster_id": [0]}))
    >>> run_record(result)["counts"]
    {'accounts': 3, 'accounts_in_clusters': 2, 'clusters': 1, 'edges': 1, 'evidence': None}
    """
    from cib_detect import __version__

    clusters = detection.clusters.get_column("cluster_id")
    return {
        "cib_detect_version": __version__,
        "counts": {
            "accounts": detection.n_accounts,
            "accounts_in_clusters": int((clusters != NOISE).sum()),
            "clusters": detection.n_clusters,
            "edges": detection.edges.height,
            "evidence": None if detection.evidence is None else detection.evidence.height,
        },
        "params": detection.params,
        "warnings": list(detection.warnings),
        "timings": detection.timings,
    }


def _check_formats(formats) -> list[str]:
    chosen = [formats] if isinstance(formats, str) else list(formats)
    unknown = [fmt for fmt in chosen if fmt not in WRITE_FORMATS]
    if unknown:
        raise ParameterError(
            f"the 'formats' parameter of Detection.write must hold some of "
            f"{', '.join(map(repr, WRITE_FORMATS))}; got {', '.join(map(repr, unknown))}"
        )
    return chosen


def _target(directory: Path, detection) -> Path:
    """The absolute directory to replace, checked: new, empty, or an earlier run's."""
    target = directory.expanduser()
    if target.is_symlink():
        target = target.resolve()
    target = target.absolute()
    if not target.exists():
        return target
    if not target.is_dir():
        raise NotADirectoryError(f"Detection.write: {target} exists and is not a directory")
    names = {entry.name for entry in os.scandir(target)}
    if not names:
        return target
    ours = {f"{t}.{fmt}" for t in (*TABLES, *detection.tables()) for fmt in TABLE_FORMATS}
    ours |= {f"graph{suffix}" for suffix in GRAPH_FORMATS.values()} | set(_OTHER_FILES)
    foreign = sorted(names - ours)
    if "run.json" in names and not foreign:
        return target
    if foreign:
        shown = ", ".join(map(repr, foreign[:_SHOWN]))
        more = f" and {len(foreign) - _SHOWN} more" if len(foreign) > _SHOWN else ""
        found = f"holds files cib_detect did not write ({shown}{more})"
    else:
        found = "holds result files but no run.json (not a complete cib_detect run)"
    raise FileExistsError(
        f"Detection.write: {target} {found}; write to a new or empty directory, or move "
        "those files away (an earlier run's directory is replaced whole)"
    )


def _swap(new: Path, target: Path, staging: Path) -> None:
    """Put ``new`` in place of ``target``, moving an existing ``target`` into ``staging``."""
    if not target.exists():
        os.rename(new, target)
        return
    shutil.copymode(target, new)
    old = staging / "old"
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
