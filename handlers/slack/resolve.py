"""The "Resolve incident" button the bot shows once every alert has resolved. Resolving is a
human's decision; the click is it, and it counts once however often it arrives."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.wording import RESOLVE_BUTTON_NOT_OURS
from bot.clock import Clock
from bot.incident.correlate import resolve_incident
from bot.interaction.buttons import RESOLVE_ACTION_ID
from bot.interaction.ids import parse_id
from bot.interaction.refusals import record_refusal
from bot.messages import RESOLVE_NOTE_HINT, already_resolved, resolved_by
from handlers.slack.deliveries import acknowledge

__all__ = ["register_resolve"]


def register_resolve(
    app: AsyncApp, *, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    @app.action(RESOLVE_ACTION_ID)
    async def resolve(
        ack: AsyncAck, context: AsyncBoltContext, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if not await acknowledge(ack, context):
            return
        user = body["user"]["id"]
        incident_id = parse_id(str(body["actions"][0].get("value", "")))
        if incident_id is None:
            await respond(
                text=RESOLVE_BUTTON_NOT_OURS, response_type="ephemeral", replace_original=False
            )
            async with sessions() as session, session.begin():
                await record_refusal(
                    session,
                    clock=clock,
                    actor=f"slack:{user}",
                    what=RESOLVE_ACTION_ID,
                    reason="the button's value names no incident",
                    channel_id=(body.get("channel") or {}).get("id"),
                )
            return
        async with sessions() as session, session.begin():
            done = await resolve_incident(session, incident_id, actor=f"slack:{user}", clock=clock)
        if done:
            # The button resolves in one click; what fixed it is asked for after, optionally.
            await respond(
                text=resolved_by(incident_id, user) + " " + RESOLVE_NOTE_HINT,
                replace_original=True,
            )
        else:
            await respond(
                text=already_resolved(incident_id),
                response_type="ephemeral",
                replace_original=False,
            )
