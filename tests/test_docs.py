"""The docs say what the code does: the trace table, the CLI's trace list, the API page
and the layer picture are checked against the registry, the parser, the modules and
``tests/test_architecture.py``."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from cib_detect.cli import main
from cib_detect.traces.registry import DETECT_TRACES, TRACES
from tests.test_architecture import ALLOWED_UPWARD, LAYERS, layer_of

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _table_rows(text: str, first_header: str) -> list[list[str]]:
    """The body rows of the markdown table whose first header cell is ``first_header``,
    as lists of cell texts."""
    lines = text.splitlines()
    start = next(
        i
        for i, line in enumerate(lines)
        if line.startswith("|") and line.strip("| ").split("|")[0].strip() == first_header
    )
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


@pytest.fixture(scope="module")
def trace_table() -> dict[str, dict[str, str]]:
    text = (DOCS / "traces.md").read_text(encoding="utf-8")
    header = ["trace", "kind", "key", "columns", "options", "null_model", "window"]
    table = {}
    for cells in _table_rows(text, "trace"):
        assert len(cells) == len(header), cells
        row = dict(zip(header, cells, strict=True))
        name = row["trace"].strip("`")
        assert name not in table, f"trace {name!r} has two rows in docs/traces.md"
        table[name] = row
    return table


def test_the_trace_table_lists_exactly_the_registered_traces(trace_table):
    assert list(trace_table) == list(TRACES), (
        "docs/traces.md's trace table must list the traces of "
        "cib_detect.traces.registry.TRACES, in their order"
    )


@pytest.mark.parametrize("name", list(TRACES))
def test_each_trace_row_matches_its_declaration(trace_table, name):
    trace, row = TRACES[name], trace_table[name]
    assert row["kind"] == trace.kind
    for column in trace.needs:
        assert f"`{column}`" in row["columns"], f"{name}: column {column!r} not in the row"
    assert ("originals" in row["columns"]) == trace.originals_only, name
    if trace.options:
        for option, default in trace.options.items():
            written = f'"{default}"' if isinstance(default, str) else repr(default)
            assert f"`{option}={written}`" in row["options"], f"{name}: {option}={written}"
    else:
        assert row["options"] == "none", name
    if trace.null_model is None:
        assert row["null_model"].startswith("none"), name
    else:
        assert row["null_model"] == f"`{trace.null_model}`", name
    assert row["window"].startswith(f"`{trace.default_window}`"), name


def test_detect_help_lists_every_registered_trace(capsys):
    assert main(["detect", "--help"]) == 0
    out = capsys.readouterr().out
    for name in TRACES:
        assert re.search(rf"\b{name}\b", out), f"{name} missing from cib-detect detect --help"
    for name in DETECT_TRACES:
        assert TRACES[name].summary in " ".join(out.split()), name


def _exists(target: str) -> bool:
    """True when ``target`` is a module, or a name defined in a module."""
    module, _, name = target.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        try:
            return importlib.util.find_spec(target) is not None
        except ImportError:
            return False


def test_every_api_reference_entry_exists():
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    targets = re.findall(r"^::: ([\w.]+)\s*$", text, flags=re.MULTILINE)
    assert targets
    missing = [target for target in targets if not _exists(target)]
    assert not missing, f"docs/api.md references objects that do not exist: {missing}"


def test_the_architecture_picture_names_every_layer_in_order():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    picture = text.split("```", 2)[1]
    rows = [line for line in picture.splitlines() if re.match(r"^\s*\d+\s", line)]
    # a layer's row number is its index in LAYERS; the rows run from the top (last) down
    assert [int(line.split()[0]) for line in rows] == list(range(len(LAYERS)))[::-1]
    for names in LAYERS:
        for name in names:
            short = name.removeprefix("cib_detect.").replace(".", "/")
            assert short == "cib_detect" or short in picture, f"{name} is not in the picture"
    # the one allowed upward import is drawn on the row of the importing layer
    for lower, upper in ALLOWED_UPWARD:
        row = next(line for line in rows if int(line.split()[0]) == layer_of(lower))
        assert upper.removeprefix("cib_detect.").replace(".", "/") in row, (lower, upper)
