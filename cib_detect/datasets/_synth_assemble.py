"""Turn the generated blocks into the canonical posts table."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from cib_detect.datasets._synth_accounts import Names
from cib_detect.datasets._synth_base import ORIGINAL, REPLY, REPOST, Block, Ragged
from cib_detect.datasets._synth_roles import URL_VARIANTS
from cib_detect.datasets._synth_text import (
    Lexicon,
    fixed_ids,
    hex_strings,
    number_strings,
    render,
)
from cib_detect.schema import POST_COLUMNS

# The canonical columns synthetic posts have (no short-video sounds or effects).
_SYNTHETIC_COLUMNS = (
    "post_id", "account_id", "timestamp", "text", "hashtags", "urls", "mentions",
    "repost_of", "reply_to", "media_hashes",
)  # fmt: skip


def _lists(counts: np.ndarray, values: pl.Series) -> pl.Series:
    """A List(String) column from per-row counts and the flat values."""
    offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    # Arrow arrays from buffers, not pa.array(numpy): that one imports pandas
    offsets = pa.Array.from_buffers(pa.int64(), len(offsets), [None, pa.py_buffer(offsets)])
    array = pa.LargeListArray.from_arrays(offsets, values.to_arrow())
    return pl.from_arrow(array)


def _gather_or_null(values: pl.Series, index: np.ndarray) -> pl.Series:
    """``values[index]``, null where ``index`` is negative."""
    index = pl.select(pl.when(pl.lit(pl.Series(index >= 0))).then(pl.lit(pl.Series(index))))
    return values.gather(index.to_series())


def _take(blocks: list[Block], name: str):
    """Concatenate one field of all blocks and release it from the blocks."""
    parts = [getattr(b, name) for b in blocks]
    for b in blocks:
        setattr(b, name, None)
    return Ragged.vstack(parts) if isinstance(parts[0], Ragged) else np.concatenate(parts)


def assemble_posts(
    blocks: list[Block], account_ids: pl.Series, lex: Lexicon, tags: Names, hosts: Names
) -> pl.DataFrame:
    """Sort posts by time, number them, copy reposted content, build every string column.

    Reposts carry the text ("RT @author: ..."), hashtags, links and images of the post
    they repost and mention its author; replies start with the replied-to author's
    handle. The blocks are consumed: their arrays are released as they are used.
    """
    ts = _take(blocks, "ts")
    kind = _take(blocks, "kind")
    account = _take(blocks, "account")
    target = _take(blocks, "target")
    mention = _take(blocks, "mention")
    n = len(ts)
    target_author = np.where(target >= 0, account[np.maximum(target, 0)], -1)
    # an original mentions whom it mentions; a reply or repost, the author it answers
    own_mention = np.where(kind == ORIGINAL, mention, target_author)

    # The own text of every post that is not a repost, in generation order.
    own = np.flatnonzero(kind != REPOST)
    url_host = _take(blocks, "url_host")
    with_url = np.flatnonzero(url_host >= 0)
    url_values = pl.select(
        pl.concat_str(
            hosts.series(url_host[with_url]),
            number_strings(_take(blocks, "url_num")[with_url]),
            pl.Series(URL_VARIANTS).gather(_take(blocks, "url_variant")[with_url]),
        )
    ).to_series()
    url_slot = np.cumsum(url_host >= 0) - 1  # position of a post's URL in url_values
    url_slot[url_host < 0] = -1
    # reposts have no words or tags of their own: dropping their (empty) rows is enough
    words = _take(blocks, "words")
    body = render(Ragged(words.counts[own], words.values), lex.words)
    del words
    tag_rows = _take(blocks, "tags")
    own_text = pl.select(
        pl.concat_str(
            pl.concat_str(pl.lit("@"), _gather_or_null(account_ids, own_mention[own])),
            pl.when(body != "").then(body),
            pl.when(pl.lit(pl.Series(tag_rows.counts[own] > 0))).then(
                render(Ragged(tag_rows.counts[own], tag_rows.values), tags.items, prefix="#")
            ),
            _gather_or_null(url_values, url_slot[own]),
            separator=" ",
            ignore_nulls=True,
        )
    ).to_series()
    del body
    own_slot = np.full(n, -1)
    own_slot[own] = np.arange(len(own))

    # Sort by time; ``source`` is the generated post whose content a post shows.
    order = np.argsort(ts, kind="stable")
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    source = np.where(kind == REPOST, target, np.arange(n))[order]
    target = np.where(target >= 0, rank[np.maximum(target, 0)], -1)[order]
    del rank
    ts, account, kind, own_mention, target_author = (
        a[order] for a in (ts, account, kind, own_mention, target_author)
    )
    repost = kind == REPOST
    reposts = np.flatnonzero(repost)
    quoted = pl.select(
        pl.concat_str(
            pl.lit("RT @"),
            account_ids.gather(target_author[reposts]),
            pl.lit(": "),
            own_text.gather(own_slot[source[reposts]]),
        )
    ).to_series()
    text_slot = own_slot[order]
    text_slot[reposts] = len(own) + np.arange(len(reposts))
    text = pl.concat([own_text, quoted], rechunk=True).gather(text_slot)
    del own_text, quoted, text_slot, order

    tag_rows = tag_rows.take(source)
    url_slot = url_slot[source]
    media = _take(blocks, "media")[source]
    mentions = np.stack([own_mention, np.where(repost, mention[source], -1)], axis=1)
    present = mentions >= 0
    post_ids = fixed_ids("p", np.arange(n), max(6, len(str(max(n - 1, 0)))))
    return pl.DataFrame(
        {
            "post_id": post_ids,
            "account_id": account_ids.gather(account),
            "timestamp": pl.Series(ts * 1_000_000).cast(POST_COLUMNS["timestamp"]),
            "text": text,
            "hashtags": _lists(tag_rows.counts, pl.Series(tags.items).gather(tag_rows.values)),
            "urls": _lists(url_slot >= 0, url_values.gather(url_slot[url_slot >= 0])),
            "mentions": _lists(present.sum(axis=1), account_ids.gather(mentions[present])),
            "repost_of": _gather_or_null(post_ids, np.where(repost, target, -1)),
            "reply_to": _gather_or_null(post_ids, np.where(kind == REPLY, target, -1)),
            "media_hashes": _lists(media >= 0, hex_strings(media[media >= 0])),
        },
        schema={name: POST_COLUMNS[name] for name in _SYNTHETIC_COLUMNS},
    )
