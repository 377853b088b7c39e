"""Text, hashtag, mention and URL normalisation as polars expressions; stable content hashes.

Every public function takes a column name or a polars expression and returns a polars
expression, so the steps compose in eager and lazy (also streaming) pipelines and keep the
input column's name. The work is vectorised: polars string kernels do the text work, a
numba kernel hashes the Arrow string buffers, and the only Python loop (public-suffix
lookups in :func:`registered_domain`) runs over the distinct hosts of a batch. Costly steps
run only on rows where they can change something (NFKC only on texts with a compatibility
character or a combining mark); URLs are canonicalised once per distinct URL when a batch
repeats them.

See ``docs/normalisation.md`` for the reasoning behind every rule.
"""

from cib_detect.normalize.text import DEFAULT_MIN_CHARS, normalize_text, stable_hash, text_hash
from cib_detect.normalize.tokens import (
    extract_hashtags,
    extract_mentions,
    extract_urls,
    normalize_hashtag,
)
from cib_detect.normalize.urls import (
    SITE_TRACKING_PARAMS,
    TRACKING_PARAMS,
    canonical_url,
    registered_domain,
)

__all__ = [
    "DEFAULT_MIN_CHARS",
    "SITE_TRACKING_PARAMS",
    "TRACKING_PARAMS",
    "canonical_url",
    "extract_hashtags",
    "extract_mentions",
    "extract_urls",
    "normalize_hashtag",
    "normalize_text",
    "registered_domain",
    "stable_hash",
    "text_hash",
]
