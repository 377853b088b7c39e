"""Readers on hostile input: broken files, mixed directories, odd units and spellings.

Each test pins one behaviour with a hand-written input and a hand-computed expectation.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cib_detect

PACKAGE = Path(cib_detect.__file__).parent


# --- the schema module holds names and dtypes only --------------------------------------


def test_schema_imports_nothing_of_cib_detect_even_inside_functions():
    tree = ast.parse((PACKAGE / "schema.py").read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.startswith("cib_detect")]


def test_validation_lives_in_io_validate_and_stays_public():
    from cib_detect.io import validate

    assert cib_detect.validate_posts is validate.validate_posts
    assert cib_detect.validate_accounts is validate.validate_accounts
    assert cib_detect.io.validate_posts is validate.validate_posts
    assert not hasattr(cib_detect.schema, "validate_posts")
