"""Only the console's own page may act through the emulator from a browser.

The control API runs commands and clicks as any person, and its POSTs read a JSON body whatever
the content type, so any web page open in the same browser could send one (a "simple" cross-site
request needs no preflight), or reach it under another name (DNS rebinding). A browser always
says where a request comes from: a POST whose ``Origin`` is not this emulator's own address is
refused. Tests and tools (no ``Origin`` header) are unaffected. And while the emulator listens on
a loopback address, a request naming another host (``Host: attacker.example``, what a rebound
name sends) is refused too, so a page elsewhere cannot read the workspace either.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = ["LOOPBACK_NAMES", "same_origin_posts"]

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def _ours(origin: str, request: web.Request, host: str) -> bool:
    parts = urlsplit(origin)
    if parts.scheme != "http" or parts.hostname is None:
        return False
    allowed = LOOPBACK_NAMES | {host}
    served = urlsplit(f"http://{request.host}")
    return parts.hostname in allowed and served.hostname in allowed and parts.port == served.port


def same_origin_posts(host: str) -> Middleware:
    """A middleware refusing a browser's POST from another origin (403, as JSON)."""

    loopback = host in LOOPBACK_NAMES

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if loopback and urlsplit(f"http://{request.host}").hostname not in LOOPBACK_NAMES:
            return web.json_response({"ok": False, "error": "unknown_host"}, status=403)
        origin = request.headers.get("Origin")
        if request.method == "POST" and origin is not None and not _ours(origin, request, host):
            return web.json_response({"ok": False, "error": "cross_origin_refused"}, status=403)
        return await handler(request)

    return guard
