"""The words a scenario's ``expect`` table may use for conclusions: incident categories, cause
kinds and the markers a packet can raise. Action kinds are :class:`bot.action.kinds.ActionKind`,
severities :class:`bot.signal.values.Severity`.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CauseKind", "IncidentCategory", "Marker"]


class IncidentCategory(StrEnum):
    """What kind of trouble the incident is."""

    PERFORMANCE = "performance"
    AVAILABILITY = "availability"
    RESOURCE = "resource"
    DEPLOYMENT = "deployment"
    SECURITY = "security"
    DATA = "data"
    UNKNOWN = "unknown"


class CauseKind(StrEnum):
    """The kind of the top-ranked cause."""

    DEPLOY = "deploy"
    DEPENDENCY = "dependency"
    RESOURCE = "resource"
    CONFIG = "config"
    FLAG = "flag"
    TRAFFIC = "traffic"
    SECURITY = "security"
    UNKNOWN = "unknown"


class Marker(StrEnum):
    """A warning the packet raises for the people reading it."""

    CUSTOMER_DATA = "customer_data"
    UNSAFE_ROLLBACK = "unsafe_rollback"
    CONFLICTING_SIGNALS = "conflicting_signals"
    MISSING_RUNBOOK = "missing_runbook"
    LOW_CONFIDENCE = "low_confidence"
    CHANGE_FREEZE = "change_freeze"
