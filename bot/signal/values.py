"""The normalized alert (:class:`Signal`) and the small enums it is made of.

Every source's payload becomes one or more signals; from here on nothing in the pipeline knows
which vendor sent the alert, except through ``source`` for display and de-duplication.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "EARLIEST_TIME",
    "HUMAN_SOURCES",
    "KEY_LIMIT",
    "LATEST_AHEAD",
    "UNKNOWN_TIME",
    "AlertSource",
    "Link",
    "Severity",
    "Signal",
    "SignalStatus",
    "bounded",
    "sane_start",
    "storable",
]

# The signals table stores service, fingerprint, delivery id and owner in 200 characters.
KEY_LIMIT = 200

# Go's zero ``time.Time``: what Grafana and Alertmanager send for a time they do not know (the
# startsAt of Grafana's test notification, the endsAt of a firing alert). Read as "unknown":
# the signal starts when the bot received it.
UNKNOWN_TIME = datetime(1, 1, 1, tzinfo=UTC)
# The sane range of a time an alert carries: from 2000 on, and at most a day ahead of when it
# was received (clock skew between hosts is seconds; a day leaves room for a wrong time zone).
# Webhooks refuse a time outside it, naming the field; a row stored before that rule existed is
# read as "unknown" (see sane_start), so the evidence windows never leave the calendar.
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=1)


def sane_start(started_at: datetime, received_at: datetime) -> datetime:
    """``started_at`` when it is within the sane range of ``received_at``; else (Go's zero
    time, or a row stored before times were checked) ``received_at``: the time is unknown."""
    if EARLIEST_TIME <= started_at <= received_at + LATEST_AHEAD:
        return started_at
    return received_at


# What no database text column can hold: NUL (PostgreSQL refuses it) and a UTF-16 surrogate with
# no partner (JSON allows "\ud800"; no UTF-8 encoder does).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with each character no database can store replaced by U+FFFD, so an alert with
    one bad character in its title is kept, not refused."""
    return _UNSTORABLE.sub("\ufffd", text)


def bounded(key: str, limit: int = KEY_LIMIT) -> str:
    """``key`` when it fits in ``limit`` characters; else its start and a hash of the whole, so
    two long keys stay distinct and the same long key always shortens the same way."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{key[: limit - len(digest) - 1]}~{digest}"


class AlertSource(StrEnum):
    PAGERDUTY = "pagerduty"
    DATADOG = "datadog"
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    SENTRY = "sentry"
    GITHUB = "github"
    GENERIC = "generic"
    SLACK = "slack"  # declared by a person with /incident declare; never a webhook


# Sources people speak through in Slack, not alert webhooks: no normalizer, no authenticator.
HUMAN_SOURCES = frozenset({AlertSource.SLACK})


class Severity(StrEnum):
    """sev1 is the worst. Ordering follows urgency: ``Severity.SEV1 < Severity.SEV2`` is False;
    use :meth:`rank` to compare."""

    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"

    @property
    def rank(self) -> int:
        """1 for sev1 ... 4 for sev4: lower is more urgent."""
        return int(self.value[-1])

    def raised(self) -> Severity:
        """One step more urgent, never past sev1."""
        return Severity(f"sev{max(1, self.rank - 1)}")


class SignalStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Signal:
    """One alert, normalized.

    ``fingerprint`` identifies the alerting condition across deliveries (same fingerprint, same
    problem); ``delivery_id`` identifies this one delivery, so a source's retry is stored once.
    """

    source: AlertSource
    service: str
    severity: Severity
    status: SignalStatus
    started_at: datetime
    title: str
    fingerprint: str
    delivery_id: str
    description: str = ""
    links: tuple[Link, ...] = ()
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    owner: str | None = None

    def __post_init__(self) -> None:
        # Whatever a source sent, a Signal fits the signals table on every database: keys within
        # their columns, no text with characters a database refuses.
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        for name in ("service", "fingerprint", "delivery_id"):
            put(name, bounded(storable(getattr(self, name))))
        if self.owner is not None:
            put("owner", bounded(storable(self.owner)))
        put("title", storable(self.title))
        put("description", storable(self.description))
        put("links", tuple(Link(storable(link.title), storable(link.url)) for link in self.links))
        put(
            "labels",
            MappingProxyType(
                {storable(key): storable(value) for key, value in self.labels.items()}
            ),
        )
