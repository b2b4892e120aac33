"""Storage of the audit chain.

``audit_log`` rows are never updated or deleted. Each row's ``hash`` is the SHA-256 of its own
content together with the previous row's hash, so editing, deleting or re-ordering any row breaks
the chain from that row on. ``audit_head`` holds the newest ``seq`` and hash: appends lock it
(which serializes writers across replicas on PostgreSQL) and verification compares against it, so
cutting rows off the end is detected too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

__all__ = ["GENESIS_HASH", "AuditHeadRecord", "AuditRecord"]

GENESIS_HASH = "0" * 64


class AuditRecord(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHeadRecord(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
