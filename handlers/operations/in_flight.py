"""Requests being handled, so that shutdown can wait for them.

aiohttp's own graceful shutdown (``AppRunner.cleanup``) stops reading from every connection at
once, so a webhook whose body is still arriving is cut and its source never hears back. The
bot instead closes the listener, waits here until the requests already started have answered
(bounded by the grace period), and only then lets aiohttp close the connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

__all__ = ["InFlightRequests"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class InFlightRequests:
    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False

    @property
    def count(self) -> int:
        return self._count

    def middleware(self) -> Middleware:
        @web.middleware
        async def track(request: web.Request, handler: Handler) -> web.StreamResponse:
            self._count += 1
            self._idle.clear()
            try:
                response = await handler(request)
                if self._closing:
                    # A keep-alive client must not go on sending on a connection being closed.
                    response.force_close()
                return response
            finally:
                self._count -= 1
                if self._count == 0:
                    self._idle.set()

        return track

    async def drain(self, *, timeout: float) -> bool:
        """Wait until no request is being handled, for up to ``timeout`` seconds; True when
        none is left. Requests answered from now on close their connection."""
        self._closing = True
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True
