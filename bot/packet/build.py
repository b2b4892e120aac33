"""Building the packet from an assessment: pure, so replays and tests need no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta

from bot.action.kinds import ActionKind
from bot.analysis.detectors.resource import POOL_SUBJECT
from bot.analysis.safety import SafetyFacts, forbidden, must_approve
from bot.analysis.series import SeriesKind, series_kind, trend
from bot.analysis.spike import Spike
from bot.analysis.triage import Assessment
from bot.analysis.values import Hypothesis, RaisedMarker
from bot.catalog import Catalog
from bot.evidence.values import EvidenceBundle
from bot.history.section import history_for_packet
from bot.packet.changes import change_lines
from bot.packet.chart import chart_of
from bot.packet.monitors import monitor_lines
from bot.packet.values import CauseEvidence, Owner, Packet, RunbookFit, SuggestedAction
from bot.policy import Policy
from bot.runbook.evidence import (
    alert_facts,
    cause_resources,
    cluster_conditions,
    line_conditions,
    measured_clear,
    metric_facts,
)
from bot.runbook.facts import RESOURCE_OF, Condition
from bot.runbook.matcher import RunbookCandidate, RunbookChoice, RunbookQuery, choose_runbook
from bot.runbook.models import Runbook
from bot.scenario.terms import CauseKind, Marker
from bot.signal.values import Link, Severity, Signal

__all__ = [
    "MAX_CAUSES",
    "build_packet",
    "describe_hypothesis",
    "describe_marker",
    "describe_spike",
    "exhaustion_lines",
    "safety_facts",
]

MAX_CAUSES = 3
RUNNER_UP_FLOOR = 0.25
MAX_ACTIONS = 6
# Routine log lines ("loaded model ... 3.1 GB on disk") say nothing about what is wrong; only
# warnings and errors are runbook evidence.
ROUTINE_LOG_LEVELS = frozenset({"trace", "debug", "info", "notice"})
STATEMENT_LIMIT = 300
MARKER_WORDS = {
    Marker.CONFLICTING_SIGNALS: "Conflicting signals",
    Marker.LOW_CONFIDENCE: "Low confidence",
    Marker.CUSTOMER_DATA: "Customer data at risk",
    Marker.UNSAFE_ROLLBACK: "Rollback may be unsafe",
    Marker.CHANGE_FREEZE: "Change freeze",
    Marker.MISSING_RUNBOOK: "No runbook fits",
}

UNITS = {"percent": "%", "%": "%", "ms": " ms", "s": " s", "seconds": " s", "bytes": " B"}


def _number(value: float, unit: str | None) -> str:
    suffix = UNITS.get((unit or "").lower(), f" {unit}" if unit else "")
    return f"{value:g}{suffix}"


def describe_spike(spike: Spike) -> str:
    """``Error rate rose from 0.3% to 8.7%``."""
    name = spike.series.name.replace("_", " ").strip().capitalize()
    unit = spike.series.unit
    return f"{name} rose from {_number(spike.baseline, unit)} to {_number(spike.latest, unit)}"


def describe_hypothesis(item: Hypothesis) -> str:
    """``Regression from deploy 9f1c2ab (PR 4821) by dana (confidence 0.91)``."""
    statement = item.statement
    if len(statement) > STATEMENT_LIMIT:
        statement = statement[: STATEMENT_LIMIT - 1] + "…"
    return f"{statement} (confidence {item.confidence:.2f})"


def describe_marker(raised: RaisedMarker) -> str:
    """``Rollback may be unsafe: deploy 3e7f9d2a carries a database migration...``."""
    return f"{MARKER_WORDS.get(raised.marker, raised.marker.value)}: {raised.reason}"


def exhaustion_lines(service: str, evidence: EvidenceBundle, catalog: Catalog) -> list[str]:
    """``disk_used climbed steadily from 61 % to 88 % over 9 h (3 %/h); at this rate the disk
    is full in about 4 h``: each saturation series of the service (or of a dependency, when a
    percentage) that climbs toward its limit, with the time to exhaustion when it has one."""
    services = {service, *catalog.dependencies(service)}
    longer = {(m.service, m.name): m for m in evidence.long_metrics}
    found: list[str] = []
    for series in evidence.metrics:
        if series.service not in services or series_kind(series.name) is not SeriesKind.SATURATION:
            continue
        # Over its whole span (the long look-back): a climb over days shows only over days.
        whole = longer.get((series.service, series.name))
        climb = (trend(whole) if whole is not None else None) or trend(series)
        if climb is not None and (climb.percent or series.service == service):
            whose = "" if series.service == service else f" ({series.service})"
            found.append(climb.describe() + whose)
    return found


def _suggest(text: str, kind: ActionKind, policy: Policy, service: str) -> SuggestedAction:
    """A step of ``kind``, marked as the policy has it for ``service`` (a service may waive or
    add approval for a kind)."""
    return SuggestedAction(text, kind, policy.requires_approval(kind, service))


def _cause_actions(assessment: Assessment, policy: Policy) -> list[SuggestedAction]:
    """The step the top-ranked cause itself calls for: a flag that changed is turned off; a
    configuration that is wrong (an expired certificate, a rotated credential, a reloaded
    setting, a pushed config) is corrected. When a push carried it, reverting that push is the
    deploy's rollback and correcting the setting is this step: both are offered, and which one
    the responder takes is theirs to decide."""
    top = assessment.hypotheses[0] if assessment.hypotheses else None
    if top is not None and top.category is CauseKind.FLAG and top.subject:
        text = f"Turn off feature flag {top.subject}"
        return [_suggest(text, ActionKind.FLAG_OFF, policy, assessment.service)]
    if top is not None and top.category is CauseKind.CONFIG:
        text = f"Correct the configuration: {top.statement}"
        return [_suggest(text, ActionKind.CONFIG_CHANGE, policy, assessment.service)]
    suspect = assessment.suspect
    raised = {item.marker for item in assessment.markers}
    if suspect is not None and suspect.deploy.has_migration and Marker.UNSAFE_ROLLBACK in raised:
        # A rollback over a migration is unsafe: the way out is restoring the state the
        # release changed (the schema's version record, a fix forward), decided by people.
        text = (
            f"Restore what deploy {suspect.deploy.sha[:10]} changed in the schema (its version "
            "record) or fix forward, instead of rolling back"
        )
        return [SuggestedAction(text, ActionKind.CONFIG_CHANGE, requires_approval=True)]
    return []


def _customer_facing(service: str, severity: Severity, catalog: Catalog) -> bool:
    """Whether customers should hear about it: a sev1-2 incident of a tier-1 service."""
    entry = catalog.get(service)
    return entry is not None and entry.tier == 1 and severity.rank <= Severity.SEV2.rank


def _runbook_actions(
    runbook: Runbook, allowed: dict[ActionKind, bool], policy: Policy, service: str
) -> list[SuggestedAction]:
    """The chosen runbook's actions, with its words, when the evidence allows them (the
    runbook cannot know): a rollback only when a deploy is suspected, turning a flag off only
    when a flag that may touch the service changed, a status update only when customer-facing."""
    return [
        _suggest(f"{action.title} (runbook {runbook.id})", action.kind, policy, service)
        for action in runbook.front.actions
        if allowed.get(action.kind, True)
    ]


def _distinct_kinds(actions: list[SuggestedAction]) -> list[SuggestedAction]:
    """The first suggestion of each kind (advice without a kind is always kept)."""
    seen: set[ActionKind] = set()
    kept: list[SuggestedAction] = []
    for action in actions:
        if action.kind is not None:
            if action.kind in seen:
                continue
            seen.add(action.kind)
        kept.append(action)
    return kept


def safety_facts(assessment: Assessment) -> SafetyFacts:
    """What the safety invariants (:mod:`bot.analysis.safety`) need from an assessment."""
    raised = {item.marker for item in assessment.markers}
    suspect = assessment.suspect
    top = assessment.hypotheses[:1]
    return SafetyFacts(
        customer_data=Marker.CUSTOMER_DATA in raised,
        deploy_near=suspect is not None,
        migration=suspect is not None and suspect.deploy.has_migration,
        unsafe_rollback_raised=Marker.UNSAFE_ROLLBACK in raised,
        pool_exhausted=bool(top)
        and top[0].category is CauseKind.RESOURCE
        and top[0].subject == POOL_SUBJECT,
        readings_disputed=Marker.CONFLICTING_SIGNALS in raised and Marker.LOW_CONFIDENCE in raised,
    )


def _safe(actions: Iterable[SuggestedAction], facts: SafetyFacts) -> list[SuggestedAction]:
    """The suggestions the evidence allows: forbidden kinds dropped, and those that need a
    human's approval whatever the policy says marked so."""
    kept: list[SuggestedAction] = []
    for action in actions:
        if action.kind is not None and forbidden(action.kind, facts) is not None:
            continue
        if action.kind is not None and must_approve(action.kind, facts) is not None:
            action = replace(action, requires_approval=True)
        kept.append(action)
    return kept


def _markers(assessment: Assessment, choice: RunbookChoice) -> tuple[RaisedMarker, ...]:
    """The assessment's markers, and ``missing_runbook`` when no runbook fits."""
    if choice.best is not None:
        return assessment.markers
    closest = ", ".join(candidate.runbook.id for candidate in choice.closest)
    reason = f"closest: {closest}" if closest else "none comes close"
    return (*assessment.markers, RaisedMarker(Marker.MISSING_RUNBOOK, reason))


def _shown_hypotheses(assessment: Assessment) -> list[Hypothesis]:
    """The best hypotheses; "unknown" only when it is the best, since below a named cause it
    adds nothing, and the runners-up only while they are leads (confidence of at least
    :data:`RUNNER_UP_FLOOR`): a 0.10 guess under a 0.91 finding is noise in an incident."""
    shown = [
        item
        for index, item in enumerate(assessment.hypotheses)
        if index == 0
        or (item.category is not CauseKind.UNKNOWN and item.confidence >= RUNNER_UP_FLOOR)
    ]
    return shown[:MAX_CAUSES]


def _causes(assessment: Assessment) -> tuple[str, ...]:
    return tuple(describe_hypothesis(item) for item in _shown_hypotheses(assessment))


def _cause_evidence(assessment: Assessment) -> tuple[CauseEvidence, ...]:
    return tuple(
        CauseEvidence(
            statement=item.statement,
            kind=item.category.value,
            confidence=item.confidence,
            supports=tuple(citation.text for citation in item.supports),
            contradicts=tuple(citation.text for citation in item.contradicts),
        )
        for item in _shown_hypotheses(assessment)
    )


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
        origin = entry.origin.describe() if entry.origin is not None else None
        return (Owner(entry.owner, entry.slack_group, origin),)
    labelled = sorted({signal.owner for signal in signals if signal.owner})
    return tuple(Owner(team) for team in labelled)


def _runbook_fit(candidate: RunbookCandidate, *, chosen: bool) -> RunbookFit:
    runbook = candidate.runbook
    verify = runbook.verify[0].check if chosen and runbook.verify else None
    return RunbookFit(runbook.id, runbook.title, candidate.reasons, candidate.score, verify)


def _cause_subjects(assessment: Assessment) -> tuple[str, ...]:
    """What the ranked cause names when it is a resource: its subject (``disk``, ``memory``)
    and the series it cites, so a ranked disk exhaustion is a disk fact."""
    top = assessment.hypotheses[0] if assessment.hypotheses else None
    if top is None or top.category is not CauseKind.RESOURCE:
        return ()
    cited = [ref.partition("/")[2] for ref in top.refs if ref.startswith("metric:")]
    return tuple(subject for subject in (top.subject, *cited) if subject)


def _runbook_query(
    assessment: Assessment,
    signals: Sequence[Signal],
    evidence: EvidenceBundle,
    catalog: Catalog,
) -> RunbookQuery:
    """What the packet knows that a runbook can match: the ranked cause and its confidence,
    the category, the conditions the cluster, the alerts and the service's error lines state
    (pods OOMKilled, a job's run failed, customer data exposed), what the service's series did
    (USE/RED), the alerts' and lines' words, and the runbooks its catalog entry lists."""
    service = assessment.service
    alert_texts = [
        text
        for signal in signals
        if signal.service == service
        for text in (signal.title, signal.description)
        if text
    ]
    lines = [
        log.message
        for log in evidence.logs
        if log.service == service and log.level.lower() not in ROUTINE_LOG_LEVELS
    ]
    # Conditions are read from the incident window's lines (the analysis' clusters of the
    # service's own lines), so yesterday's "no space left" does not name today's trouble.
    window = [
        cluster.sample
        for cluster in assessment.log_clusters
        if cluster.level.lower() not in ROUTINE_LOG_LEVELS
    ]
    # Words saying a resource ran out count only where the measurements do not say otherwise.
    stated = cluster_conditions(service, evidence.cluster)
    clear = {
        resource: reading
        for resource, reading in measured_clear(service, evidence.metrics).items()
        if not any(RESOURCE_OF.get(condition) == resource for condition in stated)
    }
    said = line_conditions([*alert_texts, *window])
    conditions = {
        **stated,
        **{c: why for c, why in said.items() if RESOURCE_OF.get(c) not in clear},
    }
    if any(raised.marker is Marker.CUSTOMER_DATA for raised in assessment.markers):
        reason = next(r.reason for r in assessment.markers if r.marker is Marker.CUSTOMER_DATA)
        conditions.setdefault(Condition.CUSTOMER_DATA, reason)
    spiked = [spike.series.name for spike in assessment.spikes if spike.series.service == service]
    metrics = {
        **{
            fact: why
            for fact, why in alert_facts(alert_texts).items()
            if RESOURCE_OF.get(fact) not in clear
        },
        **metric_facts(service, evidence.metrics, spiked),
    }
    top = assessment.hypotheses[0] if assessment.hypotheses else None
    cause = assessment.cause
    entry = catalog.get(service)
    return RunbookQuery(
        service=service,
        texts=tuple(
            [text for signal in signals for text in (signal.title, signal.description) if text]
            + lines
        ),
        category=assessment.category,
        cause=cause,
        confidence=top.confidence if top is not None and top.category is cause else 0.0,
        listed=entry.runbooks if entry is not None else (),
        conditions=conditions,
        metrics=metrics,
        resources=cause_resources(_cause_subjects(assessment)),
        clear=clear,
    )


def _suspect_deploy(
    assessment: Assessment, evidence: EvidenceBundle, policy: Policy
) -> tuple[list[str], list[SuggestedAction], list[Link]]:
    """What the packet says of the suspect deploy (when lead time ranks one): when it landed,
    review it, roll it back (behind the policy's approval), and its link first; with none, that
    no deploy happened, said only when a deploy source answered."""
    suspect = assessment.suspect
    if suspect is None:
        # Silence from a failed source proves nothing.
        quiet = "No deploy of this service in the 2 hours before the first signal"
        return ([quiet] if evidence.deploys_checked else []), [], []
    deploy = suspect.deploy
    anchor = "first spike" if assessment.spikes else "first alert"
    change = f"PR {deploy.pr}" if deploy.pr is not None else f"commit {deploy.sha}"
    detail = f": {deploy.title}" if deploy.title else ""
    author = f" by {deploy.author}" if deploy.author else ""
    back_to = f" to {suspect.previous.sha}" if suspect.previous else ""
    actions = [
        SuggestedAction(f"Review {change}{detail} (deploy {deploy.sha}{author})"),
        SuggestedAction(
            f"Roll back {deploy.service}{back_to}",
            ActionKind.ROLLBACK,
            policy.requires_approval(ActionKind.ROLLBACK, assessment.service),
        ),
    ]
    links = [Link(f"Suspect deploy: {change}", deploy.url)] if deploy.url else []
    return [f"Latest deploy landed {_minutes(suspect.lead)} before {anchor}"], actions, links


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
    lines.extend(exhaustion_lines(assessment.service, evidence, catalog))
    lines.extend(monitor_lines(evidence))
    deploy_lines, actions, links = _suspect_deploy(assessment, evidence, policy)
    lines.extend(deploy_lines)
    lines.extend(change_lines(evidence, assessment.service))
    lines.extend(_related_line(assessment.service, signals))
    owners = _owners(assessment.service, signals, catalog)
    if owners and assessment.suspect is None:
        group = f" (@{owners[0].slack_group})" if owners[0].slack_group else ""
        actions.append(
            SuggestedAction(
                f"Page {owners[0].display}{group}",
                ActionKind.PAGE_OWNER,
                policy.requires_approval(ActionKind.PAGE_OWNER, assessment.service),
            )
        )
    choice = choose_runbook(runbooks, _runbook_query(assessment, signals, evidence, catalog))
    actions.extend(_cause_actions(assessment, policy))
    customer_facing = _customer_facing(assessment.service, severity, catalog)
    if customer_facing:
        text = f"Post a customer-facing status update for {assessment.service}"
        actions.append(_suggest(text, ActionKind.STATUS_UPDATE, policy, assessment.service))
    if choice.best is not None:
        allowed = {
            ActionKind.ROLLBACK: assessment.suspect is not None,
            ActionKind.FLAG_OFF: any(c.concerns(assessment.service) for c in evidence.flags),
            ActionKind.STATUS_UPDATE: customer_facing,
        }
        actions.extend(_runbook_actions(choice.best.runbook, allowed, policy, assessment.service))
    similar, actions = history_for_packet(
        assessment=assessment,
        signals=signals,
        catalog=catalog,
        history=evidence.history,
        actions=actions,
        policy=policy,
    )
    actions = _distinct_kinds(_safe(actions, safety_facts(assessment)))[:MAX_ACTIONS]
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
        causes=_causes(assessment),
        cause_evidence=_cause_evidence(assessment),
        warnings=tuple(describe_marker(raised) for raised in _markers(assessment, choice)),
        chart=chart_of(incident_id, assessment),
        history=similar,
    )
