"""What the bot concluded about an incident, in the words of a scenario's ``expect`` table.

:func:`conclusions_of` is the one place that reads conclusions off the pipeline's results (the
assessment, the built packet, the incidents the alerts folded into). Where the analysis does
not establish something yet it says ``unknown`` or nothing, never a guess, so the evaluation
shows what is missing instead of passing by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.action.kinds import ActionKind
from bot.analysis.triage import Assessment
from bot.packet.values import Packet
from bot.scenario.terms import CauseKind, IncidentCategory, Marker
from bot.signal.values import Severity

__all__ = ["Conclusions", "conclusions_of"]


@dataclass(frozen=True, slots=True)
class Conclusions:
    """One incident's conclusions; ``None`` means the bot concluded nothing for that key
    (no suspect deploy, no runbook fits, no owner known)."""

    service: str
    severity: Severity
    category: IncidentCategory
    cause: CauseKind
    suspect_deploy: str | None
    owner: str | None
    dependency: str | None
    runbook: str | None
    suggested_actions: tuple[ActionKind, ...]
    requires_approval: tuple[ActionKind, ...]
    raises: tuple[Marker, ...]
    incidents: int

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "severity": self.severity.value,
            "category": self.category.value,
            "cause": self.cause.value,
            "suspect_deploy": self.suspect_deploy,
            "owner": self.owner,
            "dependency": self.dependency,
            "runbook": self.runbook,
            "suggested_actions": [kind.value for kind in self.suggested_actions],
            "requires_approval": [kind.value for kind in self.requires_approval],
            "raises": [marker.value for marker in self.raises],
            "incidents": self.incidents,
        }


def _markers(assessment: Assessment, packet: Packet) -> tuple[Marker, ...]:
    """The markers the packet raises. Today only a missing runbook is stated ("No runbook
    fits"); markers the analysis raises will be read here too."""
    raised: list[Marker] = []
    if packet.runbook is None:
        raised.append(Marker.MISSING_RUNBOOK)
    return tuple(raised)


def conclusions_of(assessment: Assessment, packet: Packet, *, incidents: int) -> Conclusions:
    """Read the conclusions off one incident's assessment and packet; ``incidents`` is how many
    incidents the scenario's alerts opened."""
    suggested: list[ActionKind] = []
    for action in packet.actions:
        if action.kind is not None and action.kind not in suggested:
            suggested.append(action.kind)
    suspect = assessment.suspect
    return Conclusions(
        service=packet.service,
        severity=packet.severity,
        category=IncidentCategory.UNKNOWN,  # the analysis does not categorise incidents yet
        cause=assessment.cause or CauseKind.UNKNOWN,
        suspect_deploy=suspect.deploy.sha if suspect is not None else None,
        owner=packet.owners[0].team if packet.owners else None,
        dependency=None,  # the analysis names no failing dependency yet
        runbook=packet.runbook.id if packet.runbook is not None else None,
        suggested_actions=tuple(suggested),
        requires_approval=packet.requires_approval,
        raises=_markers(assessment, packet),
        incidents=incidents,
    )
