"""The state of the monitors behind the incident's alerts, as their source sees them now."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot.evidence.kind import Asker, EvidenceKind, EvidenceRequest, Gathered
from bot.evidence.values import MonitorState

__all__ = ["KIND", "MonitorSource"]


class MonitorSource(Protocol):
    name: str

    async def monitor(self, monitor_id: str) -> MonitorState:
        """The monitor's current state; raises ``SourceUnavailableError`` when it cannot say."""
        ...


def _reader(monitor_id: str) -> Callable[[MonitorSource], Awaitable[Sequence[MonitorState]]]:
    async def state(source: MonitorSource) -> Sequence[MonitorState]:
        return (await source.monitor(monitor_id),)

    return state


async def _gather(
    sources: Sequence[MonitorSource], request: EvidenceRequest, ask: Asker
) -> Gathered:
    """Each monitor asked of every monitor source; an id none could read is listed in
    ``monitors_unread``."""
    answers = await asyncio.gather(
        *(
            ask(f"monitor:{monitor_id}", sources, _reader(monitor_id))
            for monitor_id in request.monitor_ids
        )
    )
    monitors = tuple(state for answer in answers for state in answer.items)
    unread = tuple(
        i for i in request.monitor_ids if sources and all(m.monitor_id != i for m in monitors)
    )
    failures = tuple(failure for answer in answers for failure in answer.failures)
    return Gathered({"monitors": monitors, "monitors_unread": unread}, failures)


# Scenarios record alerts, not monitor states: replay has no reader for them.
KIND: EvidenceKind[MonitorSource] = EvidenceKind("monitors", 90, _gather)
