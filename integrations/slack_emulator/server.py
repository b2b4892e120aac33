"""The emulator's HTTP server and its lifecycle: the Web API under ``/api/``, Socket Mode at
``/link/``, response URLs under ``/response/``, file upload URLs under ``/upload/v1/``, the
control API under ``/emulator/api/`` and the console (the workspace in a browser) at ``/``, all
on one port of 127.0.0.1."""

from __future__ import annotations

import asyncio
from types import TracebackType

from aiohttp import web

from integrations.slack_emulator.config import EmulatorConfig
from integrations.slack_emulator.console import Console
from integrations.slack_emulator.console.guard import same_origin_posts
from integrations.slack_emulator.control import ControlApi
from integrations.slack_emulator.files import UPLOAD_PATH
from integrations.slack_emulator.people import PersonActions
from integrations.slack_emulator.ratelimit import RateLimiter
from integrations.slack_emulator.responses import ResponseUrls
from integrations.slack_emulator.socket_mode import SocketHub
from integrations.slack_emulator.state import WorkspaceState
from integrations.slack_emulator.web_api import WebApi
from integrations.slack_emulator.workspace import Workspace, load_workspace

__all__ = ["SlackEmulator", "serve_forever"]

MAX_REQUEST_BYTES = 64 * 1024 * 1024  # room for file uploads (aiohttp's default is 1 MB)


class SlackEmulator:
    def __init__(
        self, config: EmulatorConfig | None = None, workspace: Workspace | None = None
    ) -> None:
        self.config = config or EmulatorConfig()
        self.state = WorkspaceState(self.config, workspace or load_workspace())
        self.limiter = RateLimiter(self.config.rate_limits, enabled=self.config.rate_limits_enabled)
        self.hub = SocketHub(self.config)
        self.api = WebApi(self.state, self.limiter, lambda: self.base_url, self.hub.new_ticket)
        self.responses = ResponseUrls(self.state, lambda: self.base_url)
        self.people = PersonActions(self.state, self.hub, self.responses)
        self.control = ControlApi(
            self.state, self.hub, self.limiter, self.api, self.people, self.responses
        )
        self.console = Console(self.state)
        self.port = self.config.port
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """For ``AsyncWebClient(base_url=...)``: the trailing slash matters to slack_sdk."""
        return f"{self.base_url}/api/"

    @property
    def console_url(self) -> str:
        """The console's page, for a person's browser."""
        return f"{self.base_url}/"

    def _app(self) -> web.Application:
        app = web.Application(
            client_max_size=MAX_REQUEST_BYTES,
            # A browser may act only from the console's own page (see console/guard.py).
            middlewares=[same_origin_posts(self.config.host)],
        )
        app.router.add_route("*", "/api/{method}", self.api.handle)
        app.router.add_post(f"{UPLOAD_PATH}{{key}}", self.api.files.receive)
        app.router.add_get("/link/", self.hub.handle)
        app.router.add_get("/link", self.hub.handle)
        self.control.add_routes(app)
        self.console.add_routes(app)
        return app

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("the emulator is running already")
        runner = web.AppRunner(self._app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Close the websockets (clients see a normal close), then the server."""
        self.api.faults.release_all()  # a hung request would hold the server's shutdown up
        await self.hub.close()
        await self.console.close()  # its live streams would hold the shutdown up too
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def serve_forever(
    config: EmulatorConfig | None = None, workspace: Workspace | None = None
) -> None:
    """Run the emulator until cancelled (``incident-bot emulator``, ``python -m
    integrations.slack_emulator``)."""
    async with SlackEmulator(config, workspace) as emulator:
        print(
            f"Slack emulator on {emulator.base_url}\n"
            f"  Web API:     {emulator.api_url} (bot token {emulator.config.bot_token})\n"
            f"  Socket Mode: app token {emulator.config.app_token}\n"
            f"  Control API: {emulator.base_url}/emulator/api/\n"
            f"  Console:     {emulator.console_url}",
            flush=True,
        )
        await asyncio.Event().wait()
