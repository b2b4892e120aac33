"""Correlation: which open incident, if any, a new signal belongs to, and what joining does to
the incident's severity. Pure: the same signals in the same order always fold the same way.

A signal joins an open incident when it has the fingerprint of any alert in it; or, within the
window, the service of any alert in it; or, within the window, a service that is a direct
dependency or dependent of one of those services in the catalog (so a dependency chain folds
link by link into one incident); or when it came in the same delivery as an alert in it (one
Alertmanager group naming three hundred services is one problem seen three hundred times),
unless the catalog lists both services, which keeps them apart. A resolved signal joins only by
fingerprint: the end of one problem is never evidence of another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.catalog import Catalog
from bot.clock import shifted
from bot.signal.values import Severity, Signal, SignalStatus

__all__ = [
    "DEFAULT_WINDOW",
    "RAISE_AFTER",
    "Correlation",
    "JoinReason",
    "OpenIncident",
    "catalog_keeps_apart",
    "choose_incident",
    "neighbours",
    "severity_after_join",
]

DEFAULT_WINDOW = timedelta(minutes=30)
RAISE_AFTER = 3  # more than this many distinct firing conditions raise the severity one step


class JoinReason(StrEnum):
    FINGERPRINT = "fingerprint"
    SERVICE = "service"
    DEPENDENCY = "dependency"
    DELIVERY = "delivery"  # came in the same delivery (one Alertmanager group, say)


@dataclass(frozen=True, slots=True)
class OpenIncident:
    id: int
    fingerprint: str
    service: str
    first_seen_at: datetime
    last_signal_at: datetime
    # Every alerting condition folded into it, so a later resolve of any of them finds it.
    fingerprints: frozenset[str] = frozenset()
    # Every service with a signal in it: a dependency chain folds link by link.
    services: frozenset[str] = frozenset()
    # Deliveries (``source:body digest``) of its signals; the caller may list only the one of
    # the signal being correlated, which is all that choose_incident asks about.
    deliveries: frozenset[str] = frozenset()

    def has(self, fingerprint: str) -> bool:
        return fingerprint == self.fingerprint or fingerprint in self.fingerprints

    @property
    def all_services(self) -> frozenset[str]:
        return self.services | {self.service}


@dataclass(frozen=True, slots=True)
class Correlation:
    incident_id: int
    reason: JoinReason


def neighbours(service: str, catalog: Catalog) -> frozenset[str]:
    """Direct dependencies and dependents of ``service`` in the catalog."""
    return frozenset(catalog.dependencies(service)) | frozenset(catalog.dependents(service))


def _within(signal: Signal, incident: OpenIncident, window: timedelta) -> bool:
    # Shifted safely: an incident opened before times were checked may start in year 1.
    start, end = shifted(incident.first_seen_at, -window), shifted(incident.last_signal_at, window)
    return start <= signal.started_at <= end


def catalog_keeps_apart(service: str, other: str, catalog: Catalog) -> bool:
    """The catalog lists both services and they differ: it says they are separate things."""
    return service != other and catalog.get(service) is not None and catalog.get(other) is not None


def choose_incident(
    signal: Signal,
    open_incidents: Sequence[OpenIncident],
    *,
    catalog: Catalog,
    window: timedelta = DEFAULT_WINDOW,
    delivery: str | None = None,
) -> Correlation | None:
    """The incident ``signal`` joins and why, or None when it needs an incident of its own.
    ``delivery`` is the signal's delivery (``source:body digest``), None when unknown.

    The strongest reason wins (fingerprint, then delivery, service, dependency); among equals,
    the incident with the most recent signal.
    """
    newest_first = sorted(open_incidents, key=lambda i: i.last_signal_at, reverse=True)
    for incident in newest_first:
        if incident.has(signal.fingerprint):
            return Correlation(incident.id, JoinReason.FINGERPRINT)
    if signal.status == SignalStatus.RESOLVED:
        return None
    for incident in newest_first if delivery is not None else ():
        if delivery in incident.deliveries and not catalog_keeps_apart(
            signal.service, incident.service, catalog
        ):
            return Correlation(incident.id, JoinReason.DELIVERY)
    for incident in newest_first:
        if signal.service in incident.all_services and _within(signal, incident, window):
            return Correlation(incident.id, JoinReason.SERVICE)
    related = neighbours(signal.service, catalog)
    for incident in newest_first:
        if incident.all_services & related and _within(signal, incident, window):
            return Correlation(incident.id, JoinReason.DEPENDENCY)
    return None


def severity_after_join(
    current: Severity,
    joining: Severity,
    *,
    firing: bool,
    fired_conditions: int,
    already_raised: bool,
) -> tuple[Severity, bool]:
    """The incident's severity once a signal joined: for a firing signal the worse of the two,
    raised one step (never past sev1) the first time more than RAISE_AFTER distinct conditions
    have fired (``fired_conditions`` includes the joining one). Only distinct firing conditions
    move it: a resolve, a re-notification or a repeat of the same alert leaves it as it is.
    Returns (severity, raised)."""
    if not firing:
        return current, already_raised
    severity = joining if joining.rank < current.rank else current
    if fired_conditions > RAISE_AFTER and not already_raised:
        return severity.raised(), True
    return severity, already_raised
