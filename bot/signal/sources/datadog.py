"""Datadog monitor notifications through the Webhooks integration, with the payload template
that docs/alert-sources.md gives (fixed by the scenario format, FORMAT.md)::

    {"id": "$ID", "alert_id": "$ALERT_ID", "title": "$EVENT_TITLE", "body": "$EVENT_MSG",
     "transition": "$ALERT_TRANSITION", "status": "$ALERT_STATUS", "priority": "$PRIORITY",
     "alert_type": "$ALERT_TYPE", "date": "$DATE", "last_updated": "$LAST_UPDATED",
     "tags": "$TAGS", "link": "$LINK", "aggreg_key": "$AGGREG_KEY", "hostname": "$HOSTNAME",
     "org": {"id": "$ORG_ID", "name": "$ORG_NAME"}}

Mapping (also in docs/alert-sources.md):

- service: tag ``service`` of ``tags`` (``service:billing-webhooks,env:prod,team:payments``);
  else ``unknown``. Every ``key:value`` tag becomes a label.
- severity: ``priority`` ``P1``-``P5`` through the severity table; else ``alert_type``
  error -> sev2, warning -> sev3, info/success -> sev4; else the default. Datadog documents
  ``$ALERT_PRIORITY`` as the monitor's P1-P5 and ``$PRIORITY`` as the event's priority
  (``normal``/``low``, which falls through to ``alert_type``), so an optional
  ``"alert_priority": "$ALERT_PRIORITY"`` key, when a template adds it, is read first.
- status: ``transition`` Triggered, Re-Triggered, Warn, Re-Warn, No Data, Re-No Data, Renotify ->
  firing; Recovered -> resolved. An empty or ``Null`` transition is not a monitor state change:
  no signal. Any other value is refused, naming ``transition``.
- started at: ``date`` (epoch milliseconds)
- title: ``title`` without its leading ``[P1]``/``[Triggered]``-style markers, so the trigger and
  the recovery of one alert read the same; description: ``body``
- links: ``link``; owner: tag ``team``
- fingerprint: ``datadog:<alert_id>:<aggreg_key>``, or ``datadog:<alert_id>`` without an
  aggregation key. ``alert_id`` is the monitor; the aggregation key tells apart the groups of a
  multi-alert monitor and is shared by the trigger and the recovery of one group.
- delivery id: ``<id>:<transition>`` (``id`` is the notification event's id)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.signal.severity import ALERT_TYPE_SEVERITY, DEFAULT_SEVERITY, PRIORITY_SEVERITY
from bot.signal.sources.common import Delivery, alert_time, bounded, validate
from bot.signal.values import AlertSource, Link, Severity, Signal, SignalStatus

__all__ = ["TRANSITION_STATUS", "monitor_id", "monitor_ids", "normalize", "parse_tags"]

TRANSITION_STATUS = MappingProxyType(
    {
        "triggered": SignalStatus.FIRING,
        "re-triggered": SignalStatus.FIRING,
        "warn": SignalStatus.FIRING,
        "re-warn": SignalStatus.FIRING,
        "no data": SignalStatus.FIRING,
        "re-no data": SignalStatus.FIRING,
        "renotify": SignalStatus.FIRING,
        "recovered": SignalStatus.RESOLVED,
    }
)
_NOT_A_TRANSITION = frozenset({"", "null"})
_TITLE_MARKERS = re.compile(
    r"^(\[(P[1-5]|Triggered|Re-Triggered|Recovered|Warn|Re-Warn|No Data|Re-No Data|Renotify)\]"
    r"\s*)+",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\[([^\]]+)\]")


class _Org(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    id: str = ""
    name: str = ""


class _Notification(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    # Both absent from Datadog's default payload (a webhook whose template was never edited):
    # the monitor is then told apart by its title, the transition read from the title's marker.
    alert_id: str | None = Field(default=None, min_length=1)
    title: str = Field(min_length=1)
    body: str = ""
    transition: str | None = None
    status: str = ""
    priority: str = ""
    alert_priority: str = ""  # not in the fixed template; read first when present
    alert_type: str = ""
    date: datetime
    last_updated: str = ""
    tags: str = ""
    link: str = ""
    aggreg_key: str = ""
    hostname: str = ""
    org: _Org | None = None

    @field_validator("transition")
    @classmethod
    def _known_transition(cls, value: str | None) -> str | None:
        if value is None:
            return None
        key = value.strip().lower()
        if key not in TRANSITION_STATUS and key not in _NOT_A_TRANSITION:
            raise ValueError(
                "must be one of Triggered, Re-Triggered, Warn, Re-Warn, No Data, Re-No Data, "
                "Renotify, Recovered"
            )
        return value.strip()

    @field_validator("date", mode="before")
    @classmethod
    def _epoch_milliseconds(cls, value: object) -> datetime:
        text = str(value).strip()
        problem = "must be epoch milliseconds ($DATE), e.g. 1406662672000"
        if not text.isdigit():
            raise ValueError(problem)
        try:
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(problem) from exc

    @field_validator("date")
    @classmethod
    def _sane(cls, value: datetime, info: ValidationInfo) -> datetime:
        return alert_time(value, info)


def parse_tags(tags: str) -> dict[str, str]:
    """Datadog's ``$TAGS`` (``service:api,env:prod,team:payments``) as a mapping; the first value
    wins for a repeated key, and a tag without a value maps to the empty string."""
    parsed: dict[str, str] = {}
    for tag in tags.split(","):
        key, _, value = tag.strip().partition(":")
        if key and key not in parsed:
            parsed[key] = value
    return parsed


def _severity(notification: _Notification) -> Severity:
    by_monitor = PRIORITY_SEVERITY.get(notification.alert_priority.strip().lower())
    by_priority = PRIORITY_SEVERITY.get(notification.priority.strip().lower())
    by_type = ALERT_TYPE_SEVERITY.get(notification.alert_type.strip().lower())
    return by_monitor or by_priority or by_type or DEFAULT_SEVERITY[AlertSource.DATADOG]


def _clean_title(title: str) -> str:
    return _TITLE_MARKERS.sub("", title).strip() or title


def _transition(notification: _Notification) -> str:
    """The template's ``transition``; for the default payload, the ``[Triggered]``-style marker
    its title starts with (Datadog's ``$EVENT_TITLE``), and Triggered without one: Datadog
    sends the webhook because the monitor notified."""
    if notification.transition is not None:
        return notification.transition
    for marker in _MARKER.findall(notification.title):
        if marker.lower() in TRANSITION_STATUS:
            return str(marker)
    return "Triggered"


def _signal(notification: _Notification, status: SignalStatus) -> Signal:
    tags = parse_tags(notification.tags)
    title = _clean_title(notification.title)
    if notification.alert_id is None:  # the default payload: the monitor is its title
        org = notification.org.id if notification.org is not None else ""
        fingerprint = f"datadog:title:{org}:{title}"
    else:
        fingerprint = f"datadog:{notification.alert_id}"
    if notification.aggreg_key:
        fingerprint += f":{notification.aggreg_key}"
    labels = {key: value for key, value in tags.items() if value}
    if notification.hostname:
        labels["host"] = notification.hostname
    return Signal(
        source=AlertSource.DATADOG,
        service=bounded(tags.get("service") or "unknown"),
        severity=_severity(notification),
        status=status,
        started_at=notification.date,
        title=title,
        fingerprint=bounded(fingerprint),
        delivery_id=bounded(f"{notification.id}:{_transition(notification)}"),
        description=notification.body,
        links=(Link("Datadog", notification.link),) if notification.link else (),
        labels=MappingProxyType(labels),
        owner=tags.get("team") or None,
    )


def monitor_id(signal: Signal) -> str | None:
    """The Datadog monitor behind a signal this module made: the ``alert_id`` its fingerprint
    carries (``datadog:<alert_id>[:<aggreg_key>]``); None for any other signal."""
    if signal.source is not AlertSource.DATADOG:
        return None
    prefix, _, rest = signal.fingerprint.partition(":")
    alert_id = rest.partition(":")[0]
    return alert_id if prefix == "datadog" and alert_id.isdigit() else None


def monitor_ids(signals: Iterable[Signal]) -> tuple[str, ...]:
    """The distinct Datadog monitors behind ``signals``, in the order they first appear."""
    return tuple(dict.fromkeys(i for s in signals if (i := monitor_id(s)) is not None))


def normalize(payload: object, delivery: Delivery) -> Sequence[Signal]:
    """One signal per monitor notification; none for an event that is not a state change."""
    notification = validate(_Notification, payload, received_at=delivery.received_at)
    status = TRANSITION_STATUS.get(_transition(notification).lower())
    if status is None:
        return []
    return [_signal(notification, status)]
