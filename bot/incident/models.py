"""Storage of incidents.

``open_fingerprint`` equals ``fingerprint`` while the incident is open and is NULL once it is
resolved; its unique constraint is what guarantees one open incident per fingerprint across every
bot replica (NULLs never collide, so resolved incidents do not block a new one).

The Slack side of an incident advances through ``channel_state`` and ``packet_state`` so that a
crash between two Slack calls resumes where it stopped instead of repeating a call.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

__all__ = [
    "ChannelState",
    "ChartState",
    "IncidentConditionRecord",
    "IncidentRecord",
    "IncidentStatus",
    "NarrativeState",
    "PacketState",
]


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ChannelState(StrEnum):
    PENDING = "pending"  # nothing asked of Slack yet
    CREATING = "creating"  # conversations.create may have happened: adopt before creating again
    READY = "ready"  # channel id recorded, topic set, owners invited


class PacketState(StrEnum):
    PENDING = "pending"
    POSTING = "posting"  # chat.postMessage may have happened: look for it before posting again
    POSTED = "posted"


class ChartState(StrEnum):
    """The main signal's chart in the packet's thread: attached at most once per incident."""

    PENDING = "pending"  # not tried yet (the packet comes first)
    UPLOADING = "uploading"  # the upload may have happened: look in the thread before again
    ATTACHED = "attached"
    NONE = "none"  # no chart to draw (no spike), or charts are off
    FAILED = "failed"  # drawing or uploading failed; logged and audited, the packet stands


class NarrativeState(StrEnum):
    """The "likely cause" reply in the packet's thread: posted at most once per incident."""

    PENDING = "pending"  # not written yet (the packet comes first and never waits for it)
    POSTING = "posting"  # text chosen and stored; the reply may be in the thread: look first
    POSTED = "posted"
    NONE = "none"  # no narrator configured: the packet's own causes stand alone
    FAILED = "failed"  # the reply could not be posted; logged and audited, the packet stands


class IncidentRecord(Base):
    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("open_fingerprint", name="uq_incidents_open_fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(200), index=True)
    open_fingerprint: Mapped[str | None] = mapped_column(String(200), nullable=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(8))
    # Indexed: every pipeline pass looks for the few open incidents among all ever opened.
    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    channel_state: Mapped[str] = mapped_column(String(16), default=ChannelState.PENDING)
    channel_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    packet_state: Mapped[str] = mapped_column(String(16), default=PacketState.PENDING)
    packet_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    packet_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    chart_state: Mapped[str] = mapped_column(String(16), default=ChartState.PENDING)
    narrative_state: Mapped[str] = mapped_column(String(16), default=NarrativeState.PENDING)
    narrative_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Whoever holds an unexpired lease does the incident's Slack work; a conditional update takes
    # it, so two replicas never both create the channel, and a crashed holder's lease runs out.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    slack_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Correlation: the newest signal's start, how many signals joined, and whether the one-step
    # raise for "more than three correlated signals" has happened.
    last_signal_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signal_count: Mapped[int] = mapped_column(Integer, default=1)
    severity_raised: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the channel has been told. The worker brings the channel up to date whenever the
    # incident moves past it: a packet revision past the posted one is a chat.update, a severity
    # other than the announced one is an announcement, all signals resolved is one question.
    packet_revision: Mapped[int] = mapped_column(Integer, default=0)
    posted_revision: Mapped[int] = mapped_column(Integer, default=0)
    announced_severity: Mapped[str | None] = mapped_column(String(8), nullable=True)
    all_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolve_prompted: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)
    commander: Mapped[str | None] = mapped_column(String(32), nullable=True)  # a Slack user id
    # Publishing failed this often for a reason other than Slack (whose failures back off and are
    # retried); after QUARANTINE_AFTER the incident's Slack work is set aside (quarantined_at)
    # until a person retries it, so it blocks no other.
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IncidentConditionRecord(Base):
    """One alerting condition (fingerprint and service) of an incident, kept up to date in the
    transaction that joins each of its signals: its latest status and whether it ever fired.
    What correlation reads for a join (the incident's conditions, whether all are resolved,
    how many distinct conditions fired) is these few rows, not every signal: a storm's incident
    holds thousands of signals of a handful of conditions, and each join stays as cheap as the
    first."""

    __tablename__ = "incident_conditions"
    __table_args__ = (
        UniqueConstraint(
            "incident_id", "fingerprint", "service", name="uq_incident_conditions_condition"
        ),
        Index("ix_incident_conditions_fingerprint", "fingerprint"),
        Index("ix_incident_conditions_service", "service"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(200))
    service: Mapped[str] = mapped_column(String(200))
    # The status of the condition's latest signal, by (started_at, signal id) as the source
    # stamped it: a late-arriving older notification never overrides a newer one.
    status: Mapped[str] = mapped_column(String(16))
    latest_at: Mapped[datetime] = mapped_column(UTCDateTime())
    latest_signal_id: Mapped[int] = mapped_column(Integer)
    fired: Mapped[bool] = mapped_column(Boolean, default=False)
    signals: Mapped[int] = mapped_column(Integer, default=0)
