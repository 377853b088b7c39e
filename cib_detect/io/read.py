"""Public readers: ``read_posts`` and ``read_accounts``.

Reading is a pipeline of lazy steps and one collect: scan the source, rename with
``column_map``, pick the format (sniffed from column names with ``format="auto"``), map
it to canonical columns, then validate and convert dtypes
(:func:`cib_detect.io.validate.validate_posts`).
"""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from collections.abc import Mapping

import polars as pl

from cib_detect._params import check_choice
from cib_detect.errors import ParameterError, SchemaError
from cib_detect.io._diagnose import explain
from cib_detect.io._source import file_kind, scan_source, source_files
from cib_detect.io.formats import ACCOUNT_FORMATS, FORMATS
from cib_detect.io.validate import (
    ON_DUPLICATE,
    ON_INVALID,
    missing_column_problem,
    stream_validate_posts,
    validate_accounts,
    validate_posts,
)
from cib_detect.schema import (
    ACCOUNT_COLUMNS,
    POST_COLUMNS,
    REQUIRED_ACCOUNT_COLUMNS,
    REQUIRED_POST_COLUMNS,
)

logger = logging.getLogger("cib_detect")
# What polars and gzip raise on a broken file: turned into a SchemaError naming the file.
_BROKEN_FILE = (pl.exceptions.PolarsError, gzip.BadGzipFile, EOFError, zlib.error)


def _check_column_map(column_map, *, function: str) -> dict[str, str]:
    if column_map is None:
        return {}
    if not isinstance(column_map, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in column_map.items()
    ):
        raise ParameterError(
            f"the 'column_map' parameter of {function} must be a dict from the column "
            f"names found to the names wanted, such as {{'tweet_id': 'post_id'}}; "
            f"got {column_map!r} instead"
        )
    targets = list(column_map.values())
    repeated = sorted({t for t in targets if targets.count(t) > 1})
    if repeated:
        raise ParameterError(
            f"the 'column_map' parameter of {function} maps several columns to "
            f"{', '.join(map(repr, repeated))}; map one column to each name"
        )
    return dict(column_map)


def _rename(raw: pl.LazyFrame, column_map: dict[str, str], *, table: str) -> pl.LazyFrame:
    if not column_map:
        return raw
    names = raw.collect_schema().names()
    problems = [
        missing_column_problem(table, found, names).replace(
            f"{table} is missing column", f"column_map renames {found!r} but {table} has no column"
        )
        for found in column_map
        if found not in names
    ]
    problems += [
        f"column_map renames {found!r} to {wanted!r} but {table} already has a column "
        f"{wanted!r}; rename that one too, e.g. column_map={{{found!r}: {wanted!r}, "
        f"{wanted!r}: {wanted + '_original'!r}}}"
        for found, wanted in column_map.items()
        if wanted in names and wanted not in column_map and wanted != found
    ]
    if problems:
        raise SchemaError(
            f"column_map does not fit {table}:" + "".join(f"\n- {p}" for p in problems)
        )
    return raw.rename(column_map)


def _pick_format(schema, formats, *, table, required, sniff) -> str:
    for name, module in formats.items():
        if getattr(module, sniff)(schema):
            logger.info("reading %s: the columns look like format %r", table, name)
            return name
    names = list(schema)
    shown = ", ".join(map(repr, names[:12])) + (", ..." if len(names) > 12 else "")
    problems = [missing_column_problem(table, c, names) for c in required if c not in names]
    raise SchemaError(
        f"cannot tell the format of {table} from its columns ({shown or 'none'}); pass "
        f"format= one of {', '.join(map(repr, formats))}, or rename columns to the "
        "canonical ones with column_map:" + "".join(f"\n- {p}" for p in problems)
    )


def _read(source, *, table, format, column_map, keep_extra, formats, function):
    """Scan, rename, pick the format and map; returns (lazy frame, format module)."""
    if not isinstance(format, str) or format not in formats:
        if isinstance(format, str) and format in FORMATS:
            raise ParameterError(
                f"format {format!r} describes posts only; {function} reads formats "
                f"{', '.join(map(repr, ['auto', *formats]))}"
            )
        check_choice(format, ["auto", *formats], name="format", function=function)
    column_map = _check_column_map(column_map, function=function)
    if not isinstance(keep_extra, bool):
        raise ParameterError(
            f"the 'keep_extra' parameter of {function} must be True or False; "
            f"got {keep_extra!r} instead"
        )
    raw = _rename(scan_source(source, table=table, function=function), column_map, table=table)
    if format == "auto":
        sniff = "sniff" if table == "posts" else "sniff_accounts"
        required = REQUIRED_POST_COLUMNS if table == "posts" else REQUIRED_ACCOUNT_COLUMNS
        schema = raw.collect_schema()
        format = _pick_format(schema, formats, table=table, required=required, sniff=sniff)
    module = formats[format]
    mapped = module.to_posts(raw) if table == "posts" else module.to_accounts(raw)
    if not keep_extra:
        spec = POST_COLUMNS if table == "posts" else ACCOUNT_COLUMNS
        mapped = mapped.select(c for c in mapped.collect_schema().names() if c in spec)
    return mapped, module


def _add_context(error: Exception, source, module) -> None:
    if hasattr(error, "add_note"):  # Python >= 3.11
        where = str(source) if isinstance(source, str | os.PathLike) else type(source).__name__
        note = f"while reading {where!r} as format {module.NAME!r}"
        fields = getattr(module, "FIELDS", {})
        required = [c for c in REQUIRED_POST_COLUMNS if c in fields and fields[c] != c]
        if required:  # say where the canonical columns named in the message come from
            note += " (which reads " + ", ".join(f"{c} from {fields[c]}" for c in required) + ")"
        error.add_note(note)


def _load(source, validate, *, table: str, function: str, **options):
    """:func:`_read`, then ``validate(mapped, module)``; returns (result, format module).

    A file that polars cannot read becomes a SchemaError naming the file and, where it can
    be found, the line and the fix (:func:`cib_detect.io._diagnose.explain`), with polars'
    error as its ``__cause__``. Validation errors get a note naming the source.
    """
    module = None
    try:
        mapped, module = _read(source, table=table, function=function, **options)
        return validate(mapped, module), module
    except _BROKEN_FILE as error:
        files = source_files(source, table=table, quiet=True)
        if files is None:  # a frame: polars' error is about the caller's own query
            if module is not None:
                _add_context(error, source, module)
            raise
        kinds = {path: file_kind(path)[0] for path in files}
        raise SchemaError(explain(files, kinds, table=table, error=error)) from error
    except SchemaError as error:
        if module is not None:
            _add_context(error, source, module)
        raise


def read_posts(
    source,
    *,
    format: str = "auto",
    column_map: Mapping[str, str] | None = None,
    on_duplicate: str = "raise",
    on_invalid: str = "raise",
    keep_extra: bool = True,
) -> pl.DataFrame:
    """Read posts from a file or frame into the canonical columns and dtypes.

    Parameters
    ----------
    source : str, Path, polars.DataFrame, polars.LazyFrame or pandas.DataFrame
        A ``.parquet`` (or ``.pq``), ``.csv``, ``.jsonl``, ``.ndjson`` or ``.json`` file
        (any case, each optionally ``.gz``; a ``.json`` file is one document: an array
        of records, or an API response or export such as Telegram's ``result.json``), a
        glob of such files, a directory (every such file below it; formats may mix when
        their columns are the same; other files are skipped and named in a
        :class:`~cib_detect.errors.CibDetectWarning`), or a frame. Files are scanned
        lazily; CSV columns are read as text so that ids keep every digit.
    format : str
        The source's layout (see ``docs/data_model.md``, or ``cib-detect formats``):
        ``"auto"``, ``"canonical"``, ``"twitter_io"``, ``"cnt"``, ``"coortweet"``,
        ``"twitter_v2"``, ``"twarc_csv"``, ``"tiktok"``, ``"bluesky"``, ``"telegram"``,
        ``"crowdtangle"``, ``"meta_content_library"`` or ``"youtube"``. ``"auto"`` picks
        it from the column names (and dtypes) and logs the choice on the
        ``"cib_detect"`` logger.
    column_map : dict, optional
        Renames source columns before the format is applied, ``{found: wanted}``, where
        the wanted names are those the format expects (canonical names for
        ``"canonical"``, archive names for ``"twitter_io"``...).
    on_duplicate : {"raise", "drop"}
        Rows repeating an earlier ``post_id``: an error, or dropped keeping the first
        with a :class:`~cib_detect.errors.DroppedRowsWarning`. With ``format="cnt"`` they
        are always dropped, as the coordination-network-toolkit does.
    on_invalid : {"raise", "drop"}
        Rows with a missing id or a missing or unreadable time: an error, or dropped with
        a :class:`~cib_detect.errors.DroppedRowsWarning`.
    keep_extra : bool
        Keep non-canonical columns (such as ``language``) after the canonical ones.

    Returns
    -------
    polars.DataFrame
        The canonical post columns the source has (:data:`cib_detect.schema.POST_COLUMNS`)
        with their dtypes, then the extra columns. Hashtags and URLs are not extracted
        from text here.

    Raises
    ------
    SchemaError
        When the data does not fit; the message lists every problem and its fix. Also when
        a file cannot be read (a broken JSON line, a CSV row with extra fields, bytes that
        are not UTF-8, a file whose content is not what its name says): the message names
        the file and, where it can be found, the line; polars' error is the ``__cause__``.
    ParameterError
        When a parameter has an invalid value.

    Examples
    --------
    >>> raw = pl.DataFrame({"tweet_id": [11, 12], "user": ["a", "b"],
    ...                     "time": ["2017-01-01 12:34", "2017-01-01 12:35"]})
    >>> posts = read_posts(raw, column_map={"tweet_id": "post_id", "user": "account_id",
    ...                                     "time": "timestamp"})
    >>> posts.columns, posts["timestamp"].dtype
    (['post_id', 'account_id', 'timestamp'], Datetime(time_unit='us', time_zone='UTC'))
    """
    check_choice(on_duplicate, ON_DUPLICATE, name="on_duplicate", function="read_posts")
    check_choice(on_invalid, ON_INVALID, name="on_invalid", function="read_posts")

    def validate(mapped, module):
        first_wins = getattr(module, "FIRST_ROW_WINS", False)
        duplicates = "drop" if first_wins else on_duplicate
        return validate_posts(mapped, on_duplicate=duplicates, on_invalid=on_invalid)

    posts, module = _load(
        source, validate, table="posts", function="read_posts", format=format,
        column_map=column_map, keep_extra=keep_extra, formats=FORMATS,
    )  # fmt: skip
    logger.info("read %d posts (format %r)", posts.height, module.NAME)
    return posts


def scan_posts(
    source,
    *,
    format: str = "auto",
    column_map: Mapping[str, str] | None = None,
    keep_extra: bool = True,
) -> pl.LazyFrame:
    """Posts as a LazyFrame in the canonical columns and dtypes, without loading them.

    For data larger than memory: the same sources, formats and conversions as
    :func:`read_posts`, but the result is lazy. The values are checked in one streaming
    pass (missing or unreadable required values, unreadable optional ones); repeated
    ``post_id`` values are not looked for. ``co_action_edges(..., n_chunks=...)`` and
    ``detect(..., n_chunks=...)`` read their posts this way.

    Parameters
    ----------
    source, format, column_map, keep_extra
        As in :func:`read_posts`.

    Returns
    -------
    polars.LazyFrame
        The canonical post columns the source has, then the extra columns.

    Raises
    ------
    SchemaError
        Listing every problem found (columns, dtypes, values).

    Examples
    --------
    >>> raw = pl.DataFrame({"id": [11, 12], "user": ["a", "b"],
    ...                     "time": ["2017-01-01 12:34", "2017-01-01 12:35"]})
    >>> lazy = scan_posts(raw, column_map={"id": "post_id", "user": "account_id",
    ...                                    "time": "timestamp"})
    >>> lazy.collect().row(0)
    ('11', 'a', datetime.datetime(2017, 1, 1, 12, 34, tzinfo=zoneinfo.ZoneInfo(key='UTC')))
    """
    posts, _ = _load(
        source, lambda mapped, module: stream_validate_posts(mapped), table="posts",
        function="scan_posts", format=format, column_map=column_map, keep_extra=keep_extra,
        formats=FORMATS,
    )  # fmt: skip
    return posts


def read_accounts(
    source,
    *,
    format: str = "auto",
    column_map: Mapping[str, str] | None = None,
    on_duplicate: str = "raise",
    on_invalid: str = "raise",
    keep_extra: bool = True,
) -> pl.DataFrame:
    """Read accounts from a file or frame into the canonical columns and dtypes.

    Works like :func:`read_posts`, with formats ``"auto"``, ``"canonical"`` and
    ``"twitter_io"`` (an archive users CSV; a tweets CSV also works, keeping each
    account's profile as of its latest tweet), and the platform formats, which take the
    accounts from the same files as the posts: ``"twitter_v2"`` (``includes.users`` of
    raw responses, flattened tweets' ``author``, or user objects), ``"twarc_csv"``,
    ``"tiktok"`` (video or user-info records), ``"bluesky"``, ``"telegram"``,
    ``"crowdtangle"``, ``"meta_content_library"`` and ``"youtube"``. ``account_id`` is
    required and unique.

    A frame goes through the same checks as a file: with an ``account_id`` column it is
    read as format ``"canonical"`` (also beside archive columns such as
    ``user_screen_name``), integer ids become text, ``created_at`` given as text or epoch
    numbers is parsed, repeated ids are an error (or dropped and counted). A frame already
    in the canonical dtypes comes back equal, after one pass over its ids.

    Parameters
    ----------
    source : str, pathlib.Path, polars.DataFrame, polars.LazyFrame or pandas.DataFrame
        A file, a glob of files, a directory of files, or a frame, as for
        :func:`read_posts`.
    format : str
        The source's layout, one of :data:`cib_detect.io.ACCOUNT_FORMATS` or ``"auto"``,
        which picks it from the column names.
    column_map : dict, optional
        Renames source columns before the format is applied, ``{found: wanted}``.
    on_duplicate : {"raise", "drop"}
        Rows repeating an earlier ``account_id``: an error, or dropped keeping the first.
    on_invalid : {"raise", "drop"}
        Rows with a missing ``account_id``: an error, or dropped.
    keep_extra : bool
        Keep non-canonical columns after the canonical ones.

    Returns
    -------
    polars.DataFrame
        The canonical account columns the source has
        (:data:`cib_detect.schema.ACCOUNT_COLUMNS`), then the extra columns.

    Examples
    --------
    >>> users = pl.DataFrame({"userid": ["u1"], "follower_count": ["12"],
    ...                       "account_creation_date": ["2014-10-26"]})
    >>> read_accounts(users, format="twitter_io").row(0)
    ('u1', datetime.datetime(2014, 10, 26, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 12)
    """
    check_choice(on_duplicate, ON_DUPLICATE, name="on_duplicate", function="read_accounts")
    check_choice(on_invalid, ON_INVALID, name="on_invalid", function="read_accounts")
    accounts, module = _load(
        source,
        lambda mapped, module: validate_accounts(
            mapped, on_duplicate=on_duplicate, on_invalid=on_invalid
        ),
        table="accounts", function="read_accounts", format=format, column_map=column_map,
        keep_extra=keep_extra, formats=ACCOUNT_FORMATS,
    )  # fmt: skip
    logger.info("read %d accounts (format %r)", accounts.height, module.NAME)
    return accounts
