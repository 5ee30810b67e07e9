"""The SDK compiles nothing at run time: what can be written at generate time is generated (issue 10)."""

from __future__ import annotations

import ast
from pathlib import Path

SDK = Path(__file__).resolve().parents[2] / "nuntiq_sdk"


def test_no_module_of_the_sdk_calls_eval_exec_or_compile() -> None:
    found = []
    for path in sorted(SDK.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"eval", "exec", "compile"}
            ):
                found.append(f"{path.relative_to(SDK.parent)}:{node.lineno} {node.func.id}()")
    assert found == []
