"""PagerDuty webhooks v3 (a webhook subscription): one incident event per delivery.

Handled event types: ``incident.triggered``, ``incident.acknowledged``, ``incident.resolved``,
``incident.reopened`` and ``incident.priority_updated``; every other type
(``incident.annotated``, ``service.updated``, the subscription's ``pagey.ping``...) yields no
signal, and the webhook answers 2xx so PagerDuty neither retries nor disables the subscription.

Mapping (also in docs/alert-sources.md):

- service: ``event.data.service.summary`` as a slug (``"API Service"`` -> ``api-service``), so it
  matches catalog names; the original name stays in label ``pagerduty_service``
- severity: ``priority.summary`` through the severity table (``P1``-``P5``, or a word such as
  ``critical``); without one, ``urgency`` high -> sev2, low -> sev3; else the default
- status: ``incident.resolved`` -> resolved; ``incident.priority_updated`` follows
  ``data.status``; triggered, acknowledged and reopened -> firing (a reopened incident fires
  again under the same fingerprint, so it rejoins its open incident or opens a new one)
- started at: ``data.created_at`` (when the incident opened), else ``event.occurred_at``
- title: ``data.title``; description: number, status, urgency, priority, assignees, policy
- links: the incident's ``html_url``, the conference bridge URL when there is one
- owner: the first team's ``summary`` as a slug
- fingerprint: ``pagerduty:<incident id>``, so trigger, acknowledge and resolve of one incident
  share it; delivery id: ``event.id`` (unique per event, repeated on PagerDuty's retries)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.signal.severity import DEFAULT_SEVERITY, URGENCY_SEVERITY, severity_from_word
from bot.signal.sources.common import (
    Delivery,
    alert_time,
    bounded,
    first_present,
    service_slug,
    validate,
)
from bot.signal.values import AlertSource, Link, Severity, Signal, SignalStatus

__all__ = ["HANDLED_EVENTS", "normalize"]

HANDLED_EVENTS = frozenset(
    {
        "incident.triggered",
        "incident.acknowledged",
        "incident.resolved",
        "incident.reopened",
        "incident.priority_updated",
    }
)


class _Reference(BaseModel):
    """PagerDuty's ``*_reference`` objects: an id, a display ``summary`` and a web page."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = ""
    summary: str = ""
    html_url: str | None = None


class _ConferenceBridge(BaseModel):
    # go-pagerduty's test body sends the number as a JSON number (1000).
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    conference_number: str | None = None
    conference_url: str | None = None


class _Incident(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    html_url: str = ""
    number: int | None = None
    status: str = ""
    incident_key: str | None = None
    created_at: datetime | None = None
    title: str = Field(min_length=1)
    service: _Reference
    assignees: list[_Reference] = Field(default_factory=list)
    escalation_policy: _Reference | None = None
    teams: list[_Reference] = Field(default_factory=list)
    priority: _Reference | None = None
    urgency: str | None = None
    conference_bridge: _ConferenceBridge | None = None

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else alert_time(value, info)


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(min_length=1)
    event_type: str = Field(min_length=1)
    resource_type: str = ""
    occurred_at: datetime
    data: dict[str, object]  # its shape depends on event_type: validated once it is handled

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime, info: ValidationInfo) -> datetime:
        return alert_time(value, info)


class _Webhook(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    event: _Event


def _status(event_type: str, incident: _Incident) -> SignalStatus:
    if event_type == "incident.resolved":
        return SignalStatus.RESOLVED
    if event_type == "incident.priority_updated" and incident.status == "resolved":
        return SignalStatus.RESOLVED
    return SignalStatus.FIRING


def _severity(incident: _Incident) -> Severity:
    by_priority = severity_from_word(incident.priority.summary) if incident.priority else None
    by_urgency = URGENCY_SEVERITY.get((incident.urgency or "").lower())
    return by_priority or by_urgency or DEFAULT_SEVERITY[AlertSource.PAGERDUTY]


def _description(incident: _Incident) -> str:
    facts = [f"status {incident.status or 'unknown'}"]
    if incident.urgency:
        facts.append(f"urgency {incident.urgency}")
    if incident.priority and incident.priority.summary:
        facts.append(f"priority {incident.priority.summary}")
    number = f" #{incident.number}" if incident.number is not None else ""
    lines = [f"PagerDuty incident{number}: " + ", ".join(facts)]
    if assignees := [a.summary for a in incident.assignees if a.summary]:
        lines.append("Assigned to " + ", ".join(assignees))
    if incident.escalation_policy and incident.escalation_policy.summary:
        lines.append(f"Escalation policy: {incident.escalation_policy.summary}")
    return "\n".join(lines)


def _labels(event: _Event, incident: _Incident) -> dict[str, str]:
    labels = {
        "pagerduty_service": incident.service.summary,
        "pagerduty_event": event.event_type,
        "pagerduty_status": incident.status,
        "urgency": incident.urgency or "",
        "priority": incident.priority.summary if incident.priority else "",
        "incident_number": "" if incident.number is None else str(incident.number),
        "incident_key": incident.incident_key or "",
        "escalation_policy": (
            incident.escalation_policy.summary if incident.escalation_policy else ""
        ),
    }
    return {key: value for key, value in labels.items() if value}


def _signal(event: _Event, incident: _Incident) -> Signal:
    links = [Link("PagerDuty incident", incident.html_url)] if incident.html_url else []
    bridge = incident.conference_bridge
    if bridge is not None and bridge.conference_url:
        links.append(Link("Conference bridge", bridge.conference_url))
    team = first_present(*(team.summary for team in incident.teams))
    return Signal(
        source=AlertSource.PAGERDUTY,
        service=service_slug(incident.service.summary),
        severity=_severity(incident),
        status=_status(event.event_type, incident),
        started_at=incident.created_at or event.occurred_at,
        title=incident.title,
        fingerprint=bounded(f"pagerduty:{incident.id}"),
        delivery_id=bounded(event.id),
        description=_description(incident),
        links=tuple(links),
        labels=MappingProxyType(_labels(event, incident)),
        owner=service_slug(team) if team else None,
    )


def normalize(payload: object, delivery: Delivery) -> Sequence[Signal]:
    """The incident in a v3 webhook as one signal; no signal for event types it ignores."""
    event = validate(_Webhook, payload, received_at=delivery.received_at).event
    if event.event_type not in HANDLED_EVENTS:
        return []
    incident = validate(_Incident, event.data, at="event.data", received_at=delivery.received_at)
    return [_signal(event, incident)]
