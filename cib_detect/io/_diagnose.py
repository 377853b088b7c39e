"""Why a file could not be read: the file, the line and the fix, in words.

polars reports a broken file as ``Syntax at character 31`` or ``invalid utf-8 sequence``,
without naming the file or the line. :func:`sniff_problem` looks at a file's first and
last bytes before it is read (a CSV named ``.parquet``, a UTF-16 export, an Excel
workbook); :func:`explain` runs after polars failed and finds the first line that breaks
the format, reading the file again in plain Python: slow on a large file, but only ever
on the way to an error.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path

import polars as pl

_GZIP = b"\x1f\x8b"
_PARQUET = b"PAR1"
_HEAD_BYTES = 4096
_SNIPPET = 80


class _Found(Exception):
    """The first problem of a file, raised from inside a scan to stop it."""


def _open(path: Path):
    """The file's content as a binary stream, decompressed when it is gzip data."""
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == _GZIP
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _looks_like(head: bytes) -> tuple[str, str | None]:
    """What the first bytes of a file look like, and the suffix such a file should have."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(_PARQUET):
        return "a parquet file", ".parquet"
    if head.startswith(_GZIP):
        return "gzip-compressed data", None
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (an Excel .xlsx workbook is one)", None
    if head.startswith(b"SQLite format 3\x00"):
        return "an SQLite database", None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (as Excel's 'Unicode text' export writes)", None
    if b"\x00" in head:
        return "binary data", None
    if text.startswith(b"{"):
        return "JSON lines", ".jsonl"
    if text.startswith(b"["):
        return "one JSON array", None
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace").rstrip("\r")
    return f"text starting {first[:_SNIPPET]!r}", ".csv" if "," in first else None


def _rename_fix(path: Path, suffix: str | None, what: str) -> str:
    if suffix:
        gz = path.name.lower().endswith(".gz")
        name = path.name[:-3] if gz else path.name
        name = name[: len(name) - len(Path(name).suffix)] + suffix + (".gz" if gz else "")
        return f"rename it to {name!r}"
    if what.startswith("UTF-16"):
        return "re-encode it to UTF-8, e.g. iconv -f UTF-16 -t UTF-8 in.csv > out.csv"
    if what.startswith("one JSON array"):
        return "read it with pl.read_json(path) and pass the frame"
    return "export it as CSV, parquet or JSON lines"


def sniff_problem(path: Path, kind: str, compressed: bool) -> str | None:
    """What is wrong with a file of ``kind`` ("parquet", "csv" or "ndjson"), from its first
    and last bytes (cheap: read before every file); None when nothing shows.

    Examples
    --------
    >>> import tempfile
    >>> fake = Path(tempfile.mkdtemp()) / "posts.parquet"
    >>> _ = fake.write_text("post_id,account_id\\n1,a\\n")
    >>> print(sniff_problem(fake, "parquet", False))  # doctest: +ELLIPSIS
    is not a parquet file (those start with the bytes 'PAR1'): it looks like text ...
    """
    with open(path, "rb") as handle:
        raw = handle.read(_HEAD_BYTES)
    if not raw:
        return "is empty (0 bytes); remove it, or write it again"
    if compressed and not raw.startswith(_GZIP) and kind == "parquet":
        what, _ = _looks_like(raw)
        return f"is named .gz but is not gzip-compressed: it looks like {what}; rename it"
    try:
        with _open(path) as handle:
            head = handle.read(_HEAD_BYTES)
    except (OSError, EOFError) as error:  # a broken gzip stream
        return f"is not readable gzip data ({error}); fetch or write it again"
    what, suffix = _looks_like(head)
    if kind == "parquet":
        if not head.startswith(_PARQUET):
            return (
                "is not a parquet file (those start with the bytes 'PAR1'): it looks like "
                f"{what}; {_rename_fix(path, suffix, what)}"
            )
        if not compressed and not _ends_like_parquet(path):
            return (
                "is a parquet file cut short (it does not end with the bytes 'PAR1' as a "
                "complete one does): an interrupted download or copy? fetch or write it again"
            )
        return None
    if kind == "ndjson" and what != "JSON lines":
        return f"is not JSON lines: it looks like {what}; {_rename_fix(path, suffix, what)}"
    if kind == "csv" and not what.startswith("text"):
        return f"is not CSV text: it looks like {what}; {_rename_fix(path, suffix, what)}"
    return None


def _ends_like_parquet(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(0, io.SEEK_END)
        if handle.tell() < 8:
            return False
        handle.seek(-4, io.SEEK_END)
        return handle.read(4) == _PARQUET


def _utf8_lines(path: Path) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 raises :class:`_Found`.

    Lines are split on the byte ``\\n``, which never occurs inside a UTF-8 sequence, so
    each line decodes on its own and the bad byte's line and offset are exact.
    """
    offset = 0
    with _open(path) as handle:
        for number, line in enumerate(handle, 1):
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError as error:
                raise _Found(_encoding_problem(line, number, offset, error)) from None
            offset += len(line)


def _encoding_problem(line: bytes, number: int, offset: int, error) -> str:
    bad = line[error.start : error.end]
    try:
        line.decode("cp1252")
        encoding = "cp1252"
    except UnicodeDecodeError:
        encoding = "latin-1"
    start = max(0, error.start - _SNIPPET // 2)
    snippet = line[start : error.start + _SNIPPET // 2].decode(encoding, "replace").strip()
    return (
        f"is not UTF-8 text: line {number} (byte offset {offset + error.start}) has "
        f"the byte{'s' if len(bad) > 1 else ''} {bad.hex(' ')} ({snippet!r} read as "
        f"{encoding}); re-encode the file to UTF-8, e.g. iconv -f {encoding} -t UTF-8 "
        f"in.csv > out.csv, or read it with pl.read_csv(path, encoding={encoding!r}, "
        "infer_schema=False), or with pl.scan_csv(path, encoding='utf8-lossy', "
        "infer_schema=False) to replace the bad bytes with U+FFFD, and pass the frame"
    )


def _csv_problem(path: Path) -> str | None:
    """The first line of a CSV file that is not UTF-8 or has more fields than the header
    (polars reads rows with fewer fields, filling nulls)."""
    reader = csv.reader(_utf8_lines(path), strict=True)
    header, start = None, 1
    try:
        for row in reader:
            if header is None:
                header = row
            elif len(row) > len(header):
                shown = ",".join(row)[:_SNIPPET]
                return (
                    f"has a row with more fields than its header: line {start} has "
                    f"{len(row)} fields where the header (line 1) has {len(header)} "
                    f'({shown!r}); quote the fields that hold a comma ("a, b") or fix '
                    "that line; pl.scan_csv(path, infer_schema=False, "
                    "truncate_ragged_lines=True) would drop the extra fields"
                )
            start = reader.line_num + 1
    except csv.Error as error:
        return (
            f"is not valid CSV from line {start} on ({error}; a quoted field that is "
            "never closed?); fix that line"
        )
    return None


def _json_kind(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _ndjson_problem(path: Path) -> str | None:
    """The first line of a JSON lines file that is not one JSON object, or whose field
    has another JSON type than on an earlier line."""
    first_kind: dict[str, tuple[str, int, object]] = {}
    for number, line in enumerate(_utf8_lines(path), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, parse_constant=_no_constant)
        except ValueError as error:
            return (
                f"has a line that is not JSON: line {number} ({error}): "
                f"{line.strip()[:_SNIPPET]!r}; fix that line or remove it"
            )
        if not isinstance(value, dict):
            return (
                f"has a line that is not a JSON object: line {number} is {_json_kind(value)}; "
                'JSON lines hold one object per line, such as {"post_id": "1", ...}'
            )
        for key, item in value.items():
            kind = _json_kind(item)
            if kind is None or (isinstance(item, float) and math.isnan(item)):
                continue
            seen = first_kind.setdefault(key, (kind, number, item))
            if seen[0] != kind:
                return (
                    f"has field {key!r} as {kind} on line {number} ({item!r}) but as "
                    f"{seen[0]} on line {seen[1]} ({seen[2]!r}); give each field one type "
                    "on every line (ids and times as strings, say)"
                )
    return None


def _columns(path: Path, kind: str):
    """A file's columns as written (CSV header, parquet schema); None for other files."""
    try:
        if kind == "parquet" and not path.name.lower().endswith(".gz"):
            return dict(pl.read_parquet_schema(path))
        if kind == "csv":
            with _open(path) as handle:
                first = handle.readline().removeprefix(b"\xef\xbb\xbf")
            return next(csv.reader([first.decode("utf-8", "replace")]), [])
    except (OSError, pl.exceptions.PolarsError):
        return None
    return None


def _layout_problem(files: list[Path], kinds: dict[Path, str], table: str) -> str | None:
    """Files of one format whose columns differ from the first such file's."""
    first: dict[str, tuple[Path, object]] = {}
    for path in files:
        columns = _columns(path, kinds[path])
        if columns is None:
            continue
        base = first.setdefault(kinds[path], (path, columns))
        if columns != base[1]:

            def show(cols) -> str:
                items = cols.items() if isinstance(cols, dict) else ((c, None) for c in cols)
                return ", ".join(f"{n}: {d}" if d is not None else n for n, d in items)

            return (
                f"the {table} files do not share one layout: {str(base[0])!r} has columns "
                f"({show(base[1])}) but {str(path)!r} has ({show(columns)}); read them "
                "apart and pass pl.concat(frames, how='diagonal_relaxed'), which fills "
                "missing columns with nulls, or pass a glob of the files that belong together"
            )
    return None


def explain(files: list[Path], kinds: dict[Path, str], *, table: str, error: Exception) -> str:
    """A SchemaError message saying why polars could not read ``files``: the file, the
    line and the fix when they can be found, else polars' own message with the files.

    ``kinds`` maps each file to "parquet", "csv" or "ndjson".
    """
    for path in files:
        compressed = path.name.lower().endswith(".gz")
        problem = sniff_problem(path, kinds[path], compressed)
        if problem:
            return f"{table} file {str(path)!r} {problem}"
    if len(files) > 1:
        problem = _layout_problem(files, kinds, table)
        if problem:
            return problem
    scans = {"csv": _csv_problem, "ndjson": _ndjson_problem}
    for path in files:
        scan = scans.get(kinds[path])
        if scan is None:
            continue
        try:
            problem = scan(path)
        except _Found as found:
            problem = str(found)
        except OSError as failure:  # a gzip stream broken midway
            problem = f"cannot be read to its end ({failure}); fetch or write it again"
        if problem:
            return f"{table} file {str(path)!r} {problem}"
    what = f"{table} file {str(files[0])!r}" if len(files) == 1 else f"{len(files)} {table} files"
    message = str(error).strip().split("\n", 1)[0]
    return (
        f"could not read the {what} ({type(error).__name__}: {message}); check "
        "that each file is complete and in the format its name says"
    )
