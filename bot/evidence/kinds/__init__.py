"""The kinds of evidence, one module each (see :mod:`bot.evidence.kind`). Every module in this
package that declares a ``KIND`` is a kind: adding a module adds the kind."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from bot.evidence.kind import EvidenceKind

__all__ = ["evidence_kinds", "kind_named"]


@cache
def evidence_kinds() -> tuple[EvidenceKind[Any], ...]:
    """Every kind, in its declared order."""
    found: list[EvidenceKind[Any]] = []
    for module in pkgutil.iter_modules(__path__):
        kind = getattr(importlib.import_module(f"{__name__}.{module.name}"), "KIND", None)
        if isinstance(kind, EvidenceKind):
            found.append(kind)
    return tuple(sorted(found, key=lambda kind: (kind.order, kind.name)))


def kind_named(name: str) -> EvidenceKind[Any]:
    """The kind called ``name``; :class:`KeyError` naming the known ones otherwise."""
    for kind in evidence_kinds():
        if kind.name == name:
            return kind
    known = ", ".join(kind.name for kind in evidence_kinds())
    raise KeyError(f"no evidence kind {name!r} (known: {known})")
