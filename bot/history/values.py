"""History's values: a past incident as remembered, the facts a new incident is compared by,
and a past incident found similar with the facts that matched (so the packet can say why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.action.kinds import ActionKind
from bot.scenario.terms import CauseKind

__all__ = ["IncidentFacts", "PastIncident", "Remedy", "SimilarIncident"]


@dataclass(frozen=True, slots=True)
class Remedy:
    """The action that resolved a past incident, verified by the bot after it ran."""

    kind: ActionKind
    target: str


@dataclass(frozen=True, slots=True)
class PastIncident:
    """An incident resolved before, as history remembers it.

    ``cause`` is the kind its packet ranked first (None: unknown or never triaged) and
    ``cause_subject`` what that cause named (a dependency, a resource); ``templates`` the ids of
    the new log templates its window held (``log:`` and ten hex digits, as the analysis names
    them). ``resolution`` is the commander's note; ``remedy`` the verified action, when one was.
    ``cause_text`` keeps a scenario's free-text cause that names no cause kind."""

    service: str
    title: str
    opened_at: datetime
    resolved_at: datetime | None = None
    fingerprint: str | None = None
    cause: CauseKind | None = None
    cause_subject: str | None = None
    templates: frozenset[str] = frozenset()
    time_to_resolve: timedelta | None = None
    resolution: str | None = None
    remedy: Remedy | None = None
    noise: bool = False
    incident_id: int | None = None
    channel_id: str | None = None
    channel_name: str | None = None
    cause_text: str | None = None

    @property
    def dependency(self) -> str | None:
        """The downstream service it failed on, when its cause was a dependency."""
        return self.cause_subject if self.cause is CauseKind.DEPENDENCY else None


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What a new incident is compared by: its service and alert fingerprints, the cause its
    analysis ranked first (and what it names), its new log templates, and the services it
    depends on (the catalog's, and the failing dependency the cause names)."""

    service: str
    fingerprints: frozenset[str] = frozenset()
    cause: CauseKind | None = None
    cause_subject: str | None = None
    templates: frozenset[str] = frozenset()
    dependencies: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SimilarIncident:
    """A past incident the new one resembles: ``matched`` names each fact in common, in words
    (``same alert (fingerprint)``, ``same cause: dependency payments-api``); ``score`` orders
    them, most similar first."""

    past: PastIncident
    matched: tuple[str, ...]
    score: int
