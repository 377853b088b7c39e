"""Turn a source (path, directory, polars or pandas frame) into a polars LazyFrame."""

from __future__ import annotations

import glob
import gzip
import os
from pathlib import Path

import polars as pl

from cib_detect.errors import ParameterError

#: File suffixes -> how they are read; each may also end in ``.gz``.
SUFFIXES = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".jsonl": "ndjson",
    ".ndjson": "ndjson",
}
# Enough rows to see past leading nulls when guessing JSON value types.
_NDJSON_INFER_ROWS = 10_000


def scan_source(source, *, table: str, function: str) -> pl.LazyFrame:
    """Return ``source`` as a LazyFrame, reading files lazily where polars can.

    CSV is read with every column as text, so that ids never pass through floats and
    schema validation decides what each column means.

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
        return _scan_path(Path(source), table=table)
    raise ParameterError(
        f"the {table!r} source of {function} must be a path (str or Path), a polars "
        f"DataFrame or LazyFrame, or a pandas DataFrame; got {type(source).__name__!r} instead"
    )


def _from_pandas(frame, *, table: str) -> pl.LazyFrame:
    # pandas is optional: it is only ever touched through the frame the caller passed.
    if not hasattr(frame, "columns") or not hasattr(frame, "dtypes"):
        raise ParameterError(f"the {table!r} source is a pandas object but not a DataFrame")
    return pl.from_pandas(frame).lazy()


def _kind(path: Path, *, table: str) -> tuple[str, bool]:
    name = path.name.lower()
    compressed = name.endswith(".gz")
    suffix = Path(name.removesuffix(".gz")).suffix
    if suffix not in SUFFIXES:
        raise ParameterError(
            f"cannot tell how to read {table} file {str(path)!r} from its name; expected "
            f"one of {', '.join(SUFFIXES)} (optionally followed by .gz), or a directory of "
            ".parquet files; rename the file or read it yourself and pass a polars DataFrame"
        )
    return SUFFIXES[suffix], compressed


def _scan_path(path: Path, *, table: str) -> pl.LazyFrame:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.parquet") if not p.name.startswith((".", "_")))
        if not files:
            raise FileNotFoundError(f"{table} directory {str(path)!r} has no .parquet files")
        return pl.scan_parquet(files)
    is_glob = glob.has_magic(str(path))
    if not is_glob and not path.exists():
        raise FileNotFoundError(f"{table} file {str(path)!r} does not exist")
    if is_glob and not glob.glob(str(path)):
        raise FileNotFoundError(f"no {table} file matches {str(path)!r}")
    kind, compressed = _kind(path, table=table)
    if kind == "csv":  # polars decompresses .gz itself
        return pl.scan_csv(path, infer_schema=False)
    if kind == "ndjson":
        return pl.scan_ndjson(path, infer_schema_length=_NDJSON_INFER_ROWS)
    if compressed:  # a gzipped parquet file cannot be scanned: read it whole
        with gzip.open(path, "rb") as handle:
            return pl.read_parquet(handle.read()).lazy()
    return pl.scan_parquet(path)
