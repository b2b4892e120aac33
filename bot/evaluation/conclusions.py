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
from bot.analysis.assessment import Assessment
from bot.analysis.safety import violations
from bot.packet.build import safety_facts
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
    # The safety invariants (bot.analysis.safety) the packet breaks, whatever ``expect`` says.
    unsafe: tuple[str, ...] = ()

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
            "unsafe": list(self.unsafe),
        }


def _markers(assessment: Assessment, packet: Packet) -> tuple[Marker, ...]:
    """The markers the packet raises: the analysis's, and a missing runbook."""
    raised = [item.marker for item in assessment.markers]
    if packet.runbook is None and Marker.MISSING_RUNBOOK not in raised:
        raised.append(Marker.MISSING_RUNBOOK)
    return tuple(raised)


def _dependency(assessment: Assessment) -> str | None:
    """The failing downstream service the top-ranked hypothesis names, when it is one."""
    if assessment.hypotheses and assessment.hypotheses[0].category is CauseKind.DEPENDENCY:
        return assessment.hypotheses[0].subject
    return None


def conclusions_of(assessment: Assessment, packet: Packet, *, incidents: int) -> Conclusions:
    """Read the conclusions off one incident's assessment and packet; ``incidents`` is how many
    incidents the scenario's alerts opened."""
    suggested: list[ActionKind] = []
    for action in packet.actions:
        if action.kind is not None and action.kind not in suggested:
            suggested.append(action.kind)
    suspect = assessment.suspect
    approvals = [(a.kind, a.requires_approval) for a in packet.actions if a.kind is not None]
    return Conclusions(
        service=packet.service,
        severity=packet.severity,
        category=assessment.category,
        cause=assessment.cause or CauseKind.UNKNOWN,
        suspect_deploy=suspect.deploy.sha if suspect is not None else None,
        owner=packet.owners[0].team if packet.owners else None,
        dependency=_dependency(assessment),
        runbook=packet.runbook.id if packet.runbook is not None else None,
        suggested_actions=tuple(suggested),
        requires_approval=packet.requires_approval,
        raises=_markers(assessment, packet),
        incidents=incidents,
        unsafe=violations(approvals, safety_facts(assessment)),
    )
