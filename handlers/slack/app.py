"""The Bolt app: wiring only. Listeners ack at once and do their work after the ack; the work
itself lives in the core."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.context import ActionContext
from bot.catalog import Catalog
from bot.chat import Chat
from bot.clock import Clock
from bot.errors import CommandUsageError
from bot.incident.context import PipelineContext
from bot.messages import internal_error
from bot.overview import Overview
from bot.policy import DEFAULT_POLICY, Policy
from bot.postmortem.ports import PeopleDirectory, PostmortemChat
from bot.redaction import redact
from handlers.slack.approvals import register_approvals
from handlers.slack.deliveries import once_per_delivery
from handlers.slack.explain import register_explain
from handlers.slack.home import register_home
from handlers.slack.incident_command import register_incident_command
from handlers.slack.no_cluster import register_no_cluster
from handlers.slack.postmortem import register_postmortem
from handlers.slack.resolve import register_resolve
from handlers.slack.rollback import register_rollback
from handlers.slack.status import register_status
from handlers.slack.triage import register_triage

__all__ = ["SlackDeps", "build_slack_app"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SlackDeps:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    # Run before every listener: the Slack adapter's guard, through which every listener's
    # client and respond escape and redact what they send (integrations.slack.outgoing).
    outgoing: Any
    home_view: Callable[[Overview, datetime], dict[str, Any]]  # the App Home as Slack draws it
    # The postmortem's share and the display names in it, built once by the composition root.
    postmortem_chat: PostmortemChat
    directory: PeopleDirectory
    chat: Chat  # the core's Slack port, for what listeners post beyond their answer
    on_change: Callable[[], None] = lambda: None  # wakes the pipeline after a human's change
    # The action flows, when a cluster is configured (a real one or, in sandbox mode, the
    # emulator); without one, /rollback says so.
    actions: ActionContext | None = None
    namespace_of: Callable[[str], str | None] = lambda _service: None
    policy: Policy = DEFAULT_POLICY
    # The user groups a person is in, as the policy names them (Slack's usergroups).
    groups_of: Callable[[str], Awaitable[frozenset[str]]] | None = None
    # What /triage and /explain gather and post with; without them those commands are off.
    pipeline: PipelineContext | None = None
    catalog: Catalog = field(default_factory=Catalog)  # tiers and owners for postmortems


def build_slack_app(client: AsyncWebClient, deps: SlackDeps) -> AsyncApp:
    app = AsyncApp(client=client, process_before_response=False)
    # First: every listener's client and respond escape and redact what they send.
    app.middleware(deps.outgoing)
    app.middleware(once_per_delivery(deps.sessions, deps.clock))
    register_status(app, sessions=deps.sessions)
    register_resolve(app, sessions=deps.sessions, clock=deps.clock)
    register_incident_command(
        app,
        sessions=deps.sessions,
        clock=deps.clock,
        on_change=deps.on_change,
        chat=deps.chat,
        actions=deps.actions,
        policy=deps.policy,
        namespace_of=deps.namespace_of,
        groups_of=deps.groups_of,
    )
    if deps.pipeline is not None:
        register_triage(
            app, sessions=deps.sessions, clock=deps.clock, pipeline=deps.pipeline, chat=deps.chat
        )
    if deps.pipeline is not None:
        register_explain(app, sessions=deps.sessions, clock=deps.clock, pipeline=deps.pipeline)
    register_home(app, sessions=deps.sessions, clock=deps.clock, home_view=deps.home_view)

    if deps.actions is not None:
        register_approvals(app, actions=deps.actions)
        register_rollback(
            app, sessions=deps.sessions, actions=deps.actions, namespace_of=deps.namespace_of
        )
    else:
        register_no_cluster(app)
    register_postmortem(
        app,
        sessions=deps.sessions,
        clock=deps.clock,
        catalog=deps.catalog,
        chat=deps.postmortem_chat,
        directory=deps.directory,
        narrator=deps.pipeline.narrator if deps.pipeline is not None else None,
        policy=deps.policy,
        groups_of=deps.groups_of,
    )

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
