"""cib_detect: find coordinated inauthentic behaviour and undisclosed government coordination.

Public names are re-exported here explicitly.
"""

from cib_detect import errors

__version__ = "0.1.0"

__all__ = ["__version__", "errors"]
