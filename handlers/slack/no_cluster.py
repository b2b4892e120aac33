"""With no cluster configured, the action commands say so instead of failing silently."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext

from bot.messages import NO_CLUSTER
from handlers.slack.deliveries import acknowledge

__all__ = ["register_no_cluster"]


def register_no_cluster(app: AsyncApp) -> None:
    @app.command("/rollback")
    async def rollback(
        ack: AsyncAck, context: AsyncBoltContext, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if not await acknowledge(ack, context):
            return
        await respond(text=NO_CLUSTER, response_type="ephemeral")
