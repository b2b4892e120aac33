"""Chunked lists (``?limit=N`` and ``?continue=TOKEN``), as the API server pages them: at most
``limit`` items, and while more remain a ``continue`` token and ``remainingItemCount`` in the
list's metadata. The token is opaque to clients; here it carries the resourceVersion of the
first page and where the next one starts. A token from an earlier version of the cluster is
still honoured (the API server would answer 410 once etcd compacted it; the emulator keeps
everything), and a malformed one is a 400."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from integrations.kube_emulator.status import bad_request

__all__ = ["page"]


def _decode(token: str) -> int:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token.encode()))
        start = int(raw["start"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise bad_request(f"continue key is not valid: {exc}") from exc
    if start < 0:
        raise bad_request("continue key is not valid: negative start")
    return start


def page(listed: dict[str, Any], limit: str | None, token: str | None) -> dict[str, Any]:
    """``listed`` (a ``...List``) cut to the page the query asks for."""
    start = _decode(token) if token else 0
    try:
        size = int(limit) if limit else 0
    except ValueError as exc:
        raise bad_request(f"limit must be a whole number: {limit}") from exc
    items = listed["items"][start:]
    if size > 0 and len(items) > size:
        rest = len(items) - size
        items = items[:size]
        version = listed["metadata"]["resourceVersion"]
        following = {"rv": version, "start": start + size}
        listed["metadata"]["continue"] = base64.urlsafe_b64encode(
            json.dumps(following).encode()
        ).decode()
        listed["metadata"]["remainingItemCount"] = rest
    listed["items"] = items
    return listed
