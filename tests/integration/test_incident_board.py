"""The incidents board the sandbox console reads (``bot.incident.board``), on SQLite and
PostgreSQL: every incident newest first with its age, one incident's redacted timeline, its
actions, its newest postmortem draft, and the trail's verification, which names an edited row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.models import ActionRecord, ActionState
from bot.audit import service as audit
from bot.clock import FixedClock
from bot.incident.board import incident_board, incident_story
from bot.incident.models import IncidentRecord, IncidentStatus

SECRET = "AKIAZ3MRV7Q4XK2PLW5N"


def _incident(clock: FixedClock, service: str, *, minutes_ago: int) -> IncidentRecord:
    opened = clock.now() - timedelta(minutes=minutes_ago)
    return IncidentRecord(
        fingerprint=f"fp-{service}",
        open_fingerprint=f"fp-{service}",
        service=service,
        title=f"{service} is down",
        severity="sev2",
        status=IncidentStatus.OPEN,
        opened_at=opened,
        first_seen_at=opened,
        channel_id=f"C{service.upper()}",
        channel_name=f"inc-{service}",
    )


async def _seed(sessions: async_sessionmaker[AsyncSession], clock: FixedClock) -> int:
    async with sessions() as session, session.begin():
        older = _incident(clock, "billing", minutes_ago=30)
        newer = _incident(clock, "search", minutes_ago=5)
        session.add_all([older, newer])
        await session.flush()
        session.add(
            ActionRecord(
                incident_id=older.id,
                kind="rollback",
                target="payments/billing",
                plan_hash="h" * 64,
                state=ActionState.VERIFIED,
                proposed_by="slack:U0BOB",
                proposed_at=clock.now(),
                decided_by="slack:U0DANA",
                decided_at=clock.now(),
            )
        )
        for event, details in (
            ("incident.opened", {"service": "billing", "note": f"key {SECRET}"}),
            ("postmortem.drafted", {"file_id": "F1", "filename": "old.md"}),
            ("postmortem.drafted", {"file_id": "F2", "filename": "inc-1.md"}),
        ):
            await audit.append(
                session,
                clock=clock,
                actor="bot",
                event=event,
                incident_id=older.id,
                details=details,
            )
        return older.id


async def test_every_incident_is_listed_newest_first_with_its_age(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await _seed(sessions, clock)
    async with sessions() as session:
        board = await incident_board(session, now=clock.now())
    assert [(line.service, line.age_seconds, line.channel_name) for line in board] == [
        ("search", 300.0, "inc-search"),
        ("billing", 1800.0, "inc-billing"),
    ]
    assert board[1].ref == "INC-1"


async def test_an_incidents_story_has_its_redacted_timeline_actions_and_newest_draft(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    incident_id = await _seed(sessions, clock)
    async with sessions() as session:
        story = await incident_story(session, incident_id, now=clock.now())
    assert story is not None
    assert [row["event"] for row in story.timeline] == [
        "incident.opened",
        "postmortem.drafted",
        "postmortem.drafted",
    ]
    assert SECRET not in str(story.timeline)
    assert story.timeline[0]["redacted"] is True
    assert [(a.kind, a.state, a.decided_by) for a in story.actions] == [
        ("rollback", "verified", "slack:U0DANA")
    ]
    assert story.postmortem is not None
    assert (story.postmortem.file_id, story.postmortem.filename) == ("F2", "inc-1.md")
    assert (story.chain.ok, story.chain.rows, story.chain.problem) == (True, 3, None)


async def test_an_edited_audit_row_shows_as_a_broken_chain(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    incident_id = await _seed(sessions, clock)
    async with sessions() as session, session.begin():
        await session.execute(
            text("UPDATE audit_log SET actor = 'mallory' WHERE event = 'incident.opened'")
        )
    async with sessions() as session:
        story = await incident_story(session, incident_id, now=clock.now())
    assert story is not None
    assert story.chain.ok is False
    assert story.chain.problem is not None
    assert "row was edited" in story.chain.problem


async def test_an_unknown_incident_has_no_story(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    async with sessions() as session:
        assert await incident_story(session, 42, now=clock.now()) is None
