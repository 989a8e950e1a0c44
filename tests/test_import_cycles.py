"""No import cycle between modules of ``dsspulumi/``.

A cycle makes import order matter (a module half-initialised when its partner reads it) and
ties modules that should change apart. Imports are read with :mod:`ast`, not by importing, so
every import counts: at module level, under ``if TYPE_CHECKING:`` and inside functions (a
function-level import hides a cycle from Python, not from the design).

Rules: ``from pkg import name`` where ``pkg.name`` is a module imports that module, otherwise
``pkg`` itself; importing a package imports its ``__init__``; ``import a.b.c`` imports
``a.b.c`` (the parents' ``__init__`` run first, but that is the package relation, not a
dependency between peers, so it is not an edge).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dsspulumi"


def _module_names(root: Path = PACKAGE) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported module of the package, line) for every import statement of one module."""
    root = name.split(".")[0]
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == root or alias.name.startswith(root + "."):
                    yield _nearest(alias.name, modules), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                if node.level > 1:
                    package = package[: -(node.level - 1)]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base != root and not base.startswith(root + "."):
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (full if full in modules else _nearest(base, modules)), node.lineno


def _nearest(dotted: str, modules: dict[str, Path]) -> str:
    """The module a dotted name resolves to (an unknown tail is an attribute)."""
    while dotted not in modules and "." in dotted:
        dotted = dotted.rsplit(".", 1)[0]
    return dotted


def import_graph(root: Path = PACKAGE) -> dict[str, dict[str, int]]:
    """module -> {imported module: first line importing it}."""
    modules = _module_names(root)
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges = graph.setdefault(name, {})
        for target, line in _imports(name, path, modules):
            if target != name and target in modules:
                edges.setdefault(target, line)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return sorted(groups)


def _one_cycle(group: Iterable[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """A shortest cycle through the group's first module, to show how it closes."""
    members = set(group)
    start = min(members)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node]):
            if child == start:
                return paths[node] + [start]
            if child in members and child not in paths:
                paths[child] = paths[node] + [child]
                queue.append(child)
    return [start]


def describe(groups: list[list[str]], graph: dict[str, dict[str, int]]) -> str:
    lines = []
    for group in groups:
        cycle = _one_cycle(group, graph)
        steps = " -> ".join(
            f"{a} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False)
        )
        lines.append(f"cycle between {', '.join(group)}\n    e.g. {steps} -> {cycle[-1]}")
    return "\n".join(lines)


def test_no_import_cycle_in_the_package():
    graph = import_graph()
    groups = strongly_connected(graph)
    assert not groups, "import cycles in dsspulumi/:\n" + describe(groups, graph)


def test_sandbox_kinds_import_no_kind_and_the_machinery_imports_none():
    """Kinds follow each other through reference hooks (``sandbox/hooks.py``) and read each
    other's rows through ``sandbox/lookups.py``; the store and the routes learn the kinds by
    registration, so adding a kind is adding a file."""
    graph = import_graph()
    kinds = "dsspulumi.sandbox.kinds"
    machinery = ("dsspulumi.sandbox.store", "dsspulumi.sandbox.routes", "dsspulumi.sandbox.hooks")
    wrong = [
        f"{module} imports {target} (line {line})"
        for module, edges in sorted(graph.items())
        for target, line in sorted(edges.items())
        if (module.startswith(kinds + ".") and target.startswith(kinds + "."))
        or (module in machinery and (target == kinds or target.startswith(kinds + ".")))
    ]
    assert not wrong, "\n".join(wrong)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_the_detector_sees_every_kind_of_import(tmp_path: Path):
    """Cycles closed by imports Python itself would not trip over: under TYPE_CHECKING, inside
    a function, relative, a submodule named in ``from pkg import``, a package's __init__."""
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.sub import thing\n",
            "pkg/a.py": "import typing\nif typing.TYPE_CHECKING:\n    from .b import B\n",
            "pkg/b.py": "def f():\n    from pkg import a\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/thing.py": "from .. import c\n",
            "pkg/c.py": "import pkg.sub.thing\n",
            "pkg/d.py": "from pkg.c import name\nimport os\n",
            "pkg/e.py": "from pkg import constant\n",
        },
    )
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.b": 3}
    assert graph["pkg.b"] == {"pkg.a": 2}
    assert graph["pkg.sub.thing"] == {"pkg.c": 1}
    assert graph["pkg.d"] == {"pkg.c": 1}  # an attribute of a module: that module
    assert graph["pkg.e"] == {"pkg": 1}  # an attribute of a package: its __init__
    groups = strongly_connected(graph)
    assert groups == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.sub.thing"]]
    text = describe(groups, graph)
    assert "pkg.a (line 3) -> pkg.b (line 2) -> pkg.a" in text


def test_no_cycle_no_report(tmp_path: Path):
    package = _write(
        tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "from . import b\n", "pkg/b.py": ""}
    )
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.b": 1}
    assert strongly_connected(graph) == []
