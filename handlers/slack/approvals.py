"""The Approve and Deny buttons of an action's message. The click is answered first (to the
clicker only); an approved action then runs, once, whoever else clicked."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext

from bot.action.context import ActionContext
from bot.action.flows import decide
from bot.interaction.buttons import APPROVE_ACTION_ID, DENY_ACTION_ID
from handlers.slack.deliveries import acknowledge

__all__ = ["register_approvals"]


def register_approvals(app: AsyncApp, *, actions: ActionContext) -> None:
    async def on_click(body: dict[str, Any], respond: AsyncRespond, *, approve: bool) -> None:
        clicked = body["actions"][0]
        reply = await decide(
            actions, value=str(clicked.get("value", "")), user=body["user"]["id"], approve=approve
        )
        await respond(text=reply.text, response_type="ephemeral", replace_original=False)
        if reply.follow_up is not None:
            await reply.follow_up()

    @app.action(APPROVE_ACTION_ID)
    async def approve(
        ack: AsyncAck, context: AsyncBoltContext, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if await acknowledge(ack, context):
            await on_click(body, respond, approve=True)

    @app.action(DENY_ACTION_ID)
    async def deny(
        ack: AsyncAck, context: AsyncBoltContext, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if await acknowledge(ack, context):
            await on_click(body, respond, approve=False)
