"""Commits and merged pull requests of the service's code, deployed or not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.evidence.kind import Asker, EvidenceKind, EvidenceRequest, Gathered
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import CodeChange

__all__ = ["KIND", "ChangeSource"]


class ChangeSource(Protocol):
    name: str

    async def changes(self, query: EvidenceQuery) -> Sequence[CodeChange]:
        """Commits and merged pull requests of the service's code in the window, deployed or
        not, oldest first."""
        ...


async def _gather(
    sources: Sequence[ChangeSource], request: EvidenceRequest, ask: Asker
) -> Gathered:
    """Oldest first; a commit two sources both report is kept once, as the first one said it."""
    found = await ask("changes", sources, lambda source: source.changes(request.query))
    by_sha: dict[str, CodeChange] = {}
    for change in found.items:
        by_sha.setdefault(change.sha, change)
    changes = tuple(sorted(by_sha.values(), key=lambda change: change.at))
    return Gathered({"changes": changes}, found.failures)


# Scenarios record no code changes apart from deploys: replay has no reader for them.
KIND: EvidenceKind[ChangeSource] = EvidenceKind("changes", 80, _gather)
