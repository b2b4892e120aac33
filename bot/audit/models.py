"""Storage of the audit chains.

``audit_log`` rows are never updated or deleted. Rows belong to chains: one chain per writer (a
process: its host, its pid and a random nonce; see :mod:`bot.audit.writer`), so replicas never
wait on each other to append. Within a chain, ``position`` counts 1, 2, 3... and each row's
``hash`` is the SHA-256 of its content together with the previous row's hash, so editing,
deleting or re-ordering any row breaks the chain from that row on. ``signature`` is the writer's
Ed25519 signature of ``hash`` when the process holds ``AUDIT_SIGNING_KEY``.

``audit_chains`` holds each chain's newest position and hash: appends lock their own chain's row
(only the same process's transactions queue on it) and verification compares against it, so
cutting rows off a chain's end is detected too. ``seq`` numbers rows across all chains in the
order they were stored; it names a row to people but is not sealed (a row's sealed place is its
chain and position; its time ``at`` is sealed).

The rows written before chains existed (migration 0008) are the chain :data:`LEGACY_CHAIN`,
hashed the way they were written (:func:`bot.audit.service.legacy_hash`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Identity, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

__all__ = ["GENESIS_HASH", "LEGACY_CHAIN", "AuditChainRecord", "AuditRecord"]

GENESIS_HASH = "0" * 64  # the legacy chain's first ``prev_hash``; new chains start elsewhere
LEGACY_CHAIN = "legacy"  # the single chain of the rows written before migration 0008


class AuditRecord(Base):
    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("chain", "position", name="uq_audit_log_chain_position"),)

    seq: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    chain: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[str | None] = mapped_column(String(100), nullable=True)


class AuditChainRecord(Base):
    __tablename__ = "audit_chains"

    chain: Mapped[str] = mapped_column(String(120), primary_key=True)
    length: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
