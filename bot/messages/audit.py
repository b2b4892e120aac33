"""The audit trail as people read it, one row a line."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: the words need no service at run time
    from bot.audit.service import AuditEntry

__all__ = [
    "audit_line",
]


def audit_line(entry: AuditEntry) -> str:
    """One audit row on one line: sequence, time, incident, actor, event, details, hash prefix."""
    scope = f"INC-{entry.incident_id}" if entry.incident_id is not None else "-"
    details = ", ".join(f"{key}={value}" for key, value in entry.details.items())
    return (
        f"#{entry.seq:<4} {entry.at:%Y-%m-%d %H:%M:%S} {scope:<7} {entry.actor:<20} "
        f"{entry.event:<26} {details}  [{entry.hash[:12]}]"
    )
