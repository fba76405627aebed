"""Domain modules of voting import nothing from Flask (they take session, stream, clock as arguments)."""
import ast
from pathlib import Path

import pytest

VOTING = Path(__file__).resolve().parents[2] / "voting"
DOMAIN = ["rating", "board", "arena_format", "service", "queries", "live", "stream", "worker", "rebuild",
          "outbox", "leaderboard", "charts", "exclusions", "snapshots", "snapshot_board", "snapshot_views", "release", "release_board",
          "verify", "log", "ratings"]
PURE = ("rating", "board", "arena_format", "release", "release_board", "verify", "log", "ratings")


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_module_does_not_import_flask(module):
    tree = ast.parse((VOTING / f"{module}.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name == "flask" or name.startswith("flask.") or name.startswith("flask_") for name in imported)
    if module in PURE:
        assert not any(name.startswith("sqlalchemy") for name in imported)  # pure maths: no SQL either
