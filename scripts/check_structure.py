"""Check the floor plan: layers import downwards only, no import cycles, no long modules, one metadata writer.

Why a script: these are properties of the whole tree that no single test file owns and that drift quietly.
``tests/test_structure.py`` runs it in CI; run it by hand with ``python scripts/check_structure.py``.

- Layers (lowest first): ``schemas`` and ``catalog``, then ``pipelines``, then ``web``, then ``cli``. A module
  may import its own layer and those below, never above (function-level imports count too).
- No import cycle between product modules (a package's ``__init__`` counts as the package).
- No product module over ``MAX_LINES`` lines.
- Only ``catalog/`` opens the metadata writer (``.writer.begin()`` / ``.writer.connect()``).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schemas", "catalog", "pipelines", "web")
LAYER = {"schemas": 0, "catalog": 0, "pipelines": 1, "web": 2, "cli": 3}
MAX_LINES = 500
WRITER = re.compile(r"\.writer\.(begin|connect)\(")


def product_files() -> dict[str, Path]:
    """Module name -> file, for every product module (tests, benchmarks and scripts are not product)."""
    found = {"cli": ROOT / "cli.py"} if (ROOT / "cli.py").exists() else {}
    for package in PACKAGES + ("cli",):
        base = ROOT / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_names(path: Path, module: str, is_package: bool) -> set[str]:
    """Every module name that ``path`` imports, absolute, wherever the import statement stands."""
    names: set[str] = set()
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = base[: len(base) - node.level + 1] if node.level else []
            head = ".".join(prefix + ([node.module] if node.module else []))
            names.add(head)
            names.update(f"{head}.{alias.name}" for alias in node.names)
    return names


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The product module that an imported name refers to (the longest known prefix), or None."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = {resolve(name, modules) for name in imported_names(path, module, path.name == "__init__.py")}
        graph[module] = {t for t in targets if t and t != module and not module.startswith(t + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def problems() -> list[str]:
    modules = product_files()
    graph = import_graph(modules)
    found = [f"cycle: {' <-> '.join(c)}" for c in cycles(graph)]
    for module, targets in sorted(graph.items()):
        layer = LAYER[module.split(".")[0]]
        found += [f"upward import: {module} imports {t}" for t in sorted(targets) if LAYER[t.split(".")[0]] > layer]
    for module, path in sorted(modules.items()):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_LINES:
            found.append(f"too long: {path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES})")
        if not module.startswith("catalog") and WRITER.search(text):
            found.append(f"metadata writer opened outside catalog/: {path.relative_to(ROOT)}")
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    print(f"{len(product_files())} modules checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
