"""The kill switch lives in the database: every replica reads the same row, and turning it is
audited once however many people turn it at once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.killswitch import service as kill_switch


async def test_the_kill_switch_starts_released(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        state = await kill_switch.read(session)
    assert state.engaged is False
    assert state.changed_by is None


async def test_turning_the_kill_switch_on_is_seen_by_another_session_and_audited(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    async with sessions() as session, session.begin():
        moved = await kill_switch.turn(
            session, engaged=True, actor="slack:U0ALICE", clock=clock, reason="bad deploy wave"
        )
    async with sessions() as other:
        state = await kill_switch.read(other)
        trail = await audit.entries(other)
    assert moved is True
    assert (state.engaged, state.changed_by, state.reason) == (
        True,
        "slack:U0ALICE",
        "bad deploy wave",
    )
    assert state.changed_at == clock.now()
    assert [(e.event, e.actor) for e in trail] == [("kill_switch.engaged", "slack:U0ALICE")]


async def test_turning_the_kill_switch_to_where_it_stands_writes_nothing(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    async with sessions() as session, session.begin():
        assert await kill_switch.turn(session, engaged=True, actor="slack:U0A", clock=clock)
    async with sessions() as session, session.begin():
        again = await kill_switch.turn(session, engaged=True, actor="slack:U0B", clock=clock)
    async with sessions() as session, session.begin():
        released = await kill_switch.turn(session, engaged=False, actor="slack:U0B", clock=clock)
    async with sessions() as session:
        trail = await audit.entries(session)
        state = await kill_switch.read(session)
    assert (again, released, state.engaged) == (False, True, False)
    assert [e.event for e in trail] == ["kill_switch.engaged", "kill_switch.released"]


async def test_the_reason_is_stored_and_audited_redacted(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    reason = "leaked AKIAZ3MRV7Q4XK2PLW5N, mail jane.doe@customer-corp.com"
    async with sessions() as session, session.begin():
        await kill_switch.turn(
            session, engaged=True, actor="slack:U0ALICE", clock=clock, reason=reason
        )
    async with sessions() as other:
        state = await kill_switch.read(other)
        trail = await audit.entries(other)
    expected = "leaked [redacted:aws_key], mail [redacted:email]"
    assert state.reason == expected
    assert trail[-1].details == {"reason": expected}
