"""The packet as a value: everything it states, before any rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.action.kinds import ActionKind
from bot.evidence.values import SourceFailure
from bot.history.values import SimilarIncident
from bot.packet.chart import MetricChart
from bot.signal.values import Link, Severity

__all__ = ["CauseEvidence", "Owner", "Packet", "RunbookFit", "SuggestedAction"]


@dataclass(frozen=True, slots=True)
class SuggestedAction:
    text: str
    kind: ActionKind | None = None  # None for advice that changes nothing (review a PR)
    requires_approval: bool = False


@dataclass(frozen=True, slots=True)
class Owner:
    """``origin`` says where the owner came from when the YAML catalog did not name it
    (``from CODEOWNERS (.github/CODEOWNERS:12: /services/billing/)``)."""

    team: str
    slack_group: str | None = None
    origin: str | None = None

    @property
    def display(self) -> str:
        """``payments-platform`` reads as ``Payments platform``; a person (``@dana``) or an
        email address (CODEOWNERS owners) stays exactly as written."""
        if "@" in self.team:
            return self.team
        words = self.team.replace("-", " ").replace("_", " ").strip()
        return words[:1].upper() + words[1:] if words else self.team


@dataclass(frozen=True, slots=True)
class RunbookFit:
    """A runbook as the packet names it: which one, and why it was (or came close to being)
    chosen, so people can judge the choice. ``verify`` is its first check, for a chosen one."""

    id: str
    title: str
    reasons: tuple[str, ...]
    score: int
    verify: str | None = None


@dataclass(frozen=True, slots=True)
class CauseEvidence:
    """One cause the packet names, with the evidence lines for and against it as the analysis
    wrote them, so ``/explain`` (or a narrator) can say why without new facts."""

    statement: str
    kind: str  # the cause kind: deploy, dependency, resource, flag... or unknown
    confidence: float
    supports: tuple[str, ...] = ()
    contradicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Packet:
    incident_id: int
    service: str
    title: str
    severity: Severity
    first_seen: datetime
    signals: tuple[str, ...]
    owners: tuple[Owner, ...]
    actions: tuple[SuggestedAction, ...]
    unavailable: tuple[SourceFailure, ...] = ()
    links: tuple[Link, ...] = ()
    alert_count: int = 1
    # The runbook that fits, or None; then ``closest_runbooks`` says what came nearest.
    runbook: RunbookFit | None = None
    closest_runbooks: tuple[RunbookFit, ...] = ()
    causes: tuple[str, ...] = ()  # the top hypotheses with their confidence, best first
    cause_evidence: tuple[CauseEvidence, ...] = ()  # the same causes, with their evidence
    warnings: tuple[str, ...] = ()  # the raised markers, in words
    # The main signal drawn, attached to the packet's thread after it is posted; None without one.
    chart: MetricChart | None = None
    # True when no language model is configured: the footer says the bot wrote it all itself.
    narrator_off: bool = False
    # Past incidents like this one, most similar first, with the facts that matched (history).
    history: tuple[SimilarIncident, ...] = ()

    @property
    def requires_approval(self) -> tuple[ActionKind, ...]:
        """The suggested action kinds a human must approve, in suggestion order."""
        kinds: list[ActionKind] = []
        for action in self.actions:
            if action.kind is not None and action.requires_approval and action.kind not in kinds:
                kinds.append(action.kind)
        return tuple(kinds)
