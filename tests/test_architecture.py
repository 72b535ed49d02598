"""The architecture holds: import contracts (import-linter), no import cycle, imports inside
functions only with a stated reason, no module reaching into another's private names."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "annotator"


def test_import_contracts_hold() -> None:
    """The contracts in pyproject.toml ([tool.importlinter]): pure libraries, layers, web on
    top. Breaking one (say, a pure module importing Flask) fails this test."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache", "--no-logo"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), lazy imports included."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_among_annotator_modules() -> None:
    graph = grimp.build_graph("annotator", cache_dir=None)
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    assert cycles(graph) == [["p.a", "p.b", "p.c"]]


def python_files() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("*.py"))


def nested_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports inside a function or method body."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner


def explained(lines: list[str], index: int) -> bool:
    """A comment on the import's line, or just above the run of imports it belongs to."""
    if "#" in lines[index]:
        return True
    while index > 0 and lines[index - 1].strip().startswith(("from ", "import ")):
        index -= 1
    return index > 0 and lines[index - 1].strip().startswith("#")


def test_imports_inside_functions_say_why() -> None:
    """An import inside a function is there for a reason other than a cycle (start-up speed,
    an optional heavy dependency), written in a comment on its line or the line above."""
    unexplained = []
    for path in python_files():
        lines = path.read_text().splitlines()
        for node in nested_imports(ast.parse("\n".join(lines))):
            if not explained(lines, node.lineno - 1):
                unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno}: "
                                   f"{lines[node.lineno - 1].strip()}")
    assert unexplained == []


def test_no_module_imports_another_modules_private_names() -> None:
    reaching = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("annotator"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private:
                    reaching.append(f"{path.relative_to(ROOT)}:{node.lineno}: {private}")
    assert reaching == []


def test_every_room_can_be_read_in_one_sitting() -> None:
    """No Python module over 500 lines, no JavaScript module over 600: split by subject."""
    too_long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for path, limit in [*((p, 500) for p in python_files()),
                            *((p, 600) for p in sorted((ROOT / "static/js").glob("*.js")))]
        if (n := len(path.read_text().splitlines())) > limit
    ]
    assert too_long == []
