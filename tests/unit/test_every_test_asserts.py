"""Every test asserts something: an ``assert``, a ``pytest.raises`` (or ``warns``) block, or a
call to a helper that asserts (one defined in the same module with an ``assert`` in it, or one
named ``assert_…``/``check_…``). A test that only runs code proves nothing it names."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
HELPER_PREFIXES = ("assert_", "check_", "_assert", "_check")


def _asserts_directly(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Assert):
            return True
        if isinstance(inner, ast.With | ast.AsyncWith):
            for item in inner.items:
                if any(word in ast.unparse(item.context_expr) for word in ("raises", "warns")):
                    return True
    return False


def _called_names(node: ast.AST) -> set[str]:
    return {
        ast.unparse(inner.func).rsplit(".", 1)[-1]
        for inner in ast.walk(node)
        if isinstance(inner, ast.Call)
    }


def _silent_tests(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    functions = [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    asserting = {node.name for node in functions if _asserts_directly(node)}
    silent = []
    for node in functions:
        if not node.name.startswith("test_") or node.name in asserting:
            continue
        called = _called_names(node)
        if called & asserting or any(name.startswith(HELPER_PREFIXES) for name in called):
            continue
        silent.append(f"{path.relative_to(TESTS)}:{node.lineno} {node.name}")
    return silent


def test_every_test_function_asserts_something() -> None:
    silent = [name for path in sorted(TESTS.rglob("test_*.py")) for name in _silent_tests(path)]
    assert silent == []
