"""Format ``cnt``: the coordination-network-toolkit's CSV (QUT Digital Observatory).

Eight columns read by position, whatever the header says: message_id, user_id,
username, repost_id, reply_id, message, timestamp, urls. Like the toolkit, the reader
takes the first line of a file for a header and skips it (the toolkit's own files,
such as its test fixture, start with one, often after a UTF-8 byte-order mark).
``timestamp`` is in seconds, ``urls`` are separated by spaces and an empty
``repost_id`` or ``reply_id`` means none. When a message_id repeats, the first row
wins, as in the toolkit (``insert or ignore``); the reader drops the others and reports
how many (:class:`~cib_detect.errors.DroppedRowsWarning` and a log line).

Mapping: message_id -> post_id, user_id -> account_id, message -> text, timestamp ->
timestamp, urls -> urls, repost_id -> repost_of, reply_id -> reply_to; ``username`` is
kept as an extra column.
"""

from __future__ import annotations

import polars as pl

from cib_detect.errors import SchemaError
from cib_detect.io.formats._common import id_expr, list_expr

NAME = "cnt"
SUMMARY = "coordination-network-toolkit CSV: eight columns by position"
FIELDS = {
    "post_id": "message_id (1st column)",
    "account_id": "user_id (2nd)",
    "timestamp": "timestamp (7th, seconds)",
    "text": "message (6th)",
    "urls": "urls (8th, space-separated)",
    "repost_of": "repost_id (4th)",
    "reply_to": "reply_id (5th)",
}
#: The toolkit keeps the first row of a repeated message_id; read_posts does the same.
FIRST_ROW_WINS = True

#: The eight columns, by position.
COLUMNS = (
    "message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls",
)  # fmt: skip


def sniff(columns) -> bool:
    """True when the columns are the toolkit's eight, by name and in order.

    Examples
    --------
    >>> sniff(["message_id", "user_id", "username", "repost_id", "reply_id", "message",
    ...        "timestamp", "urls"])
    True
    """
    return [c.lstrip("\ufeff").strip() for c in columns] == list(COLUMNS)


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map a toolkit frame (eight columns, taken by position) to canonical posts.

    Examples
    --------
    >>> raw = pl.LazyFrame([["1"], ["u"], ["name"], ["9"], [None], ["hi"], ["60"], ["a b"]])
    >>> to_posts(raw).collect().row(0)
    ('1', 'u', '60', 'hi', ['a', 'b'], '9', None, 'name')
    """
    names = raw.collect_schema().names()
    if len(names) != len(COLUMNS):
        raise SchemaError(
            f"posts (format {NAME!r}) has {len(names)} columns; the toolkit's CSV has "
            f"{len(COLUMNS)}, taken by position: {', '.join(COLUMNS)}; pass a file or frame "
            "with exactly those, or choose another format="
        )
    raw = raw.rename(dict(zip(names, COLUMNS, strict=True)))
    schema = raw.collect_schema()
    return raw.select(
        id_expr("message_id", schema["message_id"]).alias("post_id"),
        id_expr("user_id", schema["user_id"]).alias("account_id"),
        pl.col("timestamp"),  # seconds; parsed by schema validation
        pl.col("message").alias("text"),
        list_expr("urls", schema["urls"], urls=True).alias("urls"),
        id_expr("repost_id", schema["repost_id"]).alias("repost_of"),
        id_expr("reply_id", schema["reply_id"]).alias("reply_to"),
        pl.col("username"),
    )
