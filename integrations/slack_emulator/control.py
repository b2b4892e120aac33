"""The control API under ``/emulator/api/`` (JSON), and the response URLs under ``/response/``.

Tests, the demo and outside tools use it to act as a person (run a command, click a button,
cause an event) and to see what a person sees (channels, messages with ephemeral ones and their
recipient, App Home views, uploaded files and their bytes); and to operate the emulator (rate
limits, stats, disconnects).
Refusals are ``{"ok": false, "error": code}`` with a 4xx status.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from integrations.slack_emulator.faults import FAULT_POINTS, FaultPoint
from integrations.slack_emulator.people import ActionError, PersonActions
from integrations.slack_emulator.ratelimit import RateLimiter
from integrations.slack_emulator.responses import ResponseUrls
from integrations.slack_emulator.socket_mode import SocketHub
from integrations.slack_emulator.state import WorkspaceState
from integrations.slack_emulator.web_api import WebApi

__all__ = ["ControlApi"]

Route = Callable[[web.Request], Awaitable[web.Response]]
MAX_TIMEOUT = 300.0


def _answers(route: Route) -> Route:
    """Turn an ``ActionError`` into the control API's refusal."""

    @functools.wraps(route)
    async def wrapper(request: web.Request) -> web.Response:
        try:
            return await route(request)
        except ActionError as refused:
            return web.json_response({"ok": False, "error": refused.code}, status=refused.status)

    return wrapper


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise ActionError(400, "invalid_json") from exc
    if not isinstance(body, dict):
        raise ActionError(400, "invalid_json")
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ActionError(400, f"missing_{name}")
    return value


def _waiting(body: dict[str, Any]) -> tuple[int, float]:
    """``wait_for`` responses (default 1) within ``timeout`` seconds (default 5)."""
    wait_for, timeout = body.get("wait_for", 1), body.get("timeout", 5.0)
    if isinstance(wait_for, bool) or not isinstance(wait_for, int) or wait_for < 0:
        raise ActionError(400, "invalid_wait_for")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise ActionError(400, "invalid_timeout")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise ActionError(400, "invalid_timeout")
    return wait_for, float(timeout)


class ControlApi:
    def __init__(
        self,
        state: WorkspaceState,
        hub: SocketHub,
        limiter: RateLimiter,
        web_api: WebApi,
        people: PersonActions,
        responses: ResponseUrls,
    ) -> None:
        self.state = state
        self.hub = hub
        self.limiter = limiter
        self.web_api = web_api
        self.people = people
        self.responses = responses

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_post("/response/{key}", self.response_url)
        router.add_get("/emulator/api/channels", self.channels)
        router.add_get("/emulator/api/messages", _answers(self.messages))
        router.add_get("/emulator/api/home", _answers(self.home))
        router.add_get("/emulator/api/files", self.files)
        router.add_get("/emulator/api/files/{file_id}", _answers(self.file_content))
        router.add_post("/emulator/api/command", _answers(self.command))
        router.add_post("/emulator/api/click", _answers(self.click))
        router.add_post("/emulator/api/event", _answers(self.event))
        router.add_get("/emulator/api/limits", self.limits)
        router.add_post("/emulator/api/limits", _answers(self.set_limits))
        router.add_get("/emulator/api/stats", self.stats)
        router.add_post("/emulator/api/disconnect", _answers(self.disconnect))
        router.add_get("/emulator/api/faults", self.faults)
        router.add_post("/emulator/api/faults", _answers(self.set_faults))

    async def response_url(self, request: web.Request) -> web.Response:
        try:
            body = await _body(request)
        except ActionError:
            return web.Response(status=400, text="invalid_payload")
        status, text = self.responses.use(request.match_info["key"], body)
        return web.Response(status=status, text=text)

    async def channels(self, _request: web.Request) -> web.Response:
        channels = [channel.to_control() for channel in self.state.channels.values()]
        return web.json_response({"ok": True, "channels": channels})

    async def messages(self, request: web.Request) -> web.Response:
        channel = self.state.channel(request.query.get("channel", ""))
        if channel is None:
            raise ActionError(404, "channel_not_found")
        messages = sorted(self.state.messages[channel.id], key=lambda m: float(m.ts))
        return web.json_response({"ok": True, "messages": [m.to_control() for m in messages]})

    async def files(self, _request: web.Request) -> web.Response:
        """Every file the app asked to upload, shared or not, oldest first."""
        files = [stored.to_control() for stored in self.state.files.values()]
        return web.json_response({"ok": True, "files": files})

    async def file_content(self, request: web.Request) -> web.Response:
        """An uploaded file's bytes, as the app sent them."""
        stored = self.state.files.get(request.match_info["file_id"])
        if stored is None:
            raise ActionError(404, "file_not_found")
        if stored.content is None:
            raise ActionError(409, "file_not_uploaded")
        return web.Response(body=stored.content, content_type=stored.mimetype)

    async def home(self, request: web.Request) -> web.Response:
        user = request.query.get("user", "")
        if user not in self.state.users:
            raise ActionError(404, "user_not_found")
        return web.json_response({"ok": True, "view": self.state.home_views.get(user)})

    async def command(self, request: web.Request) -> web.Response:
        body = await _body(request)
        wait_for, timeout = _waiting(body)
        text = body.get("text", "")
        answer = await self.people.command(
            _text(body, "user"),
            _text(body, "channel"),
            _text(body, "command"),
            text if isinstance(text, str) else str(text),
            wait_for,
            timeout,
        )
        return web.json_response(answer)

    async def click(self, request: web.Request) -> web.Response:
        body = await _body(request)
        wait_for, timeout = _waiting(body)
        forged = body.get("forged_value")
        answer = await self.people.click(
            _text(body, "user"),
            _text(body, "channel"),
            _text(body, "message_ts"),
            _text(body, "action_id"),
            wait_for,
            timeout,
            forged_value=forged if isinstance(forged, str) else None,
        )
        return web.json_response(answer)

    async def event(self, request: web.Request) -> web.Response:
        body = await _body(request)
        _wait_for, timeout = _waiting(body)
        channel, text = body.get("channel"), body.get("text")
        answer = await self.people.event(
            _text(body, "type"),
            _text(body, "user"),
            channel if isinstance(channel, str) and channel else None,
            text if isinstance(text, str) else None,
            # An event has no reply of its own: wait for responses only when asked to.
            int(body.get("wait_for") or 0),
            timeout,
        )
        return web.json_response(answer)

    def _limits(self) -> dict[str, Any]:
        return {
            "ok": True,
            "limits": self.limiter.limits.as_dict(),
            "enabled": self.limiter.enabled,
        }

    async def limits(self, _request: web.Request) -> web.Response:
        return web.json_response(self._limits())

    async def set_limits(self, request: web.Request) -> web.Response:
        changes = await _body(request)
        enabled = changes.pop("enabled", self.limiter.enabled)
        if not isinstance(enabled, bool):
            raise ActionError(400, "invalid_limits")
        try:
            limits = self.limiter.limits.updated(changes)
        except (TypeError, ValueError) as exc:
            return web.json_response(
                {"ok": False, "error": "invalid_limits", "detail": str(exc)}, status=400
            )
        self.limiter.reconfigure(limits, enabled=enabled)
        return web.json_response(self._limits())

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "calls": dict(self.web_api.calls),
                "ratelimited": dict(self.web_api.ratelimited),
                "redeliveries": self.hub.redeliveries,
                # envelopes waiting for an ack or a re-delivery; 0: every one is settled
                "pending": len(self.hub.pending),
                "pongs": self.hub.pongs,
                "connections": len(self.hub.live_connections),
                # Envelopes sent to each live connection (retries included), oldest first:
                # whether Socket Mode spread the work over several app processes.
                "envelopes_per_connection": [c.received for c in self.hub.live_connections],
                "fault_hits": dict(self.web_api.faults.hits),
            }
        )

    async def disconnect(self, request: web.Request) -> web.Response:
        body = await _body(request)
        reason = body.get("reason", "refresh_requested")
        if not isinstance(reason, str) or not reason:
            raise ActionError(400, "invalid_reason")
        told = await self.hub.disconnect_all(reason)
        return web.json_response({"ok": True, "connections": told})

    async def faults(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "faults": self.web_api.faults.points})

    async def set_faults(self, request: web.Request) -> web.Response:
        """Replace the fault map: ``{"conversations.create": "before", ...}``."""
        body = await _body(request)
        points: dict[str, FaultPoint] = {}
        for method, point in body.items():
            if method not in self.web_api.handlers:
                raise ActionError(400, "unknown_method")
            if point not in FAULT_POINTS:
                raise ActionError(400, "invalid_fault")
            points[method] = "before" if point == "before" else "after"
        self.web_api.faults.replace(points)
        return web.json_response({"ok": True, "faults": points})
