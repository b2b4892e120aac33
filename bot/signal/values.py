"""The normalized alert (:class:`Signal`) and the small enums it is made of.

Every source's payload becomes one or more signals; from here on nothing in the pipeline knows
which vendor sent the alert, except through ``source`` for display and de-duplication.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

__all__ = ["AlertSource", "Link", "Severity", "Signal", "SignalStatus"]


class AlertSource(StrEnum):
    PAGERDUTY = "pagerduty"
    DATADOG = "datadog"
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    SENTRY = "sentry"
    GITHUB = "github"
    GENERIC = "generic"


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
