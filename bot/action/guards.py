"""The guardrails as they stand right now: the policy's pure rules fed with the database's
counts, the kill switch and the change calendar."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.action import service as actions
from bot.action.context import ActionContext
from bot.action.plan import ActionPlan, PlanKind
from bot.errors import SourceUnavailableError
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import ChangeWindow
from bot.killswitch import service as kill_switch
from bot.policy import AutonomyDecision, GuardRequest, Refusal, autonomy_now

__all__ = ["autonomy_for", "calendar_windows", "guard_refusal"]

log = logging.getLogger(__name__)

CALENDAR_LOOKAHEAD = timedelta(hours=1)


async def calendar_windows(ctx: ActionContext, service: str) -> list[ChangeWindow]:
    """The change calendar's windows for ``service`` from now on. Read before a transaction
    opens: on SQLite every transaction holds the database's one write lock."""
    now = ctx.clock.now()
    query = EvidenceQuery(service=service, since=now, until=now + CALENDAR_LOOKAHEAD)
    windows: list[ChangeWindow] = []
    for source in ctx.sources.calendar:
        try:
            windows.extend(await source.change_windows(query))
        except SourceUnavailableError as exc:
            # A calendar that cannot answer must not block a rollback in the middle of an
            # incident; the policy's own freeze windows still apply.
            log.warning("change calendar %s unavailable: %s", source.name, exc)
    return windows


async def guard_refusal(
    ctx: ActionContext,
    session: AsyncSession,
    *,
    plan: ActionPlan,
    service: str,
    calendar: Sequence[ChangeWindow],
) -> Refusal | None:
    """The policy's guardrails for ``plan`` as the database stands now and ``calendar`` (from
    :func:`calendar_windows`) says."""
    now = ctx.clock.now()
    switch = await kill_switch.read(session)
    return ctx.policy.guard(
        GuardRequest(
            kind=plan.kind,
            service=service,
            target=plan.target,
            current_replicas=plan.current.replicas,
            desired_replicas=plan.desired.replicas,
            restarts_in_last_hour=await actions.restarts_since(
                session, service=service, since=now - timedelta(hours=1)
            ),
            pod_actions_in_flight=await actions.pod_actions_in_flight(session, service=service),
            kill_switch=switch.engaged,
            now=now,
            calendar=calendar,
        )
    )


async def autonomy_for(
    ctx: ActionContext,
    session: AsyncSession,
    *,
    kind: PlanKind,
    service: str,
    incident_id: int,
    calendar: Sequence[ChangeWindow],
) -> AutonomyDecision:
    """The autonomy level ``kind`` on ``service`` has right now in this incident: the policy's,
    under the ceiling the kill switch, a freeze and the incident's markers set."""
    return autonomy_now(
        ctx.policy,
        kind=kind.action_kind,
        service=service,
        now=ctx.clock.now(),
        kill_switch=(await kill_switch.read(session)).engaged,
        markers=await actions.incident_markers(session, incident_id),
        calendar=calendar,
    )
