"""Storage of incident history: one row per incident, the facts its packet was built on (the
ranked cause, its subject, its new log templates) written at triage, and its outcome (when it
was resolved, the commander's note, whether it was noise, the verified remedy) at resolution.

Kept apart from ``incidents`` so the packet's one history query reads a narrow table through
``(service, resolved_at)`` or ``(dependency, resolved_at)`` and nothing else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

__all__ = ["HistoryRecord"]


class HistoryRecord(Base):
    __tablename__ = "incident_history"
    __table_args__ = (
        Index("ix_incident_history_service_resolved", "service", "resolved_at"),
        Index("ix_incident_history_dependency_resolved", "dependency", "resolved_at"),
    )

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    service: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(8))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set by the first triage of the incident's own packet; None when it never had one.
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cause: Mapped[str | None] = mapped_column(String(16), nullable=True)
    cause_subject: Mapped[str | None] = mapped_column(String(200), nullable=True)
    dependency: Mapped[str | None] = mapped_column(String(200), nullable=True)
    templates: Mapped[str] = mapped_column(Text, default="")  # template ids, space-separated
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)  # redacted
    noise: Mapped[bool] = mapped_column(Boolean, default=False)
    remedy_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    remedy_target: Mapped[str | None] = mapped_column(String(300), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # Set in the resolving transaction: whether a person had acted on it before (autonomy).
    resolved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
