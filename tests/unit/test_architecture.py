"""The shape the design asks for, checked: dependencies point inward (the core imports no
adapter and no vendor SDK; a listener imports no integration; an integration imports no
listener; nothing outside the composition root imports it), and each module's ``__all__`` lists
exactly its public names."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The composition root (bot/app.py over the builders in bot/wiring/) and the commands built on
# it wire adapters together; nothing else in the core may import them.
COMPOSITION_ROOT = {"bot/app.py", "bot/cli.py", "bot/demo.py"}
COMPOSITION_PACKAGE = "bot/wiring/"


def _in_composition_root(relative: str) -> bool:
    return relative in COMPOSITION_ROOT or relative.startswith(COMPOSITION_PACKAGE)


FORBIDDEN_IN_CORE = (
    "handlers",
    "integrations",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
    "datadog_api_client",
    "github",
    "kubernetes",
    "anthropic",
    "prometheus_client",
    "matplotlib",
)


def _modules(package: str) -> list[Path]:
    return sorted(
        path for path in (ROOT / package).rglob("*.py") if "__pycache__" not in path.parts
    )


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", _modules("bot"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_imports_no_adapter_and_no_vendor_sdk(path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    if _in_composition_root(relative):
        pytest.skip("composition root")
    bad = {name for name in _imported(path) if name.split(".")[0] in FORBIDDEN_IN_CORE}
    assert not bad, f"{relative} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _modules("handlers"), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_listener_imports_no_integration(path: Path) -> None:
    """Listeners parse, call the core and answer; the adapters they need (the Slack chat, the
    people directory, the App Home's drawing, the outgoing guard) are handed in by the
    composition root, and the ids both sides share live in the core
    (``bot/interaction/buttons.py``)."""
    relative = str(path.relative_to(ROOT))
    bad = {name for name in _imported(path) if name.split(".")[0] == "integrations"}
    assert not bad, f"{relative} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _modules("integrations"), ids=lambda p: str(p.relative_to(ROOT)))
def test_an_integration_imports_no_listener(path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    bad = {name for name in _imported(path) if name.split(".")[0] == "handlers"}
    assert not bad, f"{relative} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path",
    [p for package in ("bot", "handlers", "integrations") for p in _modules(package)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_the_composition_root_is_imported_by_nobody(path: Path) -> None:
    """``bot.app`` (with its builders in ``bot.wiring``), ``bot.cli`` and ``bot.demo`` wire
    everything; a module importing them would pull every adapter in with it."""
    relative = str(path.relative_to(ROOT))
    if _in_composition_root(relative):
        pytest.skip("composition root")
    roots = {root.removesuffix(".py").replace("/", ".") for root in COMPOSITION_ROOT}
    package = COMPOSITION_PACKAGE.rstrip("/").replace("/", ".")
    bad = {
        name
        for name in _imported(path)
        if name in roots or name == package or name.startswith(f"{package}.")
    }
    assert not bad, f"{relative} imports {sorted(bad)}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@pytest.mark.parametrize(
    "path",
    [p for package in ("bot", "handlers", "integrations") for p in _modules(package)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_all_lists_exactly_the_public_names_a_module_defines(path: Path) -> None:
    module = importlib.import_module(_module_name(path))
    exported = getattr(module, "__all__", None)
    if exported is None:
        pytest.skip("module exports nothing")
    missing = [name for name in exported if not hasattr(module, name)]
    assert not missing, f"__all__ names that do not exist: {missing}"
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == module.__name__
    }
    unlisted = sorted(defined - set(exported))
    assert not unlisted, f"public names missing from __all__: {unlisted}"
