"""Kubernetes reasons as one table: what a pod's last termination or an event's reason says
about the cause, the symptom class and the runbook that handles it.

A senior reads ``OOMKilled`` as memory exhaustion whatever the alert says ("crash looping"),
``ImagePullBackOff`` on a registry timeout as the registry failing, ``CreateContainerConfigError``
and ``ProgressDeadlineExceeded`` as the rollout that introduced them, ``Evicted`` and
``DiskPressure`` as a node's disk or memory running out. Reasons that only say *that* something
is wrong (``CrashLoopBackOff``, ``BackOff``, failing probes) name no cause: the table says so,
and the other evidence decides. Weights: :mod:`bot.analysis.weights`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.analysis.citing import hypothesis
from bot.analysis.detectors.dependency import alias_pattern
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.scenario.terms import CauseKind

__all__ = [
    "KUBE_REASONS",
    "KubeReason",
    "failed_rollout",
    "kube_reason",
    "kubernetes_hypotheses",
    "registry_dependency",
    "registry_failures",
]


@dataclass(frozen=True, slots=True)
class KubeReason:
    """What one reason means: the cause kind it points to (None: a symptom only), the subject
    (memory, disk, capacity, registry, rollout...) and the runbook that handles it."""

    cause: CauseKind | None
    subject: str
    runbook: str | None


KUBE_REASONS: dict[str, KubeReason] = {
    "oomkilled": KubeReason(CauseKind.RESOURCE, "memory", "oom-kill"),
    "oomkilling": KubeReason(CauseKind.RESOURCE, "memory", "oom-kill"),
    "systemoom": KubeReason(CauseKind.RESOURCE, "memory", "oom-kill"),
    "evicted": KubeReason(CauseKind.RESOURCE, "disk", "disk-filling"),
    "diskpressure": KubeReason(CauseKind.RESOURCE, "disk", "disk-filling"),
    "nodehasdiskpressure": KubeReason(CauseKind.RESOURCE, "disk", "disk-filling"),
    "failedscheduling": KubeReason(CauseKind.RESOURCE, "capacity", None),
    "nodenotready": KubeReason(CauseKind.RESOURCE, "node", None),
    "imagepullbackoff": KubeReason(CauseKind.DEPENDENCY, "registry", "dependency-outage"),
    "errimagepull": KubeReason(CauseKind.DEPENDENCY, "registry", "dependency-outage"),
    "createcontainerconfigerror": KubeReason(CauseKind.DEPLOY, "rollout", "deploy-rollback"),
    "progressdeadlineexceeded": KubeReason(CauseKind.DEPLOY, "rollout", "deploy-rollback"),
    "crashloopbackoff": KubeReason(None, "crash loop", None),
    "backoff": KubeReason(None, "crash loop", None),
    "unhealthy": KubeReason(None, "failing probe", None),
}
_MEMORY = re.compile(r"memory", re.IGNORECASE)
_MISSING_IMAGE = re.compile(r"not found|manifest unknown|does not exist|unauthorized", re.I)
# The kubelet reports a failed pull under the generic reasons ``Failed`` and ``BackOff``; the
# message carries the real one.
_IMAGE_PULL = re.compile(
    r"imagepullbackoff|errimagepull|failed to pull image|back-?off pulling image", re.I
)
_GENERIC = frozenset({"failed", "backoff"})


def kube_reason(reason: str, message: str = "") -> KubeReason | None:
    """The table's entry for ``reason``, read with its message: an eviction for memory is a
    memory one, an image pull that failed under a generic reason (``Failed``, ``BackOff``) is
    an image pull failure, and an image that does not exist is the rollout's fault, not the
    registry's."""
    key = reason.strip().lower()
    if key in _GENERIC and _IMAGE_PULL.search(message):
        key = "imagepullbackoff"
    entry = KUBE_REASONS.get(key)
    if entry is None:
        return None
    if entry.subject == "disk" and _MEMORY.search(message):
        return KubeReason(CauseKind.RESOURCE, "memory", "oom-kill")
    if entry.subject == "registry" and _MISSING_IMAGE.search(message):
        return KubeReason(CauseKind.DEPLOY, "rollout", "deploy-rollback")
    return entry


def kubernetes_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Events about the service's workload whose reason names a cause (OOM kills are counted
    by the resource detector from pod states, with restarts)."""
    by_cause: dict[tuple[CauseKind, str], list[Citation]] = {}
    for event in facts.events:
        entry = kube_reason(event.reason, event.message)
        if entry is None or entry.cause is None or entry.subject == "memory":
            continue
        if entry.subject == "registry" and not registry_failures(facts):
            continue  # another pull of the image said it is missing: not the registry's fault
        ref = f"event:{event.namespace}/{event.object}"
        text = f"{event.reason} on {event.object}: {event.message}"
        by_cause.setdefault((entry.cause, entry.subject), []).append(Citation(ref, text, 0.0))
    found: list[Hypothesis] = []
    for (cause, subject), cited in sorted(by_cause.items()):
        weight = W.kube_reason + (W.kube_reason_repeated if len(cited) > 1 else 0.0)
        lead = Citation(cited[0].ref, cited[0].text, round(weight, 3))
        if cause is CauseKind.DEPLOY:
            continue  # a rollout's failure counts for its deploy (see the deploy detector)
        named = registry_dependency(facts) if subject == "registry" else None
        statement = f"Kubernetes says {subject}: {cited[0].text}"
        found.append(hypothesis(cause, statement, [lead], subject=named or subject))
    return found


def registry_failures(facts: CaseFacts) -> tuple[str, ...]:
    """Messages of events saying images could not be pulled because the registry failed
    (a timeout, a 5xx), not because the image is missing. The pulls of an incident share a
    reason: when one says the image does not exist, the quieter ones ("Back-off pulling
    image") are about that missing image too, and none is the registry's."""
    pulls = [
        (entry, event.message)
        for event in facts.events
        if (entry := kube_reason(event.reason, event.message)) is not None
        and entry.subject in {"registry", "rollout"}
        and _IMAGE_PULL.search(f"{event.reason} {event.message}")
    ]
    if any(entry.subject == "rollout" for entry, _ in pulls):
        return ()
    return tuple(message for _, message in pulls)


def registry_dependency(facts: CaseFacts) -> str | None:
    """The declared dependency of the service that the failed pulls' image references name
    (``image-registry.acme.internal/...`` names ``image-registry``), or None."""
    messages = registry_failures(facts)
    for dependency in facts.catalog.dependencies(facts.service):
        alias = alias_pattern(dependency, facts.service)
        if any(alias.search(message) for message in messages):
            return dependency
    return None


def failed_rollout(facts: CaseFacts) -> Citation | None:
    """An event saying the service's rollout failed (a config error, a progress deadline);
    none when its pods could not pull their image from a failing registry, since that rollout
    failed for the registry's sake, not for anything it changed."""
    if registry_failures(facts):
        return None  # its pods could not pull their image: the registry failed, not the rollout
    for event in facts.events:
        entry = kube_reason(event.reason, event.message)
        if entry is not None and entry.subject == "rollout":
            ref = f"event:{event.namespace}/{event.object}"
            return Citation(ref, f"the rollout failed: {event.reason}", W.kube_reason)
    return None
