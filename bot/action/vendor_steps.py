"""What the bot does with the vendors on its own, as actions: each one through the same flows
as a person's request (plan, guardrails, autonomy level, kill switch, dry-run mode, exactly
once, verification, audit), each proposed once per incident however many replicas look (its
step key is unique, see :mod:`bot.action.steps`).

While an incident is open, once its packet is posted:

- a ticket with the packet (summary and source links) is opened, when an issue tracker is
  configured (``open_ticket``: ``auto`` by default, the policy may ask for approval);
- a status update is proposed, when a status page is configured and the packet suggests one
  (``status_update``: always waits for a person's approval).

Once the incident is resolved, the ticket gets a comment and is closed, and the status-page
incident is resolved (``update_ticket``, ``resolve_status``: the follow-ups of what was
posted, only when that was verified). Follow-up tickets are opened for what the bot switched
away from (a config change's old value: the lagging replica a job no longer reads) and for the
action items of the incident's postmortem draft, once one is drafted (:func:`open_follow_ups`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from bot.action import service as actions
from bot.action.codec import plan_from_dict
from bot.action.context import ActionContext
from bot.action.flows import ActionRequest, propose
from bot.action.guards import autonomy_for, calendar_windows
from bot.action.models import ActionRecord, ActionState
from bot.action.plan import ActionParameters, ClusterActionKind, VendorActionKind
from bot.audit.models import AuditRecord
from bot.incident.models import IncidentRecord, IncidentStatus, PacketState
from bot.policy import Autonomy
from bot.redaction import redact

__all__ = ["carry_out_vendor_steps", "open_follow_ups", "ticket_ref"]

log = logging.getLogger(__name__)

Kind = VendorActionKind
_IMPACT = {"sev1": "major_outage", "sev2": "partial_outage"}
FOLLOW_UP_WINDOW = timedelta(days=7)
"""How long after resolution the bot still updates what it posted (tickets, status page)."""


def ticket_ref(incident_id: int) -> str:
    """The reference the vendors' objects of an incident carry."""
    return f"INC-{incident_id}"


async def _step(ctx: ActionContext, request: ActionRequest) -> bool:
    """Propose ``request`` (a step key set) unless it was; run it when the policy lets it run
    on its own. True when this call proposed it."""
    assert request.step is not None
    async with ctx.sessions() as session:
        if await actions.by_step(session, request.step) is not None:
            return False
    calendar = await calendar_windows(ctx, request.service)
    async with ctx.sessions() as session:
        decision = await autonomy_for(
            ctx,
            session,
            kind=request.kind,
            service=request.service,
            incident_id=request.incident_id,
            calendar=calendar,
        )
    if decision.configured is Autonomy.SUGGEST or decision.lowered_by == "kill_switch":
        return False  # people do it by hand; or it waits until the switch is off
    try:
        reply = await propose(ctx, request)
    except IntegrityError:
        return False  # another replica proposed it first
    if reply.follow_up is not None:
        await reply.follow_up()
    return True


def _request(
    incident: IncidentRecord, kind: VendorActionKind, step: str, parameters: ActionParameters
) -> ActionRequest:
    return ActionRequest(
        incident_id=incident.id,
        service=incident.service,
        channel_id=incident.channel_id or "",
        kind=kind,
        name=incident.service,
        namespace=None,
        parameters=parameters,
        requester="bot",
        step=step,
    )


def _ticket(incident: IncidentRecord) -> ActionParameters:
    title = redact(f"{ticket_ref(incident.id)} [{incident.severity}] {incident.title}")[:250]
    text = (
        f"Incident {ticket_ref(incident.id)} on {incident.service}, severity "
        f"{incident.severity}, opened {incident.opened_at:%Y-%m-%d %H:%M} UTC.\n\n"
        f"{incident.packet_text or 'The packet is not posted yet.'}"
    )
    return ActionParameters(title=title, text=text, ref=ticket_ref(incident.id))


def _status(incident: IncidentRecord) -> ActionParameters:
    return ActionParameters(
        title=f"Degraded service: {incident.service}",
        text=(
            f"We are investigating a problem affecting {incident.service}. "
            "We will post an update as soon as we know more."
        ),
        status=_IMPACT.get(incident.severity, "degraded_performance"),
        ref=ticket_ref(incident.id),
    )


async def _open_incident(ctx: ActionContext, incident: IncidentRecord) -> int:
    proposed = 0
    if ctx.vendors.get(Kind.OPEN_TICKET) is not None:
        step = f"{incident.id}:ticket"
        proposed += await _step(ctx, _request(incident, Kind.OPEN_TICKET, step, _ticket(incident)))
    if ctx.vendors.get(Kind.STATUS_UPDATE) is not None:
        async with ctx.sessions() as session:
            details = await actions.packet_posted(session, incident.id) or {}
        if "status_update" in (details.get("requires_approval") or ()):
            step = f"{incident.id}:status"
            request = _request(incident, Kind.STATUS_UPDATE, step, _status(incident))
            proposed += await _step(ctx, request)
    return proposed


async def _verified(ctx: ActionContext, step: str) -> bool:
    async with ctx.sessions() as session:
        record = await actions.by_step(session, step)
    return record is not None and record.state == ActionState.VERIFIED


async def _switched_away(ctx: ActionContext, incident: IncidentRecord) -> list[str]:
    """Follow-ups for what verified config changes of the incident switched away from."""
    async with ctx.sessions() as session:
        changes = list(
            await session.scalars(
                select(ActionRecord).where(
                    ActionRecord.incident_id == incident.id,
                    ActionRecord.state == ActionState.VERIFIED.value,
                    ActionRecord.kind.in_(
                        (ClusterActionKind.CONFIG_CHANGE.value, ClusterActionKind.SET_ENV.value)
                    ),
                )
            )
        )
    items = []
    for record in changes:
        if record.plan is None:
            continue
        plan = plan_from_dict(record.plan)
        key, old, new = plan.parameters.key, plan.current.value, plan.desired.value
        items.append(
            f"{incident.service}: {key} was switched from {old} to {new} by action "
            f"#{record.id}; find out what is wrong with {old} and switch back once it is fixed"
        )
    return items


async def _postmortem_items(ctx: ActionContext, incident: IncidentRecord) -> list[str]:
    """The action items of the incident's latest postmortem draft, as its audit row keeps
    them (none before a draft)."""
    async with ctx.sessions() as session:
        details = await session.scalar(
            select(AuditRecord.details)
            .where(
                AuditRecord.incident_id == incident.id,
                AuditRecord.event == "postmortem.drafted",
            )
            .order_by(AuditRecord.seq.desc())
            .limit(1)
        )
    if details is None:
        return []
    items = json.loads(details).get("action_items")
    return [str(item) for item in items] if isinstance(items, list) else []


async def _resolved_incident(ctx: ActionContext, incident: IncidentRecord) -> int:
    proposed = 0
    ref = ticket_ref(incident.id)
    if ctx.vendors.get(Kind.UPDATE_TICKET) is not None and await _verified(
        ctx, f"{incident.id}:ticket"
    ):
        resolved = incident.resolved_at
        when = f" at {resolved:%Y-%m-%d %H:%M} UTC" if resolved else ""
        note = ActionParameters(
            text=f"{ref} was resolved{when}. Closing this ticket.", status="closed", ref=ref
        )
        step = f"{incident.id}:ticket:resolved"
        proposed += await _step(ctx, _request(incident, Kind.UPDATE_TICKET, step, note))
        items = [*await _switched_away(ctx, incident), *await _postmortem_items(ctx, incident)]
        proposed += await open_follow_ups(ctx, incident, items)
    if ctx.vendors.get(Kind.RESOLVE_STATUS) is not None and await _verified(
        ctx, f"{incident.id}:status"
    ):
        note = ActionParameters(
            text=f"This incident has been resolved. {incident.service} is operating normally.",
            status="operational",
            ref=ref,
        )
        step = f"{incident.id}:status:resolved"
        proposed += await _step(ctx, _request(incident, Kind.RESOLVE_STATUS, step, note))
    return proposed


async def open_follow_ups(
    ctx: ActionContext, incident: IncidentRecord, items: Sequence[str]
) -> int:
    """A follow-up ticket per item (a postmortem's action item, what the bot switched away
    from), each once; how many were proposed now."""
    if ctx.vendors.get(Kind.OPEN_TICKET) is None:
        return 0
    proposed = 0
    for item in items:
        digest = hashlib.sha256(item.encode()).hexdigest()[:12]
        ref = f"{ticket_ref(incident.id)}/follow-up/{digest}"
        parameters = ActionParameters(
            title=redact(f"Follow-up of {ticket_ref(incident.id)}: {item}")[:250],
            text=redact(
                f"{item}\n\nFollow-up of incident {ticket_ref(incident.id)} on {incident.service}."
            ),
            ref=ref,
        )
        step = f"{incident.id}:follow-up:{digest}"
        proposed += await _step(ctx, _request(incident, Kind.OPEN_TICKET, step, parameters))
    return proposed


async def carry_out_vendor_steps(ctx: ActionContext) -> int:
    """One pass; how many vendor actions were proposed."""
    if not ctx.vendors.by_kind:
        return 0
    async with ctx.sessions() as session:
        incidents = list(
            await session.scalars(
                select(IncidentRecord)
                .where(
                    IncidentRecord.packet_state == PacketState.POSTED.value,
                    IncidentRecord.channel_id.is_not(None),
                    or_(
                        IncidentRecord.status == IncidentStatus.OPEN.value,
                        IncidentRecord.resolved_at >= ctx.clock.now() - FOLLOW_UP_WINDOW,
                    ),
                )
                .order_by(IncidentRecord.id)
            )
        )
    proposed = 0
    for incident in incidents:
        if incident.status == IncidentStatus.OPEN.value:
            proposed += await _open_incident(ctx, incident)
        else:
            proposed += await _resolved_incident(ctx, incident)
    return proposed
