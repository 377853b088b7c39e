"""Validation and parsing of public-function parameters (durations, choices, numbers)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import timedelta

from cib_detect.errors import ParameterError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(us|ms|s|m|min|h|d|w)?\s*$")
_UNIT_SECONDS = {
    None: 1.0,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}


def duration_seconds(value, *, name: str, function: str) -> float:
    """Parse a duration given as ``"60s"``, ``"5m"``, ``"1h"``, a number of seconds or a
    ``timedelta`` into a non-negative number of seconds.

    Examples
    --------
    >>> duration_seconds("5m", name="window", function="co_action_edges")
    300.0
    >>> duration_seconds(timedelta(seconds=1.5), name="window", function="detect")
    1.5
    """
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        seconds = None
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    else:
        seconds = None
    if seconds is None or not seconds >= 0 or seconds == float("inf"):
        raise ParameterError(
            f"the {name!r} parameter of {function} must be a non-negative duration such as "
            f"'60s', '5m', '1h', a number of seconds or a timedelta; got {value!r} instead"
        )
    return seconds


def duration_microseconds(value, *, name: str, function: str) -> int:
    """Like :func:`duration_seconds`, rounded to whole microseconds (the kernels' time unit).

    Examples
    --------
    >>> duration_microseconds("60s", name="window", function="co_action_edges")
    60000000
    """
    return round(duration_seconds(value, name=name, function=function) * 1_000_000)


def check_choice(value, choices: Iterable[str], *, name: str, function: str) -> str:
    """Check that ``value`` is one of ``choices`` and return it.

    Examples
    --------
    >>> check_choice("co_url", ["co_url", "co_text"], name="trace", function="f")
    'co_url'
    """
    choices = list(choices)
    if value not in choices:
        raise ParameterError(
            f"the {name!r} parameter of {function} must be one of "
            f"{', '.join(map(repr, choices))}; got {value!r} instead"
        )
    return value


def check_int(value, *, name: str, function: str, minimum: int = 0, allow_none=False):
    """Check that ``value`` is an integer >= ``minimum`` (or None when allowed).

    Examples
    --------
    >>> check_int(2, name="min_weight", function="f", minimum=1)
    2
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        extra = " or None" if allow_none else ""
        raise ParameterError(
            f"the {name!r} parameter of {function} must be an integer >= {minimum}{extra}; "
            f"got {value!r} instead"
        )
    return value


def check_number(
    value,
    *,
    name: str,
    function: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
):
    """Check that ``value`` is a finite real number in an interval and return it as float.

    Examples
    --------
    >>> check_number(0.05, name="alpha", function="f", low=0, high=1, low_open=True)
    0.05
    >>> check_number(2, name="alpha", function="f", low=0, high=1)
    Traceback (most recent call last):
    ...
    cib_detect.errors.ParameterError: the 'alpha' parameter of f must be a number in [0, 1]; ...
    """
    if value is None and allow_none:
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        if low is None and high is None:
            interval = "a finite number"
        elif high is None:
            interval = f"a number {'>' if low_open else '>='} {low:g}"
        elif low is None:
            interval = f"a number {'<' if high_open else '<='} {high:g}"
        else:
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            interval = f"a number in {left}{low:g}, {high:g}{right}"
        extra = " or None" if allow_none else ""
        raise ParameterError(
            f"the {name!r} parameter of {function} must be {interval}{extra}; got {value!r} instead"
        )
    return float(value)
