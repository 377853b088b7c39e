"""cib_detect: find coordinated inauthentic behaviour and undisclosed government coordination.

Public names are re-exported here explicitly. They are imported on first use (PEP 562),
so that ``import cib_detect.cli`` stays light: the command line then loads polars and
numba inside its own error handling (an interrupt while they load exits with 130, not a
traceback), and a script that needs one function does not pay for all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> module that defines it (a module name alone for subpackages)
_EXPORTS = {
    "Detection": "cib_detect.detection",
    "Evaluation": "cib_detect.evaluation",
    "co_action_edges": "cib_detect.co_action",
    "co_action_evidence": "cib_detect.co_action",
    "compat": None,
    "datasets": None,
    "detect": "cib_detect.pipeline",
    "errors": None,
    "evaluate": "cib_detect.evaluation",
    "normalize": None,
    "read_accounts": "cib_detect.io",
    "read_posts": "cib_detect.io",
    "scan_posts": "cib_detect.io",
    "validate_accounts": "cib_detect.io.validate",
    "validate_posts": "cib_detect.io.validate",
}

__all__ = [
    "Detection",
    "Evaluation",
    "__version__",
    "co_action_edges",
    "co_action_evidence",
    "compat",
    "datasets",
    "detect",
    "errors",
    "evaluate",
    "normalize",
    "read_accounts",
    "read_posts",
    "scan_posts",
    "validate_accounts",
    "validate_posts",
]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'cib_detect' has no attribute {name!r}")
    module = _EXPORTS[name]
    value = (
        importlib.import_module(f"cib_detect.{name}")
        if module is None
        else getattr(importlib.import_module(module), name)
    )
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from cib_detect import compat, datasets, errors, normalize
    from cib_detect.co_action import co_action_edges, co_action_evidence
    from cib_detect.detection import Detection
    from cib_detect.evaluation import Evaluation, evaluate
    from cib_detect.io import read_accounts, read_posts, scan_posts
    from cib_detect.io.validate import validate_accounts, validate_posts
    from cib_detect.pipeline import detect
