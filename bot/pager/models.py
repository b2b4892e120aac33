"""Storage of the PagerDuty write-back: one row per step (``note``, ``acknowledge``,
``resolve``) of each PagerDuty incident an incident of ours came from.

The unique (incident, fingerprint, step) row is the claim: the replica that inserts it (or moves
it, by a conditional update, out of a lapsed ``sending`` or a due ``retry``) is the only one to
call PagerDuty for that step. ``sending`` is written before the call: a process killed after
the call and before recording it leaves ``sending``, and whoever re-claims it after
``claimed_until`` looks in PagerDuty first (the note's marker, the incident's status) instead
of writing twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

__all__ = ["WriteBackRecord", "WriteBackState", "WriteBackStep"]


class WriteBackStep(StrEnum):
    NOTE = "note"  # the packet's summary and the channel link, once the packet is posted
    ACKNOWLEDGE = "acknowledge"  # once a commander is named
    RESOLVE = "resolve"  # once a person resolves the incident in Slack


class WriteBackState(StrEnum):
    SENDING = "sending"  # claimed; the call may have reached PagerDuty: look before sending again
    RETRY = "retry"  # the call failed in a way that may pass; tried again from retry_at
    DONE = "done"
    SKIPPED = "skipped"  # never due: the incident was resolved by a merge, or before it was due
    FAILED = "failed"  # refused for good, or out of attempts: audited, left to people

    @property
    def final(self) -> bool:
        return self in (WriteBackState.DONE, WriteBackState.SKIPPED, WriteBackState.FAILED)


class WriteBackRecord(Base):
    __tablename__ = "pagerduty_writebacks"
    __table_args__ = (
        UniqueConstraint("incident_id", "fingerprint", "step", name="uq_pagerduty_writebacks_step"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(Integer, index=True)
    fingerprint: Mapped[str] = mapped_column(String(200))  # pagerduty:<incident id>
    pagerduty_incident: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)  # note id, or the last error
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
