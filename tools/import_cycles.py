"""Fail on any two-file import circle in a package: module a imports b and b imports a.

import-linter checks the order of the layers, not the files inside one app, and it does not see imports
made by name. This script counts every import a module makes when it runs, wherever it is written:
at the top, inside a function (an import put there to hide a circle is still a circle), and a dotted
path given to ``import_string`` or ``import_module`` as a literal. Imports under ``if TYPE_CHECKING:``
are left out: they never run. Celery task names (``task_named``) are not imports: they are the outbox
hand-off from a lower layer to a higher one (ARCHITECTURE.md).

    python tools/import_cycles.py [package directory, default bma]

Prints each circle with the lines that make it, and exits 1 when there is one.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

BY_NAME = {"import_string", "import_module"}


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package at ``root`` by its dotted name (a package by its own name)."""
    base = root.parent
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(base).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes(tree: ast.AST):
    """Every node of the tree except those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The package's modules ``name`` imports, each with the first line that imports it."""
    is_package = path.name == "__init__.py"
    found: dict[str, int] = {}

    def add(target: str, line: int) -> None:
        # The longest known module the dotted name starts with: ``a.b.func`` is module ``a.b``.
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.setdefault(target, line)

    for node in _nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                source = f"{package}.{node.module}" if node.module else package
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from a import b``: b is the submodule a.b when there is one, else a name in a.
                submodule = f"{source}.{alias.name}"
                add(submodule if submodule in modules else source, node.lineno)
        elif isinstance(node, ast.Call) and _call_name(node) in BY_NAME and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                add(first.value, node.lineno)
    return found


def two_file_circles(root: Path) -> list[tuple[str, int, str, int]]:
    """Each pair (a, line in a, b, line in b) where a imports b and b imports a; a sorts before b."""
    modules = module_names(root)
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    circles = []
    for a, targets in graph.items():
        for b, line in targets.items():
            if a < b and a in graph.get(b, {}):
                circles.append((a, line, b, graph[b][a]))
    return sorted(circles)


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "bma")
    circles = two_file_circles(root)
    modules = module_names(root)
    for a, line_a, b, line_b in circles:
        print(f"import circle: {modules[a]}:{line_a} imports {b}; {modules[b]}:{line_b} imports {a}")
    if circles:
        print(f"{len(circles)} two-file import circle(s) in {root}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
