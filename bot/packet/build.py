"""Building the packet from an assessment: pure, so replays and tests need no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from bot.action.kinds import ActionKind
from bot.analysis.spike import Spike
from bot.analysis.triage import Assessment
from bot.catalog import Catalog
from bot.evidence.values import EvidenceBundle
from bot.packet.chart import chart_of
from bot.packet.values import Owner, Packet, RunbookFit, SuggestedAction
from bot.policy import Policy
from bot.runbook.matcher import RunbookCandidate, RunbookQuery, choose_runbook
from bot.runbook.models import Runbook
from bot.signal.values import Link, Severity, Signal

__all__ = ["build_packet", "describe_spike"]

UNITS = {"percent": "%", "%": "%", "ms": " ms", "s": " s", "seconds": " s", "bytes": " B"}


def _number(value: float, unit: str | None) -> str:
    suffix = UNITS.get((unit or "").lower(), f" {unit}" if unit else "")
    return f"{value:g}{suffix}"


def describe_spike(spike: Spike) -> str:
    """``Error rate rose from 0.3% to 8.7%``."""
    name = spike.series.name.replace("_", " ").strip().capitalize()
    unit = spike.series.unit
    return f"{name} rose from {_number(spike.baseline, unit)} to {_number(spike.latest, unit)}"


def _minutes(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _related_line(service: str, signals: Sequence[Signal]) -> list[str]:
    """``3 related alerts (also billing-db); 2 of 4 still firing``: what correlation folded in."""
    if len(signals) < 2:
        return []
    latest: dict[str, str] = {}
    for signal in sorted(signals, key=lambda s: s.started_at):
        latest[signal.fingerprint] = signal.status.value
    firing = sum(1 for status in latest.values() if status == "firing")
    related = len(signals) - 1
    others = sorted({s.service for s in signals if s.service != service})
    also = f" (also {', '.join(others)})" if others else ""
    noun = "alert" if related == 1 else "alerts"
    return [f"{related} related {noun}{also}; {firing} of {len(latest)} still firing"]


def _owners(service: str, signals: Sequence[Signal], catalog: Catalog) -> tuple[Owner, ...]:
    entry = catalog.get(service)
    if entry is not None:
        return (Owner(entry.owner, entry.slack_group),)
    labelled = sorted({signal.owner for signal in signals if signal.owner})
    return tuple(Owner(team) for team in labelled)


def _runbook_fit(candidate: RunbookCandidate, *, chosen: bool) -> RunbookFit:
    runbook = candidate.runbook
    verify = runbook.verify[0].check if chosen and runbook.verify else None
    return RunbookFit(runbook.id, runbook.title, candidate.reasons, candidate.score, verify)


def _runbook_query(
    assessment: Assessment,
    signals: Sequence[Signal],
    evidence: EvidenceBundle,
    catalog: Catalog,
) -> RunbookQuery:
    """What the packet knows that a runbook can match: the alerts' words, the service's log
    lines, the runbooks its catalog entry lists, and the cause the assessment established."""
    texts = [text for signal in signals for text in (signal.title, signal.description) if text]
    texts.extend(log.message for log in evidence.logs if log.service == assessment.service)
    entry = catalog.get(assessment.service)
    return RunbookQuery(
        service=assessment.service,
        texts=tuple(texts),
        cause=assessment.cause,
        listed=entry.runbooks if entry is not None else (),
    )


def build_packet(
    *,
    incident_id: int,
    title: str,
    severity: Severity,
    signals: Sequence[Signal],
    assessment: Assessment,
    evidence: EvidenceBundle,
    catalog: Catalog,
    policy: Policy,
    runbooks: Iterable[Runbook],
) -> Packet:
    """State what the evidence supports, suggest what follows from it, mark what needs a
    human's approval according to ``policy``, and name the runbook among ``runbooks`` that
    fits (or, when none does, the closest ones)."""
    lines = [describe_spike(spike) for spike in assessment.spikes]
    actions: list[SuggestedAction] = []
    links: list[Link] = []
    suspect = assessment.suspect
    if suspect is not None:
        deploy = suspect.deploy
        anchor = "first spike" if assessment.spikes else "first alert"
        lines.append(f"Latest deploy landed {_minutes(suspect.lead)} before {anchor}")
        change = f"PR {deploy.pr}" if deploy.pr is not None else f"commit {deploy.sha}"
        detail = f": {deploy.title}" if deploy.title else ""
        author = f" by {deploy.author}" if deploy.author else ""
        actions.append(SuggestedAction(f"Review {change}{detail} (deploy {deploy.sha}{author})"))
        if deploy.url:
            links.append(Link(f"Suspect deploy: {change}", deploy.url))  # first: read it first
        back_to = f" to {suspect.previous.sha}" if suspect.previous else ""
        actions.append(
            SuggestedAction(
                f"Roll back {assessment.service}{back_to}",
                ActionKind.ROLLBACK,
                policy.requires_approval(ActionKind.ROLLBACK),
            )
        )
    elif evidence.deploys_checked:
        # Said only when a deploy source answered: silence from a failed source proves nothing.
        lines.append("No deploy of this service in the 2 hours before the first signal")
    lines.extend(_related_line(assessment.service, signals))
    owners = _owners(assessment.service, signals, catalog)
    if owners and suspect is None:
        group = f" (@{owners[0].slack_group})" if owners[0].slack_group else ""
        actions.append(
            SuggestedAction(
                f"Page {owners[0].display}{group}",
                ActionKind.PAGE_OWNER,
                policy.requires_approval(ActionKind.PAGE_OWNER),
            )
        )
    choice = choose_runbook(runbooks, _runbook_query(assessment, signals, evidence, catalog))
    for signal in signals:
        links.extend(link for link in signal.links if link not in links)
    return Packet(
        incident_id=incident_id,
        service=assessment.service,
        title=title,
        severity=severity,
        first_seen=assessment.first_seen,
        signals=tuple(lines),
        owners=owners,
        actions=tuple(actions),
        unavailable=evidence.unavailable,
        links=tuple(links),
        alert_count=len(signals),
        runbook=_runbook_fit(choice.best, chosen=True) if choice.best is not None else None,
        closest_runbooks=tuple(_runbook_fit(c, chosen=False) for c in choice.closest),
        chart=chart_of(incident_id, assessment),
    )
