"""Turn a source (path, glob, directory, polars or pandas frame) into a polars LazyFrame."""

from __future__ import annotations

import glob
import gzip
import logging
import os
from collections import Counter
from pathlib import Path

import polars as pl

from cib_detect.errors import CibDetectWarning, ParameterError, SchemaError
from cib_detect.io._diagnose import sniff_problem
from cib_detect.io.formats import UNPACKERS
from cib_detect.io.formats._documents import read_json_documents
from cib_detect.io.validate import report

logger = logging.getLogger("cib_detect")

#: File suffixes (any case) -> how they are read; each may also end in ``.gz``.
SUFFIXES = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".jsonl": "ndjson",
    ".ndjson": "ndjson",
    ".json": "json",
}
# Enough rows to see past leading nulls when guessing JSON value types.
_NDJSON_INFER_ROWS = 10_000
# Skipped files named in a warning; more are counted.
_SHOWN_SKIPPED = 10
_NESTED = (pl.List, pl.Array, pl.Struct)


def scan_source(source, *, table: str, function: str) -> pl.LazyFrame:
    """Return ``source`` as a LazyFrame, reading files lazily where polars can.

    CSV is read with every column as text, so that ids never pass through floats and
    schema validation decides what each column means. A ``.json`` file is one document
    (an array of records, or an API response or export that a format unpacks, see
    :mod:`cib_detect.io.formats._documents`), read whole. A directory or a glob is read as
    all its files of the supported formats (see :func:`source_files`).

    Examples
    --------
    >>> scan_source(pl.DataFrame({"a": [1]}), table="posts", function="read_posts").collect()
    shape: (1, 1)
    ...
    """
    if isinstance(source, pl.LazyFrame):
        return source
    if isinstance(source, pl.DataFrame):
        return source.lazy()
    if type(source).__module__.partition(".")[0] == "pandas":
        return _from_pandas(source, table=table)
    if isinstance(source, str | os.PathLike):
        return _scan_files(source_files(source, table=table), table=table)
    raise ParameterError(
        f"the {table!r} source of {function} must be a path (str or Path), a polars "
        f"DataFrame or LazyFrame, or a pandas DataFrame; got {type(source).__name__!r} instead"
    )


def _from_pandas(frame, *, table: str) -> pl.LazyFrame:
    # pandas is optional: it is only ever touched through the frame the caller passed.
    if not hasattr(frame, "columns") or not hasattr(frame, "dtypes"):
        raise ParameterError(f"the {table!r} source is a pandas object but not a DataFrame")
    return pl.from_pandas(frame).lazy()


def file_kind(path: Path) -> tuple[str, bool] | None:
    """``(kind, gzipped)`` of a file from its name, any case; None if not supported.

    Examples
    --------
    >>> file_kind(Path("posts.CSV.gz")), file_kind(Path("a.pq")), file_kind(Path("README"))
    (('csv', True), ('parquet', False), None)
    """
    name = path.name.lower()
    compressed = name.endswith(".gz")
    kind = SUFFIXES.get(Path(name.removesuffix(".gz")).suffix)
    return None if kind is None else (kind, compressed)


def _expected_names() -> str:
    return f"{', '.join(SUFFIXES)} (any case, optionally followed by .gz)"


def source_files(source, *, table: str = "posts", quiet: bool = False) -> list[Path] | None:
    """The files a path source stands for, sorted; None when ``source`` is no path.

    A file stands for itself. A directory stands for every file below it whose name
    ends in a supported suffix (:data:`SUFFIXES`, any case), a glob for every such file
    it matches; other files are skipped and named in a warning (hidden files and those
    starting with ``_``, such as Spark's ``_SUCCESS``, too; ``.json`` documents when there
    are files of other kinds, since those are metadata there), and the number of files
    read is logged on the ``"cib_detect"`` logger (neither with ``quiet=True``).

    Raises
    ------
    FileNotFoundError
        When the path does not exist, or holds or matches no file to read.
    ParameterError
        When a single file's name does not tell how to read it.
    """
    if not isinstance(source, str | os.PathLike):
        return None
    path = Path(source)
    if not path.is_dir() and not glob.has_magic(str(path)):
        if not path.exists():
            raise FileNotFoundError(f"{table} file {str(path)!r} does not exist")
        if file_kind(path) is None:
            raise ParameterError(
                f"cannot tell how to read {table} file {str(path)!r} from its name; expected "
                f"one of {_expected_names()}, or a directory or glob of such files; rename "
                "the file or read it yourself and pass a polars DataFrame"
            )
        return [path]
    if path.is_dir():
        where = f"{table} directory {str(path)!r}"
        found = sorted(p for p in path.rglob("*") if p.is_file())
        hidden = [p for p in found if _is_hidden(p.relative_to(path))]
    else:
        where = f"the {table} glob {str(path)!r}"
        found = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
        found = [p for p in found if p.is_file()]
        hidden = []
    hidden = set(hidden)
    files = [p for p in found if p not in hidden and file_kind(p) is not None]
    # JSON documents beside table files are metadata (dataset_info.json, run.json), not
    # posts: they are read only where there is nothing else.
    if any(file_kind(p)[0] != "json" for p in files):
        files = [p for p in files if file_kind(p)[0] != "json"]
    chosen = set(files)
    skipped = [p for p in found if p not in chosen]
    if not files:
        raise FileNotFoundError(
            f"{where} has no file to read: expected names ending in {_expected_names()}"
            + (f"; found only {_shown(skipped, path)}" if skipped else "")
        )
    if quiet:
        return files
    kinds = Counter(file_kind(p)[0] for p in files)
    logger.info(
        "reading %d %s files from %s (%s)",
        len(files),
        table,
        where,
        ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())),
    )
    if skipped:
        report(
            f"{where}: read {len(files)} {table} files and skipped {len(skipped)} that are "
            f"hidden or not {', '.join(SUFFIXES)} (optionally .gz): {_shown(skipped, path)}; "
            "move them out, or pass a glob of the files to read, to silence this",
            CibDetectWarning,
        )
    return files


def _is_hidden(relative: Path) -> bool:
    # As polars and pyarrow do for datasets: '.name' and '_name' (_SUCCESS, _metadata).
    return any(part.startswith((".", "_")) for part in relative.parts)


def _shown(files: list[Path], root: Path | None = None) -> str:
    """Up to ten file names (relative to a directory ``root``), then a count of the rest."""
    root = root if root is not None and root.is_dir() else None
    names = [str(p.relative_to(root) if root else p) for p in files]
    shown = ", ".join(map(repr, names[:_SHOWN_SKIPPED]))
    more = len(names) - _SHOWN_SKIPPED
    return shown + (f" and {more} more" if more > 0 else "")


def _scan_files(files: list[Path], *, table: str) -> pl.LazyFrame:
    """One LazyFrame over ``files``; files of different formats must share their columns."""
    for path in files:
        problem = sniff_problem(path, *file_kind(path))
        if problem:
            raise SchemaError(f"{table} file {str(path)!r} {problem}")
    groups: dict[tuple[str, bool], list[Path]] = {}
    for path in files:
        kind, compressed = file_kind(path)
        # Only gzipped parquet needs reading apart; polars decompresses CSV and JSON.
        groups.setdefault((kind, compressed and kind == "parquet"), []).append(path)
    frames = {key: _scan_group(key, paths) for key, paths in groups.items()}
    if len(frames) == 1:
        return next(iter(frames.values()))
    return _concat_kinds(frames, groups, table=table)


def _scan_group(key: tuple[str, bool], paths: list[Path]) -> pl.LazyFrame:
    kind, gzipped_parquet = key
    if kind == "csv":
        return pl.scan_csv(paths, infer_schema=False)
    if kind == "ndjson":
        return pl.scan_ndjson(paths, infer_schema_length=_NDJSON_INFER_ROWS)
    if kind == "json":  # whole documents (API responses, exports): read, then unpacked
        return read_json_documents(paths, UNPACKERS).lazy()
    if gzipped_parquet:  # a gzipped parquet file cannot be scanned: read it whole
        frames = []
        for path in paths:
            with gzip.open(path, "rb") as handle:
                frames.append(pl.read_parquet(handle.read()))
        return pl.concat(frames).lazy()
    return pl.scan_parquet(paths)


def _concat_kinds(frames: dict, groups: dict, *, table: str) -> pl.LazyFrame:
    """Files of several formats as one frame, when they have the same columns; columns
    whose dtypes differ become their common supertype (text, for CSV's columns)."""
    schemas = {key: frame.collect_schema() for key, frame in frames.items()}
    first = next(iter(schemas.values()))
    same_names = all(set(s.names()) == set(first.names()) for s in schemas.values())
    clashes = [
        name
        for name in first.names()
        if same_names
        and len({s[name] for s in schemas.values()}) > 1
        and any(isinstance(s[name], _NESTED) for s in schemas.values())
    ]
    if not same_names or clashes:
        described = "".join(
            f"\n- {len(groups[key])} {key[0]} file(s) ({_shown(groups[key])}) with columns "
            + ", ".join(f"{name}: {dtype}" for name, dtype in schemas[key].items())
            for key in frames
        )
        why = (
            "different columns"
            if not same_names
            else f"column(s) {', '.join(map(repr, clashes))} as a list in some and text in others"
        )
        raise SchemaError(
            f"the {table} files mix formats with {why}, so they cannot be read as one "
            f"table:{described}\npass a glob of the files of one format, such as "
            f"'dir/*.parquet', or read each kind yourself and pass one polars DataFrame"
        )
    names = first.names()
    return pl.concat([frame.select(names) for frame in frames.values()], how="vertical_relaxed")
