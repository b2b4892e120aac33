"""Incidents resolved before that may resemble this one: the service's own, and those that
failed on a service it depends on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.evidence.kind import EvidenceKind, ask_each
from bot.evidence.ports import EvidenceQuery
from bot.history.scenario import past_from_entry
from bot.history.values import PastIncident
from bot.scenario.schemas import Scenario

__all__ = ["KIND", "HistorySource", "ReplayHistory"]


class HistorySource(Protocol):
    name: str

    async def past_incidents(self, query: EvidenceQuery) -> Sequence[PastIncident]:
        """Incidents resolved before ``query.until`` that may resemble one of ``query.service``:
        its own, and those that failed on a service it depends on; the most recent first, a
        bounded number (the similarity is judged by the packet, not the source)."""
        ...


class ReplayHistory:
    """The scenarios' ``history`` entries."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

    async def past_incidents(self, query: EvidenceQuery) -> Sequence[PastIncident]:
        """The ``history`` entries of the service, and those naming as their failing
        ``dependency`` a service it depends on (by the scenario's catalog), before ``until``."""
        found = []
        for scenario in self._scenarios:
            depends_on = set(scenario.to_catalog().dependencies(query.service))
            for entry in scenario.history:
                concerns = entry.service == query.service or entry.dependency in depends_on
                if concerns and entry.at <= query.until:
                    found.append(past_from_entry(entry))
        return sorted(found, key=lambda past: past.opened_at, reverse=True)


KIND: EvidenceKind[HistorySource] = EvidenceKind(
    "history",
    100,
    ask_each("history", lambda source, query: source.past_incidents(query)),
    ReplayHistory,
)
