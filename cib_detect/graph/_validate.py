"""Checks shared by the functions that take an account-pair edge table.

``check_number`` belongs with the helpers of :mod:`cib_detect._params`; it lives here until
that module grows a numeric-range check.
"""

from __future__ import annotations

import polars as pl

from cib_detect.errors import ParameterError, SchemaError

PAIR_COLUMNS = ("account_a", "account_b")


def as_edge_frame(
    edges,
    *,
    function: str,
    numeric: tuple[str, ...] = (),
    needs: str = "",
) -> pl.DataFrame:
    """Return ``edges`` as a polars DataFrame with ``account_a``, ``account_b`` and the
    ``numeric`` columns, or raise one error naming every problem.

    ``needs`` completes the message of a missing numeric column (``"that method='...'
    needs"``). LazyFrames are collected and pandas frames converted.

    Examples
    --------
    >>> import polars as pl
    >>> as_edge_frame(pl.DataFrame({"account_a": ["a"], "account_b": ["b"]}), function="f").shape
    (1, 2)
    """
    if isinstance(edges, pl.LazyFrame):
        edges = edges.collect()
    elif type(edges).__module__.startswith("pandas") and hasattr(edges, "columns"):
        edges = pl.from_pandas(edges)
    if not isinstance(edges, pl.DataFrame):
        raise ParameterError(
            f"the 'edges' parameter of {function} must be a polars DataFrame of account pairs "
            f"(such as co_action_edges returns); got {type(edges).__name__} instead"
        )
    schema = edges.schema
    problems = []
    missing = [c for c in (*PAIR_COLUMNS, *numeric) if c not in schema]
    if missing:
        problems.append(
            f"edges is missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))}{' ' + needs if needs else ''} "
            f"(columns found: {', '.join(map(repr, edges.columns))})"
        )
    else:
        if schema["account_a"] != schema["account_b"]:
            problems.append(
                f"edges columns 'account_a' and 'account_b' must have one dtype; got "
                f"{schema['account_a']} and {schema['account_b']}"
            )
        bad = [f"{c!r} ({schema[c]})" for c in numeric if not schema[c].is_numeric()]
        if bad:
            problems.append(
                f"edges column{'s' if len(bad) > 1 else ''} {', '.join(bad)} must be numeric; "
                f"cast {'them' if len(bad) > 1 else 'it'} or pass another weight="
            )
        nulls = [c for c in PAIR_COLUMNS if edges.get_column(c).null_count()]
        if nulls:
            problems.append(
                f"edges has null account ids in {', '.join(map(repr, nulls))}; drop those rows"
            )
    if problems:
        raise SchemaError("; ".join(problems))
    return edges
