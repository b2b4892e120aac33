"""Storage of accepted signals. The table doubles as the pipeline's outbox: a row with
``processed_at`` NULL has been accepted (committed before the source got its 2xx) but not yet
correlated, and the worker picks it up after any crash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

__all__ = ["SignalRecord"]


class SignalRecord(Base):
    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("source", "delivery_id", name="uq_signals_source_delivery"),
        Index("ix_signals_unprocessed", "processed_at", "id"),
        Index("ix_signals_body", "source", "body_digest", "received_at"),
        Index("ix_signals_source_received", "source", "received_at"),  # flood control
        # A condition's waiting signals (correlation's order and folding checks), found without
        # reading the ones already correlated, however many the condition has.
        Index("ix_signals_fingerprint_waiting", "fingerprint", "processed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the raw body: a source that re-sends the same body (new delivery id or none)
    # within the window is a retry, not a new alert.
    body_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id"), nullable=True, index=True
    )
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Correlation failed this often (each time rolled back); after QUARANTINE_AFTER failures the
    # signal is set aside (quarantined_at) until a person retries it, so it blocks no other.
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
