"""The Kubernetes detector: events about the service's workload whose reason names a cause,
read through the one table of :mod:`bot.analysis.kube_reasons` (the runbooks read the same table).

Reasons that only say *that* something is wrong (``CrashLoopBackOff``, ``BackOff``, failing
probes, a node gone ``NotReady``) name no cause: the other evidence decides. Weights:
:mod:`bot.analysis.weights`.
"""

from __future__ import annotations

import re

from bot.analysis.citing import WARN, hypothesis
from bot.analysis.deploys import DEPLOY_WINDOW
from bot.analysis.detectors.dependency import alias_pattern
from bot.analysis.detectors.fetch import touches_images
from bot.analysis.detectors.own_lines import hosts_in
from bot.analysis.kube_reasons import KUBE_REASONS, KubeReason, kube_reason
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
    "unreleased_missing_image",
    "webhook_configured",
    "webhook_failures",
]

_IMAGE_PULL = re.compile(
    r"imagepullbackoff|errimagepull|failed to pull image|back-?off pulling image", re.I
)


def kubernetes_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Events about the service's workload whose reason names a cause (OOM kills are counted
    by the resource detector from pod states, with restarts), and an admission webhook that
    could not be called."""
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
        if cause is CauseKind.DEPLOY and subject == "rollout" and not facts.candidates:
            found.extend(_image_removed(facts, lead))
            continue
        if cause is CauseKind.DEPLOY and (image := unreleased_missing_image(facts)) is not None:
            found.extend(_image_removed(facts, lead, image))
            continue
        if cause is CauseKind.DEPLOY:
            continue  # a rollout's failure counts for its deploy (see the deploy detector)
        named = registry_dependency(facts) if subject == "registry" else None
        statement = f"Kubernetes says {subject}: {cited[0].text}"
        found.append(hypothesis(cause, statement, [lead], subject=named or subject))
    if refused := webhook_failures(facts):
        # The API server could not reach an admission webhook: whatever it guards is refused.
        text = f"an admission webhook could not be called: {refused[0][:160]}"
        webhook = Citation("evidence:webhook", text, W.kube_reason)
        if (applied := webhook_configured(facts)) is not None:
            # The webhook configuration someone applied is the change that started it.
            statement = "An admission webhook configuration applied to the cluster is failing"
            cited = [webhook, applied]
            found.append(hypothesis(CauseKind.CONFIG, statement, cited, subject="webhook"))
            return found
        statement = "An admission webhook the cluster calls is failing"
        found.append(hypothesis(CauseKind.DEPENDENCY, statement, [webhook], subject="webhook"))
    return found


# A line (an API server's audit log) recording an admission webhook configuration created or
# changed: from then on the cluster calls that webhook for every object its rules match.
_WEBHOOK_CONFIGURED = re.compile(
    r"\b(?:create|created|update|updated|patch|patched|apply|applied)\b[^\n]{0,40}?"
    r"(?:validating|mutating)webhookconfiguration",
    re.I,
)


def webhook_configured(facts: CaseFacts) -> Citation | None:
    """A line of any service, within the deploy window before the first anomaly, recording an
    admission webhook configuration created or changed: the configuration change behind an
    admission webhook that cannot be called."""
    since = facts.first_seen - DEPLOY_WINDOW
    lines = sorted(
        (r for r in (*facts.related_logs, *facts.logs) if since <= r.at <= facts.first_seen),
        key=lambda r: r.at,
    )
    for record in lines:
        if _WEBHOOK_CONFIGURED.search(record.message):
            text = (
                f"a webhook configuration was applied at {record.at:%H:%M}, before the calls "
                f'to it failed: "{record.message[:120]}"'
            )
            return Citation(f"log:{record.service}", text, W.webhook_configured)
    return None


def _image_removed(facts: CaseFacts, lead: Citation, image: str | None = None) -> list[Hypothesis]:
    """Pods cannot pull an image that does not exist while nothing asked for a new one (no
    rollout of the service landed in the window, or the release's change did not touch the
    image that is missing): it was removed from under them (a retention or cleanup policy, a
    registry that moved its tags). That is configuration, not a release to roll back."""
    if image is None and not _MISSING_PULL.search(lead.text):
        return []
    why = (
        f"{image}, which the release did not build or change, is gone"
        if image is not None
        else f"no rollout of {facts.service} in the window: the image was removed"
    )
    cited = Citation(lead.ref, f"{lead.text} ({why})", lead.weight)
    statement = f"An image {facts.service} runs was removed from the registry"
    return [hypothesis(CauseKind.CONFIG, statement, [cited], subject="image")]


_MISSING_PULL = re.compile(r"not found|manifest unknown|does not exist", re.IGNORECASE)
_IMAGE_REF = re.compile(r"image \\?\"?(?P<ref>[\w.-]+(?::\d+)?/[\w./-]+(?::[\w.-]+|@sha256:\w+)?)")


def unreleased_missing_image(facts: CaseFacts) -> str | None:
    """An image the service's pods cannot pull because the registry says it does not exist,
    when the latest release neither built it (its reference holds neither the release's commit
    nor the service's name: a sidecar, a base image) nor touched a file that names images (a
    manifest, a chart, a Dockerfile): the registry lost it, the release did not ask for it."""
    if not facts.candidates:
        return None
    deploy = facts.candidates[0].deploy
    if touches_images(deploy.files):
        return None
    own = {facts.service.lower(), *re.split(r"[-_]", facts.service.lower())}
    for event in facts.events:
        if not (_IMAGE_PULL.search(f"{event.reason} {event.message}") or "pull" in event.message):
            continue
        match = _IMAGE_REF.search(event.message)
        if match is None or not _MISSING_PULL.search(event.message):
            continue
        ref = match.group("ref").lower()
        repository = ref.rsplit("/", 1)[-1].split(":")[0].split("@")[0]
        if deploy.sha[:7].lower() not in ref and repository not in own:
            return match.group("ref")
    return None


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
    (``image-registry.acme.internal/...`` names ``image-registry``), or whose own lines name
    the host the pulls go to (``docker.io``), or None."""
    messages = registry_failures(facts)
    for dependency in facts.catalog.dependencies(facts.service):
        alias = alias_pattern(dependency, facts.service)
        if any(alias.search(message) for message in messages):
            return dependency
    # Else the declared dependency whose own lines name the host the failed pulls go to.
    called = frozenset(h for message in messages for h in hosts_in(message, called=True))
    for dependency in facts.catalog.dependencies(facts.service):
        own = (r.message for r in facts.related_logs if r.service == dependency)
        if called and any(hosts_in(message) & called for message in own):
            return dependency
    return None


# An admission webhook that failed (not one that judged and denied): the API server could not
# get an answer, so the objects were refused whatever they held.
_WEBHOOK_FAILED = re.compile(
    r"failed calling (?:admission )?webhook|webhook\b.{0,80}\b(?:context deadline exceeded|"
    r"timed? ?out|timeout|connection refused|no endpoints available|i/o timeout|"
    r"x509|certificate)",
    re.IGNORECASE,
)


def webhook_failures(facts: CaseFacts) -> tuple[str, ...]:
    """Events and warning lines saying an admission webhook could not be called (a timeout,
    no endpoints, a certificate): pods or objects refused for the webhook's sake, so a
    rollout refused by it never ran its code."""
    found = [e.message for e in facts.events if _WEBHOOK_FAILED.search(e.message)]
    found += [
        m.text for m in facts.window_messages if m.rank >= WARN and _WEBHOOK_FAILED.search(m.text)
    ]
    return tuple(dict.fromkeys(found))


def failed_rollout(facts: CaseFacts) -> Citation | None:
    """An event saying the service's rollout failed (a config error, a progress deadline);
    none when its pods could not pull their image from a failing registry, since that rollout
    failed for the registry's sake, not for anything it changed."""
    if registry_failures(facts) or webhook_failures(facts) or unreleased_missing_image(facts):
        # Its pods could not pull their image, or were refused by a failing admission webhook:
        # the registry or the webhook failed, not the rollout.
        return None
    for event in facts.events:
        entry = kube_reason(event.reason, event.message)
        if entry is not None and entry.subject == "rollout":
            ref = f"event:{event.namespace}/{event.object}"
            return Citation(ref, f"the rollout failed: {event.reason}", W.kube_reason)
    return None
