"""The one severity table: how each source's priority, urgency or labels map to sev1-sev4.

The README shows the same table and docs/alert-sources.md how each source uses it; change them
together.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.signal.values import AlertSource, Severity

__all__ = [
    "ALERT_TYPE_SEVERITY",
    "DEFAULT_SEVERITY",
    "ENVIRONMENT_SEVERITY",
    "PRIORITY_SEVERITY",
    "URGENCY_SEVERITY",
    "WORD_SEVERITY",
    "severity_from_word",
]

# A ``severity`` label or field (Alertmanager, Grafana, generic), or a Sentry ``level``
# (``fatal``, ``error``, ``warning``, ``info``, ``debug``). sevN passes through.
WORD_SEVERITY: Mapping[str, Severity] = MappingProxyType(
    {
        "fatal": Severity.SEV1,
        "critical": Severity.SEV1,
        "high": Severity.SEV2,
        "error": Severity.SEV2,
        "warning": Severity.SEV3,
        "info": Severity.SEV4,
        "debug": Severity.SEV4,
        **{severity.value: severity for severity in Severity},
    }
)

# A priority (PagerDuty, Datadog).
PRIORITY_SEVERITY: Mapping[str, Severity] = MappingProxyType(
    {
        "p1": Severity.SEV1,
        "p2": Severity.SEV2,
        "p3": Severity.SEV3,
        "p4": Severity.SEV4,
        "p5": Severity.SEV4,
    }
)

# PagerDuty's incident ``urgency``, used when the incident has no priority.
URGENCY_SEVERITY: Mapping[str, Severity] = MappingProxyType(
    {
        "high": Severity.SEV2,
        "low": Severity.SEV3,
    }
)

# Datadog's ``$ALERT_TYPE``, used when the monitor has no P1-P5 priority.
ALERT_TYPE_SEVERITY: Mapping[str, Severity] = MappingProxyType(
    {
        "error": Severity.SEV2,
        "warning": Severity.SEV3,
        "info": Severity.SEV4,
        "success": Severity.SEV4,
    }
)

# A failed deploy (GitHub) to one of these environments; any other environment gets the default.
ENVIRONMENT_SEVERITY: Mapping[str, Severity] = MappingProxyType(
    {
        "production": Severity.SEV2,
        "prod": Severity.SEV2,
    }
)

# When the source says nothing about severity.
DEFAULT_SEVERITY: Mapping[AlertSource, Severity] = MappingProxyType(
    {source: Severity.SEV3 for source in AlertSource}
)


def severity_from_word(word: str | None) -> Severity | None:
    """Map a severity word (``critical``, ``High``, ``sev2``...) or a priority (``P1``); None
    when the word is empty or unknown."""
    if not word:
        return None
    key = word.strip().lower()
    return WORD_SEVERITY.get(key) or PRIORITY_SEVERITY.get(key)
