"""Spans of the service, with the downstream each one called: which dependency the failing
requests end in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.evidence.kind import Asker, EvidenceKind, EvidenceRequest, Gathered
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import TraceSpan
from bot.scenario.schemas import Scenario

__all__ = ["KIND", "ReplayTraces", "TraceSource"]


class TraceSource(Protocol):
    name: str

    async def traces(self, query: EvidenceQuery) -> Sequence[TraceSpan]:
        """Spans of the service in the window, with the downstream each one called, so the
        analysis can see which dependency the failing requests end in."""
        ...


class ReplayTraces:
    """The scenarios' ``traces`` of the asked service inside the asked window."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

    async def traces(self, query: EvidenceQuery) -> Sequence[TraceSpan]:
        return [
            TraceSpan(
                at=span.at,
                service=span.service,
                span=span.span,
                status=span.status,
                duration_ms=span.duration_ms,
                downstream=span.downstream,
            )
            for scenario in self._scenarios
            for span in scenario.traces
            if span.service == query.service and query.since <= span.at <= query.until
        ]


async def _gather(sources: Sequence[TraceSource], request: EvidenceRequest, ask: Asker) -> Gathered:
    """Oldest first, each span once. Identical spans are folded: two sources reporting the same
    call is likelier than two calls alike to the millisecond."""
    found = await ask("traces", sources, lambda source: source.traces(request.query))
    spans = tuple(sorted(dict.fromkeys(found.items), key=lambda span: span.at))
    return Gathered({"traces": spans}, found.failures)


KIND: EvidenceKind[TraceSource] = EvidenceKind("traces", 70, _gather, ReplayTraces)
