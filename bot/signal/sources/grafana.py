"""Grafana Alerting (unified alerting) webhook contact point, payload ``version`` "1": like
Alertmanager's, every alert in the notification is its own signal.

Mapping (also in docs/alert-sources.md):

- service: label ``service``, else ``app``, ``app.kubernetes.io/name``, ``job``; else the
  notification's common ``service`` label; else ``unknown``
- severity: label ``severity`` through the severity table; the default when absent or unknown
- status: the alert's own ``status`` (``firing`` / ``resolved``), else the group's
- started at: ``startsAt``; title: annotation ``summary``, else label ``alertname``
- description: annotation ``description``, then the values that fired it (``valueString``, or
  the newer ``values`` object)
- links: ``generatorURL`` (the rule), ``dashboardURL``, ``panelURL``, annotation
  ``runbook_url``, ``silenceURL``, ``imageURL`` (each only when set)
- owner: label ``team``, else ``owner``
- fingerprint: ``grafana:<fingerprint>`` (Grafana's hash of the label set)
- delivery id: fingerprint, ``startsAt`` and status: a repeated notification of the same alert
  instance is the same delivery; its resolve is a new one
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.signal.severity import DEFAULT_SEVERITY, severity_from_word
from bot.signal.sources.common import Delivery, alert_time, bounded, first_present, validate
from bot.signal.values import AlertSource, Link, Signal, SignalStatus

__all__ = ["normalize"]

SERVICE_LABELS = ("service", "app", "app.kubernetes.io/name", "job")


class _Alert(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    # Absent in some receivers' fixtures (and older senders): the group's status stands for it.
    status: Literal["firing", "resolved"] | None = None
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime  # noqa: N815 - Grafana's field names
    endsAt: datetime | None = None  # noqa: N815
    generatorURL: str = ""  # noqa: N815
    fingerprint: str = ""
    silenceURL: str = ""  # noqa: N815
    dashboardURL: str = ""  # noqa: N815
    panelURL: str = ""  # noqa: N815
    imageURL: str = ""  # noqa: N815
    valueString: str = ""  # noqa: N815
    values: dict[str, object] | None = None

    @field_validator("startsAt")
    @classmethod
    def _aware(cls, value: datetime, info: ValidationInfo) -> datetime:
        return alert_time(value, info)


class _Notification(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    version: str | None = Field(default=None, validate_default=True)
    status: Literal["firing", "resolved"]
    receiver: str = ""
    orgId: int | None = None  # noqa: N815
    groupKey: str = ""  # noqa: N815
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonAnnotations: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    externalURL: str = ""  # noqa: N815
    alerts: list[_Alert] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_one(cls, value: object) -> str:
        if value is None:
            raise ValueError(
                "no payload version: this looks like legacy Grafana alerting (before Grafana 8); "
                "send alerts from a Grafana Alerting webhook contact point (payload version 1)"
            )
        if value != "1":
            raise ValueError(f"Grafana webhook payload version {value!r} is not read: version 1 is")
        return "1"


def _fingerprint(alert: _Alert) -> str:
    if alert.fingerprint:
        return alert.fingerprint
    canonical = json.dumps(alert.labels, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _description(alert: _Alert) -> str:
    parts = [alert.annotations.get("description", "")]
    if alert.valueString:
        parts.append(f"Values: {alert.valueString}")
    elif alert.values:
        parts.append("Values: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.values.items())))
    return "\n\n".join(part for part in parts if part)


def _links(alert: _Alert) -> tuple[Link, ...]:
    candidates = (
        ("Grafana alert rule", alert.generatorURL),
        ("Grafana dashboard", alert.dashboardURL),
        ("Grafana panel", alert.panelURL),
        ("Runbook", alert.annotations.get("runbook_url", "")),
        ("Silence", alert.silenceURL),
        ("Screenshot", alert.imageURL),
    )
    return tuple(Link(title, url) for title, url in candidates if url)


def _signal(notification: _Notification, alert: _Alert) -> Signal:
    labels = alert.labels
    service = first_present(
        *(labels.get(key) for key in SERVICE_LABELS), notification.commonLabels.get("service")
    )
    fingerprint = _fingerprint(alert)
    status = alert.status or notification.status
    severity = severity_from_word(labels.get("severity"))
    return Signal(
        source=AlertSource.GRAFANA,
        service=bounded(service or "unknown"),
        severity=severity or DEFAULT_SEVERITY[AlertSource.GRAFANA],
        status=SignalStatus(status),
        started_at=alert.startsAt,
        title=first_present(alert.annotations.get("summary"), labels.get("alertname"))
        or "Grafana alert",
        fingerprint=bounded(f"grafana:{fingerprint}"),
        delivery_id=bounded(f"{fingerprint}:{alert.startsAt.isoformat()}:{status}"),
        description=_description(alert),
        links=_links(alert),
        labels=MappingProxyType(dict(labels)),
        owner=first_present(labels.get("team"), labels.get("owner")),
    )


def normalize(payload: object, delivery: Delivery) -> Sequence[Signal]:
    """Every alert of the notification as its own signal."""
    notification = validate(_Notification, payload, received_at=delivery.received_at)
    return [_signal(notification, alert) for alert in notification.alerts]
