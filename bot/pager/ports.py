"""What the PagerDuty write-back and paging need from PagerDuty, declared by the core; the
adapter in ``integrations.pagerduty`` implements both over PagerDuty's REST API v2 and Events
API v2. Each raises :class:`~bot.errors.PagerError` for a call that failed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["OwnerPage", "PagerDutyEvents", "PagerDutyIncidents", "PagerSeverity"]

PagerSeverity = Literal["critical", "error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class OwnerPage:
    """An Events API v2 ``trigger``: ``dedup_key`` makes a second trigger of the same page
    (a double click, a second replica, a retry) join the first alert instead of paging again."""

    routing_key: str
    dedup_key: str
    summary: str
    source: str
    severity: PagerSeverity = "error"
    details: Mapping[str, str] | None = None
    links: Sequence[tuple[str, str]] = ()  # (text, href)


class PagerDutyIncidents(Protocol):
    """PagerDuty incidents through the REST API v2 (``Token token=``, ``From:`` on writes)."""

    async def status(self, incident_id: str) -> str:
        """``triggered``, ``acknowledged`` or ``resolved``."""
        ...

    async def notes(self, incident_id: str) -> Sequence[str]:
        """The contents of the incident's notes, oldest first."""
        ...

    async def add_note(self, incident_id: str, content: str) -> str:
        """Add a note; return its id. Not idempotent: the caller looks before it adds again."""
        ...

    async def set_status(
        self, incident_id: str, status: Literal["acknowledged", "resolved"]
    ) -> str:
        """Acknowledge or resolve; return the status PagerDuty now shows. Asking for the status
        it already has changes nothing (an acknowledge of a resolved incident leaves it
        resolved)."""
        ...


class PagerDutyEvents(Protocol):
    """PagerDuty's Events API v2 (``POST /v2/enqueue``; the routing key is the credential)."""

    async def trigger(self, page: OwnerPage) -> str:
        """Send the trigger; return the ``dedup_key`` PagerDuty accepted it under."""
        ...
