"""The packet's facts under the ids the narrator cites: pure, from what triage established.

Ids are given in a fixed order (the alert, deploys, metric spikes, log clusters, pods, flag
changes, the top hypotheses and each line of their evidence, warnings, unavailable sources), so
the same incident gets the same ids in a replay. Each fact says what it is (its kind: a causal
claim must cite a ``hypothesis``) and, when it quotes text someone outside the bot wrote (an
alert's title, a log line, a commit or PR title, a hypothesis built on one), where that text
came from, so the prompt shows it as untrusted data. ``names`` are the services, pods, people
and teams the facts mention: the verifier drops a claim that names one its cited facts do not.
``advice`` is the packet's suggested actions and its runbook's check: the only steps a claim
may advise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.analysis.assessment import Assessment
from bot.catalog import Catalog
from bot.evidence.values import Deploy, EvidenceBundle, PodState
from bot.narrator.untrusted import shown_as_data
from bot.narrator.values import Fact, FactKind
from bot.packet.build import describe_marker, describe_spike
from bot.packet.values import Packet

__all__ = ["FactSheet", "incident_facts", "known_services", "packet_advice"]

MAX_DEPLOYS = 4
MAX_CLUSTERS = 4
MAX_PODS = 6
MAX_FLAGS = 4
MAX_HYPOTHESES = 3


@dataclass(frozen=True, slots=True)
class FactSheet:
    """Facts to cite, the names (services, pods, people, teams) the verifier watches for, and
    the advice a claim may give."""

    facts: tuple[Fact, ...]
    names: frozenset[str]
    advice: tuple[str, ...] = ()

    def text(self) -> str:
        """``E1: ...`` lines, for people reading a test or a log (before redaction)."""
        return "\n".join(f"{fact.id}: {fact.text}" for fact in self.facts)


ALERT_ORIGIN = "the alert's title, as its sender wrote it"
DEPLOY_ORIGIN = "the deploy's commit message or PR title, as its author wrote it"
LOG_ORIGIN = "a log line, as the service wrote it"
HYPOTHESIS_ORIGIN = "the analysis' words around a PR title or log line quoted as written"


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


Draft = tuple[str, FactKind, str | None, int | None]  # text, kind, origin, hypothesis rank


def _hypothesis_drafts(assessment: Assessment, evidence: EvidenceBundle) -> list[Draft]:
    """Each top hypothesis and the lines for and against it; marked untrusted where they quote
    a deploy's title or a log line."""
    drafts: list[Draft] = []
    quoted = [d.title for d in evidence.deploys if d.title]
    quoted += [cluster.sample for cluster in assessment.log_clusters]

    def origin(text: str) -> str | None:
        return HYPOTHESIS_ORIGIN if any(q and q in text for q in quoted) else None

    for rank, hypothesis in enumerate(assessment.hypotheses[:MAX_HYPOTHESES], start=1):
        text = f"Hypothesis {rank} (confidence {hypothesis.confidence:.2f}): {hypothesis.statement}"
        drafts.append((text, FactKind.HYPOTHESIS, origin(text), rank))
        for kind, label, lines in (
            (FactKind.SUPPORT, "For", hypothesis.supports),
            (FactKind.CONTRADICTION, "Against", hypothesis.contradicts),
        ):
            for line in lines:
                text = f"{label} hypothesis {rank}: {line.text}"
                drafts.append((text, kind, origin(text), rank))
    return drafts


def incident_facts(
    *,
    packet: Packet,
    assessment: Assessment,
    evidence: EvidenceBundle,
    services: Iterable[str] = (),
) -> FactSheet:
    """The facts of one incident's packet, numbered ``E1``, ``E2``... ``services`` adds the
    catalog's service names to the names grounding watches for."""
    drafts: list[Draft] = [
        (
            f"Alert on {packet.service}: {packet.title}, severity {packet.severity.value}, "
            f"first seen {_at(packet.first_seen)}",
            FactKind.ALERT,
            ALERT_ORIGIN,
            None,
        )
    ]
    candidates = [c.deploy for c in assessment.candidates] or sorted(
        (d for d in evidence.deploys if d.service == packet.service), key=lambda d: d.at
    )[-MAX_DEPLOYS:][::-1]
    drafts += [
        (_deploy(d), FactKind.DEPLOY, DEPLOY_ORIGIN if d.title else None, None)
        for d in candidates[:MAX_DEPLOYS]
    ]
    drafts += [
        (
            f"{spike.series.service}: {describe_spike(spike)}, first anomaly at "
            f"{_at(spike.first_anomaly_at)}",
            FactKind.METRIC,
            None,
            None,
        )
        for spike in assessment.spikes
    ]
    for cluster in assessment.log_clusters[:MAX_CLUSTERS]:
        where = ", ".join(cluster.services)
        novelty = "new" if cluster.new else f"seen {cluster.history_count} times before"
        text = (
            f"{cluster.count} {cluster.level} log lines from {where} ({novelty}): {cluster.sample}"
        )
        drafts.append((text, FactKind.LOG, LOG_ORIGIN, None))
    pods = sorted(evidence.cluster.pods, key=lambda p: (p.ready, -p.restarts, p.name))
    drafts += [(_pod(pod), FactKind.POD, None, None) for pod in pods[:MAX_PODS]]
    flags = [f for f in evidence.flags if f.concerns(packet.service)][-MAX_FLAGS:]
    drafts += [
        (
            f"Feature flag {flag.key} changed at {_at(flag.at)}: {flag.change}"
            + (f" ({flag.service})" if flag.service else " (global)"),
            FactKind.FLAG,
            None,
            None,
        )
        for flag in flags
    ]
    drafts += _hypothesis_drafts(assessment, evidence)
    drafts += [(describe_marker(m), FactKind.WARNING, None, None) for m in assessment.markers]
    drafts += [
        (f"Evidence from {f.source} unavailable: {f.reason}", FactKind.UNAVAILABLE, None, None)
        for f in evidence.unavailable
    ]
    # Outside text that reads like an instruction is quoted and marked in the fact itself, so
    # the model, the verifier and whoever reads a cited fact all see it as data.
    facts = tuple(
        Fact(f"E{n}", shown_as_data(text) if origin else text, kind, origin, rank)
        for n, (text, kind, origin, rank) in enumerate(drafts, start=1)
    )
    names = {packet.service, *services, *(d.service for d in evidence.deploys)}
    names |= {pod.name for pod in evidence.cluster.pods}
    names |= {series.service for series in evidence.metrics}
    names |= {d.author for d in evidence.deploys if d.author}
    names |= {owner.team for owner in packet.owners}
    names |= {owner.slack_group for owner in packet.owners if owner.slack_group}
    return FactSheet(facts, frozenset(name for name in names if name), packet_advice(packet))


def packet_advice(packet: Packet, *, quoted: Iterable[str] = ()) -> tuple[str, ...]:
    """The steps a claim may advise: the packet's suggested actions (the runbook's among them)
    and the chosen runbook's check. Outside text a step quotes (``quoted``: a PR's title in
    "Review PR 4821: ...") is cut out, so a title cannot make its words advice."""
    advice = [action.text for action in packet.actions]
    if packet.runbook is not None and packet.runbook.verify:
        advice.append(f"Verify: {packet.runbook.verify}")
    cut = sorted((q for q in quoted if q), key=len, reverse=True)
    steps: list[str] = []
    for step in advice:
        for text in cut:
            step = step.replace(text, "…")
        steps.append(step)
    return tuple(steps)
