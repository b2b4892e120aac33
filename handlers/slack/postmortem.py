"""``/postmortem``: in an incident channel, draft the incident's postmortem and share it there
as a Markdown file with a summary message. Who may: the incident commander, and those the
policy's ``postmortem.allowed`` names; with no such list, anyone in the channel while no
commander is set, and only the commander once one is. A refusal is answered privately and
audited. With a narrator configured, the summary and the root cause read as its grounded prose."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import messages
from bot.catalog import Catalog
from bot.clock import Clock
from bot.errors import ChatError
from bot.policy import DEFAULT_POLICY, Policy
from bot.postmortem.flows import publish_postmortem
from bot.postmortem.permission import NoIncidentHere, Refused, admit_draft
from bot.postmortem.ports import PeopleDirectory, PostmortemChat, PostmortemNarrator
from handlers.slack.deliveries import acknowledge

__all__ = ["register_postmortem"]


def register_postmortem(
    app: AsyncApp,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    catalog: Catalog,
    chat: PostmortemChat,
    directory: PeopleDirectory,
    narrator: PostmortemNarrator | None = None,
    policy: Policy = DEFAULT_POLICY,
    groups_of: Callable[[str], Awaitable[frozenset[str]]] | None = None,
) -> None:
    """``chat`` shares the draft; ``directory`` (one for the app's life, so each person's
    display name is asked of Slack once) names the people in it. Both come from the
    composition root: the listener builds no adapter of its own."""

    @app.command("/postmortem")
    async def postmortem(
        ack: AsyncAck,
        context: AsyncBoltContext,
        command: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        if not await acknowledge(ack, context):
            return
        user, channel_id = command["user_id"], command["channel_id"]
        if command.get("text", "").strip():
            detail = "`/postmortem` takes no arguments."
            await respond(
                text=messages.usage_error(messages.POSTMORTEM_USAGE, detail),
                response_type="ephemeral",
            )
            return
        groups = await groups_of(user) if groups_of is not None else frozenset()
        admitted = await admit_draft(
            sessions=sessions,
            clock=clock,
            policy=policy,
            user=user,
            user_groups=groups,
            channel_id=channel_id,
        )
        if isinstance(admitted, NoIncidentHere):
            await respond(text=messages.POSTMORTEM_USAGE, response_type="ephemeral")
            return
        if isinstance(admitted, Refused):
            await respond(
                text=messages.postmortem_refused(admitted.incident_id, admitted.commander or ""),
                response_type="ephemeral",
            )
            return
        try:
            await publish_postmortem(
                sessions=sessions,
                chat=chat,
                incident_id=admitted.incident_id,
                channel_id=channel_id,
                actor=f"slack:{user}",
                catalog=catalog,
                clock=clock,
                narrator=narrator,
                directory=directory,
            )
        except ChatError as exc:
            await respond(
                text=messages.postmortem_failed(admitted.incident_id, str(exc)),
                response_type="ephemeral",
            )
