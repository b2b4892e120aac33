"""With no cluster configured, the action commands say so instead of failing silently."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.messages import NO_CLUSTER

__all__ = ["register_no_cluster"]


def register_no_cluster(app: AsyncApp) -> None:
    @app.command("/rollback")
    async def rollback(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(text=NO_CLUSTER, response_type="ephemeral")
