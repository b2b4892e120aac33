"""The packet's facts under the ids the narrator cites: pure, from what triage established.

Ids are given in a fixed order (the alert, deploys, metric spikes, log clusters, pods, flag
changes, the top hypotheses and each line of their evidence, warnings, unavailable sources), so
the same incident gets the same ids in a replay. ``names`` are the services and pods the facts
mention: grounding drops a claim that names one its cited facts do not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.analysis.triage import Assessment
from bot.catalog import Catalog
from bot.evidence.values import Deploy, EvidenceBundle, PodState
from bot.narrator.values import Fact
from bot.packet.build import describe_marker, describe_spike
from bot.packet.values import Packet

__all__ = ["FactSheet", "incident_facts", "known_services"]

MAX_DEPLOYS = 4
MAX_CLUSTERS = 4
MAX_PODS = 6
MAX_FLAGS = 4
MAX_HYPOTHESES = 3


@dataclass(frozen=True, slots=True)
class FactSheet:
    """Facts to cite and the names (services, pods) grounding watches for."""

    facts: tuple[Fact, ...]
    names: frozenset[str]

    def text(self) -> str:
        """``E1: ...`` lines, as the model reads them (before redaction)."""
        return "\n".join(f"{fact.id}: {fact.text}" for fact in self.facts)


def _at(moment: datetime) -> str:
    return f"{moment:%H:%M} UTC"


def _deploy(deploy: Deploy) -> str:
    text = f"Deploy {deploy.sha} of {deploy.service} at {_at(deploy.at)}"
    if deploy.author:
        text += f" by {deploy.author}"
    if deploy.pr is not None:
        text += f" (PR {deploy.pr})"
    if deploy.title:
        text += f": {deploy.title}"
    if deploy.has_migration:
        text += "; it carries a database migration"
    if not deploy.succeeded:
        text += "; the deploy failed"
    return text


def _pod(pod: PodState) -> str:
    text = f"Pod {pod.name} is {pod.phase}, {'ready' if pod.ready else 'not ready'}"
    text += f", {pod.restarts} restarts"
    if pod.last_termination_reason:
        text += f", last ended {pod.last_termination_reason}"
    return text


def known_services(catalog: Catalog, service: str) -> tuple[str, ...]:
    """Every service the catalog knows, with the ones ``service`` depends on and that depend on
    it (a dependency named only in ``depends_on`` has no entry of its own)."""
    return (*catalog.services, *catalog.dependencies(service), *catalog.dependents(service))


def incident_facts(
    *,
    packet: Packet,
    assessment: Assessment,
    evidence: EvidenceBundle,
    services: Iterable[str] = (),
) -> FactSheet:
    """The facts of one incident's packet, numbered ``E1``, ``E2``... ``services`` adds the
    catalog's service names to the names grounding watches for."""
    texts: list[str] = [
        f"Alert on {packet.service}: {packet.title}, severity {packet.severity.value}, "
        f"first seen {_at(packet.first_seen)}"
    ]
    candidates = [c.deploy for c in assessment.candidates] or sorted(
        (d for d in evidence.deploys if d.service == packet.service), key=lambda d: d.at
    )[-MAX_DEPLOYS:][::-1]
    texts += [_deploy(deploy) for deploy in candidates[:MAX_DEPLOYS]]
    texts += [
        f"{spike.series.service}: {describe_spike(spike)}, first anomaly at "
        f"{_at(spike.first_anomaly_at)}"
        for spike in assessment.spikes
    ]
    for cluster in assessment.log_clusters[:MAX_CLUSTERS]:
        where = ", ".join(cluster.services)
        novelty = "new" if cluster.new else f"seen {cluster.history_count} times before"
        texts.append(
            f"{cluster.count} {cluster.level} log lines from {where} ({novelty}): {cluster.sample}"
        )
    pods = sorted(evidence.cluster.pods, key=lambda p: (p.ready, -p.restarts, p.name))
    texts += [_pod(pod) for pod in pods[:MAX_PODS]]
    flags = [f for f in evidence.flags if f.concerns(packet.service)][-MAX_FLAGS:]
    texts += [
        f"Feature flag {flag.key} changed at {_at(flag.at)}: {flag.change}"
        + (f" ({flag.service})" if flag.service else " (global)")
        for flag in flags
    ]
    for rank, hypothesis in enumerate(assessment.hypotheses[:MAX_HYPOTHESES], start=1):
        texts.append(
            f"Hypothesis {rank} (confidence {hypothesis.confidence:.2f}): {hypothesis.statement}"
        )
        texts += [f"For hypothesis {rank}: {c.text}" for c in hypothesis.supports]
        texts += [f"Against hypothesis {rank}: {c.text}" for c in hypothesis.contradicts]
    texts += [describe_marker(marker) for marker in assessment.markers]
    texts += [f"Evidence from {f.source} unavailable: {f.reason}" for f in evidence.unavailable]
    facts = tuple(Fact(f"E{n}", text) for n, text in enumerate(texts, start=1))
    names = {packet.service, *services, *(d.service for d in evidence.deploys)}
    names |= {pod.name for pod in evidence.cluster.pods}
    names |= {series.service for series in evidence.metrics}
    return FactSheet(facts, frozenset(name for name in names if name))
