"""Injected faults: a Web API method made to hang, before or after doing its work, so a test can
stop the app at an exact point between two steps (for instance to kill it there).

A request that hangs ``before`` never does its work: when the faults are changed (or the
emulator stops) it is answered ``request_timeout``. One that hangs ``after`` has done its work
and gets its normal answer then, if anyone is still listening.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Literal

from aiohttp import web

__all__ = ["FAULT_POINTS", "FaultPoint", "Faults"]

FaultPoint = Literal["before", "after"]
FAULT_POINTS: tuple[FaultPoint, ...] = ("before", "after")


class Faults:
    def __init__(self) -> None:
        self.points: dict[str, FaultPoint] = {}
        self.hits: Counter[str] = Counter()
        self._release = asyncio.Event()

    def replace(self, points: dict[str, FaultPoint]) -> None:
        """Set the whole fault map (empty: Slack behaves); every hung request is let go."""
        self.points = dict(points)
        self.release_all()

    def release_all(self) -> None:
        self._release.set()
        self._release = asyncio.Event()

    async def _hang(self) -> None:
        release = self._release  # this generation: a later change sets it
        await release.wait()

    async def around(self, method: str, work: Callable[[], web.Response]) -> web.Response:
        """Run ``work`` (the method's handling), hanging where a fault says."""
        point = self.points.get(method)
        if point is None:
            return work()
        self.hits[method] += 1
        if point == "before":
            await self._hang()
            return web.json_response({"ok": False, "error": "request_timeout"})
        response = work()
        await self._hang()
        return response
