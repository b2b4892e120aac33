"""The symptoms an assessment established, in the runbooks' vocabulary
(:class:`~bot.runbook.models.Symptom`), so a runbook is chosen by what the analysis found (pods
OOMKilled, a disk filling, a job failing, customer data exposed) and the ranked cause, with
the alert's wording as one input among several."""

from __future__ import annotations

import re

from bot.analysis.detectors.alert import alert_resource
from bot.analysis.detectors.resource import of_service
from bot.analysis.triage import Assessment
from bot.evidence.values import EvidenceBundle
from bot.runbook.models import Symptom
from bot.scenario.terms import CauseKind, IncidentCategory, Marker

__all__ = ["symptoms_of"]

_SUBJECTS = {
    "memory": Symptom.MEMORY,
    "disk": Symptom.DISK,
    "pool": Symptom.POOL,
    "capacity": Symptom.CAPACITY,
}
_CAUSES = {
    CauseKind.TRAFFIC: Symptom.LOAD,
    CauseKind.DEPLOY: Symptom.DEPLOY,
    CauseKind.DEPENDENCY: Symptom.DEPENDENCY,
    CauseKind.CONFIG: Symptom.CONFIG,
    CauseKind.SECURITY: Symptom.SECURITY,
}
_CATEGORIES = {
    IncidentCategory.DATA: Symptom.JOB,
    IncidentCategory.PERFORMANCE: Symptom.LATENCY,
}
_MEMORY_EVENT = re.compile(r"oom|out of memory|memory", re.IGNORECASE)
_DISK_EVENT = re.compile(r"diskpressure|ephemeral-storage|disk|nodefs|imagefs", re.IGNORECASE)


def _cluster_symptoms(assessment: Assessment, evidence: EvidenceBundle) -> set[Symptom]:
    found: set[Symptom] = set()
    for pod in evidence.cluster.pods:
        if of_service(pod, assessment.service):
            if (pod.last_termination_reason or "").lower() == "oomkilled":
                found.add(Symptom.MEMORY)
            if (pod.last_termination_reason or "").lower() == "evicted":
                found.add(Symptom.DISK)
    for event in evidence.cluster.events:
        words = f"{event.reason} {event.message}"
        if event.reason.lower() in {"oomkilling", "systemoom", "oomkilled"}:
            found.add(Symptom.MEMORY)
        elif event.reason.lower() in {"evicted", "diskpressure", "freediskspacefailed"}:
            found.add(Symptom.DISK if _DISK_EVENT.search(words) else Symptom.MEMORY)
        elif event.reason.lower() == "evicted" and _MEMORY_EVENT.search(words):
            found.add(Symptom.MEMORY)
    return found


def symptoms_of(assessment: Assessment, evidence: EvidenceBundle) -> frozenset[Symptom]:
    """Every symptom the assessment (its top cause, category and markers), the cluster's pod
    states and events, and the service's own alerts establish."""
    found: set[Symptom] = set()
    top = assessment.hypotheses[0] if assessment.hypotheses else None
    if top is not None and top.category is CauseKind.RESOURCE and top.subject in _SUBJECTS:
        found.add(_SUBJECTS[top.subject])
    cause = assessment.cause
    if cause in _CAUSES:
        found.add(_CAUSES[cause])
    # A symptom class alone (slow, a job failed) picks a runbook only once a cause is named:
    # with the cause unknown, a capacity runbook's steps would be guesses.
    if cause is not None and (symptom := _CATEGORIES.get(assessment.category)) is not None:
        found.add(symptom)
    if any(raised.marker is Marker.CUSTOMER_DATA for raised in assessment.markers):
        found.add(Symptom.CUSTOMER_DATA)
    for signal in assessment.signals:
        if signal.service == assessment.service:
            kind = alert_resource(f"{signal.title}\n{signal.description}")
            if kind in _SUBJECTS and kind in ("memory", "disk"):
                found.add(_SUBJECTS[kind])
    found |= _cluster_symptoms(assessment, evidence)
    return frozenset(found)
