"""Socket Mode: the ``/link/`` websocket the app connects to, envelopes out, acks in.

Each envelope goes to one open connection, round-robin across all of them (several replicas of
an app share the stream, as on Slack). As on Slack:

- an ``events_api`` envelope not acked within ``ack_timeout`` is delivered again, possibly on
  another connection, with ``retry_attempt`` raised and ``retry_reason`` ``timeout``, up to
  ``max_redeliveries`` times; one sent while no connection is open (the app reconnecting after a
  ``disconnect``) waits for the next connection instead of being dropped;
- ``slash_commands`` and ``interactive`` envelopes are delivered once: one not acked in time is
  never sent again (the person sees Slack's error, and a late ack's payload is discarded), so a
  slow handler cannot run a command twice here when it would not on Slack;
- an envelope whose frame could not be written (its connection closing under it) goes to a
  live connection at once: it never reached the app;
- the server pings every open connection every ``ping_interval`` seconds.

A connection told to ``disconnect`` gets no new envelopes: its client is about to replace it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import WSCloseCode, WSMsgType, web

from integrations.slack_emulator.config import EmulatorConfig

__all__ = ["Connection", "Envelope", "SocketHub"]

log = logging.getLogger(__name__)

AckCallback = Callable[[dict[str, Any] | None], None]


def _future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


@dataclass(eq=False)
class Connection:
    socket: web.WebSocketResponse
    number: int
    draining: bool = False  # told to disconnect: its client is opening a replacement
    received: int = 0  # envelopes sent to it, retries included
    closed: asyncio.Future[None] = field(default_factory=_future)

    @property
    def live(self) -> bool:
        return not self.draining and not self.closed.done() and not self.socket.closed


@dataclass(eq=False)
class Envelope:
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    on_ack: AckCallback | None = None  # called as the ack arrives, with its payload
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempt: int = 0
    # Resolves with the ack's payload (None without one); fails when never acked.
    acked: asyncio.Future[dict[str, Any] | None] = field(default_factory=_future)
    # Monotonic times of the envelope's creation and of its ack: the app's ack latency.
    created_at: float = field(default_factory=time.monotonic)
    acked_at: float | None = None

    @property
    def retried(self) -> bool:
        """Slack re-delivers events; commands and clicks it sends once."""
        return self.type == "events_api"

    @property
    def ack_seconds(self) -> float | None:
        return None if self.acked_at is None else self.acked_at - self.created_at

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
        self.connections: list[Connection] = []
        self.pending: dict[str, Envelope] = {}
        self.redeliveries = 0
        self.pongs = 0  # the clients' answers to the server's pings
        self.connected = asyncio.Event()  # set while at least one connection is live
        self._tickets: set[str] = set()
        self._numbers = itertools.count(1)
        self._turn = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def live_connections(self) -> list[Connection]:
        return [connection for connection in self.connections if connection.live]

    def _refresh(self) -> None:
        if self.live_connections:
            self.connected.set()
        else:
            self.connected.clear()

    def new_ticket(self) -> str:
        """A one-time ticket for the URL apps.connections.open hands out."""
        ticket = secrets.token_hex(8)
        self._tickets.add(ticket)
        return ticket

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The ``/link/`` websocket endpoint."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        self._tickets.discard(ticket)
        if len(self.live_connections) >= self.config.max_connections:
            return web.json_response({"ok": False, "error": "too_many_websockets"}, status=429)
        # Pings handled here, not by aiohttp, so the pongs answering the server's are counted.
        socket = web.WebSocketResponse(autoping=False)
        await socket.prepare(request)
        connection = Connection(socket, next(self._numbers))
        # hello first: only then may envelopes go to this connection.
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self.live_connections) + 1,
                "debug_info": {"host": "applink-1"},
                "connection_info": {"app_id": self.config.app_id},
            }
        )
        self.connections.append(connection)
        self._refresh()
        pinger = asyncio.create_task(self._ping(socket))
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._on_frame(message.data)
                elif message.type == WSMsgType.PING:  # the client's keepalive
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await socket.pong(message.data)
                elif message.type == WSMsgType.PONG:
                    self.pongs += 1
        finally:
            pinger.cancel()
            self.connections.remove(connection)
            connection.closed.set_result(None)
            self._refresh()
        return socket

    async def _ping(self, socket: web.WebSocketResponse) -> None:
        """Slack's server pings its Socket Mode connections; the clients answer with pongs
        (aiohttp does so by itself). A missing pong is the client's business: the server
        keeps the connection."""
        while not socket.closed:
            await asyncio.sleep(self.config.ping_interval)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.ping(b"emulator")

    def _on_frame(self, data: str) -> None:
        try:
            frame = json.loads(data)
        except json.JSONDecodeError:
            log.warning("emulator: unreadable frame from the app: %.200s", data)
            return
        envelope = self.pending.get(str(frame.get("envelope_id", "")))
        if envelope is None or envelope.acked.done():
            return  # a late or repeated ack: the envelope is settled already
        payload = frame.get("payload")
        payload = payload if isinstance(payload, dict) else None
        envelope.acked_at = time.monotonic()
        envelope.acked.set_result(payload)
        if envelope.on_ack is not None:
            envelope.on_ack(payload)

    def deliver(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        on_ack: AckCallback | None = None,
    ) -> Envelope | None:
        """Send an envelope; None for a command or click when no app is connected (the
        person sees ``dispatch_failed``); an event waits for the next connection. The returned
        envelope's ``acked`` resolves with the ack's payload."""
        if not self.live_connections and envelope_type != "events_api":
            return None
        envelope = Envelope(envelope_type, payload, accepts_response_payload, on_ack)
        self.pending[envelope.id] = envelope  # before sending, so no ack can come unexpected
        task = asyncio.create_task(self._deliver_until_acked(envelope))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return envelope

    async def _next_live(self, deadline: float) -> Connection | None:
        """The next live connection in turn, waiting for one until ``deadline``."""
        loop = asyncio.get_running_loop()
        while True:
            live = self.live_connections
            if live:
                return live[next(self._turn) % len(live)]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.connected.wait(), remaining)

    async def _send(
        self, envelope: Envelope, deadline: float
    ) -> Literal["acked", "unsent", "lost", "late"]:
        """One delivery: ``acked``, ``unsent`` (the frame could not be written), ``lost`` (its
        connection closed before the ack) or ``late``."""
        loop = asyncio.get_running_loop()
        connection = await self._next_live(deadline)
        if connection is None:
            return "late"
        try:
            await connection.socket.send_json(envelope.frame())
        except (ConnectionError, RuntimeError):
            connection.draining = True  # closing under us: never pick it again
            self._refresh()
            return "unsent"
        connection.received += 1
        outcomes: set[asyncio.Future[Any]] = {envelope.acked, connection.closed}
        await asyncio.wait(
            outcomes,
            timeout=max(0.0, deadline - loop.time()),
            return_when=asyncio.FIRST_COMPLETED,
        )
        if envelope.acked.done():
            return "acked"
        return "lost" if connection.closed.done() else "late"

    async def _deliver_until_acked(self, envelope: Envelope) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                outcome = await self._send(envelope, loop.time() + self.config.ack_timeout)
                if outcome == "acked":
                    return
                if outcome == "unsent" or (outcome == "lost" and envelope.retried):
                    continue  # same attempt, on another connection
                if not envelope.retried or envelope.attempt >= self.config.max_redeliveries:
                    envelope.acked.set_exception(TimeoutError("the envelope was never acked"))
                    envelope.acked.exception()  # retrieved: nobody need be waiting for it
                    return
                envelope.attempt += 1
                self.redeliveries += 1
        finally:
            self.pending.pop(envelope.id, None)

    async def disconnect_all(self, reason: str) -> int:
        """Tell every live connection to go (``refresh_requested``, ``warning``...): Slack's
        clients open a new connection, then close the old one."""
        told = 0
        for connection in self.live_connections:
            connection.draining = True
            with contextlib.suppress(ConnectionError, RuntimeError):
                await connection.socket.send_json(
                    {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-1"}}
                )
                told += 1
        self._refresh()
        return told

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for connection in list(self.connections):
            await connection.socket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
