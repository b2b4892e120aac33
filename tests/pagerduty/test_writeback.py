"""Writing back to the PagerDuty incident an incident came from, on both databases, against
the PagerDuty stand-in: a note with the packet once it is posted, acknowledge once a commander
is named, resolve only once a person resolves in Slack; each exactly once across replicas and
crashes, and audited."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.incident.regroup import merge_incidents
from bot.pager.flows import WriteBack, write_back_once
from integrations.pagerduty import PagerDutyClient
from integrations.pagerduty_emulator import EmulatedIncident, PagerDutyEmulator
from integrations.pagerduty_emulator.state import Service
from tests.pagerduty.support import (
    deliver_webhook,
    lapse_claims,
    name_commander,
    only_incident,
    post_packet,
    resolve_in_slack,
    steps,
)


@pytest.fixture
def writeback(
    sessions: async_sessionmaker[AsyncSession], client: PagerDutyClient, clock: FixedClock
) -> WriteBack:
    return WriteBack(sessions=sessions, pagerduty=client, clock=clock)


@pytest.fixture
async def paged(
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
    service: Service,
) -> EmulatedIncident:
    """A PagerDuty incident whose webhook opened an incident of ours."""
    incident = pagerduty.state.add_incident(service, "Checkout API 5xx above 4%")
    await deliver_webhook(sessions, clock, incident)
    return incident


async def _events(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return [entry.event for entry in await audit.entries(session)]


async def test_nothing_is_written_before_the_packet_is_posted(
    writeback: WriteBack, paged: EmulatedIncident, pagerduty: PagerDutyEmulator
) -> None:
    assert await write_back_once(writeback) == 0
    assert paged.notes == []
    assert pagerduty.state.writes == []


async def test_the_posted_packet_is_noted_with_the_channel_link_redacted_and_quoted(
    writeback: WriteBack, paged: EmulatedIncident, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ours = await only_incident(sessions)
    await post_packet(sessions, ours.id)

    assert await write_back_once(writeback) == 1

    (note,) = paged.notes
    assert "https://slack.com/app_redirect?channel=C0PAGER1" in note.content
    assert "#inc-checkout" in note.content
    assert "> Likely cause: deploy checkout-api v2.14.0 (12 min before)" in note.content
    assert "hunter2" not in note.content  # redacted again on the way out
    assert note.content.endswith(f"[incident-bot INC-{ours.id}]")
    assert paged.status == "triggered"  # a note acknowledges nothing
    assert await steps(sessions) == {"note": ("done", 1)}
    assert (await _events(sessions))[-1] == "pagerduty.note_added"


async def test_naming_a_commander_acknowledges_the_pagerduty_incident(
    writeback: WriteBack,
    paged: EmulatedIncident,
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    ours = await only_incident(sessions)
    await post_packet(sessions, ours.id)
    await write_back_once(writeback)
    assert paged.status == "triggered"

    await name_commander(sessions, clock, ours.id)
    assert await write_back_once(writeback) == 1

    assert paged.status == "acknowledged"
    assert (await steps(sessions))["acknowledge"] == ("done", 1)
    assert (await _events(sessions))[-1] == "pagerduty.acknowledged"


async def test_only_a_person_resolving_in_slack_resolves_pagerduty(
    writeback: WriteBack,
    paged: EmulatedIncident,
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    ours = await only_incident(sessions)
    await post_packet(sessions, ours.id)
    await name_commander(sessions, clock, ours.id)
    await write_back_once(writeback)
    # PagerDuty's own resolve webhook resolves our alert, not our incident: nothing to write.
    await deliver_webhook(sessions, clock, paged, "incident.resolved")
    paged.status = "acknowledged"  # as if PagerDuty still had it open: the bot must not touch it
    assert await write_back_once(writeback) == 0
    assert paged.status == "acknowledged"

    await resolve_in_slack(sessions, clock, ours.id)
    assert await write_back_once(writeback) == 1

    assert paged.status == "resolved"
    assert await steps(sessions) == {
        "note": ("done", 1),
        "acknowledge": ("done", 1),
        "resolve": ("done", 1),
    }
    assert await write_back_once(writeback) == 0  # the write-back has ended


async def test_a_merge_resolves_nothing_and_hands_the_pagerduty_incident_to_the_target(
    writeback: WriteBack,
    paged: EmulatedIncident,
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
) -> None:
    ours = await only_incident(sessions)
    search = pagerduty.state.add_service("Search API", "5" * 32)
    other = pagerduty.state.add_incident(search, "Search API latency")
    await deliver_webhook(sessions, clock, other)
    target = ours.id + 1
    async with sessions() as session, session.begin():
        await merge_incidents(
            session, target_id=target, source_id=ours.id, actor="slack:U0ERIN", clock=clock
        )

    assert await write_back_once(writeback) == 0  # the merged incident resolved on no one's word
    assert (paged.status, other.status) == ("triggered", "triggered")

    await post_packet(sessions, target)
    await resolve_in_slack(sessions, clock, target)
    await write_back_once(writeback)

    # a person resolved the incident both PagerDuty incidents are now part of
    assert (paged.status, other.status) == ("resolved", "resolved")
    assert (len(paged.notes), len(other.notes)) == (1, 1)
    assert (await _events(sessions)).count("pagerduty.step_skipped") == 2  # no commander named


async def test_two_replicas_sweeping_at_once_write_each_step_once(
    paged: EmulatedIncident,
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
) -> None:
    ours = await only_incident(sessions)
    await post_packet(sessions, ours.id)
    await name_commander(sessions, clock, ours.id)
    replicas = [
        PagerDutyClient(
            api_url=pagerduty.base_url,
            token="y_NbAkKc66ryYTWUXYEu",
            from_email="incident-bot@example.com",
        )
        for _ in range(2)
    ]
    try:
        contexts = [WriteBack(sessions=sessions, pagerduty=one, clock=clock) for one in replicas]
        calls = await asyncio.gather(*(write_back_once(ctx) for ctx in contexts))
        calls += await asyncio.gather(*(write_back_once(ctx) for ctx in contexts))
    finally:
        for one in replicas:
            await one.close()

    assert sum(calls) == 2
    assert len(paged.notes) == 1
    assert [method for method, _path, _who in pagerduty.state.writes] == ["POST", "PUT"]


async def test_a_crash_after_the_note_left_does_not_add_it_twice(
    writeback: WriteBack,
    paged: EmulatedIncident,
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    ours = await only_incident(sessions)
    await post_packet(sessions, ours.id)
    await write_back_once(writeback)
    await lapse_claims(sessions, clock)  # killed after the POST, before recording it

    assert await write_back_once(writeback) == 1

    assert len(paged.notes) == 1
    assert await steps(sessions) == {"note": ("done", 2)}


async def test_a_crash_before_the_note_left_sends_it_once_after_the_claim_lapses(
    writeback: WriteBack,
    paged: EmulatedIncident,
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    ours = await only_incident(sessions)
    await post_packet(sessions, ours.id)
    await write_back_once(writeback)
    paged.notes.clear()  # as if the process died before its POST left
    await lapse_claims(sessions, clock)

    await write_back_once(writeback)
    await write_back_once(writeback)

    assert len(paged.notes) == 1


async def test_a_failing_pagerduty_is_tried_again_later_and_audited(
    writeback: WriteBack,
    paged: EmulatedIncident,
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
) -> None:
    ours = await only_incident(sessions)
    await post_packet(sessions, ours.id)
    pagerduty.fail_next("add_note", 503)

    await write_back_once(writeback)
    assert await steps(sessions) == {"note": ("retry", 1)}
    assert await write_back_once(writeback) == 0  # not before its pause
    clock.advance(timedelta(seconds=11))
    await write_back_once(writeback)

    assert len(paged.notes) == 1
    assert await steps(sessions) == {"note": ("done", 2)}
    events = await _events(sessions)
    assert events[-2:] == ["pagerduty.call_failed", "pagerduty.note_added"]
    async with sessions() as session:
        assert await audit.verify(session) == len(events)


async def test_a_refusal_ends_the_step_as_failed_and_audited(
    writeback: WriteBack,
    paged: EmulatedIncident,
    sessions: async_sessionmaker[AsyncSession],
    pagerduty: PagerDutyEmulator,
) -> None:
    ours = await only_incident(sessions)
    await post_packet(sessions, ours.id)
    pagerduty.state.users.clear()  # the From: user no longer exists: PagerDuty's 1008

    await write_back_once(writeback)
    await write_back_once(writeback)

    assert await steps(sessions) == {"note": ("failed", 1)}
    assert (await _events(sessions))[-1] == "pagerduty.step_failed"
    assert paged.notes == []
