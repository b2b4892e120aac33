"""An incident of ours that came from a PagerDuty incident of the stand-in, moved through its
lifecycle the way the bot moves it (webhook, packet posted, commander, resolution)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import FixedClock
from bot.incident import service as incidents
from bot.incident.commander import set_commander
from bot.incident.correlate import correlate_pending, resolve_incident
from bot.incident.models import IncidentRecord
from bot.pager.models import WriteBackRecord
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.signal.values import AlertSource
from integrations.pagerduty_emulator.state import EmulatedIncident

__all__ = [
    "deliver_webhook",
    "lapse_claims",
    "name_commander",
    "only_incident",
    "post_packet",
    "resolve_in_slack",
    "steps",
]

PACKET = (
    "SEV2 checkout-api: 5xx above 4 %\n"
    "Likely cause: deploy checkout-api v2.14.0 (12 min before)\n"
    "Log: connecting with password=hunter2 failed\n"
    "Next: roll back to v2.13.4 (needs approval)"
)


async def deliver_webhook(
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    incident: EmulatedIncident,
    event_type: str = "incident.triggered",
) -> None:
    """A PagerDuty v3 webhook for ``incident``, accepted and correlated as the bot does."""
    body = {
        "event": {
            "id": str(uuid.uuid4()),
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": clock.now().isoformat(),
            "data": {
                "id": incident.id,
                "type": "incident",
                "html_url": f"https://acme.pagerduty.com/incidents/{incident.id}",
                "number": incident.number,
                "status": "resolved" if event_type == "incident.resolved" else "triggered",
                "created_at": clock.now().isoformat(),
                "title": incident.title,
                "service": {"id": incident.service.id, "summary": incident.service.name},
                "urgency": "high",
            },
        }
    }
    digest = hashlib.sha256(json.dumps(body).encode()).hexdigest()
    signals = normalize(AlertSource.PAGERDUTY, body, received_at=clock.now(), body_digest=digest)
    await accept_signals(signals, sessions=sessions, clock=clock, body_digest=digest)
    await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog())


async def only_incident(sessions: async_sessionmaker[AsyncSession]) -> IncidentRecord:
    async with sessions() as session:
        (incident,) = (await session.execute(select(IncidentRecord))).scalars()
        return incident


async def post_packet(
    sessions: async_sessionmaker[AsyncSession], incident_id: int, text: str = PACKET
) -> None:
    """What publishing records: the channel, then the packet (its text as stored)."""
    async with sessions() as session, session.begin():
        await incidents.record_channel_created(
            session, incident_id=incident_id, channel_id="C0PAGER1", channel_name="inc-checkout"
        )
        await incidents.record_packet_posting(session, incident_id=incident_id, text=text)
        await incidents.record_packet_posted(
            session, incident_id=incident_id, ts="1765000000.000100", announced_severity="sev2"
        )


async def name_commander(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, incident_id: int
) -> None:
    async with sessions() as session, session.begin():
        await set_commander(
            session, incident_id, commander="U0ERIN", actor="slack:U0ERIN", clock=clock
        )


async def resolve_in_slack(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, incident_id: int
) -> None:
    async with sessions() as session, session.begin():
        assert await resolve_incident(session, incident_id, actor="slack:U0ERIN", clock=clock)


async def steps(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[str, int]]:
    """step -> (state, attempts)."""
    async with sessions() as session:
        rows = (await session.execute(select(WriteBackRecord))).scalars()
        return {row.step: (row.state, row.attempts) for row in rows}


async def lapse_claims(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, *, state: str = "sending"
) -> None:
    """Put every step back to ``state`` with a claim that lapsed: what a process killed
    between its call to PagerDuty and recording it leaves behind."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(WriteBackRecord).values(
                state=state, claimed_until=clock.now() - timedelta(seconds=1)
            )
        )
