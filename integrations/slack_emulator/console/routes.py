"""The console's routes on the emulator's port: the page (``/`` and ``/console``), its static
files, and a small JSON API under ``/console/api/`` that answers as one person sees the
workspace (ephemeral messages only for their recipient, unread counts per person).

Acting as a person is not here: the page calls the control API (``/emulator/api/command``,
``/click``, ``/event``), so a command typed in the browser reaches the bot as the same Socket
Mode envelope a test's would. The incidents come from the bot, which owns them: when the process
that runs the bot beside the emulator sets :attr:`Console.incidents_url`, the console forwards
read-only requests there, so the page talks to one origin and the emulator imports no bot code.

Every answer carries a strict Content-Security-Policy: scripts only from this origin, no inline
script, nothing fetched from anywhere else. The page builds its DOM with ``textContent`` only.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from integrations.slack_emulator.console.feed import ChangeFeed, ReadMarkers, visible_to
from integrations.slack_emulator.state import Message, WorkspaceState

__all__ = ["CONTENT_SECURITY_POLICY", "Console"]

STATIC = Path(__file__).resolve().parent / "static"
STATIC_NAME = re.compile(r"^[a-z][a-z0-9-]*\.(js|css)$")
CONTENT_TYPES = {"js": "text/javascript", "css": "text/css"}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# An uploaded file is shown inline only as a raster image; anything else is a download that
# cannot run (sandboxed, never sniffed), whatever the bot named it.
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
FILE_POLICY = "default-src 'none'; sandbox"
INCIDENT_TIMEOUT = aiohttp.ClientTimeout(total=10)

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _secured(route: Route) -> Route:
    """The page's security headers on every answer (a stream sets its own before it starts)."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        response = await route(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return wrapper


def _refusal(status: int, code: str) -> web.Response:
    return web.json_response({"ok": False, "error": code}, status=status)


class Console:
    def __init__(self, state: WorkspaceState) -> None:
        self.state = state
        self.feed = ChangeFeed(state)
        self.reads = ReadMarkers(state)
        # The bot's read-only incidents endpoint (``…/sandbox/incidents``); None: no bot beside
        # this emulator, and the page says so.
        self.incidents_url: str | None = None
        self._http: aiohttp.ClientSession | None = None

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_get("/", _secured(self.page))
        router.add_get("/console", _secured(self.page))
        router.add_get("/console/", _secured(self.page))
        router.add_get("/console/static/{name}", _secured(self.static))
        router.add_get("/favicon.ico", _secured(self.no_icon))
        router.add_get("/console/api/workspace", _secured(self.workspace))
        router.add_get("/console/api/channels", _secured(self.channels))
        router.add_get("/console/api/messages", _secured(self.messages))
        router.add_post("/console/api/read", _secured(self.read))
        router.add_get("/console/api/home", _secured(self.home))
        router.add_get("/console/api/files/{file_id}", _secured(self.file))
        router.add_get("/console/api/events", self.feed.stream)
        router.add_get("/console/api/incidents", _secured(self.incidents))
        router.add_get("/console/api/incidents/{number}", _secured(self.incidents))

    async def close(self) -> None:
        await self.feed.close()
        if self._http is not None:
            await self._http.close()
            self._http = None

    # --- the page ------------------------------------------------------------------------------

    async def page(self, _request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html"})

    async def no_icon(self, _request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        match = STATIC_NAME.match(name)
        if match is None or not (STATIC / name).is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(
            STATIC / name, headers={"Content-Type": CONTENT_TYPES[match.group(1)]}
        )

    # --- what a person sees --------------------------------------------------------------------

    def _person(self, request: web.Request) -> str | None:
        person = request.query.get("as", "")
        user = self.state.users.get(person)
        return person if user is not None and not user.is_bot else None

    async def workspace(self, _request: web.Request) -> web.StreamResponse:
        config = self.state.config
        people = [
            {
                "id": user.id,
                "name": user.name,
                "real_name": user.real_name,
                "title": user.title,
                "is_bot": user.is_bot,
            }
            for user in self.state.users.values()
        ]
        return web.json_response(
            {
                "ok": True,
                "team": config.team_domain,
                "bot_user_id": config.bot_user_id,
                "bot_name": config.bot_name,
                "users": people,
                "incidents": self.incidents_url is not None,
            }
        )

    async def channels(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        if person is None:
            return _refusal(400, "user_not_found")
        listed = [
            {
                "id": channel.id,
                "name": channel.name,
                "topic": channel.topic,
                "is_private": channel.is_private,
                "is_archived": channel.is_archived,
                "is_member": person in channel.members,
                "unread": self.reads.unread(person, channel.id),
            }
            for channel in self.state.channels.values()
            if not channel.is_private or person in channel.members
        ]
        return web.json_response({"ok": True, "channels": listed})

    def _message(self, message: Message) -> dict[str, Any]:
        files = [
            {
                "id": str(file.get("id", "")),
                "name": str(file.get("name", "")),
                "title": str(file.get("title", "")),
                "mimetype": str(file.get("mimetype", "")),
                "url": f"/console/api/files/{file.get('id', '')}",
            }
            for file in message.files
        ]
        return {
            "ts": message.ts,
            "user": message.user,
            "text": message.text,
            "blocks": message.blocks,
            "thread_ts": message.thread_ts,
            "is_reply": message.is_reply,
            "reply_broadcast": message.reply_broadcast,
            "ephemeral": message.ephemeral,
            "edited": message.edited is not None,
            "files": files,
        }

    async def messages(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        channel = self.state.channel(request.query.get("channel", ""))
        if person is None:
            return _refusal(400, "user_not_found")
        if channel is None or (channel.is_private and person not in channel.members):
            return _refusal(404, "channel_not_found")
        shown = sorted(
            (m for m in self.state.messages[channel.id] if visible_to(m, person)),
            key=lambda m: float(m.ts),
        )
        return web.json_response(
            {"ok": True, "channel": channel.id, "messages": [self._message(m) for m in shown]}
        )

    async def read(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return _refusal(400, "invalid_json")
        if not isinstance(body, dict):
            return _refusal(400, "invalid_json")
        person, channel = body.get("user"), body.get("channel")
        if not isinstance(person, str) or person not in self.state.users:
            return _refusal(400, "user_not_found")
        if not isinstance(channel, str) or channel not in self.state.channels:
            return _refusal(404, "channel_not_found")
        up_to = body.get("ts")
        try:
            shown = float(up_to) if isinstance(up_to, str) else None
        except ValueError:
            return _refusal(400, "invalid_ts")
        self.reads.mark_read(person, channel, shown)
        return web.json_response({"ok": True})

    async def home(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        if person is None:
            return _refusal(400, "user_not_found")
        return web.json_response({"ok": True, "view": self.state.home_views.get(person)})

    async def file(self, request: web.Request) -> web.StreamResponse:
        stored = self.state.files.get(request.match_info["file_id"])
        if stored is None or stored.content is None:
            return _refusal(404, "file_not_found")
        headers = {"Content-Security-Policy": FILE_POLICY}
        if stored.mimetype in INLINE_IMAGES:
            return web.Response(body=stored.content, content_type=stored.mimetype, headers=headers)
        headers["Content-Disposition"] = "attachment"
        if stored.mimetype.startswith("text/") or stored.filetype in ("md", "json", "txt"):
            return web.Response(
                body=stored.content, content_type="text/plain", charset="utf-8", headers=headers
            )
        return web.Response(
            body=stored.content, content_type="application/octet-stream", headers=headers
        )

    # --- the bot's incidents, read-only --------------------------------------------------------

    async def incidents(self, request: web.Request) -> web.StreamResponse:
        """Forward ``GET`` to the bot's incidents endpoint, as it answers."""
        if self.incidents_url is None:
            return _refusal(404, "no_incident_source")
        number = request.match_info.get("number")
        if number is not None and not number.isdigit():
            return _refusal(404, "incident_not_found")
        url = self.incidents_url + (f"/{number}" if number else "")
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=INCIDENT_TIMEOUT)
        try:
            async with self._http.get(url) as answer:
                body = await answer.read()
                if answer.content_type != "application/json":
                    return _refusal(502, "incident_source_failed")
                return web.Response(
                    body=body, status=answer.status, content_type="application/json"
                )
        except (aiohttp.ClientError, TimeoutError):
            return _refusal(502, "incident_source_unreachable")
