"""Every trace, declared once: what it reads, how it makes keys or pairs, what tests it.

A *key trace* maps each post to zero or more keys (:mod:`cib_detect.traces.keys`); two
posts of different accounts with the same key within the window are a co-action, and the
co-action engine (:mod:`cib_detect.engine`) counts them per account pair in every mode
(near-duplicate texts too: their groups are keys, :mod:`cib_detect.traces.similarity`). A
*profile* trace compares whole accounts (time bins, posting-time histograms) with edge
and evidence functions of its own (:mod:`cib_detect.traces.sync`,
:mod:`cib_detect.traces.profile`), on the few columns it reads of every post.

:data:`TRACES` is the one list of traces: ``detect``, ``co_action_edges``,
``co_action_evidence``, the command line, the Dask column pruning and the docs table all
read it. Adding a key trace is one :class:`Trace` below plus its key function.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from cib_detect._params import check_choice, check_int
from cib_detect.errors import ParameterError
from cib_detect.traces import keys, profile, similarity, sync

__all__ = ["DETECT_TRACES", "TRACES", "Trace", "get_trace"]

TraceKind = Literal["key", "profile"]


def _positive_int_or_none(value, *, name: str, function: str):
    return check_int(value, name=name, function=function, minimum=1, allow_none=True)


def _positive_int(value, *, name: str, function: str):
    return check_int(value, name=name, function=function, minimum=1)


def _column_name(value, *, name: str, function: str):
    if not isinstance(value, str) or not value:
        raise ParameterError(
            f"the {name!r} option of {function} must be the name of a posts column "
            f"(a non-empty string); got {value!r} instead"
        )
    return value


@dataclass(frozen=True)
class Trace:
    """One behavioural trace.

    Attributes
    ----------
    name : str
        What users pass as ``trace=`` / ``traces=``.
    kind : {"key", "profile"}
        Key traces run on the co-action engine; profile traces through their own
        ``edges`` function, on the columns they read gathered in memory. Both run in
        every mode.
    needs : tuple of str
        Columns the trace reads, as alternatives: the first one the posts have is used
        (``co_url`` reads ``urls``, else extracts them from ``text``). Empty for a trace
        whose column is an option (``column_option``).
    summary : str
        One line for the command line's help and the docs' trace table.
    keys : callable, optional
        Key traces: ``keys(indexed_posts, columns, **options) -> LazyFrame`` of (post, key)
        rows (:mod:`cib_detect.traces.keys`).
    edges, evidence : callable, optional
        Profile traces: ``edges(posts, *, window_us, min_weight,
        max_key_posts, **options)`` and ``evidence(posts, *, pairs, window_us,
        max_key_posts, **options)``.
    originals_only : bool
        Reposts carry what they repost, so content traces look at original posts only:
        they also read ``repost_of`` when the posts have it.
    multi_key : bool
        A post can have several keys (URLs, hashtags): its (post, key) rows are
        deduplicated and, chunked, it can fall in several chunks.
    null_model : str or None
        Name of the null model that gives its edges p-values: for a key trace one of
        :data:`cib_detect.graph.null_models.NULL_MODELS`, which the engine applies; a
        similarity or profile trace's ``edges`` computes its own (``docs/detect.md``).
        None: not tested, not run by ``detect``.
    default_window : str
        The window used when the caller gives none.
    checks : mapping of str to callable
        Value checks of options, ``check(value, name=..., function=...)``; the options and
        their defaults are the keyword-only parameters of ``keys`` or ``edges``.
    column_option : str or None
        The option that names the column the trace reads (``co_key``'s ``column``): the
        trace then needs that option, and needs, reads and prunes to the column it names
        instead of ``needs``. Such a trace runs only when asked for, never by default.
    global_keys : bool
        The keys of a post depend on the other posts (``co_similar_text``: near-duplicate
        groups), so they are made from all posts at once, never partition by partition.
    by_default : bool
        ``detect`` runs it when the posts have its columns and ``traces`` is not given;
        False for a tested trace that must be asked for (the temporal traces, see
        :data:`DETECT_TRACES`).
    counts_coactions : bool
        The edges count co-actions, so ``min_weight`` filters them; False for
        ``activity_profile``, which compares whole profiles (``detect`` runs it with
        ``min_weight=1``).
    """

    name: str
    kind: TraceKind
    needs: tuple[str, ...]
    summary: str
    keys: Callable | None = None
    edges: Callable | None = None
    evidence: Callable | None = None
    originals_only: bool = False
    multi_key: bool = False
    null_model: str | None = None
    default_window: str = "60s"
    checks: Mapping[str, Callable] = field(default_factory=lambda: MappingProxyType({}))
    column_option: str | None = None
    global_keys: bool = False
    by_default: bool = True
    counts_coactions: bool = True

    @property
    def options(self) -> dict:
        """Option names and defaults, from the signature of the function that uses them.

        Examples
        --------
        >>> TRACES["hashtag_sequence"].options
        {'min_hashtags': 5}
        """
        function = self.keys if self.kind == "key" else self.edges
        engine_arguments = {"window_us", "min_weight", "max_key_posts"}
        return {
            name: parameter.default
            for name, parameter in inspect.signature(function).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in engine_arguments
        }

    def key_frame(self, indexed, columns, options: Mapping, *, window_us: int, max_key_posts):
        """The (post, key) rows of a key trace: ``keys`` called with the options, and with
        the window and the cap when it declares them (near-duplicate groups link posts
        within the window)."""
        engine = {"window_us": window_us, "max_key_posts": max_key_posts}
        declared = inspect.signature(self.keys).parameters
        given = {name: value for name, value in engine.items() if name in declared}
        return self.keys(indexed, columns, **options, **given)

    def check_options(self, options: Mapping, *, function: str) -> dict:
        """Fail on unknown options or bad values, naming the ones the trace takes.

        Examples
        --------
        >>> TRACES["co_repost"].check_options({"bands": 3}, function="f")
        Traceback (most recent call last):
        ...
        cib_detect.errors.ParameterError: f got option(s) 'bands' that trace 'co_repost' ...
        """
        accepted = self.options
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            takes = f"it takes {', '.join(map(repr, accepted))}" if accepted else "it takes none"
            raise ParameterError(
                f"{function} got option(s) {', '.join(map(repr, unknown))} that trace "
                f"{self.name!r} does not take; {takes}"
            )
        checked = dict(options)
        if self.column_option is not None and checked.get(self.column_option) is None:
            raise ParameterError(
                f"trace {self.name!r} of {function} needs the option {self.column_option}= "
                f"naming the posts column whose values are the keys, e.g. trace="
                f"{self.name!r}, {self.column_option}='sound_id'"
            )
        for name, check in self.checks.items():
            if name in checked:
                checked[name] = check(checked[name], name=name, function=function)
        return checked

    def needed(self, options: Mapping | None = None) -> tuple[str, ...]:
        """The columns the trace can read, as alternatives, given its ``options``.

        Examples
        --------
        >>> TRACES["co_key"].needed({"column": "voice_to_text"}), TRACES["co_sound"].needed()
        (('voice_to_text',), ('sound_id',))
        """
        if self.column_option is None:
            return self.needs
        column = (options or {}).get(self.column_option)
        return () if column is None else (column,)

    def applies_to(self, columns, options: Mapping | None = None) -> bool:
        """True when the posts have a column the trace reads."""
        return any(name in columns for name in self.needed(options))

    def check_columns(self, columns, options: Mapping | None = None) -> None:
        """Fail unless the posts have a column the trace reads, naming them and the fix."""
        keys.require_columns(columns, self.name, *self.needed(options))

    def columns_read(self, columns, options: Mapping | None = None) -> list[str]:
        """The columns of ``columns`` the trace reads (besides ``account_id`` and
        ``timestamp``), for reading only those (Dask, streaming).

        Examples
        --------
        >>> TRACES["co_url"].columns_read(["post_id", "text", "urls", "repost_of"])
        ['urls', 'repost_of']
        >>> TRACES["co_key"].columns_read(["post_id", "voice_to_text"], {"column": "voice_to_text"})
        ['voice_to_text']
        """
        chosen = next((name for name in self.needed(options) if name in columns), None)
        read = [chosen] if chosen is not None else []
        if self.originals_only and "repost_of" in columns and chosen != "repost_of":
            read.append("repost_of")
        return read


def _declare(*traces: Trace) -> Mapping[str, Trace]:
    return MappingProxyType({trace.name: trace for trace in traces})


#: Every trace, by name, in the order the docs and the command line list them.
TRACES: Mapping[str, Trace] = _declare(
    Trace(
        "co_repost",
        "key",
        ("repost_of",),
        "reposting the same post (retweet, share)",
        keys=keys.co_repost,
        null_model="key_popularity",
    ),
    Trace(
        "co_text",
        "key",
        ("text",),
        "the same normalised text (64-bit hash) in original posts",
        keys=keys.co_text,
        originals_only=True,
        null_model="key_popularity",
        checks={"min_chars": _positive_int_or_none},
    ),
    Trace(
        "co_url",
        "key",
        ("urls", "text"),
        "the same canonical URL",
        keys=keys.co_url,
        originals_only=True,
        multi_key=True,
        null_model="key_popularity",
    ),
    Trace(
        "co_domain",
        "key",
        ("domains", "urls", "text"),
        "links to the same registered domain",
        keys=keys.co_domain,
        originals_only=True,
        multi_key=True,
        null_model="key_popularity",
    ),
    Trace(
        "co_hashtag",
        "key",
        ("hashtags", "text"),
        "the same normalised hashtag",
        keys=keys.co_hashtag,
        originals_only=True,
        multi_key=True,
        null_model="key_popularity",
    ),
    Trace(
        "hashtag_sequence",
        "key",
        ("hashtags", "text"),
        "the same ordered hashtags (at least min_hashtags) in one post",
        keys=keys.hashtag_sequence,
        originals_only=True,
        null_model="key_popularity",
        checks={"min_hashtags": _positive_int},
    ),
    Trace(
        "co_reply",
        "key",
        ("reply_to",),
        "replying to the same post",
        keys=keys.co_reply,
        originals_only=True,
        null_model="key_popularity",
    ),
    Trace(
        "co_media",
        "key",
        ("media_hashes",),
        "attaching the same media (exact hash)",
        keys=keys.co_media,
        originals_only=True,
        multi_key=True,
        null_model="key_popularity",
    ),
    Trace(
        "co_sound",
        "key",
        ("sound_id",),
        "the same sound (TikTok's music id) in original posts",
        keys=keys.co_sound,
        originals_only=True,
        null_model="key_popularity",
    ),
    Trace(
        "co_effect",
        "key",
        ("effect_ids",),
        "the same video effect (each effect id) in original posts",
        keys=keys.co_effect,
        originals_only=True,
        multi_key=True,
        null_model="key_popularity",
    ),
    Trace(
        "co_key",
        "key",
        (),
        "the same value of a column the caller names (column=...; each item of a list)",
        keys=keys.co_key,
        multi_key=True,
        null_model="key_popularity",
        checks={"column": _column_name},
        column_option="column",
    ),
    Trace(
        "co_similar_text",
        "key",
        ("text",),
        "the same near-duplicate text group (MinHash LSH, verified Jaccard) in original posts",
        keys=similarity.near_duplicate_keys,
        originals_only=True,
        null_model="key_popularity",
        default_window="30m",
        checks=similarity.OPTION_CHECKS,
        global_keys=True,
    ),
    Trace(
        "sync_activity",
        "profile",
        ("timestamp",),
        "active in the same minutes, hour after hour, beyond each account's own rhythm",
        edges=sync.sync_activity,
        evidence=sync.sync_activity_evidence,
        null_model="own_rhythm",
    ),
    Trace(
        "activity_profile",
        "profile",
        ("timestamp",),
        "the same hour-of-week rhythm and posting cadence",
        edges=profile.activity_profile,
        evidence=profile.activity_profile_evidence,
        null_model="activity_strata",
        by_default=False,
        counts_coactions=False,
    ),
)

#: Traces :func:`cib_detect.detect` runs by default, each where the posts have its
#: columns: those with a null model, but for those whose column is an option (``co_key``)
#: and ``activity_profile``. That trace is tested and fused when ``traces`` names it, but
#: it tests every account's best rhythm partners, a family of its own that takes a share
#: of alpha from every key pair (:func:`cib_detect.graph.fusion.fuse`): on CooRTweet's
#: large simulated set the co-repost recall falls from 100 % to 0 with it, and the
#: one-afternoon storm of the synthetic data is lost.
DETECT_TRACES = tuple(
    name
    for name, trace in TRACES.items()
    if trace.null_model is not None and trace.column_option is None and trace.by_default
)


def get_trace(name, *, function: str, kinds: tuple[TraceKind, ...] | None = None) -> Trace:
    """The declaration of trace ``name``; fails naming the traces ``function`` takes.

    Examples
    --------
    >>> get_trace("co_url", function="f").multi_key
    True
    >>> get_trace("sync_activity", function="f", kinds=("key",))
    Traceback (most recent call last):
    ...
    cib_detect.errors.ParameterError: the 'trace' parameter of f must be one of ...
    """
    allowed = [n for n, t in TRACES.items() if kinds is None or t.kind in kinds]
    check_choice(name, allowed, name="trace", function=function)
    return TRACES[name]
