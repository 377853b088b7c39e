"""Griffe extension for the docs build: Sphinx roles in docstrings as inline code.

The docstrings are numpydoc and cross-reference with Sphinx roles (``:func:`detect```,
``:class:`~cib_detect.errors.SchemaError```), which mkdocstrings would print verbatim.
Each becomes inline code: ``:func:`x.y``` -> ``x.y()``, a leading ``~`` keeps the last
part only. Loaded by ``mkdocs.yml`` (``extensions``); the package itself is unchanged.
"""

from __future__ import annotations

import re

import griffe

_ROLE = re.compile(r":(?:py:)?(func|meth|class|mod|data|attr|obj|exc):`(~?)([^`]+)`")


def _replace(match: re.Match) -> str:
    role, short, target = match.groups()
    if short:
        target = target.rsplit(".", 1)[-1]
    if role in ("func", "meth") and not target.endswith(")"):
        target += "()"
    return f"`{target}`"


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring before it is parsed."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_replace, obj.docstring.value)
