"""A typed client for the emulator's control API: act as a person, see what a person sees."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import aiohttp

__all__ = ["EmulatorClient", "EmulatorError"]


class EmulatorError(RuntimeError):
    """The control API refused a request."""


class EmulatorClient:
    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> EmulatorClient:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if self._session is None:
            raise EmulatorError("use EmulatorClient as 'async with'")
        async with self._session.request(method, f"{self.base_url}{path}", **kwargs) as response:
            body: dict[str, Any] = await response.json()
        if response.status >= 400:
            raise EmulatorError(f"{path}: {response.status} {body.get('error')}")
        return body

    async def channels(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", "/emulator/api/channels"))["channels"])

    async def channel_by_name(self, name: str) -> dict[str, Any] | None:
        return next((c for c in await self.channels() if c["name"] == name), None)

    async def messages(self, channel: str) -> list[dict[str, Any]]:
        body = await self._call("GET", "/emulator/api/messages", params={"channel": channel})
        return list(body["messages"])

    async def command(
        self,
        user: str,
        channel: str,
        command: str,
        text: str = "",
        *,
        wait_for: int = 1,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        return await self._call(
            "POST",
            "/emulator/api/command",
            json={
                "user": user,
                "channel": channel,
                "command": command,
                "text": text,
                "wait_for": wait_for,
                "timeout": timeout,
            },
        )

    async def click(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        *,
        wait_for: int = 1,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        return await self._call(
            "POST",
            "/emulator/api/click",
            json={
                "user": user,
                "channel": channel,
                "message_ts": message_ts,
                "action_id": action_id,
                "wait_for": wait_for,
                "timeout": timeout,
            },
        )

    async def event(self, event_type: str, user: str, **fields: Any) -> dict[str, Any]:
        return await self._call(
            "POST", "/emulator/api/event", json={"type": event_type, "user": user, **fields}
        )

    async def set_limits(self, **limits: Any) -> dict[str, Any]:
        return await self._call("POST", "/emulator/api/limits", json=limits)

    async def stats(self) -> dict[str, Any]:
        return await self._call("GET", "/emulator/api/stats")

    async def disconnect(self, reason: str = "refresh_requested") -> dict[str, Any]:
        return await self._call("POST", "/emulator/api/disconnect", json={"reason": reason})
