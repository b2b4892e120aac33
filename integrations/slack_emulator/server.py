"""The emulator's HTTP server: the Web API under ``/api/``, Socket Mode at ``/link/``, response
URLs under ``/response/`` and the control API under ``/emulator/api/``."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from aiohttp import web

from integrations.slack_emulator.config import EmulatorConfig, RateLimits
from integrations.slack_emulator.people import PersonActions
from integrations.slack_emulator.ratelimit import RateLimiter
from integrations.slack_emulator.socket_mode import SocketHub
from integrations.slack_emulator.state import WorkspaceState
from integrations.slack_emulator.web_api import WebApi
from integrations.slack_emulator.workspace import Workspace, load_workspace

__all__ = ["SlackEmulator", "serve_forever"]


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text='{"ok":false,"error":"invalid_json"}', content_type="application/json"
        ) from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text='{"ok":false,"error":"invalid_json"}', content_type="application/json"
        )
    return body


class SlackEmulator:
    def __init__(
        self, config: EmulatorConfig | None = None, workspace: Workspace | None = None
    ) -> None:
        self.config = config or EmulatorConfig()
        self.state = WorkspaceState(self.config, workspace or load_workspace())
        self.limiter = RateLimiter(self.config.rate_limits, enabled=self.config.rate_limits_enabled)
        self.hub = SocketHub(self.config)
        self.api = WebApi(self.state, self.limiter, lambda: self.base_url)
        self.api.new_ticket = self.hub.new_ticket
        self.people = PersonActions(self.state, self.hub, lambda: self.base_url)
        self.port = self.config.port
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.api.handle)
        app.router.add_get("/link/", self.hub.handle)
        app.router.add_post("/response/{key}", self._response)
        app.router.add_get("/emulator/api/channels", self._channels)
        app.router.add_get("/emulator/api/messages", self._messages)
        app.router.add_post("/emulator/api/command", self._command)
        app.router.add_post("/emulator/api/click", self._click)
        app.router.add_post("/emulator/api/event", self._event)
        app.router.add_post("/emulator/api/limits", self._limits)
        app.router.add_get("/emulator/api/stats", self._stats)
        app.router.add_post("/emulator/api/disconnect", self._disconnect)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self.hub.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # --- response URLs and the control API -------------------------------------------------

    async def _response(self, request: web.Request) -> web.Response:
        status, text = self.people.respond(request.match_info["key"], await _json(request))
        return web.Response(status=status, text=text)

    async def _channels(self, _request: web.Request) -> web.Response:
        channels = [
            {
                "id": c.id,
                "name": c.name,
                "topic": c.topic,
                "purpose": c.purpose,
                "members": list(c.members),
                "created": c.created,
                "creator": c.creator,
                "is_archived": c.is_archived,
            }
            for c in self.state.channels.values()
        ]
        return web.json_response({"ok": True, "channels": channels})

    async def _messages(self, request: web.Request) -> web.Response:
        channel = self.state.channel(request.query.get("channel", ""))
        if channel is None:
            return web.json_response({"ok": False, "error": "channel_not_found"}, status=404)
        messages = sorted(self.state.messages[channel.id], key=lambda m: float(m.ts))
        return web.json_response({"ok": True, "messages": [m.to_control() for m in messages]})

    async def _command(self, request: web.Request) -> web.Response:
        body = await _json(request)
        status, answer = await self.people.command(
            str(body.get("user", "")),
            str(body.get("channel", "")),
            str(body.get("command", "")),
            str(body.get("text", "")),
            int(body.get("wait_for", 1)),
            float(body.get("timeout", 5.0)),
        )
        return web.json_response(answer, status=status)

    async def _click(self, request: web.Request) -> web.Response:
        body = await _json(request)
        status, answer = await self.people.click(
            str(body.get("user", "")),
            str(body.get("channel", "")),
            str(body.get("message_ts", "")),
            str(body.get("action_id", "")),
            int(body.get("wait_for", 1)),
            float(body.get("timeout", 5.0)),
        )
        return web.json_response(answer, status=status)

    async def _event(self, request: web.Request) -> web.Response:
        body = await _json(request)
        sent = self.people.event(
            str(body.get("type", "")),
            str(body.get("user", "")),
            body.get("channel"),
            body.get("text"),
        )
        return web.json_response({"ok": sent} if sent else {"ok": False, "error": "no_connection"})

    async def _limits(self, request: web.Request) -> web.Response:
        body = await _json(request)
        enabled = bool(body.pop("enabled", self.limiter.enabled))
        known = {f.name for f in dataclasses.fields(RateLimits)}
        unknown = sorted(set(body) - known)
        if unknown:
            return web.json_response(
                {"ok": False, "error": f"unknown_fields:{unknown}"}, status=400
            )
        limits = dataclasses.replace(self.limiter.limits, **body)
        self.limiter.reconfigure(limits, enabled=enabled)
        return web.json_response(
            {"ok": True, "limits": dataclasses.asdict(limits), "enabled": enabled}
        )

    async def _stats(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "calls": dict(self.api.calls),
                "ratelimited": dict(self.api.ratelimited),
                "redeliveries": self.hub.redeliveries,
                "connections": len([s for s in self.hub.connections if not s.closed]),
            }
        )

    async def _disconnect(self, request: web.Request) -> web.Response:
        body = await _json(request) if request.can_read_body else {}
        count = await self.hub.disconnect_all(str(body.get("reason", "refresh_requested")))
        return web.json_response({"ok": True, "connections": count})


async def serve_forever(config: EmulatorConfig, workspace: Workspace | None = None) -> None:
    """Run the emulator until cancelled (``incident-bot emulator``)."""
    emulator = SlackEmulator(config, workspace)
    await emulator.start()
    print(f"Slack emulator on {emulator.base_url} (Web API {emulator.api_url})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()
