"""What a postmortem is written from, as immutable values: the incident record, its signals,
actions and audit rows, the packet as it was posted, the catalog's word on each affected
service, and the people's messages in the incident channel. Nothing here is inferred; the
timeline and the renderer only arrange and phrase these facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

__all__ = [
    "ActionFact",
    "AuditFact",
    "ChannelMessage",
    "IncidentFact",
    "PacketFacts",
    "PostmortemFacts",
    "ServiceFact",
    "SignalFact",
]


@dataclass(frozen=True, slots=True)
class IncidentFact:
    id: int
    title: str
    service: str
    severity: str
    status: str  # "open" | "resolved"
    opened_at: datetime
    first_seen_at: datetime
    resolved_at: datetime | None = None
    channel_id: str | None = None
    channel_name: str | None = None
    commander: str | None = None  # a Slack user id
    merged_into: int | None = None

    @property
    def open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class SignalFact:
    """One stored alert delivery. A ``resolved`` delivery's ``received_at`` is when the bot
    learned that the condition cleared (sources do not all say when it did)."""

    id: int
    source: str
    service: str
    severity: str
    status: str  # "firing" | "resolved"
    title: str
    fingerprint: str
    started_at: datetime
    received_at: datetime


@dataclass(frozen=True, slots=True)
class ActionFact:
    id: int
    kind: str
    target: str
    state: str  # an ActionState value
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    executed_at: datetime | None = None
    finished_at: datetime | None = None
    result: str | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class AuditFact:
    seq: int
    at: datetime
    actor: str
    event: str
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class ChannelMessage:
    """A message in the incident channel, as the chat platform returned it; ``from_bot`` marks
    the bot's own (and other apps') messages, which the draft leaves out."""

    ts: str
    at: datetime
    user: str
    text: str
    from_bot: bool = False


@dataclass(frozen=True, slots=True)
class PacketFacts:
    """The latest evidence packet as posted, by section: ``evidence`` the observations (spikes,
    the suspect deploy), ``causes`` the ranked hypotheses with their confidence, best first,
    ``warnings`` the raised markers (a missing runbook among them), ``unavailable`` the
    evidence sources that failed (``source: reason``)."""

    evidence: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    runbook: tuple[str, ...] = ()
    suggested: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceFact:
    """An affected service as the catalog knows it; ``known`` False when it is not listed."""

    service: str
    known: bool
    owner: str | None = None
    tier: int | None = None


@dataclass(frozen=True, slots=True)
class PostmortemFacts:
    """Everything one draft is written from. ``messages`` holds people's messages only;
    ``history_note`` says why there are none when the channel could not be read (or was not
    asked), so the draft can say so instead of implying a quiet channel. ``people`` maps the
    Slack user ids the record holds to display names (from the directory), so the draft names
    people, never ids."""

    incident: IncidentFact
    drafted_at: datetime
    signals: tuple[SignalFact, ...] = ()
    actions: tuple[ActionFact, ...] = ()
    audit: tuple[AuditFact, ...] = ()
    packet: PacketFacts | None = None
    services: tuple[ServiceFact, ...] = ()
    messages: tuple[ChannelMessage, ...] = ()
    history_note: str | None = None
    people: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
