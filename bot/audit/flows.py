"""Taking a digest of the trail (periodically in ``serve``, at shutdown, on demand) and checking
the whole trail against the digests.

The digester vouches only for what it has checked: a chain's new rows since the previous digest
must link to what that digest recorded, hash right and carry valid signatures; the digest
records each chain up to its last such row, never less than before, and lists the rest as
problems (logged). The first digest in a folder trusts every row that hashes right, signed or
not (trust on first use: how rows written before the key existed become anchored).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import writer as writers
from bot.audit.digests import (
    Digest,
    anchors_of,
    load_digests,
    newest_digest,
    signed_by,
    signed_digest,
    write_digest,
)
from bot.audit.keys import key_id
from bot.audit.models import AuditChainRecord, AuditRecord
from bot.audit.verification import Anchor, Anchors, ChainWalk, check_chains
from bot.clock import Clock
from bot.errors import AuditChainError, AuditTrailError

__all__ = ["TrailReport", "digest_forever", "take_digest", "verify_trail"]

log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5  # numbers taken by other replicas in between, before giving up


async def _extend(
    session: AsyncSession, chain: str, head: Anchor, walk: ChainWalk
) -> tuple[Anchor, str | None]:
    """Walk ``chain`` from where the previous digest left it up to its head; the anchor this
    digest may record, and the problem found (None when all of it checked out)."""
    query = (
        select(AuditRecord)
        .where(
            AuditRecord.chain == chain,
            AuditRecord.position > walk.length,
            AuditRecord.position <= head.length,
        )
        .order_by(AuditRecord.position)
    )
    try:
        for record in (await session.execute(query)).scalars():
            walk.feed(record)
        walk.finish(head)
    except AuditChainError as exc:
        return Anchor(walk.length, walk.hash), str(exc)
    return Anchor(walk.length, walk.hash), None


async def _chains(
    session: AsyncSession, previous: Anchors, verifier: Ed25519PublicKey, first: bool
) -> tuple[dict[str, Anchor], list[str]]:
    heads = {
        head.chain: Anchor(head.length, head.hash)
        for head in (await session.execute(select(AuditChainRecord))).scalars()
    }
    chains = dict(previous.chains)
    problems: list[str] = []
    for chain, head in sorted(heads.items()):
        before = previous.chains.get(chain, Anchor(0, ""))
        if before == head:
            continue
        # The first digest trusts unsigned rows: its "previous" is every chain's own head.
        trusted = Anchors("the first digest", heads) if first else previous
        walk = ChainWalk(chain, before.length, before.hash, verifier, trusted)
        anchor, problem = await _extend(session, chain, head, walk)
        if problem is not None:
            problems.append(problem)
        if anchor.length >= before.length:
            chains[chain] = anchor
    for chain in sorted(set(previous.chains) - set(heads)):
        problems.append(f"chain {chain} recorded by {previous.source} has no head any more")
    return chains, problems


async def take_digest(
    *,
    sessions: async_sessionmaker[AsyncSession],
    signer: Ed25519PrivateKey,
    folder: Path,
    clock: Clock,
) -> Digest:
    """Write the next digest of the trail into ``folder`` and return it."""
    verifier = signer.public_key()
    for _ in range(WRITE_ATTEMPTS):
        newest = newest_digest(folder)
        if newest is not None and not signed_by(newest, verifier):
            # The chain of digests continues only from a digest this key signed.
            raise AuditTrailError(
                f"the newest digest in {folder} ({newest.path.name}) is not signed by this key: "
                "refusing to continue its chain"
            )
        async with sessions() as session:
            chains, problems = await _chains(
                session, anchors_of(newest), verifier, first=newest is None
            )
        digest = signed_digest(
            Digest(
                number=1 if newest is None else newest.digest.number + 1,
                at=clock.now(),
                writer=writers.current().chain,
                key=key_id(verifier),
                previous=None if newest is None else newest.sha256,
                chains=chains,
                problems=tuple(problems),
            ),
            signer,
        )
        path = await asyncio.to_thread(write_digest, folder, digest)
        if path is not None:
            for problem in problems:
                log.error("audit digest %d does not vouch for: %s", digest.number, problem)
            log.info(
                "audit digest %d: %d rows in %d chains", digest.number, digest.rows, len(chains)
            )
            return digest
    raise AuditTrailError(f"no digest number was free in {folder} after {WRITE_ATTEMPTS} tries")


async def digest_forever(
    *,
    sessions: async_sessionmaker[AsyncSession],
    signer: Ed25519PrivateKey,
    folder: Path,
    clock: Clock,
    interval: float,
) -> None:
    """Take a digest every ``interval`` seconds until cancelled; a failure is logged and the
    next interval tries again."""
    while True:
        await asyncio.sleep(interval)
        try:
            await take_digest(sessions=sessions, signer=signer, folder=folder, clock=clock)
        except (AuditTrailError, OSError) as exc:
            log.error("audit digest failed: %s", exc)


@dataclass(frozen=True, slots=True)
class TrailReport:
    rows: int
    chains: int
    signed: int  # rows whose signature was checked
    digests: int  # digest files checked
    newest: Digest | None
    keyed: bool  # False: no key, only the hash chains were checked


async def verify_trail(
    session: AsyncSession, *, verifier: Ed25519PublicKey | None, folder: Path
) -> TrailReport:
    """Check the digests in ``folder`` and every chain against the newest; without a key only the
    hash chains. Raises :class:`AuditTrailError` (:class:`AuditChainError` naming a row)."""
    if verifier is None:
        report = await check_chains(session)
        return TrailReport(report.rows, len(report.tips), 0, 0, None, keyed=False)
    stored = await asyncio.to_thread(load_digests, folder, verifier)
    newest = stored[-1] if stored else None
    report = await check_chains(session, verifier=verifier, anchors=anchors_of(newest))
    return TrailReport(
        report.rows,
        len(report.tips),
        report.signed,
        len(stored),
        None if newest is None else newest.digest,
        keyed=True,
    )
