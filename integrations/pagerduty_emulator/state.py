"""What the PagerDuty stand-in holds: services with their Events API v2 integration keys, users,
REST API tokens, incidents with their alerts and notes, and every event it accepted. Plain
values and the rules PagerDuty applies to them (an alert per open ``dedup_key`` and routing
key; acknowledge and resolve apply to the open alert, or are dropped), so the server module
only translates HTTP."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["Alert", "EmulatedIncident", "Note", "PagerDutyState", "Service", "Token", "User"]

IncidentStatus = Literal["triggered", "acknowledged", "resolved"]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Service:
    id: str
    name: str
    routing_key: str  # the 32-character integration key of its Events API v2 integration
    # An event rule that suppresses every alert: events are accepted (202) and open nothing.
    suppress: bool = False


@dataclass(slots=True)
class User:
    id: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Token:
    """A REST API key: ``read_only`` keys may only GET (PagerDuty answers a write with 403)."""

    value: str
    read_only: bool = False


@dataclass(slots=True)
class Note:
    id: str
    user: User
    content: str
    created_at: str


@dataclass(slots=True)
class Alert:
    dedup_key: str
    routing_key: str
    summary: str
    status: Literal["triggered", "resolved"] = "triggered"
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class EmulatedIncident:
    id: str
    number: int
    title: str
    service: Service
    status: IncidentStatus = "triggered"
    urgency: str = "high"
    created_at: str = field(default_factory=_now)
    alerts: list[Alert] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    acknowledged_by: list[str] = field(default_factory=list)  # user ids, as the log entries say
    resolved_by: str | None = None
    incident_key: str | None = None

    def as_json(self, base_url: str) -> dict[str, Any]:
        """The incident as ``GET /incidents/{id}`` returns it (the fields a client reads)."""
        html = f"{base_url}/incidents/{self.id}"
        return {
            "id": self.id,
            "type": "incident",
            "summary": f"[#{self.number}] {self.title}",
            "self": f"{base_url}/incidents/{self.id}",
            "html_url": html,
            "incident_number": self.number,
            "title": self.title,
            "created_at": self.created_at,
            "status": self.status,
            "incident_key": self.incident_key,
            "urgency": self.urgency,
            "service": {
                "id": self.service.id,
                "type": "service_reference",
                "summary": self.service.name,
                "self": f"{base_url}/services/{self.service.id}",
                "html_url": f"{base_url}/service-directory/{self.service.id}",
            },
            "assignments": [],
            "acknowledgements": [
                {"at": self.created_at, "acknowledger": {"id": who, "type": "user_reference"}}
                for who in self.acknowledged_by
            ],
            "alert_counts": {
                "all": len(self.alerts),
                "triggered": sum(alert.status == "triggered" for alert in self.alerts),
                "resolved": sum(alert.status == "resolved" for alert in self.alerts),
            },
        }


class PagerDutyState:
    """The account. Ids look like PagerDuty's (``P`` and six characters)."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._numbers = itertools.count(1)
        self.services: dict[str, Service] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.incidents: dict[str, EmulatedIncident] = {}
        self.events: list[dict[str, Any]] = []  # every accepted Events API v2 event, in order
        self.writes: list[tuple[str, str, str]] = []  # (method, path, From) of each REST write

    def _id(self) -> str:
        return f"P{next(self._ids):06d}"

    def add_service(self, name: str, routing_key: str | None = None) -> Service:
        service = Service(self._id(), name, routing_key or uuid.uuid4().hex)
        self.services[service.id] = service
        return service

    def add_user(self, name: str, email: str) -> User:
        user = User(self._id(), name, email)
        self.users[user.id] = user
        return user

    def add_token(self, value: str, *, read_only: bool = False) -> Token:
        token = Token(value, read_only)
        self.tokens[value] = token
        return token

    def add_incident(self, service: Service, title: str) -> EmulatedIncident:
        """An incident opened outside the bot (a monitor's alert), as the webhook then tells."""
        incident = EmulatedIncident(self._id(), next(self._numbers), title, service)
        self.incidents[incident.id] = incident
        return incident

    def user_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email.lower() == email.lower()), None)

    def service_by_key(self, routing_key: str) -> Service | None:
        return next((s for s in self.services.values() if s.routing_key == routing_key), None)

    def open_alert(self, routing_key: str, dedup_key: str) -> tuple[EmulatedIncident, Alert] | None:
        for incident in self.incidents.values():
            for alert in incident.alerts:
                if (
                    alert.dedup_key == dedup_key
                    and alert.routing_key == routing_key
                    and alert.status == "triggered"
                ):
                    return incident, alert
        return None

    def apply_event(self, event: dict[str, Any], service: Service) -> str:
        """Apply an accepted event; return its ``dedup_key`` (generated when the trigger had
        none). A trigger for an open alert adds to it; acknowledge and resolve without one
        are dropped, as PagerDuty drops them."""
        action = event["event_action"]
        dedup_key = event.get("dedup_key") or uuid.uuid4().hex
        self.events.append({**event, "dedup_key": dedup_key})
        found = self.open_alert(service.routing_key, dedup_key)
        if action == "trigger":
            if service.suppress:
                return dedup_key
            if found is not None:
                found[1].events.append(event)
                return dedup_key
            summary = str(event["payload"]["summary"])
            incident = self.add_incident(service, summary)
            incident.incident_key = dedup_key
            incident.alerts.append(Alert(dedup_key, service.routing_key, summary, events=[event]))
            return dedup_key
        if found is None:
            return dedup_key
        incident, alert = found
        alert.events.append(event)
        if action == "acknowledge" and incident.status == "triggered":
            incident.status = "acknowledged"
        elif action == "resolve":
            alert.status = "resolved"
            if all(one.status == "resolved" for one in incident.alerts):
                incident.status = "resolved"
        return dedup_key

    def add_note(self, incident: EmulatedIncident, user: User, content: str) -> Note:
        note = Note(self._id(), user, content, _now())
        incident.notes.append(note)
        return note

    def triggers(self, routing_key: str | None = None) -> list[dict[str, Any]]:
        """The accepted trigger events (for one routing key when given)."""
        return [
            event
            for event in self.events
            if event["event_action"] == "trigger"
            and (routing_key is None or event["routing_key"] == routing_key)
        ]
