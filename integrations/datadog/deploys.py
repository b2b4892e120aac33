"""``DeploySource`` over Datadog's event stream (``GET /api/v1/events``), for teams whose deploy
job posts a Datadog event for each deploy.

Only events that carry both the service's tag and ``marker`` (the tag the deploy job adds,
``DD_DEPLOY_EVENT_TAG``) count, and only when a tag names the commit: ``git.commit.sha``,
``git_commit_sha``, ``sha`` or ``version``, in that order. Both tags are checked here as well as
in the query, so a deploy is never claimed from an event that merely mentions the service. An
event of alert type ``error`` is a failed deploy. ``author:<name>`` and ``pr:<number>`` tags,
when present, fill in who shipped it and through which pull request.

One page is read (Datadog answers up to 1,000 events a page): far more deploys of one service
than the deploy window (two weeks) holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urljoin

from datadog_api_client.v1.api.events_api import EventsApi
from datadog_api_client.v1.model.event import Event
from datadog_api_client.v1.model.event_list_response import EventListResponse

from bot.errors import ConfigError
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import Deploy
from integrations.datadog.client import DatadogConnection, ask_datadog, checked_service, field

__all__ = ["SHA_TAGS", "DatadogDeploys"]

SCOPE = "events_read"
SHA_TAGS = ("git.commit.sha", "git_commit_sha", "sha", "version")


class DatadogDeploys:
    """Implements ``DeploySource`` from deploy events in Datadog."""

    name = "Datadog deploy events"

    def __init__(self, connection: DatadogConnection, *, marker: str) -> None:
        if not marker or "," in marker:
            raise ConfigError(f"DD_DEPLOY_EVENT_TAG must be one tag without a comma: {marker!r}")
        self._connection = connection
        self._marker = marker
        self._api = EventsApi(connection.api)  # type: ignore[no-untyped-call]  # untyped in the SDK

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        service = checked_service(self.name, query.service)
        response = await ask_datadog(
            partial(
                self._api.list_events,
                start=int(query.since.timestamp()),
                end=int(query.until.timestamp()),
                tags=f"service:{service},{self._marker}",
                # Datadog folds related events into one aggregate unless told not to; each
                # deploy is its own event.
                unaggregated=True,
            ),
            EventListResponse,
            source=self.name,
            scope=SCOPE,
            timeout=self._connection.request_timeout,
        )
        found = []
        for event in field(response, "events") or []:
            deploy = self._deploy(event, service)
            if deploy is not None and query.since <= deploy.at <= query.until:
                found.append(deploy)
        return sorted(found, key=lambda deploy: deploy.at)

    def _deploy(self, event: Event, service: str) -> Deploy | None:
        raw = [str(tag) for tag in field(event, "tags") or []]
        if f"service:{service}" not in raw or self._marker not in raw:
            return None
        tags = _tags(raw)
        sha = next((tags[key] for key in SHA_TAGS if tags.get(key)), None)
        happened = field(event, "date_happened")
        if sha is None or not isinstance(happened, int):
            return None
        pr = tags.get("pr", "").removeprefix("#")
        link = field(event, "url")
        return Deploy(
            service=service,
            sha=sha,
            at=datetime.fromtimestamp(happened, tz=UTC),
            author=tags.get("author"),
            pr=int(pr) if pr.isdigit() else None,
            title=field(event, "title"),
            succeeded=str(field(event, "alert_type") or "") != "error",
            # The API answers a path of its web app (``/event/event?id=...``).
            url=urljoin(self._connection.web_url, link) if link else None,
        )


def _tags(raw: Sequence[str]) -> dict[str, str]:
    """``key:value`` tags as a mapping (the first value of a key wins)."""
    tags: dict[str, str] = {}
    for tag in raw:
        key, _, value = tag.partition(":")
        if value:
            tags.setdefault(key, value)
    return tags
