"""Database reads and writes of actions; the caller owns the transaction.

Every state change is one conditional ``UPDATE … WHERE id = ? AND state = ? AND plan_hash = ?``
and writes its audit row in the same transaction only when it changed a row. Two people clicking
at once, one person clicking twice, or two replicas receiving the same click all race for that
one row: exactly one of them moves it, the others learn they lost and do nothing. No lock is
held in memory anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.action.codec import plan_to_dict
from bot.action.models import ActionRecord, ActionState
from bot.action.plan import ActionPlan, ClusterActionKind
from bot.action.states import can_move
from bot.audit import service as audit
from bot.audit.models import AuditRecord
from bot.clock import Clock
from bot.errors import ActionTransitionError

__all__ = [
    "RESTART_KINDS",
    "Transition",
    "approved_before",
    "by_step",
    "create",
    "due_to_expire",
    "executing_since",
    "get",
    "incident_markers",
    "packet_posted",
    "pending",
    "pod_actions_in_flight",
    "restarts_since",
    "set_message",
    "transition",
]

RESTART_KINDS = (ClusterActionKind.RESTART.value, ClusterActionKind.DELETE_POD.value)
_RAN = (
    ActionState.EXECUTING,
    ActionState.SUCCEEDED,
    ActionState.FAILED,
    ActionState.VERIFIED,
    ActionState.NOT_VERIFIED,
)


async def create(
    session: AsyncSession,
    *,
    incident_id: int,
    channel_id: str,
    plan: ActionPlan,
    service: str,
    requested_by: str,
    requires_approval: bool,
    expires_at: datetime,
    dry_run: bool,
    clock: Clock,
    step: str | None = None,
) -> ActionRecord:
    """A proposed action holding its plan, with its ``action.proposed`` audit row. ``step``
    (``<incident>:<runbook>:<index>``) marks an action the bot proposed on its own for a
    runbook step: the column is unique, so two replicas proposing the same step store one
    (the other's insert fails with an integrity error, and its transaction writes nothing)."""
    record = ActionRecord(
        step=step,
        incident_id=incident_id,
        channel_id=channel_id,
        kind=plan.kind.value,
        target=str(plan.target),
        parameters=plan.parameters.as_dict(),
        plan_hash=plan.plan_hash,
        state=ActionState.PROPOSED,
        requires_approval=requires_approval,
        proposed_by=requested_by,
        proposed_at=clock.now(),
        service=service,
        plan=plan_to_dict(plan),
        expires_at=expires_at,
        dry_run=dry_run,
    )
    session.add(record)
    await session.flush()
    await audit.append(
        session,
        clock=clock,
        actor=requested_by,
        event="action.proposed",
        incident_id=incident_id,
        details={
            "action_id": record.id,
            "kind": record.kind,
            "target": record.target,
            "parameters": record.parameters,
            "plan_hash": record.plan_hash,
            "summary": plan.summary,
            "current": plan.current.as_dict(),
            "desired": plan.desired.as_dict(),
            "expires_at": expires_at.isoformat(),
            "requires_approval": requires_approval,
            "dry_run": dry_run,
            "step": step,
        },
    )
    return record


async def get(session: AsyncSession, action_id: int) -> ActionRecord | None:
    """The action as the database has it now (never the session's cached copy)."""
    return await session.get(ActionRecord, action_id, populate_existing=True)


@dataclass(frozen=True, slots=True)
class Transition:
    """A move of one action from ``from_state`` to ``to_state`` by ``actor``, conditional on the
    plan hash the actor saw. ``values`` are further columns to set in the same update."""

    action_id: int
    from_state: ActionState
    to_state: ActionState
    plan_hash: str
    actor: str
    values: Mapping[str, Any] | None = None
    details: Mapping[str, Any] | None = None


async def transition(
    session: AsyncSession, change: Transition, *, incident_id: int | None, clock: Clock
) -> bool:
    """Apply ``change`` if the action still stands where the actor saw it; True when this call
    moved it (and wrote the ``action.<state>`` audit row), False when someone else moved it
    first or the plan hash differs (nothing written)."""
    if not can_move(change.from_state, change.to_state):
        raise ActionTransitionError(change.from_state.value, change.to_state.value)
    values: dict[str, Any] = {"state": change.to_state.value, **(change.values or {})}
    if change.to_state in (ActionState.APPROVED, ActionState.DENIED, ActionState.EXPIRED):
        values.setdefault("decided_by", change.actor)
        values.setdefault("decided_at", clock.now())
    result = await session.execute(
        update(ActionRecord)
        .where(
            ActionRecord.id == change.action_id,
            ActionRecord.state == change.from_state.value,
            ActionRecord.plan_hash == change.plan_hash,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult's, for an UPDATE
        return False
    await audit.append(
        session,
        clock=clock,
        actor=change.actor,
        event=f"action.{change.to_state.value}",
        incident_id=incident_id,
        details={
            "action_id": change.action_id,
            "from": change.from_state.value,
            "plan_hash": change.plan_hash,
            **(change.details or {}),
        },
    )
    return True


async def set_message(session: AsyncSession, action_id: int, *, message_ts: str) -> None:
    """Where the action's message is, so later states update it in place."""
    await session.execute(
        update(ActionRecord)
        .where(ActionRecord.id == action_id)
        .values(message_ts=message_ts)
        .execution_options(synchronize_session=False)
    )


async def restarts_since(session: AsyncSession, *, service: str, since: datetime) -> int:
    """Restarts (rollout restarts and pod deletions) of ``service`` that ran since ``since``."""
    count = await session.scalar(
        select(func.count())
        .select_from(ActionRecord)
        .where(
            ActionRecord.service == service,
            ActionRecord.kind.in_(RESTART_KINDS),
            ActionRecord.state.in_([state.value for state in _RAN]),
            ActionRecord.executed_at >= since,
        )
    )
    return int(count or 0)


async def pod_actions_in_flight(session: AsyncSession, *, service: str) -> int:
    """Pod deletions of ``service`` running now or whose replacement is not verified yet."""
    count = await session.scalar(
        select(func.count())
        .select_from(ActionRecord)
        .where(
            ActionRecord.service == service,
            ActionRecord.kind == ClusterActionKind.DELETE_POD.value,
            ActionRecord.state.in_([ActionState.EXECUTING.value, ActionState.SUCCEEDED.value]),
        )
    )
    return int(count or 0)


async def pending(session: AsyncSession) -> Sequence[ActionRecord]:
    """Actions waiting for a decision, oldest first."""
    rows = await session.scalars(
        select(ActionRecord)
        .where(ActionRecord.state == ActionState.PROPOSED.value)
        .order_by(ActionRecord.id)
    )
    return list(rows)


async def due_to_expire(session: AsyncSession, *, now: datetime) -> Sequence[ActionRecord]:
    """Proposed actions whose approval window has closed."""
    rows = await session.scalars(
        select(ActionRecord)
        .where(ActionRecord.state == ActionState.PROPOSED.value, ActionRecord.expires_at < now)
        .order_by(ActionRecord.id)
    )
    return list(rows)


async def executing_since(session: AsyncSession, *, before: datetime) -> Sequence[ActionRecord]:
    """Actions left in ``executing`` or ``succeeded`` since before ``before``: their process
    died mid-way (a live one finishes within its deadlines)."""
    rows = await session.scalars(
        select(ActionRecord)
        .where(
            ActionRecord.state.in_([ActionState.EXECUTING.value, ActionState.SUCCEEDED.value]),
            ActionRecord.executed_at < before,
        )
        .order_by(ActionRecord.id)
    )
    return list(rows)


async def approved_before(session: AsyncSession, *, before: datetime) -> Sequence[ActionRecord]:
    """Actions approved before ``before`` that no process has claimed: the process that
    recorded the approval died before running it (a live one claims it within seconds)."""
    rows = await session.scalars(
        select(ActionRecord)
        .where(
            ActionRecord.state == ActionState.APPROVED.value,
            ActionRecord.decided_at < before,
        )
        .order_by(ActionRecord.id)
    )
    return list(rows)


# The audit events whose details record the markers a packet raised.
_PACKET_EVENTS = ("packet.posted", "packet.updated", "packet.retriaged")


async def packet_posted(session: AsyncSession, incident_id: int) -> dict[str, Any] | None:
    """The details of the incident's latest ``packet.posted`` audit row (its runbook, its
    markers), or None before a packet was posted."""
    details = await session.scalar(
        select(AuditRecord.details)
        .where(AuditRecord.incident_id == incident_id, AuditRecord.event == "packet.posted")
        .order_by(AuditRecord.seq.desc())
        .limit(1)
    )
    if details is None:
        return None
    found = json.loads(details)
    return found if isinstance(found, dict) else None


async def incident_markers(session: AsyncSession, incident_id: int) -> frozenset[str] | None:
    """Every marker (``customer_data``...) the incident's packets have raised, as the
    ``packet.posted``, ``packet.updated`` and ``packet.retriaged`` audit rows record them: a
    marker raised by a later packet counts from then on, and one raised once stays raised (an
    incident that exposed customer data does not stop being one when a later packet no longer
    shows it). None when no packet recorded its markers (then nothing may run on its own: what
    the incident raises is unknown)."""
    rows = await session.scalars(
        select(AuditRecord.details).where(
            AuditRecord.incident_id == incident_id, AuditRecord.event.in_(_PACKET_EVENTS)
        )
    )
    raised: set[str] | None = None
    for details in rows:
        found = json.loads(details) if details else None
        markers = found.get("markers") if isinstance(found, dict) else None
        if isinstance(markers, list):
            raised = (raised or set()) | {str(marker) for marker in markers}
    return frozenset(raised) if raised is not None else None


async def by_step(session: AsyncSession, step: str) -> ActionRecord | None:
    """The action the bot proposed for the runbook step ``step``, if it did."""
    found: ActionRecord | None = await session.scalar(
        select(ActionRecord).where(ActionRecord.step == step)
    )
    return found
