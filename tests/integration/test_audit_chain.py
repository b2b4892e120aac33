"""The audit chain detects edits, deletions and re-ordering, in the library and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.errors import AuditChainError


async def _write_rows(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, count: int
) -> None:
    for number in range(count):
        async with sessions() as session, session.begin():
            await audit.append(
                session,
                clock=clock,
                actor="U0ALICE",
                event="test.event",
                incident_id=1,
                details={"number": number, "note": "ünïcode survives"},
            )
        clock.advance(timedelta(seconds=1, microseconds=123))


async def test_an_untouched_chain_verifies(sessions, clock) -> None:
    await _write_rows(sessions, clock, 5)
    async with sessions() as session:
        assert await audit.verify(session) == 5


async def test_an_empty_chain_verifies(sessions) -> None:
    async with sessions() as session:
        assert await audit.verify(session) == 0


async def test_a_rolled_back_transaction_leaves_no_audit_row(sessions, clock) -> None:
    await _write_rows(sessions, clock, 2)
    async with sessions() as session, session.begin():
        await audit.append(session, clock=clock, actor="bot", event="never.happened")
        await session.rollback()
    async with sessions() as session:
        assert await audit.verify(session) == 2
        assert [entry.event for entry in await audit.entries(session)] == ["test.event"] * 2


async def test_an_edited_row_is_named(sessions, clock) -> None:
    await _write_rows(sessions, clock, 5)
    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE audit_log SET actor = 'U0MALLORY' WHERE seq = 3"))
    async with sessions() as session:
        with pytest.raises(AuditChainError) as caught:
            await audit.verify(session)
    assert caught.value.seq == 3
    assert "edited" in str(caught.value)


async def test_a_deleted_middle_row_is_named(sessions, clock) -> None:
    await _write_rows(sessions, clock, 5)
    async with sessions() as session, session.begin():
        await session.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    async with sessions() as session:
        with pytest.raises(AuditChainError) as caught:
            await audit.verify(session)
    assert caught.value.seq == 3


async def test_rows_cut_from_the_end_are_detected(sessions, clock) -> None:
    await _write_rows(sessions, clock, 5)
    async with sessions() as session, session.begin():
        await session.execute(text("DELETE FROM audit_log WHERE seq >= 4"))
    async with sessions() as session:
        with pytest.raises(AuditChainError) as caught:
            await audit.verify(session)
    assert caught.value.seq == 4
    assert "deleted from the end" in str(caught.value)


async def test_swapped_rows_are_detected(sessions, clock) -> None:
    await _write_rows(sessions, clock, 4)
    async with sessions() as session, session.begin():
        # Swap the content of rows 2 and 3, keeping their sequence numbers.
        await session.execute(text("UPDATE audit_log SET seq = -2 WHERE seq = 2"))
        await session.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 3"))
        await session.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = -2"))
    async with sessions() as session:
        with pytest.raises(AuditChainError) as caught:
            await audit.verify(session)
    assert caught.value.seq == 2


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_audit_verify_command_fails_naming_the_edited_row(
    sessions, clock, database_url
) -> None:
    await _write_rows(sessions, clock, 4)
    good = _cli(database_url, "audit", "verify")
    assert good.returncode == 0, good.stderr
    assert "verified: 4 rows" in good.stdout

    async with sessions() as session, session.begin():
        await session.execute(
            text("UPDATE audit_log SET details = '{\"number\": 99}' WHERE seq = 2")
        )
    bad = _cli(database_url, "audit", "verify")
    assert bad.returncode == 1
    assert "audit row 2" in bad.stderr


async def test_audit_export_prints_json_lines_from_since_that_verify_again(
    sessions, clock, database_url
) -> None:
    start = clock.now()
    await _write_rows(sessions, clock, 4)
    everything = _cli(database_url, "audit", "export")
    assert everything.returncode == 0, everything.stderr
    rows = [json.loads(line) for line in everything.stdout.splitlines()]
    assert [row["seq"] for row in rows] == [1, 2, 3, 4]
    assert rows[0]["details"] == {"number": 0, "note": "ünïcode survives"}
    # Each row names the hash before it, so the export can be checked again elsewhere.
    assert [row["prev_hash"] for row in rows[1:]] == [row["hash"] for row in rows[:-1]]
    assert rows[2]["at"] == (start + 2 * timedelta(seconds=1, microseconds=123)).isoformat()

    since = _cli(database_url, "audit", "export", "--since", rows[2]["at"])
    assert since.returncode == 0, since.stderr
    assert [json.loads(line)["seq"] for line in since.stdout.splitlines()] == [3, 4]

    bad = _cli(database_url, "audit", "export", "--since", "last tuesday")
    assert bad.returncode == 2
    assert "ISO 8601" in bad.stderr
