"""The bot's own generic JSON alert, for anything that can POST JSON.

Body: ``{service, title, severity?, status?, started_at?, description?, links?, dedup_key?,
labels?}``. ``severity`` is sev1-sev4 or critical/high/error/warning/info (sev3 when absent);
``status`` is ``firing`` (default) or ``resolved``; ``started_at`` defaults to when the bot
received it; ``links`` are URLs or ``{title, url}`` objects. The fingerprint is ``dedup_key`` when
given, else service and title; the delivery id is the SHA-256 of the raw body, so a retried POST
is stored once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.clock import utc
from bot.signal.severity import DEFAULT_SEVERITY, severity_from_word
from bot.signal.sources.common import Delivery, alert_time, validate
from bot.signal.values import AlertSource, Link, Severity, Signal, SignalStatus

__all__ = ["normalize"]


class _Link(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(min_length=1, max_length=2000)
    title: str = Field(default="Link", max_length=200)


class _GenericAlert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    title: str = Field(min_length=1, max_length=500)
    severity: str | None = None
    status: Literal["firing", "resolved"] = "firing"
    started_at: datetime | None = None
    description: str = Field(default="", max_length=10_000)
    links: list[str | _Link] = Field(default_factory=list, max_length=20)
    dedup_key: str | None = Field(default=None, min_length=1, max_length=200)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: str | None) -> str | None:
        if value is not None and severity_from_word(value) is None:
            raise ValueError(
                "must be sev1-sev4, P1-P5, or critical, fatal, high, error, warning, info, debug"
            )
        return value

    @field_validator("started_at")
    @classmethod
    def _aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else alert_time(value, info)


def normalize(payload: object, delivery: Delivery) -> Sequence[Signal]:
    alert = validate(_GenericAlert, payload, received_at=delivery.received_at)
    severity: Severity = severity_from_word(alert.severity) or DEFAULT_SEVERITY[AlertSource.GENERIC]
    links = tuple(
        Link("Link", item) if isinstance(item, str) else Link(item.title, item.url)
        for item in alert.links
    )
    return [
        Signal(
            source=AlertSource.GENERIC,
            service=alert.service,
            severity=severity,
            status=SignalStatus(alert.status),
            started_at=alert.started_at or utc(delivery.received_at),
            title=alert.title,
            fingerprint=f"generic:{alert.dedup_key or alert.service + ':' + alert.title}",
            delivery_id=delivery.body_digest,
            description=alert.description,
            links=links,
            labels=MappingProxyType(dict(alert.labels)),
            owner=alert.labels.get("team"),
        )
    ]
