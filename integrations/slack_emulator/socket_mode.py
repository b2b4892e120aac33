"""Socket Mode: the websocket the app connects to, envelopes out, acks in.

Each envelope goes to one open connection, round-robin across all of them (several replicas of
an app share the stream, as on Slack). An envelope not acked within ``ack_timeout`` is delivered
again, possibly on another connection, with ``retry_attempt`` raised and ``retry_reason``
``timeout``, up to ``max_redeliveries`` times.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from integrations.slack_emulator.config import EmulatorConfig

__all__ = ["Envelope", "SocketHub"]

log = logging.getLogger(__name__)


@dataclass
class Envelope:
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempt: int = 0
    ack: asyncio.Future[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def frame(self) -> dict[str, Any]:
        frame: dict[str, Any] = {
            "envelope_id": self.id,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
            "payload": self.payload,
        }
        if self.type == "events_api" or self.attempt:
            frame["retry_attempt"] = self.attempt
            frame["retry_reason"] = "timeout" if self.attempt else ""
        return frame


class SocketHub:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.connections: list[web.WebSocketResponse] = []
        self.pending: dict[str, Envelope] = {}
        self.redeliveries = 0
        self._tickets = itertools.count(1)
        self._valid_tickets: set[str] = set()
        self._turn = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()

    def new_ticket(self) -> str:
        ticket = f"{next(self._tickets)}-{uuid.uuid4().hex[:8]}"
        self._valid_tickets.add(ticket)
        return ticket

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The ``/link/`` websocket endpoint."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._valid_tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        self._valid_tickets.discard(ticket)
        if len(self.connections) >= self.config.max_connections:
            return web.json_response({"ok": False, "error": "too_many_websockets"}, status=429)
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.connections.append(socket)
        self.connected.set()
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections),
                "debug_info": {"host": "applink-1"},
                "connection_info": {"app_id": self.config.app_id},
            }
        )
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._on_frame(message.data)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            if socket in self.connections:
                self.connections.remove(socket)
            if not self.connections:
                self.connected.clear()
        return socket

    def _on_frame(self, data: str) -> None:
        try:
            frame = json.loads(data)
        except json.JSONDecodeError:
            log.warning("emulator: unreadable frame from the app: %.200s", data)
            return
        envelope = self.pending.pop(str(frame.get("envelope_id", "")), None)
        if envelope is not None and not envelope.ack.done():
            payload = frame.get("payload")
            envelope.ack.set_result(payload if isinstance(payload, dict) else None)

    def _next_connection(self) -> web.WebSocketResponse | None:
        live = [socket for socket in self.connections if not socket.closed]
        if not live:
            return None
        self._turn = (self._turn + 1) % len(live)
        return live[self._turn]

    def deliver(
        self, envelope_type: str, payload: dict[str, Any], *, accepts_response_payload: bool
    ) -> Envelope | None:
        """Send an envelope; None when no app is connected (the person sees ``dispatch_failed``).
        The returned envelope's ``ack`` resolves with the ack's payload."""
        if not any(not socket.closed for socket in self.connections):
            return None
        envelope = Envelope(envelope_type, payload, accepts_response_payload)
        task = asyncio.create_task(self._deliver_until_acked(envelope))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return envelope

    async def _deliver_until_acked(self, envelope: Envelope) -> None:
        self.pending[envelope.id] = envelope
        try:
            while True:
                socket = self._next_connection()
                if socket is not None:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await socket.send_json(envelope.frame())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        asyncio.shield(envelope.ack), timeout=self.config.ack_timeout
                    )
                    return
                if envelope.attempt >= self.config.max_redeliveries:
                    if not envelope.ack.done():
                        envelope.ack.set_exception(TimeoutError("envelope never acked"))
                        envelope.ack.exception()  # retrieved: nobody may be waiting for it
                    return
                envelope.attempt += 1
                self.redeliveries += 1
        finally:
            self.pending.pop(envelope.id, None)

    async def disconnect_all(self, reason: str) -> int:
        """Ask every connection to reconnect (``refresh_requested``) or warn it."""
        count = 0
        for socket in list(self.connections):
            if not socket.closed:
                await socket.send_json(
                    {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-1"}}
                )
                count += 1
        return count

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for socket in list(self.connections):
            await socket.close()
