"""Confirming a cause against the database, on both engines: the row the draft reads, a number
the posted packet does not list (nothing recorded), and a pasted secret in a note (redacted
before it is stored)."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.errors import CommandUsageError
from bot.incident import service as incidents
from bot.incident.models import IncidentRecord
from bot.postmortem.confirm import CauseChoice, confirm_cause
from bot.postmortem.confirmations import CauseKind
from tests.integration.publishing import SCENARIO, open_incident

PACKET = "\n".join(
    [
        "Incident packet",
        "Service: billing-webhooks",
        "Likely cause:",
        "- Regression from deploy 9f1c2ab (PR 4821) by dana (confidence 0.91)",
        "- Upstream stripe-api errors (confidence 0.30)",
        "Warnings:",
        "- No runbook fits",
        "Evidence unavailable:",
        "- logs: timed out after 5s",
    ]
)
TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(SCENARIO.now)


async def _incident(sessions: async_sessionmaker[AsyncSession], clock: FixedClock) -> int:
    incident_id = await open_incident(sessions, clock)
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(packet_text=PACKET, commander="U0ALICE")
        )
    return incident_id


async def test_a_confirmed_factor_is_one_audit_row_with_its_words_and_a_redacted_note(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    incident_id = await _incident(sessions, clock)
    choice = CauseChoice(CauseKind.FACTOR, 2, note=f"logs were down, token {TOKEN}")
    async with sessions() as session, session.begin():
        record = await incidents.get(session, incident_id)
        assert record is not None
        confirmed = await confirm_cause(
            session, record, choice=choice, actor="slack:U0ALICE", clock=clock
        )
    assert confirmed.cause == "Evidence unavailable: logs: timed out after 5s"
    async with sessions() as session:
        rows = [
            e
            for e in await audit.entries(session, incident_id=incident_id)
            if e.event == "incident.cause_confirmed"
        ]
        assert await audit.verify(session) > 0
    assert [(r.actor, dict(r.details)) for r in rows] == [
        (
            "slack:U0ALICE",
            {
                "cause": "Evidence unavailable: logs: timed out after 5s",
                "kind": "factor",
                "number": 2,
                "note": "logs were down, token [redacted:slack_token]",
                "commander": "U0ALICE",
            },
        )
    ]


async def test_a_number_the_packet_does_not_list_records_nothing_and_lists_what_it_does(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    incident_id = await _incident(sessions, clock)
    async with sessions() as session, session.begin():
        record = await incidents.get(session, incident_id)
        assert record is not None
        beyond = CauseChoice(CauseKind.HYPOTHESIS, 3)
        with pytest.raises(CommandUsageError) as refused:
            await confirm_cause(session, record, choice=beyond, actor="slack:U0ALICE", clock=clock)
    assert str(refused.value).startswith(
        f"There is no hypothesis 3. INC-{incident_id}'s packet lists 2:\n"
        "1. Regression from deploy 9f1c2ab (PR 4821) by dana (confidence 0.91)\n"
        "2. Upstream stripe-api errors (confidence 0.30)\n"
    )
    async with sessions() as session:
        events = [e.event for e in await audit.entries(session, incident_id=incident_id)]
    assert "incident.cause_confirmed" not in events
