"""Validation and parsing of public-function parameters (durations, choices, numbers)."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

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
    elif isinstance(value, numbers.Real):  # int, float and numpy scalars
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
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        extra = " or None" if allow_none else ""
        raise ParameterError(
            f"the {name!r} parameter of {function} must be an integer >= {minimum}{extra}; "
            f"got {value!r} instead"
        )
    return int(value)


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
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
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


def check_strings(value, *, name: str, function: str) -> list[str]:
    """A sequence of ids or names as a list of str; a single string is one item.

    Examples
    --------
    >>> check_strings("rt.com", name="seed_domains", function="detect")
    ['rt.com']
    >>> check_strings(["a1", 2], name="seed_accounts", function="detect")
    ['a1', '2']
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes | dict) or not isinstance(value, Iterable):
        raise ParameterError(
            f"the {name!r} parameter of {function} must be a string or a list of strings; "
            f"got {type(value).__name__} {value!r} instead"
        )
    items = list(value)
    bad = [item for item in items if item is None or isinstance(item, bytes | float)]
    if bad:
        raise ParameterError(
            f"the {name!r} parameter of {function} must hold strings (ids or names); "
            f"got {bad[0]!r} among them; remove it or pass its text"
        )
    return [str(item) for item in items]


def check_spill_dir(spill_dir, *, function: str) -> None:
    """Fail unless ``spill_dir`` is None or an existing, writable directory.

    Examples
    --------
    >>> import tempfile
    >>> check_spill_dir(tempfile.gettempdir(), function="detect")
    >>> check_spill_dir("/no/such/dir", function="detect")
    Traceback (most recent call last):
    ...
    cib_detect.errors.ParameterError: the 'spill_dir' parameter of detect must be ...
    """
    if spill_dir is None:
        return
    try:
        path = Path(spill_dir)
    except TypeError:
        raise ParameterError(
            f"the 'spill_dir' parameter of {function} must be a directory path; "
            f"got {type(spill_dir).__name__} instead"
        ) from None
    if not path.is_dir():
        found = "a file" if path.exists() else "nothing"
        raise ParameterError(
            f"the 'spill_dir' parameter of {function} must be an existing directory; "
            f"{str(path)!r} is {found}; create it first or pass another"
        )
