"""The lifecycle the vendor stand-ins share (the flag services, PagerDuty): one aiohttp
application on a port of 127.0.0.1, ``async with`` to run it, and the next calls of a route made
to fail when a test asks."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web

__all__ = ["LocalServer"]


@dataclass(slots=True)
class _Fault:
    route: str
    status: int
    times: int


class LocalServer:
    """Subclasses add their routes in :meth:`routes`; ``max_body_bytes`` is the largest
    request body the application reads (aiohttp's default when None)."""

    max_body_bytes: int | None = None

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._faults: list[_Fault] = []

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def fail_next(self, route: str, status: int, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``route`` with ``status``, changing nothing."""
        self._faults.append(_Fault(route, status, times))

    def injected(self, route: str) -> int | None:
        for fault in self._faults:
            if fault.route == route and fault.times > 0:
                fault.times -= 1
                return fault.status
        return None

    async def start(self) -> Self:
        if self.max_body_bytes is None:
            app = web.Application()
        else:
            app = web.Application(client_max_size=self.max_body_bytes)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
