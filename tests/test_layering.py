"""The package order `anti_abuse -> voting -> contest -> app`, read from the source (DESIGN.md).

Every import statement of the production packages counts, including those inside functions and
under `if TYPE_CHECKING:`: a package may import only packages to its right, and no module may
reach itself again through other modules (a cycle). The one exception is assembly: the factory's
functions in `app/__init__.py` import each package's blueprint and `init_app` (a top-level import there
would load the package for anything that imports `app.db`). Literal dynamic imports
(`importlib.import_module("contest.x")`, `__import__("contest.x")`) count as imports.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ("anti_abuse", "voting", "contest", "app")  # each may import only those after it
RANK = {package: i for i, package in enumerate(ORDER)}
ASSEMBLY = "app"  # the factory module: app/__init__.py


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the production module imported
    line: int
    in_function: bool = False  # inside a function body (run when called, not when imported)


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def production_modules(root: Path) -> dict[str, Path]:
    return {module_name(path, root): path for package in ORDER for path in sorted((root / package).rglob("*.py"))}


def _nearest(name: str, modules: dict[str, Path]) -> str | None:
    """The module an import of `name` loads last (`voting.rating.fit` -> `voting.rating`)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import in the module, at any depth, resolved to production modules.

    `from voting import queries` is an import of the module `voting.queries` (its package's
    `__init__` always runs first, for every submodule, so it is no edge of its own);
    `from voting import bp` is an import of the package `voting` itself.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    in_function = {id(inner) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for inner in ast.walk(node) if inner is not node}
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Call) and _dynamic_import(node):
            targets = [node.args[0].value]  # importlib.import_module("x.y") / __import__("x.y") with a literal
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                targets.append(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        for target in targets:
            resolved = _nearest(target, modules)
            edge = Import(name, resolved, node.lineno, id(node) in in_function) if resolved else None
            if edge and resolved != name and edge not in found:
                found.append(edge)
    return found


def _dynamic_import(node: ast.Call) -> bool:
    """A call of importlib.import_module / import_module / __import__ with a string literal first."""
    func = node.func
    named = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return (named in ("import_module", "__import__") and bool(node.args)
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


def import_graph(root: Path) -> list[Import]:
    modules = production_modules(root)
    return [edge for name, path in modules.items() for edge in imports_of(name, path, modules)]


def backward_arrows(edges: list[Import]) -> list[Import]:
    """Imports from a package to one on its left (app -> contest, contest -> voting, ...)."""
    wrong = []
    for edge in edges:
        source, target = edge.module.split(".")[0], edge.target.split(".")[0]
        if (edge.module == ASSEMBLY and edge.in_function) or source == target:
            continue  # the factory's functions assemble the packages; a top-level import there would not
        if RANK[target] < RANK[source]:
            wrong.append(edge)
    return wrong


def cycles(edges: list[Import]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.module, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
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


def _describe(edge: Import) -> str:
    return f"{edge.module} (line {edge.line}) imports {edge.target}"


def test_no_import_runs_against_the_package_order():
    wrong = backward_arrows(import_graph(ROOT))
    assert not wrong, "imports against anti_abuse -> voting -> contest -> app:\n" + "\n".join(map(_describe, wrong))


def test_no_module_imports_itself_through_others():
    found = cycles(import_graph(ROOT))
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


# The checker itself, on small trees made here: it must see what it is meant to see.

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for package in ORDER:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for rel, source in files.items():
        (tmp_path / rel).write_text(source)
    return tmp_path


@pytest.mark.parametrize("files, arrow", [
    ({"contest/routes.py": "from anti_abuse.limits import x\n", "anti_abuse/limits.py": ""},
     ("contest.routes", "anti_abuse.limits")),
    ({"app/web.py": "def home():\n    from contest.queries import current_round\n", "contest/queries.py": ""},
     ("app.web", "contest.queries")),
    ({"voting/service.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import anti_abuse\n"},
     ("voting.service", "anti_abuse")),
    ({"contest/pages.py": "from ..voting import board\n", "voting/board.py": ""}, ("contest.pages", "voting.board")),
    ({"app/web.py": "import importlib\ndef f():\n    return importlib.import_module('contest.queries')\n",
      "contest/queries.py": ""}, ("app.web", "contest.queries")),
    ({"app/web.py": "def f():\n    return __import__('voting.board')\n", "voting/board.py": ""},
     ("app.web", "voting.board")),
    ({"app/__init__.py": "from contest.queries import current_round\n", "contest/queries.py": ""},
     ("app", "contest.queries")),
], ids=["top-level", "inside-a-function", "type-checking-only", "relative", "import-module", "dunder-import",
        "factory-top-level"])
def test_the_checker_sees_a_backward_arrow(tmp_path, files, arrow):
    wrong = backward_arrows(import_graph(_tree(tmp_path, files)))
    assert [(e.module, e.target) for e in wrong] == [arrow]


def test_the_checker_allows_downward_imports_and_the_factory(tmp_path):
    root = _tree(tmp_path, {"anti_abuse/limits.py": "from voting.service import VoteCap\nfrom app.db import x\n",
                            "voting/service.py": "", "app/db.py": "",
                            "app/__init__.py": "def create_app():\n    import anti_abuse\n    import contest\n"})
    assert backward_arrows(import_graph(root)) == []


def test_the_checker_sees_a_cycle_held_together_inside_functions(tmp_path):
    root = _tree(tmp_path, {"app/auth.py": "def init_app():\n    from app.auth_routes import bp\n",
                            "app/auth_routes.py": "from app.security import x\n",
                            "app/security.py": "def check():\n    from app.auth import current_user\n"})
    assert cycles(import_graph(root)) == [["app.auth", "app.auth_routes", "app.security"]]


def test_a_package_importing_its_own_submodules_is_no_cycle_but_a_submodule_using_the_package_is(tmp_path):
    clean = _tree(tmp_path / "clean", {"voting/queries.py": "", "voting/leaderboard.py": "from voting import queries\n"})
    assert cycles(import_graph(clean)) == []
    tangled = _tree(tmp_path / "tangled", {"anti_abuse/__init__.py": "bp = 1\nfrom anti_abuse import routes\n",
                                           "anti_abuse/routes.py": "from anti_abuse import bp\n"})
    assert cycles(import_graph(tangled)) == [["anti_abuse", "anti_abuse.routes"]]
