"""Paging a service's owner through PagerDuty's Events API v2: the routing key of the service
(from the settings, never stored or shown), the event, and its ``dedup_key``.

The ``dedup_key`` names what the page is about (an incident, or one action of it), so a double
click, a second replica, a retry or the same failure reported twice joins the alert PagerDuty
already has instead of paging again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.errors import PagerError
from bot.pager.ports import OwnerPage, PagerDutyEvents
from bot.redaction import redact

__all__ = ["OwnerPaging", "action_dedup_key", "incident_dedup_key"]

SOURCE = "incident-bot"


def incident_dedup_key(service: str, incident_id: int) -> str:
    """One page per incident and service: ``incident-bot/checkout/INC-7``."""
    return f"{SOURCE}/{service}/INC-{incident_id}"


def action_dedup_key(service: str, incident_id: int, action_id: int) -> str:
    """One page per action that failed or could not be verified."""
    return f"{incident_dedup_key(service, incident_id)}/action-{action_id}"


@dataclass(frozen=True, slots=True)
class OwnerPaging:
    """``routing_key`` gives a service's Events API v2 integration key (None: not configured
    for it); the key leaves only in the event itself."""

    events: PagerDutyEvents
    routing_key: Callable[[str], str | None]

    def configured_for(self, service: str) -> bool:
        return self.routing_key(service) is not None

    def page_for(
        self,
        *,
        service: str,
        dedup_key: str,
        summary: str,
        details: Mapping[str, str] | None = None,
        links: tuple[tuple[str, str], ...] = (),
    ) -> OwnerPage:
        """The event (summary and details redacted: they may quote an alert). Raises
        PagerError when no routing key is configured for the service."""
        key = self.routing_key(service)
        if key is None:
            raise PagerError(
                "PagerDuty",
                "Events API trigger",
                f"no routing key is configured for {service} (PAGERDUTY_ROUTING_KEYS)",
                sent=False,
            )
        return OwnerPage(
            routing_key=key,
            dedup_key=dedup_key,
            summary=redact(summary),
            source=SOURCE,
            details={name: redact(value) for name, value in (details or {}).items()},
            links=links,
        )

    async def page(
        self,
        *,
        service: str,
        dedup_key: str,
        summary: str,
        details: Mapping[str, str] | None = None,
        links: tuple[tuple[str, str], ...] = (),
    ) -> str:
        """Trigger the page; return the dedup key PagerDuty accepted. Raises PagerError."""
        event = self.page_for(
            service=service, dedup_key=dedup_key, summary=summary, details=details, links=links
        )
        return await self.events.trigger(event)
