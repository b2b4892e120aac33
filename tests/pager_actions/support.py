"""Driving the action flows as Slack's listeners do: propose, click, run the follow-up."""

from __future__ import annotations

from sqlalchemy import select

from bot.action import service as actions
from bot.action.context import ActionContext
from bot.action.flows import ActionRequest, decide, propose
from bot.action.models import ActionRecord
from bot.action.plan import ActionParameters, PlanKind
from bot.audit import service as audit

__all__ = ["actions_of", "ask", "audit_events", "click", "request"]


def request(
    incident_id: int,
    channel: str,
    kind: PlanKind,
    name: str,
    *,
    namespace: str | None = None,
    parameters: ActionParameters | None = None,
    requester: str = "slack:U0BOB",
) -> ActionRequest:
    return ActionRequest(
        incident_id=incident_id,
        service="checkout-api",
        channel_id=channel,
        kind=kind,
        name=name,
        namespace=namespace,
        parameters=parameters or ActionParameters(),
        requester=requester,
    )


async def ask(ctx: ActionContext, wanted: ActionRequest) -> str:
    """Propose; run what the policy lets run at once (as the listener does after its ack)."""
    reply = await propose(ctx, wanted)
    if reply.follow_up is not None:
        await reply.follow_up()
    return reply.text


async def click(ctx: ActionContext, action_id: int, user: str, *, approve: bool = True) -> str:
    """A click on the action's button, carrying the hash it shows; then its follow-up."""
    async with ctx.sessions() as session:
        record = await actions.get(session, action_id)
    assert record is not None
    reply = await decide(ctx, value=f"{record.id}:{record.plan_hash}", user=user, approve=approve)
    if reply.follow_up is not None:
        await reply.follow_up()
    return reply.text


async def actions_of(ctx: ActionContext) -> list[ActionRecord]:
    async with ctx.sessions() as session:
        found = await session.execute(select(ActionRecord).order_by(ActionRecord.id))
        return list(found.scalars())


async def audit_events(ctx: ActionContext) -> list[tuple[str, str]]:
    """(event, actor) of every audit row, after checking the chain."""
    async with ctx.sessions() as session:
        entries = await audit.entries(session)
        assert await audit.verify(session) == len(entries)
    return [(entry.event, entry.actor) for entry in entries]
