"""The Bolt app: wiring only. Listeners ack at once and do their work after the ack; the work
itself lives in the core."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.errors import CommandUsageError
from bot.messages import internal_error
from bot.redaction import redact
from handlers.slack.deliveries import once_per_delivery
from handlers.slack.incident_command import register_incident_command
from handlers.slack.postmortem import register_postmortem
from handlers.slack.resolve import register_resolve
from handlers.slack.status import register_status

__all__ = ["SlackDeps", "build_slack_app"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SlackDeps:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    on_change: Callable[[], None] = lambda: None  # wakes the pipeline after a human's change
    catalog: Catalog = field(default_factory=Catalog)  # tiers and owners for postmortems


def build_slack_app(client: AsyncWebClient, deps: SlackDeps) -> AsyncApp:
    app = AsyncApp(client=client, process_before_response=False)
    app.middleware(once_per_delivery(deps.sessions, deps.clock))
    register_status(app, sessions=deps.sessions)
    register_resolve(app, sessions=deps.sessions, clock=deps.clock)
    register_incident_command(
        app, sessions=deps.sessions, clock=deps.clock, on_change=deps.on_change
    )
    register_postmortem(app, sessions=deps.sessions, clock=deps.clock, catalog=deps.catalog)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond) -> None:
        # One place turns our errors into what the person sees; never a stack trace in Slack.
        if isinstance(error, CommandUsageError):
            # The usage error quotes what the person typed, which may hold a pasted token.
            await respond(text=redact(str(error)), response_type="ephemeral")
            return
        reference = uuid.uuid4().hex[:12]
        log.error("slack listener failed (ref %s)", reference, exc_info=error)
        if body.get("response_url"):
            await respond(text=internal_error(reference), response_type="ephemeral")

    return app
