"""Everything a database writer could do to the trail, caught by ``audit verify`` once rows are
signed and digests anchor the chains (on SQLite and PostgreSQL, as every DB test): an edit, a
deleted middle row, a swap, a cut tail (with or without the head moved back), an edited or
deleted row with the chain re-hashed after it, a wiped trail, a forged row appended. And what
the hash chains alone miss without a key, so the README's limits are tested too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.audit import writer as writers
from bot.audit.flows import TrailReport, take_digest, verify_trail
from bot.audit.models import AuditRecord
from bot.clock import FixedClock
from bot.errors import AuditChainError, AuditTrailError

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def key() -> AsyncIterator[Ed25519PrivateKey]:
    """This process signs its rows with a fresh key during the test, and not afterwards."""
    signer = Ed25519PrivateKey.generate()
    writers.use_signing_key(signer)
    try:
        yield signer
    finally:
        writers.use_signing_key(None)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "digests"


async def write_rows(sessions: Sessions, clock: FixedClock, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        async with sessions() as session, session.begin():
            await audit.append(
                session,
                clock=clock,
                actor="U0ALICE",
                event="test.event",
                incident_id=1,
                details={"number": number},
            )
        clock.advance(timedelta(seconds=1))


async def digest(
    sessions: Sessions, key: Ed25519PrivateKey, folder: Path, clock: FixedClock
) -> None:
    await take_digest(sessions=sessions, signer=key, folder=folder, clock=clock)


async def verify(sessions: Sessions, key: Ed25519PrivateKey | None, folder: Path) -> TrailReport:
    async with sessions() as session:
        verifier = None if key is None else key.public_key()
        return await verify_trail(session, verifier=verifier, folder=folder)


async def tamper(sessions: Sessions, *statements: str, **params: Any) -> None:
    async with sessions() as session, session.begin():
        for statement in statements:
            await session.execute(text(statement), params)


async def rehash(sessions: Sessions, *, strip_signatures: bool) -> None:
    """What someone with the database but not the key does after changing rows: recompute every
    hash in order (as the bot would) and move the chain's head to the new end."""
    async with sessions() as session, session.begin():
        query = select(AuditRecord).order_by(AuditRecord.chain, AuditRecord.position)
        rows = list((await session.execute(query)).scalars())
        chain = rows[0].chain
        prev = audit.chain_genesis(chain)
        # Through placeholders first: prev_hash and hash are unique columns.
        await session.execute(
            text("UPDATE audit_log SET prev_hash = 'p' || seq, hash = 'h' || seq")
        )
        for row in rows:
            new = audit.row_hash(
                chain=chain,
                position=row.position,
                at=row.at,
                actor=row.actor,
                event=row.event,
                incident_id=row.incident_id,
                details=row.details,
                prev_hash=prev,
            )
            await session.execute(
                text("UPDATE audit_log SET prev_hash = :prev, hash = :new WHERE seq = :seq"),
                {"prev": prev, "new": new, "seq": row.seq},
            )
            prev = new
        if strip_signatures:
            await session.execute(text("UPDATE audit_log SET signature = NULL"))
        await session.execute(
            text("UPDATE audit_chains SET length = :length, hash = :hash WHERE chain = :chain"),
            {"length": rows[-1].position, "hash": prev, "chain": chain},
        )


async def forge(sessions: Sessions, clock: FixedClock, *, chain: str | None = None) -> int:
    """Append an "approved by dana" row the way the bot would, without the key: a correct hash,
    no signature, the head moved to it. Returns its seq."""
    chain = chain or writers.current().chain
    async with sessions() as session, session.begin():
        head = (
            await session.execute(
                text("SELECT length, hash FROM audit_chains WHERE chain = :chain"), {"chain": chain}
            )
        ).one_or_none()
        length, prev = (0, audit.chain_genesis(chain)) if head is None else (head[0], head[1])
        details = '{"action_id":7,"approved_by":"U0DANA"}'
        at = clock.now()
        new = audit.row_hash(
            chain=chain,
            position=length + 1,
            at=at,
            actor="slack:U0DANA",
            event="action.approved",
            incident_id=1,
            details=details,
            prev_hash=prev,
        )
        record = AuditRecord(
            chain=chain,
            position=length + 1,
            at=at,
            actor="slack:U0DANA",
            event="action.approved",
            incident_id=1,
            details=details,
            prev_hash=prev,
            hash=new,
            signature=None,
        )
        session.add(record)
        if head is None:
            statement = "INSERT INTO audit_chains (chain, length, hash) VALUES (:c, 1, :h)"
        else:
            statement = "UPDATE audit_chains SET length = length + 1, hash = :h WHERE chain = :c"
        await session.execute(text(statement), {"c": chain, "h": new})
        await session.flush()
        return record.seq


async def seq_at(sessions: Sessions, position: int) -> int:
    async with sessions() as session:
        query = select(AuditRecord.seq).where(AuditRecord.position == position)
        return int((await session.execute(query)).scalar_one())


async def move_head_back(sessions: Sessions, position: int) -> None:
    await tamper(
        sessions,
        "DELETE FROM audit_log WHERE position > :position",
        "UPDATE audit_chains SET length = :position, "
        "hash = (SELECT hash FROM audit_log WHERE position = :position)",
        position=position,
    )


# --- an untouched trail -------------------------------------------------------------------


async def test_a_signed_and_digested_trail_verifies_every_row_and_signature(
    sessions, clock, key, folder
) -> None:
    await write_rows(sessions, clock, 5)
    await digest(sessions, key, folder, clock)
    await write_rows(sessions, clock, 2, start=5)

    report = await verify(sessions, key, folder)

    assert (report.rows, report.chains, report.signed, report.digests) == (7, 1, 7, 1)
    assert report.keyed
    assert report.newest is not None
    assert report.newest.rows == 5


async def test_digests_form_a_chain_each_naming_the_one_before(
    sessions, clock, key, folder
) -> None:
    await write_rows(sessions, clock, 2)
    await digest(sessions, key, folder, clock)
    await write_rows(sessions, clock, 2, start=2)
    await digest(sessions, key, folder, clock)

    report = await verify(sessions, key, folder)

    assert report.digests == 2
    assert report.newest is not None
    assert report.newest.rows == 4
    assert sorted(path.name for path in folder.iterdir()) == [
        "digest-00000001.json",
        "digest-00000002.json",
    ]


# --- the cases the hash chain caught before, still caught with a key ------------------------


async def test_an_edited_row_is_named(sessions, clock, key, folder) -> None:
    await write_rows(sessions, clock, 5)
    await digest(sessions, key, folder, clock)
    await tamper(sessions, "UPDATE audit_log SET actor = 'U0MALLORY' WHERE position = 3")

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    assert caught.value.seq == await seq_at(sessions, 3)
    assert "edited" in str(caught.value)


async def test_a_deleted_middle_row_is_named(sessions, clock, key, folder) -> None:
    await write_rows(sessions, clock, 5)
    await digest(sessions, key, folder, clock)
    third = await seq_at(sessions, 3)
    await tamper(sessions, "DELETE FROM audit_log WHERE position = 2")

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    assert caught.value.seq == third
    assert "deleted" in str(caught.value)


async def test_two_swapped_rows_are_named(sessions, clock, key, folder) -> None:
    await write_rows(sessions, clock, 4)
    await digest(sessions, key, folder, clock)
    third = await seq_at(sessions, 3)
    await tamper(
        sessions,
        "UPDATE audit_log SET position = -2 WHERE position = 2",
        "UPDATE audit_log SET position = 2 WHERE position = 3",
        "UPDATE audit_log SET position = 3 WHERE position = -2",
    )

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    assert caught.value.seq == third  # now at position 2, where row 2 was
    assert "re-ordered" in str(caught.value)


async def test_rows_cut_from_the_end_are_detected(sessions, clock, key, folder) -> None:
    await write_rows(sessions, clock, 5)
    fourth = await seq_at(sessions, 4)
    await tamper(sessions, "DELETE FROM audit_log WHERE position >= 4")

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    assert caught.value.seq == fourth
    assert "deleted from the end" in str(caught.value)


# --- what a database writer could re-seal before, caught now ---------------------------------


async def test_a_cut_tail_with_the_head_moved_back_is_detected_by_the_digest(
    sessions, clock, key, folder
) -> None:
    await write_rows(sessions, clock, 5)
    await digest(sessions, key, folder, clock)
    await move_head_back(sessions, 3)

    assert (await verify(sessions, None, folder)).rows == 3  # the hash chains alone: fine

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    assert "digest 1 recorded 5 rows" in str(caught.value)
    assert "cut from the end" in str(caught.value)


async def test_a_cut_since_the_last_digest_is_not_detected(sessions, clock, key, folder) -> None:
    """The window the README names: rows written after the newest digest can be cut off the
    end, head moved back, unseen until a later digest would have recorded them."""
    await write_rows(sessions, clock, 3)
    await digest(sessions, key, folder, clock)
    await write_rows(sessions, clock, 2, start=3)
    await move_head_back(sessions, 3)

    assert (await verify(sessions, key, folder)).rows == 3


@pytest.mark.parametrize("strip_signatures", [False, True], ids=["signatures-kept", "stripped"])
async def test_an_edited_row_with_the_chain_re_hashed_is_detected(
    sessions, clock, key, folder, strip_signatures
) -> None:
    await write_rows(sessions, clock, 5)
    await digest(sessions, key, folder, clock)
    await tamper(sessions, "UPDATE audit_log SET actor = 'U0MALLORY' WHERE position = 3")
    await rehash(sessions, strip_signatures=strip_signatures)

    assert (await verify(sessions, None, folder)).rows == 5  # re-sealed for the hash chain

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    if strip_signatures:
        # Unsigned rows pass only as far as the digest recorded them, and the row the digest
        # recorded at position 5 is not the one there now.
        assert caught.value.seq == await seq_at(sessions, 5)
        assert "re-hashed" in str(caught.value)
    else:
        assert caught.value.seq == await seq_at(sessions, 3)  # the edited row itself
        assert "signature that does not match" in str(caught.value)


@pytest.mark.parametrize("strip_signatures", [False, True], ids=["signatures-kept", "stripped"])
async def test_a_deleted_row_with_the_rest_renumbered_and_re_hashed_is_detected(
    sessions, clock, key, folder, strip_signatures
) -> None:
    await write_rows(sessions, clock, 5)
    await digest(sessions, key, folder, clock)
    third = await seq_at(sessions, 3)
    await tamper(
        sessions,
        "DELETE FROM audit_log WHERE position = 2",
        "UPDATE audit_log SET position = position - 1 WHERE position > 2",
    )
    await rehash(sessions, strip_signatures=strip_signatures)

    assert (await verify(sessions, None, folder)).rows == 4  # re-sealed for the hash chain

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    if strip_signatures:
        assert "digest 1 recorded 5 rows" in str(caught.value)
    else:
        assert caught.value.seq == third  # now at position 2, re-hashed: its signature fails
        assert "signature that does not match" in str(caught.value)


async def test_a_wiped_trail_no_longer_verifies_as_zero_rows(sessions, clock, key, folder) -> None:
    await write_rows(sessions, clock, 4)
    await digest(sessions, key, folder, clock)
    await tamper(sessions, "DELETE FROM audit_log", "DELETE FROM audit_chains")

    assert (await verify(sessions, None, folder)).rows == 0  # what "verified: 0 rows" meant

    with pytest.raises(AuditTrailError) as caught:
        await verify(sessions, key, folder)

    assert "wiped" in str(caught.value)
    assert "digest 1 recorded 4 rows" in str(caught.value)


async def test_a_forged_row_appended_after_the_last_digest_is_named(
    sessions, clock, key, folder
) -> None:
    await write_rows(sessions, clock, 3)
    await digest(sessions, key, folder, clock)
    forged = await forge(sessions, clock)

    assert (await verify(sessions, None, folder)).rows == 4  # a well-formed link in the chain

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    assert caught.value.seq == forged
    assert "not signed" in str(caught.value)


async def test_a_forged_row_with_a_signature_copied_from_another_row_is_named(
    sessions, clock, key, folder
) -> None:
    await write_rows(sessions, clock, 3)
    await digest(sessions, key, folder, clock)
    forged = await forge(sessions, clock)
    await tamper(
        sessions,
        "UPDATE audit_log SET signature = "
        "(SELECT signature FROM audit_log WHERE position = 3) WHERE seq = :forged",
        forged=forged,
    )

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    assert caught.value.seq == forged
    assert "signature that does not match" in str(caught.value)


async def test_a_forged_chain_of_its_own_is_named(sessions, clock, key, folder) -> None:
    await write_rows(sessions, clock, 2)
    await digest(sessions, key, folder, clock)
    forged = await forge(sessions, clock, chain="replica-9/1/feedfacecafe")

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)

    assert caught.value.seq == forged
    assert "not signed" in str(caught.value)


async def test_a_later_digest_does_not_vouch_for_a_forged_row(sessions, clock, key, folder) -> None:
    await write_rows(sessions, clock, 2)
    await digest(sessions, key, folder, clock)
    forged = await forge(sessions, clock)

    second = await take_digest(sessions=sessions, signer=key, folder=folder, clock=clock)

    assert second.rows == 2  # the forged third row is not in it, and it says why
    assert len(second.problems) == 1
    assert "not signed" in second.problems[0]
    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)
    assert caught.value.seq == forged


# --- the digest files themselves ------------------------------------------------------------


async def three_digests(
    sessions: Sessions, clock: FixedClock, key: Ed25519PrivateKey, folder: Path
) -> None:
    for start in range(3):
        await write_rows(sessions, clock, 1, start=start)
        await digest(sessions, key, folder, clock)


async def test_a_deleted_digest_file_is_detected(sessions, clock, key, folder) -> None:
    await three_digests(sessions, clock, key, folder)
    (folder / "digest-00000002.json").unlink()

    with pytest.raises(AuditTrailError) as caught:
        await verify(sessions, key, folder)

    assert "digest 2 is missing" in str(caught.value)


async def test_an_edited_digest_file_is_detected(sessions, clock, key, folder) -> None:
    await three_digests(sessions, clock, key, folder)
    path = folder / "digest-00000003.json"
    edited = path.read_text().replace('"length": 3', '"length": 2')
    assert edited != path.read_text()
    path.chmod(0o644)
    path.write_text(edited)

    with pytest.raises(AuditTrailError) as caught:
        await verify(sessions, key, folder)

    assert "digest 3 was altered or forged" in str(caught.value)


async def test_a_digest_signed_by_another_key_is_refused(sessions, clock, key, folder) -> None:
    await write_rows(sessions, clock, 1)
    await digest(sessions, key, folder, clock)

    with pytest.raises(AuditTrailError) as caught:
        await verify(sessions, Ed25519PrivateKey.generate(), folder)

    assert "signed by key" in str(caught.value)


async def test_before_the_first_digest_every_row_must_be_signed(
    sessions, clock, key, folder
) -> None:
    writers.use_signing_key(None)
    await write_rows(sessions, clock, 1)  # written by a process without the key
    writers.use_signing_key(key)
    await write_rows(sessions, clock, 1, start=1)

    with pytest.raises(AuditChainError) as caught:
        await verify(sessions, key, folder)
    assert "not signed and no digest" in str(caught.value)

    # The first digest trusts what it finds (rows from before the key); later rows are signed.
    await digest(sessions, key, folder, clock)
    assert (await verify(sessions, key, folder)).rows == 2
