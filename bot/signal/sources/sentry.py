"""Sentry integration platform webhooks (an internal integration): issue alerts
(``Sentry-Hook-Resource: event_alert``), issue changes (``issue``) and metric alerts
(``metric_alert``).

The resource comes from the ``Sentry-Hook-Resource`` header; without it (a replayed payload) from
the body's shape (``data.event``: event_alert, ``data.issue``: issue, ``data.metric_alert``:
metric_alert). Other resources (``installation``, ``comment``, ``error``...) yield no signal,
and the webhook answers 2xx.

Mapping (also in docs/alert-sources.md):

- service: the event's ``service`` tag; else the project slug (an issue's ``project.slug``; for an
  event alert, read from the event's API ``url``, ``.../projects/<org>/<project>/events/...``);
  else ``sentry-project-<project id>``
- severity: ``level`` through the severity table: fatal -> sev1, error -> sev2, warning -> sev3,
  info/debug -> sev4; the default otherwise
- status: ``event_alert`` -> firing. ``issue`` by action: created and unresolved -> firing;
  resolved and ignored/archived -> resolved (the team decided it needs no more attention);
  assigned (and any other action) -> no signal
- started at: event alert: the event's ``datetime``, else ``timestamp``; issue: ``lastSeen`` for
  ``unresolved`` (a regression starts now), else ``firstSeen``; else the receipt time
- title: ``title``; description: ``culprit`` and, for an alert, the rule that fired
- links: the event's ``web_url``; the issue's ``web_url``, else ``permalink``
- owner: the event's ``team`` tag; an issue assigned to a team: that team
- fingerprint: ``sentry:<issue id>``, shared by the alerts and the changes of one issue
- delivery id: the ``Request-ID`` header, else the SHA-256 of the body

A metric alert (a threshold on errors, latency, failure rate... crossed) maps apart: service: the
alert rule's first project slug; severity: the action (``critical`` -> sev1, ``warning`` -> sev3,
through the table; ``resolved`` keeps the default); status: ``resolved`` -> resolved, else
firing; started at: the incident's ``date_started``, else ``date_detected``; title:
``description_title`` (``Critical: Too many errors``), else the rule's name; description:
``description_text`` and the rule's aggregate and query; link: ``web_url``; fingerprint:
``sentry:metric:<incident id>``, shared by its critical, warning and resolved notifications.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.clock import utc
from bot.errors import PayloadError
from bot.signal.severity import DEFAULT_SEVERITY, severity_from_word
from bot.signal.sources.common import Delivery, alert_time, bounded, first_present, validate
from bot.signal.values import AlertSource, Link, Severity, Signal, SignalStatus

__all__ = ["ISSUE_ACTION_STATUS", "METRIC_ALERT_ACTIONS", "infer_resource", "normalize"]

ISSUE_ACTION_STATUS = MappingProxyType(
    {
        "created": SignalStatus.FIRING,
        "unresolved": SignalStatus.FIRING,
        "resolved": SignalStatus.RESOLVED,
        "ignored": SignalStatus.RESOLVED,
        "archived": SignalStatus.RESOLVED,
    }
)
METRIC_ALERT_ACTIONS = frozenset({"critical", "warning", "resolved"})
_PROJECT_IN_URL = re.compile(r"/projects/[^/]+/([^/]+)/events/")


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    issue_id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    culprit: str | None = None
    level: str | None = None
    web_url: str = ""
    url: str = ""
    project: str | None = None
    occurred_at: datetime | None = Field(default=None, alias="datetime")
    timestamp: datetime | None = None  # epoch seconds
    tags: list[tuple[str, str | None]] = Field(default_factory=list)

    @field_validator("tags", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> object:
        # The event JSON has [key, value] pairs; some serializations use {key, value} objects.
        if isinstance(value, list):
            return [
                (item.get("key"), item.get("value")) if isinstance(item, dict) else item
                for item in value
            ]
        return value

    @field_validator("occurred_at", "timestamp")
    @classmethod
    def _aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else alert_time(value, info)


class _EventAlertData(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    event: _Event
    triggered_rule: str = ""


class _EventAlert(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    action: str = "triggered"
    data: _EventAlertData


class _Project(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    id: str = ""
    slug: str = Field(min_length=1)


class _Assignee(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = ""
    name: str = ""


class _Issue(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    culprit: str | None = None
    level: str | None = None
    status: str | None = None
    shortId: str | None = None  # noqa: N815 - Sentry's field names
    project: _Project
    permalink: str | None = None
    web_url: str | None = None
    firstSeen: datetime | None = None  # noqa: N815
    lastSeen: datetime | None = None  # noqa: N815
    assignedTo: _Assignee | None = None  # noqa: N815

    @field_validator("firstSeen", "lastSeen")
    @classmethod
    def _aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else alert_time(value, info)


class _IssueData(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    issue: _Issue


class _IssueChange(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    action: str = Field(min_length=1)
    data: _IssueData


class _AlertRule(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    id: str = ""
    name: str = ""
    projects: list[str] = Field(default_factory=list)
    aggregate: str = ""
    query: str = ""
    environment: str | None = None


class _MetricIncident(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    identifier: str = ""
    title: str = ""
    projects: list[str] = Field(default_factory=list)
    alert_rule: _AlertRule
    date_started: datetime | None = None
    date_detected: datetime | None = None

    @field_validator("date_started", "date_detected")
    @classmethod
    def _aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else alert_time(value, info)


class _MetricAlertData(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    metric_alert: _MetricIncident
    description_title: str = ""
    description_text: str = ""
    web_url: str | None = None


class _MetricAlert(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    action: str = Field(min_length=1)
    data: _MetricAlertData


def infer_resource(payload: object) -> str | None:
    """The ``Sentry-Hook-Resource`` a body implies: ``event_alert`` for ``data.event``,
    ``issue`` for ``data.issue``, ``metric_alert`` for ``data.metric_alert``; None when it
    shows none of them."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if isinstance(data, Mapping):
        if "event" in data:
            return "event_alert"
        if "issue" in data:
            return "issue"
        if "metric_alert" in data:
            return "metric_alert"
    return None


def _level_severity(level: str | None) -> Severity:
    return severity_from_word(level) or DEFAULT_SEVERITY[AlertSource.SENTRY]


def _event_alert(alert: _EventAlert, delivery: Delivery) -> Signal:
    event = alert.data.event
    tags = {key: value for key, value in event.tags if value}
    slug = _PROJECT_IN_URL.search(event.url)
    project = slug.group(1) if slug else None
    service = first_present(
        tags.get("service"), project, f"sentry-project-{event.project}" if event.project else None
    )
    started_at = event.occurred_at or event.timestamp or utc(delivery.received_at)
    description = [event.culprit or ""]
    if alert.data.triggered_rule:
        description.append(f"Alert rule: {alert.data.triggered_rule}")
    labels = dict(tags)
    labels.update(sentry_resource="event_alert", sentry_issue=event.issue_id)
    if project:
        labels["sentry_project"] = project
    return Signal(
        source=AlertSource.SENTRY,
        service=bounded(service or "unknown"),
        severity=_level_severity(event.level),
        status=SignalStatus.FIRING,
        started_at=started_at,
        title=event.title,
        fingerprint=bounded(f"sentry:{event.issue_id}"),
        delivery_id=bounded(delivery.header("Request-ID") or delivery.body_digest),
        description="\n".join(line for line in description if line),
        links=(Link("Sentry event", event.web_url),) if event.web_url else (),
        labels=MappingProxyType(labels),
        owner=tags.get("team"),
    )


def _issue_change(change: _IssueChange, status: SignalStatus, delivery: Delivery) -> Signal:
    issue = change.data.issue
    seen = issue.lastSeen if change.action == "unresolved" else issue.firstSeen
    link = first_present(issue.web_url, issue.permalink)
    assignee = issue.assignedTo
    labels = {
        "sentry_resource": "issue",
        "sentry_action": change.action,
        "sentry_issue": issue.id,
        "sentry_project": issue.project.slug,
        "level": issue.level or "",
        "short_id": issue.shortId or "",
    }
    return Signal(
        source=AlertSource.SENTRY,
        service=bounded(issue.project.slug),
        severity=_level_severity(issue.level),
        status=status,
        started_at=seen or utc(delivery.received_at),
        title=issue.title,
        fingerprint=bounded(f"sentry:{issue.id}"),
        delivery_id=bounded(delivery.header("Request-ID") or delivery.body_digest),
        description=issue.culprit or "",
        links=(Link("Sentry issue", link),) if link else (),
        labels=MappingProxyType({key: value for key, value in labels.items() if value}),
        owner=assignee.name if assignee and assignee.type == "team" and assignee.name else None,
    )


def _metric_alert(alert: _MetricAlert, delivery: Delivery) -> Signal:
    incident, data = alert.data.metric_alert, alert.data
    rule = incident.alert_rule
    project = first_present(*rule.projects, *incident.projects)
    action = alert.action.lower()
    # Sentry's documented payload carries the line break escaped ("\\n"); a real one may not.
    description = [data.description_text.replace("\\n", "\n")]
    if rule.aggregate:
        description.append(
            f"Rule: {rule.aggregate}" + (f" where {rule.query}" if rule.query else "")
        )
    labels = {
        "sentry_resource": "metric_alert",
        "sentry_action": action,
        "sentry_alert_rule": rule.name,
        "sentry_incident": incident.identifier,
        "sentry_project": project or "",
        "environment": rule.environment or "",
    }
    severity = None if action == "resolved" else severity_from_word(action)
    return Signal(
        source=AlertSource.SENTRY,
        service=bounded(project or "unknown"),
        severity=severity or DEFAULT_SEVERITY[AlertSource.SENTRY],
        status=SignalStatus.RESOLVED if action == "resolved" else SignalStatus.FIRING,
        started_at=incident.date_started or incident.date_detected or utc(delivery.received_at),
        title=first_present(data.description_title, rule.name, incident.title)
        or f"Sentry metric alert {incident.id}",
        fingerprint=bounded(f"sentry:metric:{incident.id}"),
        delivery_id=bounded(delivery.header("Request-ID") or delivery.body_digest),
        description="\n".join(line for line in description if line),
        links=(Link("Sentry metric alert", data.web_url),) if data.web_url else (),
        labels=MappingProxyType({key: value for key, value in labels.items() if value}),
    )


def normalize(payload: object, delivery: Delivery) -> Sequence[Signal]:
    """An issue alert, an issue change or a metric alert as one signal; none for other
    resources and actions."""
    resource = delivery.header("Sentry-Hook-Resource") or infer_resource(payload)
    if resource is None:
        raise PayloadError(
            "no Sentry-Hook-Resource header, and the body has none of data.event, data.issue "
            "and data.metric_alert",
            field="data",
        )
    if resource == "event_alert":
        return [
            _event_alert(validate(_EventAlert, payload, received_at=delivery.received_at), delivery)
        ]
    if resource == "issue":
        change = validate(_IssueChange, payload, received_at=delivery.received_at)
        status = ISSUE_ACTION_STATUS.get(change.action)
        return [] if status is None else [_issue_change(change, status, delivery)]
    if resource == "metric_alert":
        alert = validate(_MetricAlert, payload, received_at=delivery.received_at)
        if alert.action.lower() not in METRIC_ALERT_ACTIONS:
            return []
        return [_metric_alert(alert, delivery)]
    return []
