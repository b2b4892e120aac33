"""Correlation: which open incident, if any, a new signal belongs to. Pure.

Today a signal joins the open incident with its fingerprint; the time-window and dependency rules
extend :func:`choose_incident` without changing its callers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.signal.values import Signal

__all__ = ["OpenIncident", "choose_incident"]


@dataclass(frozen=True, slots=True)
class OpenIncident:
    id: int
    fingerprint: str
    service: str


def choose_incident(signal: Signal, open_incidents: Sequence[OpenIncident]) -> int | None:
    """The id of the incident ``signal`` joins, or None when it needs a new one."""
    for incident in open_incidents:
        if incident.fingerprint == signal.fingerprint:
            return incident.id
    return None
