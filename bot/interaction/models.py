"""One row per chat delivery handled. Slack re-delivers an envelope that was not acked in time,
and with several replicas any of them may receive it: the primary key makes "handled once" a
database fact rather than an in-process memory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

__all__ = ["InteractionRecord"]


class InteractionRecord(Base):
    __tablename__ = "interactions"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
