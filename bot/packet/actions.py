"""The packet's suggested actions: what follows from the ranked cause, the chosen runbook and
the evidence, marked for approval as the policy has it, with the safety invariants
(:mod:`bot.analysis.safety`) applied last. Pure.

The steps, in the order the packet lists them:

1. a suspected deploy: review its change, roll it back (the policy says who approves);
2. no deploy suspected: page the owner;
3. what the ranked cause itself calls for (:func:`cause_actions`): a flag turned off, a
   configuration corrected, a migration's schema restored rather than rolled back, an
   allowance that ran out (a quota, a budget) raised, a saturated process restarted when the
   load is flat, the units taken away scaled back;
4. a status update when customers are affected;
5. the chosen runbook's actions that the evidence allows (the runbook cannot know);
6. (in :mod:`bot.history.section`) what worked for similar past incidents;
7. :func:`finish_actions`: what the safety invariants forbid dropped (a scale-out while the
   demand held repeats the same fault on more replicas; a restart during a compromise
   destroys its evidence), approvals they demand marked, one suggestion per kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from bot.action.kinds import ActionKind
from bot.analysis.assessment import Assessment
from bot.analysis.deploys import SuspectDeploy
from bot.analysis.detectors.resource import POOL_SUBJECT
from bot.analysis.safety import SafetyFacts, forbidden, must_approve
from bot.catalog import Catalog
from bot.evidence.values import EvidenceBundle
from bot.packet.values import Owner, SuggestedAction
from bot.policy import Policy
from bot.runbook.evidence import cause_resources, load_flat, units_lost
from bot.runbook.facts import Condition
from bot.runbook.schemas import Runbook
from bot.scenario.terms import CauseKind, Marker
from bot.signal.values import Severity

__all__ = [
    "ALLOWANCE",
    "MAX_ACTIONS",
    "ActionFacts",
    "action_facts",
    "cause_actions",
    "finish_actions",
    "proposed_actions",
    "safety_facts",
]

MAX_ACTIONS = 6
# What a restart can clear: a process spinning on CPU or thrashing its memory (GC).
RESTARTABLE = frozenset({"cpu", "memory"})
# A configured allowance that ran out (a daily budget, a quota, a rate limit, a cap): its limit
# is a setting, raised by a configuration change rather than by more replicas.
# An SLO's error budget is not one: it is spent by failures, and raising it hides them.
ALLOWANCE = re.compile(
    r"quota|(?<!error.)budget|allowance|rate[ _-]?limit|(?<![a-z])cap(?![a-z])", re.I
)
# Pod conditions that say why working units are down in a way more units do not mend: more
# pods would wait, crash or fail to start the same way.
FAILING_PODS = frozenset(
    {
        Condition.UNSCHEDULABLE,
        Condition.IMAGE_PULL_FAILING,
        Condition.CONTAINER_CONFIG_ERROR,
        Condition.ROLLOUT_STUCK,
        Condition.CRASH_LOOPING,
        Condition.MEMORY_EXHAUSTED,
        Condition.DISK_EXHAUSTED,
    }
)
# Causes that say why working units went away in a way more units do not mend: new units run
# the same release, call the same dependency, read the same flag or configuration (a platform
# that refuses the program refuses the new units too), or widen a compromise.
NOT_CAPACITY = frozenset(
    {
        CauseKind.DEPLOY,
        CauseKind.DEPENDENCY,
        CauseKind.FLAG,
        CauseKind.CONFIG,
        CauseKind.SECURITY,
    }
)


@dataclass(frozen=True, slots=True)
class ActionFacts:
    """What the suggestions follow from besides the assessment and the runbook: whether
    customers are affected, whether a flag touching the service changed, the reading that
    shows the service's load flat, the one that shows its working units taken away (None when
    a pod condition says why they are down: more pods would fail the same way)."""

    customer_facing: bool = False
    flag_near: bool = False
    load_flat: str | None = None
    units_lost: str | None = None
    image_unpullable: str | None = None  # the evidence that the pods' image cannot be pulled


def _customer_facing(service: str, severity: Severity, catalog: Catalog) -> bool:
    """Whether customers should hear about it: a sev1-2 incident of a tier-1 service."""
    entry = catalog.get(service)
    return entry is not None and entry.tier == 1 and severity.rank <= Severity.SEV2.rank


def action_facts(
    service: str,
    severity: Severity,
    evidence: EvidenceBundle,
    catalog: Catalog,
    conditions: Mapping[Condition, str] | None = None,
) -> ActionFacts:
    """The :class:`ActionFacts` of an incident of ``service``; ``conditions`` are those the
    runbook choice read (:mod:`bot.runbook.evidence`), each with its evidence."""
    conditions = conditions or {}
    failing = any(condition in FAILING_PODS for condition in conditions)
    return ActionFacts(
        image_unpullable=conditions.get(Condition.IMAGE_PULL_FAILING),
        customer_facing=_customer_facing(service, severity, catalog),
        flag_near=any(change.concerns(service) for change in evidence.flags),
        load_flat=load_flat(service, evidence.metrics),
        units_lost=None if failing else units_lost(service, evidence.metrics),
    )


def _suggest(text: str, kind: ActionKind, policy: Policy, service: str) -> SuggestedAction:
    """A step of ``kind``, marked as the policy has it for ``service`` (a service may waive or
    add approval for a kind)."""
    return SuggestedAction(text, kind, policy.requires_approval(kind, service))


def _deploy_actions(suspect: SuspectDeploy, policy: Policy, service: str) -> list[SuggestedAction]:
    """Read the suspected change first, then roll it back (the policy says who approves)."""
    deploy = suspect.deploy
    change = f"PR {deploy.pr}" if deploy.pr is not None else f"commit {deploy.sha}"
    detail = f": {deploy.title}" if deploy.title else ""
    author = f" by {deploy.author}" if deploy.author else ""
    back_to = f" to {suspect.previous.sha}" if suspect.previous else ""
    return [
        SuggestedAction(f"Review {change}{detail} (deploy {deploy.sha}{author})"),
        _suggest(f"Roll back {deploy.service}{back_to}", ActionKind.ROLLBACK, policy, service),
    ]


def _load_actions(
    assessment: Assessment, facts: ActionFacts, policy: Policy
) -> list[SuggestedAction]:
    """What the load says to do when no deploy is suspected. Working units taken away (healthy
    hosts from 402 to 14) while nothing says why more would not mend it: bring them back. A CPU
    or memory saturation at flat load is the same work costing more, a process spinning or
    thrashing (a clock jump, a GC storm), which a restart clears and more replicas repeat."""
    service = assessment.service
    top = assessment.hypotheses[0] if assessment.hypotheses else None
    if assessment.suspect is not None:
        return []
    if facts.units_lost is not None and (top is None or top.category not in NOT_CAPACITY):
        text = f"Scale {service} back to its earlier capacity ({facts.units_lost})"
        return [_suggest(text, ActionKind.SCALE, policy, service)]
    if (
        facts.load_flat is not None
        and top is not None
        and top.category is CauseKind.RESOURCE
        and top.subject != POOL_SUBJECT
    ):
        named = cause_resources(
            (
                top.subject or "",
                *(ref.partition("/")[2] for ref in top.refs if ref.startswith("metric:")),
            )
        )
        if named & RESTARTABLE:
            text = (
                f"Restart the saturated pods of {service}: its load is flat "
                f"({facts.load_flat}), so the same work costs more"
            )
            return [_suggest(text, ActionKind.RESTART, policy, service)]
    return []


def _image_actions(
    assessment: Assessment, facts: ActionFacts, policy: Policy
) -> list[SuggestedAction]:
    """Pods that cannot pull their image (a tag the registry no longer serves, a registry
    refusing) start again only on an image that can be pulled: repoint it, a configuration
    change. Whether a rollback helps depends on whether the old release names the same image,
    which is the deploy's question, not this one."""
    if facts.image_unpullable is None:
        return []
    text = f"Point {assessment.service} at an image the registry serves ({facts.image_unpullable})"
    return [_suggest(text, ActionKind.CONFIG_CHANGE, policy, assessment.service)]


def _allowance_actions(assessment: Assessment, policy: Policy) -> list[SuggestedAction]:
    """A resource cause whose exhausted resource is a configured allowance (``daily_budget_used``
    at 100 %, an API quota, a rate limit): raising it is a configuration change."""
    top = assessment.hypotheses[0] if assessment.hypotheses else None
    if top is None or top.category is not CauseKind.RESOURCE:
        return []
    named = [top.subject or "", *(ref.partition("/")[2] for ref in top.refs)]
    spent = next((name for name in named if ALLOWANCE.search(name)), None)
    if spent is None:
        return []
    text = f"Raise the allowance that ran out ({spent}): it is a setting, not capacity"
    return [_suggest(text, ActionKind.CONFIG_CHANGE, policy, assessment.service)]


def cause_actions(
    assessment: Assessment, policy: Policy, facts: ActionFacts | None = None
) -> list[SuggestedAction]:
    """The step the top-ranked cause itself calls for: a flag that changed is turned off; a
    configuration that is wrong (an expired certificate, a rotated credential, a reloaded
    setting, a pushed config) is corrected. When a push carried it, reverting that push is the
    deploy's rollback and correcting the setting is this step: both are offered, and which one
    the responder takes is theirs to decide. Then an allowance raised
    (:func:`_allowance_actions`) and what the load calls for (:func:`_load_actions`)."""
    top = assessment.hypotheses[0] if assessment.hypotheses else None
    load = _load_actions(assessment, facts, policy) if facts is not None else []
    load = [*_allowance_actions(assessment, policy), *load]
    if facts is not None:
        load = [*_image_actions(assessment, facts, policy), *load]
    if top is not None and top.category is CauseKind.FLAG and top.subject:
        text = f"Turn off feature flag {top.subject}"
        return [_suggest(text, ActionKind.FLAG_OFF, policy, assessment.service), *load]
    if top is not None and top.category is CauseKind.CONFIG:
        text = f"Correct the configuration: {top.statement}"
        return [_suggest(text, ActionKind.CONFIG_CHANGE, policy, assessment.service), *load]
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
    return load


def _runbook_actions(
    runbook: Runbook, assessment: Assessment, facts: ActionFacts, policy: Policy
) -> list[SuggestedAction]:
    """The chosen runbook's actions, with its words, when the evidence allows them (the
    runbook cannot know): a rollback only when a deploy is suspected, turning a flag off only
    when a flag that may touch the service changed, a status update only when customer-facing."""
    allowed = {
        ActionKind.ROLLBACK: assessment.suspect is not None,
        ActionKind.FLAG_OFF: facts.flag_near,
        ActionKind.STATUS_UPDATE: facts.customer_facing,
    }
    service = assessment.service
    return [
        _suggest(f"{action.title} (runbook {runbook.id})", action.kind, policy, service)
        for action in runbook.front.actions
        if allowed.get(action.kind, True)
    ]


def proposed_actions(
    *,
    assessment: Assessment,
    owners: tuple[Owner, ...],
    runbook: Runbook | None,
    facts: ActionFacts,
    policy: Policy,
) -> list[SuggestedAction]:
    """Steps 1-5 of the module's list, before past incidents and the invariants."""
    service = assessment.service
    suspect = assessment.suspect
    actions: list[SuggestedAction] = []
    if suspect is not None:
        actions.extend(_deploy_actions(suspect, policy, service))
    elif owners:
        group = f" (@{owners[0].slack_group})" if owners[0].slack_group else ""
        text = f"Page {owners[0].display}{group}"
        actions.append(_suggest(text, ActionKind.PAGE_OWNER, policy, service))
    actions.extend(cause_actions(assessment, policy, facts))
    if facts.customer_facing:
        text = f"Post a customer-facing status update for {service}"
        actions.append(_suggest(text, ActionKind.STATUS_UPDATE, policy, service))
    if runbook is not None:
        actions.extend(_runbook_actions(runbook, assessment, facts, policy))
    return actions


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
        compromise=bool(top) and top[0].category is CauseKind.SECURITY,
        demand_held=assessment.demand_held,
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


def finish_actions(
    actions: Iterable[SuggestedAction], assessment: Assessment
) -> list[SuggestedAction]:
    """Step 7: the safety invariants' verdicts (among them: no scale-out while the demand held),
    one suggestion per kind, at most :data:`MAX_ACTIONS`."""
    return _distinct_kinds(_safe(actions, safety_facts(assessment)))[:MAX_ACTIONS]
