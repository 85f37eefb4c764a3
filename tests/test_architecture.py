"""The import graph of physml has no cycle, no import of another package's private module, and keeps the
layering: the library never imports the studies or the command line (docs/architecture.md, "Dependency rules").

The graph is read from the source with :mod:`ast`, not by importing anything: every ``import`` and
``from ... import`` statement, at module level or inside a function, with relative imports resolved
(``from . import x`` is an edge to the submodule ``x`` when there is one, else to the package).
Imports under ``if TYPE_CHECKING:`` never run, so they count for the private-module and layering rules
but not for cycles. Dynamic imports (``importlib.import_module`` of a computed name) are not seen.

The rules, for a package named ``pkg`` (here ``physml``):

* no cycle among its modules (each cycle is reported as a path ``a -> b -> a``);
* a private module is one with a dotted component that starts with a single underscore. ``pkg.a._b``
  (and anything below it) may be imported only by ``pkg.a`` and the modules below ``pkg.a``; a root-level
  private module (``pkg._io``, ``pkg._version``) is therefore importable by every module of ``pkg``;
* ``pkg.studies`` is imported only from inside ``pkg.studies`` and by the command line ``pkg.cli``;
  ``pkg.cli`` only from inside ``pkg.cli`` and by ``pkg.__main__``.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    runtime: bool  # False under ``if TYPE_CHECKING:``


@dataclass
class Report:
    modules: set[str]
    edges: list[Edge]
    cycles: list[list[str]] = field(default_factory=list)
    tangles: list[list[str]] = field(default_factory=list)  # each cycle's strongly connected component
    private: list[str] = field(default_factory=list)
    layering: list[str] = field(default_factory=list)

    def offenders(self) -> list[str]:
        return ([f"cycle: {' -> '.join(c)}" + (f" (all in one cycle: {', '.join(t)})" if len(t) > len(c) - 1 else "")
                 for c, t in zip(self.cycles, self.tangles, strict=True)]
                + [f"private import: {p}" for p in self.private]
                + [f"layering: {p}" for p in self.layering])


def module_names(package_dir: Path) -> dict[str, Path]:
    """Every module of the package under ``package_dir``: dotted name -> file (``__init__.py`` for a package)."""
    base = package_dir.name
    out = {}
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir).with_suffix("")
        parts = [base, *rel.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """(node, runtime) for every Import/ImportFrom in ``tree``, at any depth."""
    stack: list[tuple[ast.AST, bool]] = [(tree, True)]
    while stack:
        node, runtime = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, runtime
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend((child, False) for child in node.body)
            stack.extend((child, runtime) for child in node.orelse)
            continue
        stack.extend((child, runtime) for child in ast.iter_child_nodes(node))


def _deepest_module(name: str, modules: set[str]) -> str | None:
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def import_edges(package_dir: Path) -> tuple[set[str], list[Edge]]:
    files = module_names(package_dir)
    modules = set(files)
    edges = []
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(), filename=str(path))
        for node, runtime in _imports(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                else:
                    base = node.module or ""
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                resolved = _deepest_module(target, modules)
                if resolved is not None and resolved != name:
                    edges.append(Edge(name, resolved, node.lineno, runtime))
    return modules, edges


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative); components in no particular order."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
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
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    out.append(sorted(component))
    return out


def _cycle_in(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first inside the component)."""
    members = set(component)
    start = component[0]
    parent: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if child not in parent:
                    parent[child] = node
                    nxt.append(child)
        frontier = nxt
    raise AssertionError(f"no cycle in component {component}")


def _private_owner(target: str) -> str | None:
    """The package a private module belongs to (``pkg.a`` for ``pkg.a._b.c``), None when it is public."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def check_package(package_dir: Path) -> Report:
    pkg = package_dir.name
    modules, edges = import_edges(package_dir)
    report = Report(modules, edges)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for e in edges:
        if e.runtime:
            graph[e.source].add(e.target)
    for component in sorted(_strongly_connected(graph)):
        if len(component) > 1:
            report.cycles.append(_cycle_in(component, graph))
            report.tangles.append(component)
    allowed = {f"{pkg}.studies": (f"{pkg}.studies", f"{pkg}.cli"), f"{pkg}.cli": (f"{pkg}.cli", f"{pkg}.__main__")}
    seen = set()
    for e in sorted(edges, key=lambda e: (e.source, e.line, e.target)):
        where = f"{e.source} (line {e.line}) imports {e.target}"
        if (e.source, e.target) in seen:
            continue
        seen.add((e.source, e.target))
        owner = _private_owner(e.target)
        if owner is not None and not _inside(e.source, owner):
            report.private.append(f"{where}, private to {owner}")
        for layer, importers in allowed.items():
            if _inside(e.target, layer) and not any(_inside(e.source, i) for i in importers):
                report.layering.append(f"{where}: only {' and '.join(importers)} may import {layer}")
    return report


def test_physml_import_graph_has_no_cycle_no_private_import_and_keeps_layers():
    report = check_package(ROOT / "physml")
    assert len(report.modules) > 100 and len(report.edges) > 300  # the walk found the package
    offenders = report.offenders()
    assert not offenders, f"{len(offenders)} offenders:\n" + "\n".join(offenders)


# --- the checker itself can fail ------------------------------------------------------------------------------


def _write_package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / "pkg"


def test_checker_finds_a_cycle_a_private_import_and_a_layering_breach(tmp_path):
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "from . import a\n",
        "pkg/_io.py": "",
        "pkg/a/__init__.py": "from ._impl import f\n",
        "pkg/a/_impl.py": "from .. import _io\n\ndef f():\n    from ..b import g  # function-level: still an edge\n",
        "pkg/b/__init__.py": "from .mod import g\n",
        "pkg/b/mod.py": "from pkg.a._impl import f  # private to pkg.a\n\ndef g():\n    pass\n",
        "pkg/b/sub/__init__.py": "from ... import a\nfrom ...a import _impl  # a private module, by from-import\n",
        "pkg/studies/__init__.py": "from .one import run\n",
        "pkg/studies/one.py": "from ..a import f\n\ndef run():\n    pass\n",
        "pkg/cli/__init__.py": "from ..studies import run\n",
        "pkg/__main__.py": "from .cli import main\n",
        "pkg/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .studies import one\n"
                    "    from .d import h\n",
        "pkg/d.py": "from .c import TYPE_CHECKING\n",
    })
    report = check_package(package)
    assert report.modules == {"pkg", "pkg._io", "pkg.a", "pkg.a._impl", "pkg.b", "pkg.b.mod", "pkg.b.sub",
                              "pkg.studies", "pkg.studies.one", "pkg.cli", "pkg.__main__", "pkg.c", "pkg.d"}
    edges = {(e.source, e.target) for e in report.edges}
    assert {("pkg", "pkg.a"), ("pkg.a._impl", "pkg._io"), ("pkg.a._impl", "pkg.b"), ("pkg.b.sub", "pkg.a"),
            ("pkg.b.sub", "pkg.a._impl"), ("pkg.b", "pkg.b.mod")} <= edges
    # the cycle pkg.a -> pkg.a._impl -> pkg.b -> pkg.b.mod -> pkg.a._impl; pkg.c <-> pkg.d only under TYPE_CHECKING
    assert report.cycles == [["pkg.a._impl", "pkg.b", "pkg.b.mod", "pkg.a._impl"]]
    assert report.private == ["pkg.b.mod (line 1) imports pkg.a._impl, private to pkg.a",
                              "pkg.b.sub (line 2) imports pkg.a._impl, private to pkg.a"]
    assert report.layering == [
        "pkg.c (line 3) imports pkg.studies.one: only pkg.studies and pkg.cli may import pkg.studies"]


def test_checker_passes_a_clean_package(tmp_path):
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "from ._version import v\nfrom .a import f\n",
        "pkg/_version.py": "v = 1\n",
        "pkg/a/__init__.py": "from ._impl import f\n",
        "pkg/a/_impl.py": "from .._version import v\nfrom ._deep._x import y\n\ndef f():\n    return v\n",
        "pkg/a/_deep/__init__.py": "",
        "pkg/a/_deep/_x.py": "y = 1\n",
        "pkg/cli/__init__.py": "from ..studies import run\nfrom . import leaf\n",
        "pkg/cli/leaf.py": "from ..a import f\n",
        "pkg/studies/__init__.py": "def run():\n    pass\n",
        "pkg/__main__.py": "from .cli import run\n",
    })
    report = check_package(package)
    assert ("pkg.cli", "pkg.cli.leaf") in {(e.source, e.target) for e in report.edges}
    assert report.offenders() == []
