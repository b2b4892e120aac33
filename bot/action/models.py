"""Storage of actions. An action is data: kind, target, parameters and the hash of the plan
(which covers all three and the state it was planned from); an approval is bound to that hash.
``plan`` is the dry run as shown to the approver, ``checkpoint`` the state read just before the
write. State changes are conditional updates (see :mod:`bot.action.service`), never a lock held
in memory, so a double click or two replicas run an action once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

__all__ = ["ActionRecord", "ActionState"]


class ActionState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"


class ActionRecord(Base):
    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_service_kind", "service", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(300))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    plan_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=ActionState.PROPOSED, index=True)
    requires_approval: Mapped[bool] = mapped_column(default=True)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    service: Mapped[str | None] = mapped_column(String(200), nullable=True)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # The runbook step an action the bot proposed on its own carries out; unique, so each step
    # is proposed once however many replicas try (migration 0010).
    step: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
