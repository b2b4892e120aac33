"""Feature-flag changes that concern the service: in the packet's window, and before it over the
long look-back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.evidence.changes import select_flag_changes
from bot.evidence.kind import Asker, EvidenceKind, EvidenceRequest, Gathered
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import FlagChange
from bot.scenario.schemas import Scenario

__all__ = ["KIND", "FlagSource", "ReplayFlags"]


class FlagSource(Protocol):
    name: str

    async def flag_changes(self, query: EvidenceQuery) -> Sequence[FlagChange]:
        """Feature-flag changes in the window that concern the service: those naming it and
        those naming no service (global flags)."""
        ...


class ReplayFlags:
    """The scenarios' ``flags`` that concern the asked service, inside the asked window."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

    async def flag_changes(self, query: EvidenceQuery) -> Sequence[FlagChange]:
        changes = (flag.to_evidence() for scenario in self._scenarios for flag in scenario.flags)
        return select_flag_changes(changes, query)


def _in_order_of_time(changes: Sequence[FlagChange]) -> tuple[FlagChange, ...]:
    """Oldest first; a change two sources both report is kept once."""
    return tuple(sorted(dict.fromkeys(changes), key=lambda change: change.at))


async def _gather(sources: Sequence[FlagSource], request: EvidenceRequest, ask: Asker) -> Gathered:
    """Asked once over the long look-back; those before the packet's window are kept apart."""
    found = await ask("flags", sources, lambda source: source.flag_changes(request.longer))
    since = request.query.since
    return Gathered(
        {
            "flags": _in_order_of_time([f for f in found.items if f.at >= since]),
            "earlier_flags": _in_order_of_time([f for f in found.items if f.at < since]),
        },
        found.failures,
    )


KIND: EvidenceKind[FlagSource] = EvidenceKind("flags", 50, _gather, ReplayFlags)
