"""Exceptions and warnings raised by cib_detect.

Every error message names the thing that is wrong, what was found, and the fix.
"""

__all__ = [
    "CappedKeysWarning",
    "CibDetectWarning",
    "DroppedRowsWarning",
    "ParameterError",
    "ParameterWarning",
    "SchemaError",
]


class SchemaError(ValueError):
    """Input data does not match the canonical schema (missing columns, bad values)."""


class ParameterError(ValueError):
    """A parameter of a public function has an invalid value or type."""


class CibDetectWarning(UserWarning):
    """Base class of the warnings cib_detect emits."""


class DroppedRowsWarning(CibDetectWarning):
    """Rows of the input were skipped; the message says how many and why."""


class CappedKeysWarning(CibDetectWarning):
    """Very popular trace keys were left out of a co-action network; the message says which."""


class ParameterWarning(CibDetectWarning):
    """A parameter is valid but its value costs more than it gives (the result is the same);
    the message says why and what to pass instead."""
