"""A postmortem's facts read from the database on both engines, through the real flows that
wrote them, and a channel Slack will not let the bot read: the draft says so and stands."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.models import ActionRecord, ActionState
from bot.clock import FixedClock
from bot.incident.correlate import correlate_pending, resolve_incident
from bot.incident.models import IncidentRecord
from bot.postmortem.draft import write_postmortem
from bot.postmortem.flows import NO_CHANNEL, gather_facts
from bot.scenario.loader import load_scenario
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.wiring.evidence import SHIPPED_SCENARIOS
from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client
from integrations.slack.people import SlackDirectory
from integrations.slack_emulator import EmulatorConfig, SlackEmulator

SCENARIO = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(SCENARIO.now)


async def _open_incident(sessions: async_sessionmaker[AsyncSession], clock: FixedClock) -> int:
    alert = SCENARIO.deliveries[0]
    signals = normalize(
        alert.source,
        alert.payload,
        received_at=clock.now(),
        body_digest=hashlib.sha256(json.dumps(alert.payload).encode()).hexdigest(),
    )
    await accept_signals(signals, sessions=sessions, clock=clock)
    await correlate_pending(sessions=sessions, clock=clock, catalog=SCENARIO.to_catalog())
    async with sessions() as session:
        return int((await session.execute(select(IncidentRecord.id))).scalar_one())


async def test_the_facts_come_from_the_signals_actions_and_audit_rows(
    sessions, clock, emulator
) -> None:
    incident_id = await _open_incident(sessions, clock)
    async with sessions() as session, session.begin():
        session.add(
            ActionRecord(
                incident_id=incident_id,
                kind="restart",
                target="deployment/billing-webhooks",
                plan_hash="0" * 64,
                state=ActionState.FAILED,
                proposed_by="slack:U0BOB",
                proposed_at=clock.now() + timedelta(minutes=1),
                decided_by="slack:U0ERIN",
                decided_at=clock.now() + timedelta(minutes=2),
                executed_at=clock.now() + timedelta(minutes=3),
                finished_at=clock.now() + timedelta(minutes=4),
                result="pods did not become ready",
            )
        )
    clock.advance(timedelta(minutes=30))
    async with sessions() as session, session.begin():
        assert await resolve_incident(session, incident_id, actor="slack:U0ERIN", clock=clock)
    clock.advance(timedelta(hours=1))

    facts = await gather_facts(
        sessions=sessions,
        incident_id=incident_id,
        catalog=SCENARIO.to_catalog(),
        clock=clock,
        history=None,
        directory=SlackDirectory(
            build_web_client(emulator.config.bot_token, base_url=emulator.api_url)
        ),
    )

    assert facts is not None
    assert facts.history_note == NO_CHANNEL
    assert dict(facts.people) == {"U0BOB": "bob", "U0ERIN": "erin"}  # Slack's users.info
    assert [(s.status, s.started_at.isoformat()) for s in facts.signals] == [
        ("firing", "2026-03-04T14:03:00+00:00")
    ]
    assert [row.event for row in facts.audit] == ["incident.opened", "incident.resolved"]
    assert [(a.id, a.state) for a in facts.actions] == [(1, "failed")]
    assert facts.services[0].service == "billing-webhooks"
    assert facts.services[0].known
    markdown = (await write_postmortem(facts)).markdown
    assert "INC-1 was resolved by erin at 2026-03-04 14:36:00 UTC." in markdown
    assert "`2026-03-04 14:10:00 UTC` Action #1 finished, failed: pods did not become ready" in (
        markdown
    )
    assert "`2026-03-04 14:07:00 UTC` Action #1 proposed by bob: restart of" in markdown
    assert "| Find out why action #1 (restart of deployment/billing-webhooks) failed" in markdown
    assert "U0ERIN" not in markdown
    assert "No evidence packet was recorded for this incident" in markdown


async def test_an_unknown_incident_has_no_facts(sessions, clock) -> None:
    assert (
        await gather_facts(
            sessions=sessions,
            incident_id=99,
            catalog=SCENARIO.to_catalog(),
            clock=clock,
            history=None,
        )
        is None
    )


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(EmulatorConfig(port=0)) as running:
        yield running


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_channel_slack_refuses_to_show_leaves_a_note_not_a_failure(
    sessions, clock, emulator
) -> None:
    incident_id = await _open_incident(sessions, clock)
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(channel_id="C0NOSUCH", channel_name="inc-gone")
        )
    chat = SlackChat(build_web_client(emulator.config.bot_token, base_url=emulator.api_url))

    facts = await gather_facts(
        sessions=sessions,
        incident_id=incident_id,
        catalog=SCENARIO.to_catalog(),
        clock=clock,
        history=chat,
    )

    assert facts is not None
    assert facts.messages == ()
    assert facts.history_note is not None
    assert "conversations.history failed: channel_not_found" in facts.history_note
    markdown = (await write_postmortem(facts)).markdown
    assert "Channel messages could not be read" in markdown
