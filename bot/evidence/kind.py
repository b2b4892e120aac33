"""One kind of evidence, declared as data (as HolmesGPT declares a toolset): its name, the
replay reader that answers it from scenarios, and its gather step.

Each kind is one module in :mod:`bot.evidence.kinds` holding its port (the ``Protocol`` an
adapter implements), its replay reader and its :class:`EvidenceKind`. Adding a kind is adding
such a module: the sources are handed in by kind name (``EvidenceSources(traces=[...])``), the
gather asks every kind, and what a kind gathers that :class:`~bot.evidence.values.EvidenceBundle`
has no field for is kept under its name (``bundle.of("kind")``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import SourceFailure

if TYPE_CHECKING:
    from bot.scenario.schemas import Scenario

__all__ = ["Answers", "Asker", "EvidenceKind", "EvidenceRequest", "Gathered", "ask_each"]

Source = TypeVar("Source")
S = TypeVar("S")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class EvidenceRequest:
    """What one gathering asks about: the packet's window, and the longer windows some kinds
    look back over."""

    query: EvidenceQuery
    # Deploys are asked over a longer window: the deploy before the suspect is what a rollback
    # would go back to, and it may have landed days earlier.
    deploys: EvidenceQuery
    # The long look-back (a trend over days); ``query`` itself when none was asked for.
    longer: EvidenceQuery
    long_asked: bool = False
    # Log lines from the log look-back's start up to ``query``'s window, asked apart so that a
    # page of lines for the window is never crowded out by older ones; None: not asked.
    earlier: EvidenceQuery | None = None
    monitor_ids: tuple[str, ...] = ()  # the monitors behind the incident's alerts, once each

    @classmethod
    def over(
        cls,
        query: EvidenceQuery,
        *,
        deploy_query: EvidenceQuery | None = None,
        long_query: EvidenceQuery | None = None,
        log_query: EvidenceQuery | None = None,
        monitor_ids: Sequence[str] = (),
    ) -> EvidenceRequest:
        earlier = None
        if log_query is not None and log_query.since < query.since:
            earlier = EvidenceQuery(query.service, log_query.since, query.since, query.namespace)
        return cls(
            query=query,
            deploys=deploy_query or query,
            longer=long_query or query,
            long_asked=long_query is not None,
            earlier=earlier,
            monitor_ids=tuple(dict.fromkeys(monitor_ids)),
        )


@dataclass(frozen=True, slots=True)
class Answers(Generic[T]):
    """What a kind's sources answered, and those that could not."""

    items: tuple[T, ...] = ()
    failures: tuple[SourceFailure, ...] = ()


class Asker(Protocol):
    """Asks each source with the deadline (and the late watch): ``label`` names the question
    for late answers (``"metrics:long"``); a failing or late source becomes a failure."""

    def __call__(
        self, label: str, sources: Sequence[S], call: Callable[[S], Awaitable[Sequence[T]]]
    ) -> Awaitable[Answers[T]]: ...


@dataclass(frozen=True, slots=True)
class Gathered:
    """A kind's contribution to the bundle: field values by name, and the failures."""

    fields: Mapping[str, object] = field(default_factory=dict)
    failures: tuple[SourceFailure, ...] = ()


@dataclass(frozen=True, slots=True)
class EvidenceKind(Generic[Source]):
    """A kind of evidence (see the module docstring). ``order`` places it among the kinds: the
    packet names unavailable sources in that order."""

    name: str
    order: int
    gather: Callable[[Sequence[Source], EvidenceRequest, Asker], Awaitable[Gathered]]
    replay: Callable[[Sequence[Scenario]], Source] | None = None  # None: replay has no such data


def ask_each(
    name: str, call: Callable[[Source, EvidenceQuery], Awaitable[Sequence[T]]]
) -> Callable[[Sequence[Source], EvidenceRequest, Asker], Awaitable[Gathered]]:
    """The plain gather step: ask every source about the packet's window and keep all they
    answer, in their order, under ``name``."""

    async def gather(sources: Sequence[Source], request: EvidenceRequest, ask: Asker) -> Gathered:
        found = await ask(name, sources, lambda source: call(source, request.query))
        return Gathered({name: found.items}, found.failures)

    return gather
