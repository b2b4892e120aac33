"""Freeze and maintenance windows that apply to the service (the change calendar)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.evidence.changes import select_windows
from bot.evidence.kind import Asker, EvidenceKind, EvidenceRequest, Gathered
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import ChangeWindow
from bot.scenario.schemas import Scenario

__all__ = ["KIND", "CalendarSource", "ReplayCalendar"]


class CalendarSource(Protocol):
    name: str

    async def change_windows(self, query: EvidenceQuery) -> Sequence[ChangeWindow]:
        """Freeze and maintenance windows that apply to the service and overlap the window."""
        ...


class ReplayCalendar:
    """The scenarios' ``calendar`` windows that apply to the asked service and window."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

    async def change_windows(self, query: EvidenceQuery) -> Sequence[ChangeWindow]:
        windows = (entry.to_window() for scenario in self._scenarios for entry in scenario.calendar)
        return select_windows(windows, query)


async def _gather(
    sources: Sequence[CalendarSource], request: EvidenceRequest, ask: Asker
) -> Gathered:
    """Asked over the long look-back; by start, each window once."""
    found = await ask("calendar", sources, lambda source: source.change_windows(request.longer))
    windows = tuple(sorted(dict.fromkeys(found.items), key=lambda window: window.start))
    return Gathered({"calendar": windows}, found.failures)


KIND: EvidenceKind[CalendarSource] = EvidenceKind("calendar", 60, _gather, ReplayCalendar)
