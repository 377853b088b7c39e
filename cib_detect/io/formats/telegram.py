"""Format ``telegram``: Telegram Desktop's JSON export (``result.json``).

"Export chat history" (or "Export Telegram data") in Telegram Desktop, format
"Machine-readable JSON", writes one ``result.json``: a chat (``name``, ``type``, ``id``,
``messages``) or a whole account's data (``chats.list[]``, each such a chat). A directory
of several channels' exports is read as one table (every ``.json`` file in it).

Each message has ``id`` (unique within its chat only), ``type`` (``message`` or
``service``), ``date`` (the exporting computer's local time, no zone) and, in exports since
2021, ``date_unixtime`` (unix seconds, UTC), ``from`` / ``from_id`` (``"channel123"``,
``"user456"``), ``text`` (a string, or a list of strings and entity objects) and
``text_entities`` (``{"type": "hashtag" | "link" | "text_link" | "mention" |
"mention_name" | "plain" ..., "text": ..., "href": ...}``), ``forwarded_from`` (the
name of a forwarded message's source), ``reply_to_message_id``.

Posts (service messages such as "channel created" are left out): chat ``id`` + ``"/"`` +
message ``id`` -> post_id (as in ``t.me/c/<chat>/<message>`` links), ``from_id`` ->
account_id, ``date_unixtime`` (else ``date``, read as UTC) -> timestamp, the text with
its entities joined -> text, ``hashtag`` entities -> hashtags, ``link`` entities and
``text_link`` targets -> urls, ``mention`` entities (without ``@``) and ``mention_name``
user ids (as ``"user<id>"``, like ``from_id``) -> mentions, chat id + ``reply_to_message_id``
-> reply_to. A forward -> repost_of: the export names a forward's source
(``forwarded_from``, and ``forwarded_from_id`` where present) but not the original
message's id, so repost_of is the source and a 64-bit hash of the forwarded text
(``"<source>#<hash>"``): two forwards of the same message share it. Extras:
``message_id``, ``chat_id``, ``chat_name``, ``chat_type``, ``from_name`` (``from``),
``forwarded_from``, ``via_bot``, ``media_type``, ``photo``, ``file`` and the other
fields of each message.

Accounts (:func:`to_accounts`): one per ``from_id`` with ``from`` as extra
``display_name``; a channel's own export names its chat type as extra ``chat_type``.
"""

from __future__ import annotations

import logging

import polars as pl

from cib_detect.io.formats._nested import get, require_paths, text_at
from cib_detect.normalize import stable_hash

NAME = "telegram"
SUMMARY = "Telegram Desktop JSON export (result.json): channel or chat messages"
FIELDS = {
    "post_id": "chat id + '/' + messages[].id",
    "account_id": "messages[].from_id",
    "timestamp": "messages[].date_unixtime (else date)",
    "text": "messages[].text / text_entities",
    "hashtags": "text_entities[type=hashtag]",
    "urls": "text_entities[type=link|text_link]",
    "mentions": "text_entities[type=mention|mention_name]",
    "repost_of": "forwarded_from (+ hash of the text)",
    "reply_to": "reply_to_message_id",
}
logger = logging.getLogger("cib_detect")
_CHAT = {"id": "chat_id", "name": "chat_name", "type": "chat_type"}


def _entities(message: dict) -> list[dict]:
    """A message's entities as ``{"type", "text", "href", "user_id"}`` (strings)."""
    found = message.get("text_entities")
    if not isinstance(found, list):
        text = message.get("text")
        parts = text if isinstance(text, list) else [text] if isinstance(text, str) else []
        found = [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts]
    entities = []
    for item in found:
        if not isinstance(item, dict):
            continue
        entities.append(
            {
                "type": str(item.get("type", "plain")),
                "text": None if item.get("text") is None else str(item["text"]),
                "href": None if item.get("href") is None else str(item["href"]),
                "user_id": None if item.get("user_id") is None else str(item["user_id"]),
            }
        )
    return entities


def _message_record(message: dict, chat: dict) -> dict:
    record = {k: v for k, v in message.items() if k not in ("text", "text_entities")}
    entities = _entities(message)
    text = message.get("text")
    if not isinstance(text, str):
        text = "".join(e["text"] or "" for e in entities)
    record["text"] = text
    record["text_entities"] = entities
    for key, column in _CHAT.items():
        record[column] = chat.get(key)
    return record


def _chats(document: dict) -> list[dict] | None:
    if isinstance(document.get("messages"), list):
        return [document]
    chats = document.get("chats")
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        found = list(chats["list"])
        left = document.get("left_chats")
        if isinstance(left, dict) and isinstance(left.get("list"), list):
            found += left["list"]
        return [c for c in found if isinstance(c, dict) and isinstance(c.get("messages"), list)]
    return None


def unpack(document: dict):
    """The messages of a chat export (or of every chat of an account export), each with
    its chat's ``chat_id``, ``chat_name`` and ``chat_type``, ``text`` as a string and
    ``text_entities`` as a list; None for other documents.

    Examples
    --------
    >>> doc = {"name": "News", "type": "public_channel", "id": 77, "messages": [
    ...     {"id": 1, "type": "message", "text": ["see ", {"type": "hashtag", "text": "#x"}]}]}
    >>> record = unpack(doc)[0]
    >>> record["text"], record["chat_id"], record["text_entities"][1]["type"]
    ('see #x', 77, 'hashtag')
    """
    chats = _chats(document)
    if chats is None:
        return None
    return [
        _message_record(m, chat) for chat in chats for m in chat["messages"] if isinstance(m, dict)
    ]


def sniff(columns) -> bool:
    """True for unpacked Telegram messages (``id``, ``type``, ``date`` and the chat).

    Examples
    --------
    >>> sniff(["id", "type", "date", "date_unixtime", "from", "from_id", "text", "chat_id"])
    True
    """
    names = set(columns)
    return {"id", "type", "date", "chat_id"} <= names and bool(
        names & {"from_id", "actor_id", "text_entities"}
    )


def sniff_accounts(columns) -> bool:
    """As :func:`sniff`."""
    return sniff(columns)


def _entity_texts(schema: pl.Schema, *kinds: str, field: str = "text") -> pl.Expr:
    dtype = schema.get("text_entities")
    inner = dtype.inner if isinstance(dtype, pl.List) else None
    names = {f.name for f in inner.fields} if isinstance(inner, pl.Struct) else set()
    if not {"type", field} <= names:  # no entity of any message has that field
        return pl.lit([], dtype=pl.List(pl.String))
    item = pl.element()
    chosen = item.filter(item.struct.field("type").is_in(list(kinds))).struct.field(field)
    return pl.col("text_entities").list.eval(chosen.cast(pl.String)).list.drop_nulls()


def _messages(raw: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.Schema]:
    schema = raw.collect_schema()
    require_paths(
        schema,
        ["id", "chat_id", ("date_unixtime", "date")],
        table="posts",
        fmt=NAME,
        hint=" (export with format 'Machine-readable JSON')",
    )
    if "type" in schema:
        raw = raw.filter(pl.col("type").is_null() | (pl.col("type") == "message"))
    return raw, schema


def to_posts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Map unpacked Telegram messages to canonical posts.

    Examples
    --------
    >>> doc = {"name": "News", "type": "public_channel", "id": 77, "messages": [
    ...     {"id": 5, "type": "message", "date": "2024-01-01T10:00:00",
    ...      "date_unixtime": "1704103200", "from": "News", "from_id": "channel77",
    ...      "text": "hi", "reply_to_message_id": 4}]}
    >>> from cib_detect.io.formats._documents import frame_of
    >>> to_posts(frame_of(unpack(doc)).lazy()).collect().row(0)[:5]
    ('77/5', 'channel77', '1704103200', 'hi', [])
    """
    raw, schema = _messages(raw)
    chat = pl.col("chat_id").cast(pl.String)
    if "date_unixtime" in schema:
        time = pl.col("date_unixtime")
        if "date" in schema:
            time = pl.coalesce(time.cast(pl.String), pl.col("date").cast(pl.String))
    else:
        logger.warning(
            "telegram: the export has no date_unixtime; 'date' is the exporting computer's "
            "local time and is read as UTC"
        )
        time = pl.col("date")
    account = text_at(schema, "from_id", "actor_id")
    if account is None:
        require_paths(schema, ["from_id"], table="posts", fmt=NAME)
    text = get(schema, "text")
    exprs = {
        "post_id": pl.concat_str(chat, pl.lit("/"), text_at(schema, "id")),
        "account_id": account,
        "timestamp": time,
        "text": text,
        "hashtags": _entity_texts(schema, "hashtag").list.eval(pl.element().str.strip_prefix("#")),
        "urls": pl.concat_list(
            _entity_texts(schema, "link"), _entity_texts(schema, "text_link", field="href")
        ),
        "mentions": pl.concat_list(
            _entity_texts(schema, "mention").list.eval(pl.element().str.strip_prefix("@")),
            _entity_texts(schema, "mention_name", field="user_id").list.eval(
                pl.concat_str(pl.lit("user"), pl.element())
            ),
        ),
    }
    source = text_at(schema, "forwarded_from_id", "forwarded_from")
    if source is not None:
        digest = stable_hash(pl.coalesce(text, pl.lit("")) if text is not None else pl.lit(""))
        exprs["repost_of"] = pl.when(source.is_not_null()).then(
            pl.concat_str(source, pl.lit("#"), digest.cast(pl.String))
        )
    reply = text_at(schema, "reply_to_message_id")
    if reply is not None:
        exprs["reply_to"] = pl.concat_str(chat, pl.lit("/"), reply)
    exprs["message_id"] = text_at(schema, "id")
    exprs["from_name"] = get(schema, "from")
    mapped = {
        "id",
        "from_id",
        "from",
        "date_unixtime",
        "date",
        "text",
        "text_entities",
        "reply_to_message_id",
        "actor_id",
    }
    others = [c for c in schema if c not in mapped and c not in exprs]
    return raw.select(*(e.alias(n) for n, e in exprs.items() if e is not None), *others)


def to_accounts(raw: pl.LazyFrame) -> pl.LazyFrame:
    """One account per ``from_id`` of the messages, with its latest ``from`` name.

    Examples
    --------
    >>> raw = pl.LazyFrame({"id": [1], "type": ["message"], "date": ["2024-01-01T00:00:00"],
    ...     "from_id": ["channel7"], "from": ["News"], "chat_id": [7],
    ...     "chat_type": ["public_channel"]})
    >>> to_accounts(raw).collect().row(0)
    ('channel7', 'News', 'public_channel')
    """
    raw, schema = _messages(raw)
    require_paths(schema, ["from_id"], table="accounts", fmt=NAME)
    raw = raw.filter(pl.col("from_id").is_not_null())
    raw = raw.unique(subset="from_id", keep="last", maintain_order=True)
    exprs = [text_at(schema, "from_id").alias("account_id")]
    if "from" in schema:
        exprs.append(pl.col("from").cast(pl.String).alias("display_name"))
    if "chat_type" in schema:
        # the chat's type describes the sender only when the sender is the chat itself
        own = pl.col("from_id").cast(pl.String) == pl.concat_str(
            pl.lit("channel"), pl.col("chat_id").cast(pl.String)
        )
        exprs.append(pl.when(own).then(pl.col("chat_type")).alias("chat_type"))
    return raw.select(exprs)
