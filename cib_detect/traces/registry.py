"""Traces that are not key-based: near-duplicate text and temporal similarity.

:func:`cib_detect.co_action_edges` and :func:`cib_detect.co_action_evidence` dispatch here
when ``trace`` is one of :data:`SIMILARITY_TRACES`. Every edge function takes the posts
frame and ``window_us``, ``min_weight``, ``max_key_posts`` and its own keyword-only
options, and returns the columns of :data:`~cib_detect.traces.co_action.EDGE_SCHEMA` plus
``similarity`` (and ``rank`` for ``activity_profile``).
"""

from __future__ import annotations

import inspect

import polars as pl

from cib_detect.errors import ParameterError
from cib_detect.traces.similarity import co_similar_text, co_similar_text_evidence
from cib_detect.traces.temporal import (
    activity_profile,
    activity_profile_evidence,
    sync_activity,
    sync_activity_evidence,
)

__all__ = ["SIMILARITY_EVIDENCE", "SIMILARITY_TRACES", "check_similarity_options"]

#: Similarity traces by name: ``function(posts, *, window_us, min_weight, max_key_posts,
#: **options) -> pl.DataFrame``.
SIMILARITY_TRACES = {
    "co_similar_text": co_similar_text,
    "sync_activity": sync_activity,
    "activity_profile": activity_profile,
}

#: Their evidence: ``function(posts, *, pairs, window_us, max_key_posts, **options)``.
SIMILARITY_EVIDENCE = {
    "co_similar_text": co_similar_text_evidence,
    "sync_activity": sync_activity_evidence,
    "activity_profile": activity_profile_evidence,
}

_COMMON = {"window_us", "min_weight", "max_key_posts"}


def trace_option_names(trace: str) -> list[str]:
    """The trace options of a similarity trace, in signature order.

    Examples
    --------
    >>> trace_option_names("sync_activity")
    ['bin', 'min_posts', 'min_similarity', 'top_k']
    """
    return [
        name
        for name, parameter in inspect.signature(SIMILARITY_TRACES[trace]).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in _COMMON
    ]


def check_similarity_options(trace: str, options: dict, *, function: str) -> None:
    """Fail on options the trace does not take, naming the ones it does.

    Examples
    --------
    >>> check_similarity_options("co_similar_text", {"bands": 20}, function="f")
    >>> check_similarity_options("sync_activity", {"bands": 20}, function="f")
    Traceback (most recent call last):
    ...
    cib_detect.errors.ParameterError: f got option(s) 'bands' that trace 'sync_activity' ...
    """
    accepted = trace_option_names(trace)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ParameterError(
            f"{function} got option(s) {', '.join(map(repr, unknown))} that trace {trace!r} "
            f"does not take; it takes {', '.join(map(repr, accepted))}"
        )


def similarity_edges(
    trace: str, posts: pl.DataFrame, *, window_us: int, min_weight: int, max_key_posts, **options
) -> pl.DataFrame:
    """Run a similarity trace's edge function after checking its options."""
    check_similarity_options(trace, options, function="co_action_edges")
    return SIMILARITY_TRACES[trace](
        posts, window_us=window_us, min_weight=min_weight, max_key_posts=max_key_posts, **options
    )


def similarity_evidence(
    trace: str,
    posts: pl.DataFrame,
    *,
    pairs: pl.DataFrame,
    window_us: int,
    max_key_posts,
    **options,
) -> pl.DataFrame:
    """Run a similarity trace's evidence function after checking its options."""
    check_similarity_options(trace, options, function="co_action_evidence")
    return SIMILARITY_EVIDENCE[trace](
        posts, pairs=pairs, window_us=window_us, max_key_posts=max_key_posts, **options
    )
