"""A Web API call's arguments, as Slack reads them: merged from the query string, a form body and
a JSON body (slack_sdk uses all three), unknown ones ignored, booleans as ``true``/``1``, and
structured values (``blocks``, ``metadata``, ``view``) either as JSON text or as JSON itself.
Bad values become Slack's error codes through ``SlackApiError``."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aiohttp import web

__all__ = ["Arguments", "SlackApiError", "decode_cursor", "encode_cursor", "read_arguments"]


class SlackApiError(Exception):
    """Answered as HTTP 200 ``{"ok": false, "error": code, **extra}``."""

    def __init__(self, code: str, **extra: Any) -> None:
        self.code = code
        self.extra = extra
        super().__init__(code)


async def read_arguments(request: web.Request) -> dict[str, Any]:
    """Query string, then the body (JSON or form) over it."""
    arguments: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return arguments
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise SlackApiError("invalid_json") from exc
        if not isinstance(body, dict):
            raise SlackApiError("invalid_json")
        arguments.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        arguments.update({key: value for key, value in form.items() if isinstance(value, str)})
    return arguments


def encode_cursor(offset: int) -> str:
    """Slack's cursors are opaque base64; ours hold an offset into the listing."""
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise SlackApiError("invalid_cursor") from exc
    if kind != "offset" or offset < 0:
        raise SlackApiError("invalid_cursor")
    return offset


class Arguments:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) is not None

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def optional(self, name: str) -> str | None:
        """The value, or None when absent or empty."""
        return self.text(name) or None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes")

    def integer(self, name: str, default: int, *, minimum: int = 1, maximum: int) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise SlackApiError("invalid_arguments") from exc
        # Slack clamps a limit into range rather than refusing it.
        return min(max(number, minimum), maximum)

    def timestamp(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise SlackApiError("invalid_ts_" + name) from exc

    def structured(self, name: str, error: str) -> Any:
        """A JSON-valued argument, sent as JSON text (form, query) or inline (JSON body)."""
        value = self.values.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise SlackApiError(error) from exc
        return value

    def id_list(self, name: str) -> list[str]:
        """A comma-separated list of ids (a JSON list is taken too)."""
        value = self.values.get(name)
        items = value if isinstance(value, list) else str(value or "").split(",")
        return [str(item).strip() for item in items if str(item).strip()]
