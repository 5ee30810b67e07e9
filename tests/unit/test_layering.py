"""Only the transport layer talks httpx: everything else goes through the generated client."""

from __future__ import annotations

import ast
from pathlib import Path

import nuntiq_sdk

ALLOWED = {"_http.py", "_transport.py"}


def _runtime_imports(tree: ast.Module) -> set[str]:
    """Top-level modules imported outside ``if TYPE_CHECKING:`` blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_only_the_transport_layer_imports_httpx() -> None:
    root = Path(nuntiq_sdk.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in sorted(root.rglob("*.py"))
        if path.name not in ALLOWED or path.parent != root
        if "httpx" in _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []
