"""Readers of posts and accounts in the canonical schema (:mod:`cib_detect.schema`).

See ``docs/data_model.md`` for the formats understood and how each maps to the
canonical columns.
"""

from cib_detect.io.formats import ACCOUNT_FORMATS, FORMATS
from cib_detect.io.read import read_accounts, read_posts, scan_posts
from cib_detect.io.validate import validate_accounts, validate_posts

__all__ = [
    "ACCOUNT_FORMATS",
    "FORMATS",
    "read_accounts",
    "read_posts",
    "scan_posts",
    "validate_accounts",
    "validate_posts",
]
