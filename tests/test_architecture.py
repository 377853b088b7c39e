"""The package's layering, read from its source (DESIGN.md sections 7 and 8).

Every module under ``cib_detect/`` is parsed with :mod:`ast`; every import counts, at
module level or inside a function, ``import x.y`` or ``from x import y``, relative ones
resolved against the importing module. ``from pkg import name`` depends on the submodule
``pkg.name`` when there is one, else on ``pkg``. Imports under ``if TYPE_CHECKING:`` are
never executed, so they are left out of the import graph (but not of the rules on what
a module may import).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = "cib_detect"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
KERNELS = f"{PACKAGE}.kernels"
# what a kernel may import besides the standard library and the other kernel modules
KERNEL_THIRD_PARTY = {"numpy", "numba"}
KERNEL_INTERNAL = {f"{PACKAGE}._config"}
# numba's compiling decorators and its parallel loop
NUMBA_NAMES = {
    "cfunc",
    "generated_jit",
    "guvectorize",
    "jit",
    "jitclass",
    "njit",
    "prange",
    "stencil",
    "vectorize",
}


@dataclass(frozen=True)
class Import:
    target: str  # a dotted module name, resolved
    line: int
    type_checking: bool  # under ``if TYPE_CHECKING:``

    @property
    def top(self) -> str:
        return self.target.split(".")[0]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Dotted name -> source file of every module of the package."""
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


@cache
def _tree(name: str) -> ast.Module:
    path = modules()[name]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve_from(module: str, node: ast.ImportFrom) -> str:
    """The absolute name of ``from <node.module> import ...`` written in ``module``."""
    if node.level == 0:
        return node.module
    # a package's own __init__ is its base; a plain module's base is its package
    base = module.split(".") if modules()[module].name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _internal(name: str) -> str:
    """The package module that ``import name`` loads: ``name``, or its longest existing
    prefix (``import cib_detect.x.Thing`` does not exist, but ``cib_detect.x`` does)."""
    parts = name.split(".")
    while parts and ".".join(parts) not in modules():
        parts.pop()
    return ".".join(parts) if parts else name


def imports_in(module: str, tree: ast.Module) -> list[Import]:
    """Every import in ``tree``, the source of ``module``, wherever it is written."""
    found = []

    def visit(node: ast.AST, type_checking: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_checking)
            return
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve_from(module, node)
            targets = []
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                targets.append(submodule if submodule in modules() else source)
        else:
            targets = []
        for target in targets:
            if target.split(".")[0] == PACKAGE:
                target = _internal(target)
            found.append(Import(target, node.lineno, type_checking))
        for child in ast.iter_child_nodes(node):
            visit(child, type_checking)

    visit(tree, False)
    return found


@cache
def imports(module: str) -> tuple[Import, ...]:
    return tuple(imports_in(module, _tree(module)))


def _name(node: ast.expr) -> str | None:
    """``njit`` for ``njit``, ``numba.njit`` and ``njit(...)``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_kernel(module: str) -> bool:
    return module == KERNELS or module.startswith(KERNELS + ".")


def _numba_uses(module: str) -> list[str]:
    """Lines of ``module`` that decorate with numba or loop with ``prange``."""

    uses = []
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                if _name(decorator) in NUMBA_NAMES:
                    uses.append(f"{module}:{decorator.lineno} @{_name(decorator)}")
        elif isinstance(node, ast.Name | ast.Attribute) and _name(node) == "prange":
            uses.append(f"{module}:{node.lineno} prange")
    return uses


# ---------------------------------------------------------------------------- parsing


def test_the_parser_sees_the_package_and_resolves_relative_imports():
    assert {f"{PACKAGE}.kernels.pairs", f"{PACKAGE}._config", PACKAGE} <= set(modules())
    kernel_imports = {i.target for i in imports(f"{PACKAGE}.kernels.pairs")}
    assert {"numpy", "numba", f"{PACKAGE}._config", f"{PACKAGE}.kernels._tasks"} <= kernel_imports
    source = """
from . import _tasks
from ..errors import ParameterError
from cib_detect.kernels.pairs import window_pairs
if TYPE_CHECKING:
    import polars
def f():
    from cib_detect import kernels
    import numba.core
"""
    found = imports_in(f"{PACKAGE}.kernels.pairs", ast.parse(source))
    assert [(i.target, i.type_checking) for i in found] == [
        (f"{PACKAGE}.kernels._tasks", False),
        (f"{PACKAGE}.errors", False),
        (f"{PACKAGE}.kernels.pairs", False),
        ("polars", True),
        (f"{PACKAGE}.kernels", False),
        ("numba.core", False),
    ]
    assert imports_in(f"{PACKAGE}.kernels", ast.parse("from . import pairs"))[0].target == (
        f"{PACKAGE}.kernels.pairs"
    )


# ----------------------------------------------------------------------------- rules


def test_kernels_import_only_numpy_numba_the_standard_library_and_config():
    bad = [
        f"{module}:{i.line} imports {i.target}"
        for module in modules()
        if _is_kernel(module)
        for i in imports(module)
        if not (
            i.top in KERNEL_THIRD_PARTY
            or (i.top in sys.stdlib_module_names and i.top != PACKAGE)
            or i.target in KERNEL_INTERNAL
            or _is_kernel(i.target)
        )
    ]
    assert not bad, "kernels/ may import only numpy, numba, the standard library, " + (
        f"{PACKAGE}._config and other kernels:\n" + "\n".join(bad)
    )


def test_no_numba_outside_kernels():
    bad = [
        f"{module}:{i.line} imports {i.target}"
        for module in modules()
        if not _is_kernel(module)
        for i in imports(module)
        if i.top in ("numba", "llvmlite")
    ]
    bad += [use for module in modules() if not _is_kernel(module) for use in _numba_uses(module)]
    assert not bad, "numba code belongs in cib_detect/kernels/:\n" + "\n".join(bad)


def test_every_kernel_is_cached():
    """Each numba decorator in kernels/ passes ``cache`` (``NJIT_KW``/``PARALLEL_KW``
    carry it), so a second process loads the compiled kernels instead of compiling."""
    bad = []
    for module in modules():
        if not _is_kernel(module):
            continue
        for node in ast.walk(_tree(module)):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if _name(decorator) not in NUMBA_NAMES:
                    continue
                keywords = decorator.keywords if isinstance(decorator, ast.Call) else []
                named = {k.arg for k in keywords}
                splats = {ast.unparse(k.value) for k in keywords if k.arg is None}
                if "cache" not in named and not {"NJIT_KW", "PARALLEL_KW"} & splats:
                    bad.append(f"{module}:{node.lineno} {node.name}")
    assert not bad, "numba kernels without cache=True (pass **NJIT_KW):\n" + "\n".join(bad)


# ----------------------------------------------------------------------------- cycles


def import_graph() -> dict[str, set[str]]:
    """Package module -> the package modules it imports (at run time)."""
    return {
        module: {
            i.target
            for i in imports(module)
            if not i.type_checking and i.top == PACKAGE and i.target != module
        }
        for module in modules()
    }


def _reachable(graph: dict[str, set[str]], start: str) -> dict[str, str | None]:
    """Modules reachable from ``start`` (itself included), each with the module it was
    first reached from (breadth first, so the paths are shortest)."""
    parent = {start: None}
    queue = [start]
    for node in queue:
        for successor in sorted(graph[node]):
            if successor not in parent:
                parent[successor] = node
                queue.append(successor)
    return parent


def cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """Every group of modules that import one another (directly or not), as ``(path,
    group)``: ``path`` a shortest cycle ``a -> ... -> a`` from the group's first module,
    ``group`` all of its modules, sorted."""
    reachable = {node: _reachable(graph, node) for node in graph}
    found, seen = [], set()
    for node in sorted(graph):
        if node in seen:
            continue
        group = sorted(other for other in reachable[node] if node in reachable[other])
        seen.update(group)
        if len(group) == 1:
            continue
        # the shortest way back to node: from one of its importers in the group
        parent = reachable[node]
        last = min(
            (other for other in group if node in graph[other]),
            key=lambda other: (_depth(parent, other), other),
        )
        path = [last]
        while parent[path[-1]] is not None:
            path.append(parent[path[-1]])
        found.append(([*reversed(path), node], group))
    return found


def _depth(parent: dict[str, str | None], node: str) -> int:
    depth = 0
    while parent[node] is not None:
        node = parent[node]
        depth += 1
    return depth


def test_cycle_finder_reports_the_cycle_path():
    graph = {"a": {"b", "d"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert cycles(graph) == [
        (["a", "b", "c", "a"], ["a", "b", "c"]),
        (["d", "e", "d"], ["d", "e"]),
    ]
    assert cycles({"x": {"y"}, "y": set()}) == []


def test_the_import_graph_has_no_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles among cib_detect modules:\n" + "\n".join(
        f"{' -> '.join(path)}  (modules in this cycle group: {', '.join(group)})"
        for path, group in found
    )


# DESIGN.md section 7: imports run one way, from the top of this list down. A module may
# import its own layer and those below. The package root imports nothing (its public
# names load on first use), so every layer may read its ``__version__``.
LAYERS = (
    ("cib_detect", "cib_detect._config", "cib_detect.errors", "cib_detect.schema", KERNELS),
    (
        "cib_detect._params",
        "cib_detect.normalize",
        "cib_detect.encode",
        "cib_detect.datasets",
        # readers and single-file writers; writing a whole Detection is further up
        "cib_detect.io",
        "cib_detect.io._diagnose",
        "cib_detect.io._source",
        "cib_detect.io.formats",
        "cib_detect.io.parse",
        "cib_detect.io.read",
        "cib_detect.io.validate",
        "cib_detect.io.writers",
    ),
    ("cib_detect.traces",),
    ("cib_detect.graph",),
    ("cib_detect.engine",),
    ("cib_detect.cluster", "cib_detect.score", "cib_detect.compat"),
    # the result type sits below detect(), which builds it
    ("cib_detect.detection",),
    ("cib_detect.co_action", "cib_detect.pipeline"),
    ("cib_detect.io.detection_files", "cib_detect.export", "cib_detect.report"),
    ("cib_detect.evaluation", "cib_detect.demo", "cib_detect.cli"),
)
# The one upward import, by design: the public method Detection.write is a one-line
# delegate to the writer of a whole Detection, which imports nothing of detection.
ALLOWED_UPWARD = {("cib_detect.detection", "cib_detect.io.detection_files")}


def layer_of(module: str) -> int:
    """Index in LAYERS of the most specific prefix naming ``module``."""
    best, length = None, -1
    for index, names in enumerate(LAYERS):
        for name in names:
            matches = module == name or (
                name not in (PACKAGE, "cib_detect.io") and module.startswith(name + ".")
            )
            if matches and len(name) > length:
                best, length = index, len(name)
    if best is None:
        raise AssertionError(f"module {module} is in no layer of LAYERS; add it")
    return best


def test_imports_run_down_the_layers():
    wrong = []
    for module, targets in import_graph().items():
        for target in targets:
            upward = layer_of(target) > layer_of(module)
            if upward and (module, target) not in ALLOWED_UPWARD:
                wrong.append(
                    f"{module} (layer {layer_of(module)}) imports {target} "
                    f"(layer {layer_of(target)})"
                )
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_io_package_init_loads_only_readers():
    # cib_detect.io is in the readers' layer: its __init__ must not pull in the writer of
    # a whole Detection (which sits above detection)
    assert "cib_detect.io.detection_files" not in import_graph()["cib_detect.io"]
