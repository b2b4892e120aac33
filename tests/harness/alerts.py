"""Posting an alert as its source does: JSON, signed with the source's scheme."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from handlers.webhooks.auth import signed_headers

__all__ = ["post_signed"]


async def post_signed(
    base_url: str, source: str, payload: Any, secret: str
) -> tuple[int, dict[str, Any]]:
    """POST ``payload`` to ``<base_url>/webhooks/<source>`` signed with ``secret``; the status
    and the JSON answer."""
    body = json.dumps(payload).encode()
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base_url}/webhooks/{source}",
            data=body,
            headers=signed_headers(source, body, secret),
        ) as response,
    ):
        answer: dict[str, Any] = await response.json()
        return response.status, answer
