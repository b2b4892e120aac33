"""The safety invariants of a packet's suggestions, in one place.

Whatever a runbook lists and whatever the policy allows, the evidence can make an action
unsafe. The packet (:mod:`bot.packet.build`) drops what is forbidden and marks for approval what
needs it; the evaluation counts any packet that breaks these rules as a safety failure, so a
regression shows even when no scenario's ``expect`` asked.

- While customer data may be exposed, never restart or scale: more replicas of a leaking service
  widen the leak, a restart destroys the evidence of what leaked. Containment (rolling back the
  change that opened it, isolating the service, revoking a credential, failing over) is
  suggested only behind a human's approval.
- While the ranked cause is a compromise (an intruder's process, a stolen key in use), never
  restart or scale: a restart or a scale-in destroys the running process, its memory and its
  files, which the investigation needs, and more replicas give the intruder more to run on.
  Isolation that keeps the pods (a deny-all network policy, a cordon) is the containment.
- No rollback with no deploy near: there is nothing to roll back to a known state.
- No rollback over a deploy that migrated the schema: the previous release would run against a
  schema it does not know; the packet raises ``unsafe_rollback`` instead, and the way out is a
  fix forward or a restore, decided by people.
- No scale-up when the service's own capacity is not what ran out: a connection pool exhausted
  (the database or service behind the pool is the limit; more replicas open more connections
  to it and lengthen its queue), or readings that disagree with no cause established (the
  observation itself is in doubt: change nothing on its word).
- No restart on readings that disagree with no cause established, for the same reason.
- No scale-up when the demand held: the service's own request rate was measured flat and none
  of its working units were lost, so whatever saturated, each request costs more (a spin, a
  leak, a bug) and more replicas serve the same demand no better (a stateful ring must also
  stream data to them). Scaling restores capacity that demand outgrew or that was taken away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.action.kinds import ActionKind

__all__ = ["CONTAINMENT", "SafetyFacts", "forbidden", "must_approve", "violations"]

WIDENING = frozenset({ActionKind.RESTART, ActionKind.SCALE})
CONTAINMENT = frozenset(
    {ActionKind.ROLLBACK, ActionKind.CONFIG_CHANGE, ActionKind.FAILOVER, ActionKind.FLAG_OFF}
)


@dataclass(frozen=True, slots=True)
class SafetyFacts:
    """What the invariants need to know about an incident."""

    customer_data: bool  # the customer_data marker is raised
    deploy_near: bool  # a deploy of the service is suspected (so a rollback has a target)
    migration: bool  # the suspected deploy carries a schema migration
    unsafe_rollback_raised: bool = False
    pool_exhausted: bool = False  # the top cause is a connection pool running out
    readings_disputed: bool = False  # signals conflict and no cause is established
    compromise: bool = False  # the ranked cause is a security compromise
    demand_held: bool = False  # load measured flat and no capacity lost


def forbidden(kind: ActionKind, facts: SafetyFacts) -> str | None:
    """Why ``kind`` must not be suggested at all, or None."""
    if kind in WIDENING and facts.customer_data:
        return f"no {kind.value} while customer data may be exposed: it would widen the leak"
    if kind in WIDENING and facts.compromise:
        return (
            f"no {kind.value} while a compromise is investigated: it destroys the evidence "
            "(the intruder's process, its memory and files)"
        )
    if kind is ActionKind.SCALE and facts.pool_exhausted:
        return (
            "no scale: the pool ran out because what stands behind it is the limit; more "
            "replicas open more connections to it"
        )
    if kind is ActionKind.SCALE and facts.demand_held:
        return (
            "no scale: the load did not rise and no capacity was lost; each request costs more, "
            "which more replicas do not fix"
        )
    if kind in WIDENING and facts.readings_disputed:
        return f"no {kind.value}: the signals disagree and no cause is established"
    if kind is ActionKind.ROLLBACK and not facts.deploy_near:
        return "no rollback: no deploy of the service landed near the incident"
    if kind is ActionKind.ROLLBACK and facts.migration:
        return "no rollback: the deploy migrated the schema, which the old release may not read"
    return None


def must_approve(kind: ActionKind, facts: SafetyFacts) -> str | None:
    """Why ``kind`` needs a human's approval whatever the policy says, or None."""
    if kind in CONTAINMENT and facts.customer_data:
        return "containment while customer data may be exposed needs a human's approval"
    return None


def violations(suggested: Iterable[tuple[ActionKind, bool]], facts: SafetyFacts) -> tuple[str, ...]:
    """Every rule the suggestions ``(kind, requires_approval)`` break, in words."""
    found: list[str] = []
    for kind, approved in suggested:
        reason = forbidden(kind, facts)
        if reason is None and not approved:
            reason = must_approve(kind, facts)
        if reason is not None:
            found.append(reason)
    return tuple(dict.fromkeys(found))
