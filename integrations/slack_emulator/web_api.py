"""The Web API under ``/api/<method>``: authentication, rate limits and dispatch to the method
groups (conversations, chat, directory, files), with Slack's answers.

Errors are HTTP 200 with ``ok: false``; a rate limit is HTTP 429 with ``Retry-After``.
apps.connections.open takes the app-level token, every other method the bot token.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from integrations.slack_emulator.arguments import Arguments, SlackApiError, read_arguments
from integrations.slack_emulator.chat import ChatMethods
from integrations.slack_emulator.conversations import ConversationMethods
from integrations.slack_emulator.directory import DirectoryMethods
from integrations.slack_emulator.faults import Faults
from integrations.slack_emulator.files import FileMethods
from integrations.slack_emulator.methods import Handler
from integrations.slack_emulator.ratelimit import RateLimiter
from integrations.slack_emulator.state import WorkspaceState

__all__ = ["WebApi"]

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


def _failure(code: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error": code, **extra})


class WebApi:
    def __init__(
        self,
        state: WorkspaceState,
        limiter: RateLimiter,
        base_url: Callable[[], str],
        new_ticket: Callable[[], str],
    ) -> None:
        self.state = state
        self.config = state.config
        self.limiter = limiter
        self.base_url = base_url
        self.new_ticket = new_ticket
        self.calls: Counter[str] = Counter()
        self.ratelimited: Counter[str] = Counter()
        self.faults = Faults()
        self.files = FileMethods(state, base_url)
        self.handlers: dict[str, Handler] = {
            "auth.test": self.auth_test,
            "apps.connections.open": self.connections_open,
        }
        for group in (
            ConversationMethods(state),
            ChatMethods(state),
            DirectoryMethods(state),
            self.files,
        ):
            self.handlers.update(group.handlers())

    def _token_error(self, method: str, token: str) -> str | None:
        if not token:
            return "not_authed"
        kinds = {self.config.bot_token: "bot", self.config.app_token: "app"}
        kind = kinds.get(token)
        if kind is None:
            return "invalid_auth"
        wanted = "app" if method in APP_TOKEN_METHODS else "bot"
        return None if kind == wanted else "not_allowed_token_type"

    def _rate_key(self, arguments: Arguments) -> str | None:
        """The channel a call posts to, by id, for chat.postMessage's per-channel bucket."""
        value = arguments.text("channel")
        channel = self.state.channel(value) if value else None
        return channel.id if channel else value or None

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            arguments = Arguments(await read_arguments(request))
        except SlackApiError as exc:
            return _failure(exc.code)
        handler = self.handlers.get(method)
        if handler is None:
            return _failure("unknown_method", req_method=method)
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        token = credentials.strip() if scheme.lower() == "bearer" else arguments.text("token")
        error = self._token_error(method, token)
        if error is not None:
            return _failure(error)
        self.calls[method] += 1
        wait = self.limiter.check(method, self._rate_key(arguments))
        if wait is not None:
            self.ratelimited[method] += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(wait)},
            )

        def work() -> web.Response:
            try:
                body = handler(arguments)
            except SlackApiError as exc:
                return _failure(exc.code, **exc.extra)
            return web.json_response({"ok": True, **body})

        return await self.faults.around(method, work)

    def auth_test(self, _arguments: Arguments) -> dict[str, Any]:
        config = self.config
        return {
            "url": f"https://{config.team_domain}.slack.com/",
            "team": config.team_domain,
            "user": config.bot_name,
            "team_id": config.team_id,
            "user_id": config.bot_user_id,
            "bot_id": config.bot_id,
            "is_enterprise_install": False,
        }

    def connections_open(self, _arguments: Arguments) -> dict[str, Any]:
        # A fresh one-time URL on every call: the SDK calls this again on each reconnect.
        ws_base = self.base_url().replace("http://", "ws://", 1)
        return {"url": f"{ws_base}/link/?ticket={self.new_ticket()}&app_id={self.config.app_id}"}
