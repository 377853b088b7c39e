"""JSON documents (``.json`` files) as rows: one API response, export or array per file.

JSON lines files are scanned by polars directly; a ``.json`` file is one document: an
array of records, or an object that a format knows how to unpack (a Telegram export's
``messages``, a TikTok response's ``data.videos``, a Bluesky feed's ``feed``, a YouTube
list response's ``items``; see each format's ``unpack``). An object no format claims is
one record (a Twitter/X API v2 response is one row, as in twarc's JSON lines).

The records of all files are read together, so their inferred struct dtypes agree; a
field holding different JSON types in different records is read as its JSON text.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl

from cib_detect.errors import SchemaError

Unpacker = Callable[[dict], list | None]


def _load(path: Path):
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            return json.loads(handle.read().decode("utf-8-sig"))
    except json.JSONDecodeError as error:
        raise SchemaError(
            f"file {str(path)!r} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}; fix or export it again (JSON lines files are named .jsonl)"
        ) from None
    except UnicodeDecodeError as error:
        raise SchemaError(
            f"file {str(path)!r} is not UTF-8 text (byte {error.start}); re-encode it to UTF-8"
        ) from None
    except (OSError, EOFError) as error:
        raise SchemaError(
            f"file {str(path)!r} cannot be read to its end ({error}); fetch or write it again"
        ) from None


def records_of(document, unpackers: Iterable[Unpacker], *, where: str = "document") -> list:
    """The records (JSON objects) of one document.

    Examples
    --------
    >>> records_of([{"a": 1}, {"a": 2}], [])
    [{'a': 1}, {'a': 2}]
    >>> records_of({"items": [{"a": 1}]}, [lambda d: d.get("items")])
    [{'a': 1}]
    >>> records_of({"a": 1}, [lambda d: None])
    [{'a': 1}]
    """
    if isinstance(document, dict):
        for unpack in unpackers:
            found = unpack(document)
            if found is not None:
                return list(found)
        return [document]
    if isinstance(document, list):
        bad = next((i for i, item in enumerate(document) if not isinstance(item, dict)), None)
        if bad is not None:
            raise SchemaError(
                f"{where} is a JSON array whose item {bad} is {type(document[bad]).__name__}, "
                "not an object; each item must be one record"
            )
        return document
    raise SchemaError(
        f"{where} holds a JSON {type(document).__name__}, not an object or an array of records"
    )


def frame_of(records: list) -> pl.DataFrame:
    """Records as a frame, dtypes inferred from all of them.

    Examples
    --------
    >>> frame_of([{"a": 1}, {"a": 2, "b": "x"}]).columns
    ['a', 'b']
    """
    if not records:
        return pl.DataFrame()
    lines = "\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records)
    return pl.read_ndjson(lines.encode(), infer_schema_length=None)


def read_json_documents(paths: list[Path], unpackers: Iterable[Unpacker]) -> pl.DataFrame:
    """The records of every ``.json`` file in ``paths`` as one frame."""
    unpackers = list(unpackers)
    records: list = []
    for path in paths:
        records += records_of(_load(path), unpackers, where=f"file {str(path)!r}")
    if not records:
        names = ", ".join(repr(str(p)) for p in paths[:3])
        raise SchemaError(f"the JSON file(s) {names} hold no records")
    return frame_of(records)
