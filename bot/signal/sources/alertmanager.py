"""Prometheus Alertmanager webhook (version 4): every alert in the group is its own signal.

Mapping (also in the README):

- service: label ``service``, else ``app``, ``app.kubernetes.io/name``, ``job``; else the group's
  common ``service`` label; else ``unknown``
- severity: label ``severity`` through the severity table; sev3 when absent or unknown
- status: the alert's own ``status`` (``firing`` / ``resolved``), else the group's
- started at: ``startsAt``; title: annotation ``summary``, else ``alertname``
- links: ``generatorURL``, annotation ``runbook_url``, the group in ``externalURL``
- owner: label ``team``, else ``owner``
- fingerprint: ``alertmanager:<fingerprint>`` (Alertmanager's hash of the label set)
- delivery id: fingerprint, ``startsAt`` and status: a re-sent notification of the same alert
  instance is the same delivery; the resolve of it is a new one.
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
from bot.signal.sources.common import Delivery, alert_time, first_present, validate
from bot.signal.values import AlertSource, Link, Signal, SignalStatus

__all__ = ["normalize"]

SERVICE_LABELS = ("service", "app", "app.kubernetes.io/name", "job")


class _Alert(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    # Absent in some receivers' fixtures (and older senders): the group's status stands for it.
    status: Literal["firing", "resolved"] | None = None
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime  # noqa: N815 - Alertmanager's field name
    endsAt: datetime | None = None  # noqa: N815
    generatorURL: str = ""  # noqa: N815
    fingerprint: str = ""

    @field_validator("startsAt")
    @classmethod
    def _aware(cls, value: datetime, info: ValidationInfo) -> datetime:
        return alert_time(value, info)


class _Notification(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    version: str | None = Field(default=None, validate_default=True)
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupKey: str = ""  # noqa: N815
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonAnnotations: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    externalURL: str = ""  # noqa: N815
    alerts: list[_Alert] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_four(cls, value: object) -> str:
        if value != "4":
            raise ValueError(
                f"Alertmanager webhook version {value!r} is not read: the bot reads version 4, "
                "which Alertmanager 0.6 and later send"
            )
        return "4"


def _fingerprint(alert: _Alert) -> str:
    if alert.fingerprint:
        return alert.fingerprint
    # Older Alertmanagers omit it: hash the label set the same way for every delivery.
    canonical = json.dumps(alert.labels, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _signal(notification: _Notification, alert: _Alert) -> Signal:
    labels = alert.labels
    service = first_present(
        *(labels.get(key) for key in SERVICE_LABELS), notification.commonLabels.get("service")
    )
    links = [Link("Prometheus", alert.generatorURL)] if alert.generatorURL else []
    if runbook := alert.annotations.get("runbook_url"):
        links.append(Link("Runbook", runbook))
    if notification.externalURL:
        links.append(Link("Alertmanager", notification.externalURL))
    fingerprint = _fingerprint(alert)
    status = alert.status or notification.status
    return Signal(
        source=AlertSource.ALERTMANAGER,
        service=service or "unknown",
        severity=severity_from_word(labels.get("severity"))
        or DEFAULT_SEVERITY[AlertSource.ALERTMANAGER],
        status=SignalStatus(status),
        started_at=alert.startsAt,
        title=first_present(alert.annotations.get("summary"), labels.get("alertname"))
        or "Alertmanager alert",
        fingerprint=f"alertmanager:{fingerprint}",
        delivery_id=f"{fingerprint}:{alert.startsAt.isoformat()}:{status}",
        description=alert.annotations.get("description", ""),
        links=tuple(links),
        labels=MappingProxyType(dict(labels)),
        owner=first_present(labels.get("team"), labels.get("owner")),
    )


def normalize(payload: object, delivery: Delivery) -> Sequence[Signal]:
    notification = validate(_Notification, payload, received_at=delivery.received_at)
    return [_signal(notification, alert) for alert in notification.alerts]
