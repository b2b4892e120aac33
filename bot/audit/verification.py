"""Checking the audit chains: every row's place, link and hash, its signature when a key is
given, each chain's head, and what the newest signed digest recorded (:mod:`bot.audit.digests`).

What each check catches is written in the README's "Audit trail" section; in short: without a
key only the hash chains are checked, which a database writer can re-seal (re-hash, cut with the
head moved back, wipe, append); with the public key, a row no digest covers must carry a valid
signature, and every chain must still hold what the newest digest recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.keys import signature_valid
from bot.audit.models import AuditChainRecord, AuditRecord
from bot.audit.service import ROW_SIGNATURE, chain_genesis, record_hash
from bot.errors import AuditChainError, AuditTrailError

__all__ = ["Anchor", "Anchors", "ChainWalk", "ChainsReport", "check_chains", "unsigned_reason"]


@dataclass(frozen=True, slots=True)
class Anchor:
    """A chain as a digest recorded it: its length and newest hash then."""

    length: int
    hash: str


@dataclass(frozen=True, slots=True)
class Anchors:
    """What one digest (``source``, e.g. "digest 12") recorded of every chain."""

    source: str
    chains: Mapping[str, Anchor]

    @property
    def rows(self) -> int:
        return sum(anchor.length for anchor in self.chains.values())


NO_ANCHORS = Anchors("no digest", {})


@dataclass(frozen=True, slots=True)
class ChainsReport:
    rows: int
    signed: int  # rows whose signature was checked (0 without a key)
    tips: Mapping[str, Anchor]  # every chain as verified now


def unsigned_reason(anchors: Anchors) -> str:
    covered = "no digest" if not anchors.chains else f"{anchors.source} does not cover it"
    return (
        f"is not signed and {covered}: forged by someone without the key, or written by a "
        "process without AUDIT_SIGNING_KEY"
    )


@dataclass
class ChainWalk:
    """One chain's rows fed in position order from ``length``/``hash`` on. :meth:`feed` raises
    :class:`AuditChainError` at the first bad row; ``length``/``hash`` are the last good row."""

    chain: str
    length: int = 0
    hash: str = ""
    verifier: Ed25519PublicKey | None = None
    anchors: Anchors = NO_ANCHORS
    last_seq: int = 0
    signed: int = 0
    seq_after: dict[int, int] = field(default_factory=dict)  # position: seq, for messages

    def __post_init__(self) -> None:
        if not self.hash:
            self.hash = chain_genesis(self.chain)

    def _fail(self, record: AuditRecord, reason: str) -> AuditChainError:
        return AuditChainError(
            record.seq, f"chain {self.chain} position {record.position} {reason}"
        )

    def feed(self, record: AuditRecord) -> None:
        expected = self.length + 1
        if record.position != expected:
            raise self._fail(
                record,
                f"where position {expected} should be: rows were deleted or inserted out of order",
            )
        if record.seq <= self.last_seq:
            raise self._fail(
                record,
                f"was stored before the row ahead of it in its chain (seq {self.last_seq}): "
                "rows were swapped or renumbered",
            )
        if record.prev_hash != self.hash:
            raise self._fail(
                record, "does not link to the row before it (deleted or re-ordered rows)"
            )
        if record_hash(record) != record.hash:
            raise self._fail(record, "content does not match its hash (row was edited)")
        self._check_signature(record)
        anchor = self.anchors.chains.get(self.chain)
        if anchor is not None and anchor.length == record.position and anchor.hash != record.hash:
            raise self._fail(
                record,
                f"is not the row {self.anchors.source} recorded here: the chain was re-hashed "
                "(edited, deleted or inserted rows at or before this one)",
            )
        self.length, self.hash, self.last_seq = record.position, record.hash, record.seq

    def _check_signature(self, record: AuditRecord) -> None:
        if self.verifier is None:
            return
        if record.signature is None:
            anchor = self.anchors.chains.get(self.chain)
            if anchor is None or record.position > anchor.length:
                raise self._fail(record, unsigned_reason(self.anchors))
            return
        if not signature_valid(
            self.verifier, ROW_SIGNATURE, record.hash.encode(), record.signature
        ):
            raise self._fail(
                record,
                "has a signature that does not match its hash: the row was edited and re-hashed, "
                "or forged",
            )
        self.signed += 1

    def finish(self, head: Anchor | None) -> None:
        """Compare the end of the chain with its head record and with the digest."""
        after = self.last_seq + 1
        if head is None:
            if self.length:
                raise AuditChainError(
                    self.last_seq,
                    f"chain {self.chain} has no head record: the head was deleted, or the chain "
                    "was written outside the bot",
                )
        elif head.length != self.length or head.hash != self.hash:
            raise AuditChainError(
                after if head.length > self.length else self.seq_after.get(head.length + 1, after),
                f"chain {self.chain} ends at position {self.length} but its head records "
                f"{head.length}: rows were deleted from the end or the head was altered",
            )
        anchor = self.anchors.chains.get(self.chain)
        if anchor is not None and anchor.length > self.length:
            raise AuditChainError(
                after,
                f"chain {self.chain} ends at position {self.length} but {self.anchors.source} "
                f"recorded {anchor.length} rows: rows were cut from the end (and the head moved "
                "back)",
            )


async def _heads(session: AsyncSession) -> dict[str, Anchor]:
    result = await session.execute(select(AuditChainRecord))
    return {head.chain: Anchor(head.length, head.hash) for head in result.scalars()}


async def check_chains(
    session: AsyncSession,
    *,
    verifier: Ed25519PublicKey | None = None,
    anchors: Anchors = NO_ANCHORS,
) -> ChainsReport:
    """Walk every chain. With ``verifier`` each signature is checked, and a row beyond what
    ``anchors`` (the newest digest) covers must be signed; every chain must still hold what
    ``anchors`` recorded. Raises :class:`AuditChainError` naming the first bad row found (chains
    are walked in name order), or :class:`AuditTrailError` for a wiped trail or chain."""
    heads = await _heads(session)
    rows = signed = 0
    tips: dict[str, Anchor] = {}
    walk: ChainWalk | None = None

    def close(walk: ChainWalk) -> None:
        walk.finish(heads.pop(walk.chain, None))
        tips[walk.chain] = Anchor(walk.length, walk.hash)

    query = select(AuditRecord).order_by(AuditRecord.chain, AuditRecord.position)
    async for record in await session.stream_scalars(query):
        if walk is None or walk.chain != record.chain:
            if walk is not None:
                close(walk)
                signed += walk.signed
            walk = ChainWalk(record.chain, verifier=verifier, anchors=anchors)
        head = heads.get(record.chain)
        if head is not None and record.position == head.length + 1:
            walk.seq_after[record.position] = record.seq  # the first row beyond the head
        walk.feed(record)
        rows += 1
    if walk is not None:
        close(walk)
        signed += walk.signed
    _missing_chains(anchors, tips, heads, rows)
    return ChainsReport(rows, signed, tips)


def _missing_chains(
    anchors: Anchors, tips: Mapping[str, Anchor], heads: Mapping[str, Anchor], rows: int
) -> None:
    """Chains the digest or a head record knows of that hold no rows at all."""
    gone = {chain: anchor for chain, anchor in anchors.chains.items() if chain not in tips}
    if rows == 0 and anchors.rows:
        raise AuditTrailError(
            f"the audit trail was wiped: {anchors.source} recorded {anchors.rows} rows in "
            f"{len(anchors.chains)} chains, the database holds none"
        )
    for chain, anchor in sorted(gone.items()):
        if anchor.length:
            raise AuditTrailError(
                f"chain {chain} is gone: {anchors.source} recorded {anchor.length} rows of it, "
                "the database holds none"
            )
    for chain, head in sorted(heads.items()):
        if head.length:
            raise AuditTrailError(
                f"chain {chain}: its head records {head.length} rows but none are stored (deleted)"
            )
