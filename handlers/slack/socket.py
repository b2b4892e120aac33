"""Bolt's Socket Mode handler, with each envelope's ids in the log context and a readiness
probe.

Every line logged while an envelope is handled (by Bolt, our middleware or a listener, and the
tasks they start) carries ``slack_envelope_id`` and, when the payload has one, the delivery's
own id (``slack_delivery``: ``event:<event_id>``, ``command:<trigger_id>``...).
"""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.telemetry.logs import bound_context
from handlers.slack.deliveries import delivery_key

__all__ = ["SocketModeConnection"]


class SocketModeConnection(AsyncSocketModeHandler):
    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]  # Bolt's own signature
        identity = delivery_key(req.payload) if isinstance(req.payload, dict) else None
        with bound_context(
            slack_envelope_id=req.envelope_id,
            slack_delivery=identity[1] if identity else None,
        ):
            await super().handle(client, req)

    async def connected(self) -> bool:
        """True while the websocket to Slack is open (what readiness asks)."""
        return bool(await self.client.is_connected())
