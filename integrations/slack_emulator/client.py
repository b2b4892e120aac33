"""A typed client for the emulator's control API: act as a person, see what a person sees, and
operate the emulator (rate limits, stats, disconnects). Answers are the API's JSON, typed."""

from __future__ import annotations

from types import TracebackType
from typing import Any, NotRequired, TypedDict

import aiohttp

__all__ = [
    "ActionResult",
    "ConfirmDialog",
    "EmulatorClient",
    "EmulatorError",
    "SeenResponse",
    "Stats",
]


class EmulatorError(RuntimeError):
    """The control API refused a request (a 4xx answer); ``code`` is its error."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class SeenResponse(TypedDict):
    """One thing the person saw: a message (with ``ts``), or an ack's reply."""

    text: str
    blocks: list[dict[str, Any]]
    ephemeral: bool
    ts: NotRequired[str | None]
    thread_ts: NotRequired[str | None]
    user: NotRequired[str]
    recipient: NotRequired[Any]
    metadata: NotRequired[dict[str, Any] | None]
    replaced: NotRequired[bool]  # the clicked message, replaced (replace_original)
    deleted: NotRequired[bool]  # the clicked message, deleted (delete_original)
    files: NotRequired[list[dict[str, Any]]]  # files shared with the message


class ConfirmDialog(TypedDict):
    title: str | None
    text: str | None
    confirm: str | None
    deny: str | None


class ActionResult(TypedDict):
    """A command's or a click's outcome; ``ok`` false with ``error`` ``dispatch_failed`` when
    no app is connected."""

    ok: bool
    error: NotRequired[str]
    acked: NotRequired[bool]
    ack_seconds: NotRequired[float]  # from the envelope's creation to the app's ack
    responses: NotRequired[list[SeenResponse]]
    confirm: NotRequired[ConfirmDialog | None]  # clicks only
    event_id: NotRequired[str]  # events only
    ts: NotRequired[str | None]  # events only: the posted mention or message


class Stats(TypedDict):
    ok: bool
    calls: dict[str, int]
    ratelimited: dict[str, int]
    redeliveries: int
    pending: int  # envelopes not yet acked nor given up
    pongs: int  # the clients' pongs to the server's pings
    connections: int
    envelopes_per_connection: list[int]  # per live connection, oldest first
    fault_hits: dict[str, int]


class EmulatorClient:
    """``async with EmulatorClient(emulator.base_url) as people: ...``; a given aiohttp session
    is used and left open, otherwise the client opens and closes its own."""

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
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._session is None:
            raise EmulatorError("use EmulatorClient as 'async with', or pass a session")
        url = f"{self.base_url}/emulator/api/{path}"
        async with self._session.request(method, url, **kwargs) as response:
            body = await response.json()
        if response.status >= 400:
            code = str(body.get("error", "")) if isinstance(body, dict) else ""
            raise EmulatorError(f"{path}: HTTP {response.status} {code}", code)
        return body

    async def channels(self) -> list[dict[str, Any]]:
        """Every channel: ``id, name, topic, purpose, members, created, creator, is_archived,
        is_private``."""
        body = await self._call("GET", "channels")
        channels: list[dict[str, Any]] = body["channels"]
        return channels

    async def channel_by_name(self, name: str) -> dict[str, Any] | None:
        name = name.removeprefix("#")
        return next((c for c in await self.channels() if c["name"] == name), None)

    async def messages(self, channel: str) -> list[dict[str, Any]]:
        """Everything in the channel (an id or a name), oldest first, thread replies and
        ephemeral messages too: ``ts, user, text, blocks, thread_ts, ephemeral, recipient,
        metadata``."""
        body = await self._call("GET", "messages", params={"channel": channel})
        messages: list[dict[str, Any]] = body["messages"]
        return messages

    async def files(self) -> list[dict[str, Any]]:
        """Every file the app asked to upload: ``id, name, title, length, size, mimetype,
        uploaded, completed, shares`` (channel id -> ``[{ts, thread_ts?...}]``)."""
        body = await self._call("GET", "files")
        files: list[dict[str, Any]] = body["files"]
        return files

    async def file_content(self, file_id: str) -> bytes:
        """The bytes the app uploaded for ``file_id``."""
        if self._session is None:
            raise EmulatorError("use EmulatorClient as 'async with', or pass a session")
        url = f"{self.base_url}/emulator/api/files/{file_id}"
        async with self._session.get(url) as response:
            if response.status >= 400:
                body = await response.json()
                code = str(body.get("error", ""))
                raise EmulatorError(f"files/{file_id}: HTTP {response.status} {code}", code)
            return await response.read()

    async def home(self, user: str) -> dict[str, Any] | None:
        """The App Home view last published for ``user``."""
        body = await self._call("GET", "home", params={"user": user})
        view: dict[str, Any] | None = body["view"]
        return view

    async def command(
        self,
        user: str,
        channel: str,
        command: str,
        text: str = "",
        wait_for: int = 1,
        timeout: float = 5.0,
    ) -> ActionResult:
        """Run a slash command as ``user`` in ``channel`` (an id or a name) and return what
        they saw: the ack's reply, ``respond()`` replies, ephemeral and channel messages."""
        result: ActionResult = await self._call(
            "POST",
            "command",
            json={
                "user": user,
                "channel": channel,
                "command": command,
                "text": text,
                "wait_for": wait_for,
                "timeout": timeout,
            },
        )
        return result

    async def click(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        wait_for: int = 1,
        timeout: float = 5.0,
        *,
        forged_value: str | None = None,
    ) -> ActionResult:
        """Click a button (confirming its dialog if it has one) and return what was seen.
        ``forged_value`` sends another value than the button's, as a tampered client or a
        forged delivery would (Slack itself never does): for security tests."""
        fields: dict[str, Any] = {
            "user": user,
            "channel": channel,
            "message_ts": message_ts,
            "action_id": action_id,
            "wait_for": wait_for,
            "timeout": timeout,
        }
        if forged_value is not None:
            fields["forged_value"] = forged_value
        result: ActionResult = await self._call("POST", "click", json=fields)
        return result

    async def event(
        self,
        event_type: str,
        user: str,
        channel: str | None = None,
        text: str | None = None,
        wait_for: int = 0,
        timeout: float = 5.0,
    ) -> ActionResult:
        """Cause an Events API event (``app_mention`` and ``message`` also post the text)."""
        fields: dict[str, Any] = {"type": event_type, "user": user, "wait_for": wait_for}
        fields["timeout"] = timeout
        if channel is not None:
            fields["channel"] = channel
        if text is not None:
            fields["text"] = text
        result: ActionResult = await self._call("POST", "event", json=fields)
        return result

    async def limits(self) -> dict[str, Any]:
        body: dict[str, Any] = await self._call("GET", "limits")
        return body

    async def set_limits(self, *, enabled: bool | None = None, **limits: Any) -> dict[str, Any]:
        """Change some rate limits (``RateLimits`` field names), or turn them on or off."""
        if enabled is not None:
            limits["enabled"] = enabled
        body: dict[str, Any] = await self._call("POST", "limits", json=limits)
        return body

    async def set_faults(self, **faults: str) -> dict[str, Any]:
        """Make Web API methods hang ``"before"`` or ``"after"`` doing their work, replacing
        any earlier faults (none: Slack behaves again). Method names are spelled with ``_`` for
        ``.``: ``set_faults(conversations_create="before")``."""
        points = {method.replace("_", "."): where for method, where in faults.items()}
        body: dict[str, Any] = await self._call("POST", "faults", json=points)
        return body

    async def stats(self) -> Stats:
        stats: Stats = await self._call("GET", "stats")
        return stats

    async def disconnect(self, reason: str = "refresh_requested") -> int:
        """Send ``disconnect`` to every open Socket Mode connection; returns how many."""
        body = await self._call("POST", "disconnect", json={"reason": reason})
        return int(body["connections"])
