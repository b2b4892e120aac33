"""What the console needs to know about the workspace: whether anything a person could see has
changed (the live feed, sent as server-sent events), and what each person has read.

The state changes from many places (Web API methods, response URLs, acks on the websocket,
uploads), all synchronous on one loop; rather than hook each of them, the feed compares a cheap
fingerprint of what can be seen a few times a second while someone is watching, and tells the
watchers when it moved. A page then fetches what it shows again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Hashable

from aiohttp import web

from integrations.slack_emulator.state import Message, WorkspaceState

__all__ = ["ChangeFeed", "ReadMarkers", "fingerprint", "visible_to"]

TICK_SECONDS = 0.2
KEEPALIVE_TICKS = 25  # a comment line every ~5 s: a page that went away is noticed then


def visible_to(message: Message, person: str) -> bool:
    """A message anyone in the channel sees, or an ephemeral one for this person only."""
    return message.recipient is None or message.recipient == person


def fingerprint(state: WorkspaceState) -> Hashable:
    """Changes whenever a channel, a message (posted, edited, deleted), a file or a Home view a
    person could see changes."""
    channels = tuple(
        (
            channel.id,
            channel.name,
            channel.topic,
            channel.is_archived,
            len(channel.members),
            tuple(
                (m.ts, m.edited["ts"] if m.edited else "", len(m.files))
                for m in state.messages.get(channel.id, [])
            ),
        )
        for channel in state.channels.values()
    )
    homes = tuple(sorted((user, str(view.get("hash"))) for user, view in state.home_views.items()))
    return hash((channels, homes))


class ChangeFeed:
    """One ticker for every watcher: it runs while at least one page listens."""

    def __init__(self, state: WorkspaceState) -> None:
        self.state = state
        self.revision = 0
        self._seen: Hashable = fingerprint(state)
        self._changed = asyncio.Condition()
        self._watchers = 0
        self._ticker: asyncio.Task[None] | None = None
        self._closed = False

    async def _tick(self) -> None:
        while self._watchers:
            await asyncio.sleep(TICK_SECONDS)
            now = fingerprint(self.state)
            if now != self._seen:
                self._seen = now
                self.revision += 1
            async with self._changed:
                self._changed.notify_all()

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """``GET /console/api/events``: ``event: change`` whenever the workspace changed."""
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            }
        )
        await response.prepare(request)
        self._watchers += 1
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick(), name="console-feed")
        sent, quiet = -1, 0
        try:
            while not self._closed:
                if self.revision != sent:
                    sent, quiet = self.revision, 0
                    data = json.dumps({"revision": sent})
                    await response.write(f"event: change\ndata: {data}\n\n".encode())
                elif (quiet := quiet + 1) >= KEEPALIVE_TICKS:
                    quiet = 0
                    await response.write(b": still here\n\n")
                async with self._changed:
                    await self._changed.wait()
        except ConnectionResetError:
            pass  # the page went away
        finally:
            self._watchers -= 1
        return response

    async def close(self) -> None:
        """End every stream (the server's shutdown would otherwise wait for them)."""
        self._closed = True
        async with self._changed:
            self._changed.notify_all()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker


class ReadMarkers:
    """Where each person has read each channel up to (a message ``ts``), kept in memory like
    the rest of the workspace."""

    def __init__(self, state: WorkspaceState) -> None:
        self.state = state
        self._read: dict[tuple[str, str], float] = {}

    def mark_read(self, person: str, channel: str, up_to: float | None = None) -> None:
        """Up to the message ``up_to`` (the newest the page showed), else everything now."""
        if up_to is None:
            messages = self.state.messages.get(channel, [])
            up_to = max((float(m.ts) for m in messages if visible_to(m, person)), default=0.0)
        self._read[(person, channel)] = max(up_to, self._read.get((person, channel), 0.0))

    def unread(self, person: str, channel: str) -> int:
        """Messages in the channel (not thread replies, which Slack counts apart) that the
        person can see, did not write, and has not read."""
        since = self._read.get((person, channel), 0.0)
        return sum(
            1
            for m in self.state.messages.get(channel, [])
            if visible_to(m, person)
            and m.user != person
            and (not m.is_reply or m.reply_broadcast)
            and float(m.ts) > since
        )
