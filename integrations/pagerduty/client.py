"""PagerDuty's REST API v2 and Events API v2 over aiohttp: the core's
:class:`~bot.pager.ports.PagerDutyIncidents` and :class:`~bot.pager.ports.PagerDutyEvents`.

Why not PagerDuty's own ``pagerduty`` package: it is synchronous (on ``httpx2``), so every call
would hold a worker thread, and its client re-sends a request after a transport error, including
a read timeout after the request left. A note (``POST /incidents/{id}/notes``) is not
idempotent, and the bot must know whether a write may have reached PagerDuty (``sent``) rather
than have it repeated out of sight. The five calls used here are small, documented JSON
requests; aiohttp is already the bot's HTTP client. Nothing is retried here: the write-back
records each attempt and decides (bot.pager.flows), and an Events API v2 trigger is safe to
send again under its ``dedup_key``.

Every failure becomes :class:`~bot.errors.PagerError` with PagerDuty's status and error code.
Tokens and routing keys never appear in an error or a log line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import urlencode

import aiohttp

from bot.errors import PagerError
from bot.pager.ports import OwnerPage

__all__ = ["PagerDutyClient"]

REST_ACCEPT = "application/vnd.pagerduty+json;version=2"
ALREADY_RESOLVED = 1001  # PagerDuty's code for acknowledging a resolved incident


def _error_of(status: int, body: Any) -> tuple[str, str | None]:
    """PagerDuty's REST ``{"error": {"message", "code", "errors"}}`` or the Events API's
    ``{"status", "message", "errors"}``, as (reason, code)."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        details = [str(one) for one in error.get("errors") or []]
        reason = str(error.get("message") or f"HTTP {status}")
        if details:
            reason += f" ({'; '.join(details)})"
        code = error.get("code")
        return reason, None if code is None else str(code)
    if isinstance(body, dict) and body.get("message"):
        details = [str(one) for one in body.get("errors") or []]
        reason = str(body["message"]) + (f" ({'; '.join(details)})" if details else "")
        return reason, None
    return f"HTTP {status}", None


class PagerDutyClient:
    """``api_url`` is ``https://api.pagerduty.com`` (REST), ``events_url``
    ``https://events.pagerduty.com`` (Events API v2); the tests point both at the stand-in.
    ``token`` is a REST API key and ``from_email`` the PagerDuty user the writes are made as
    (PagerDuty requires ``From:`` on writes with an account key)."""

    def __init__(
        self,
        *,
        api_url: str = "https://api.pagerduty.com",
        events_url: str = "https://events.pagerduty.com",
        token: str | None = None,
        from_email: str | None = None,
        timeout: float = 10.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._api_url = api_url.rstrip("/")
        self._events_url = events_url.rstrip("/")
        self._token = token
        self._from = from_email
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._owns_session = session is None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._owns_session = True
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()

    async def _send(
        self, call: str, method: str, url: str, *, headers: dict[str, str], body: Any = None
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body)
        try:
            async with self._http().request(
                method, url, headers=headers, data=data, timeout=self._timeout
            ) as response:
                text = await response.text()
                status = response.status
        except TimeoutError as exc:
            raise PagerError("PagerDuty", call, "no answer in time", sent=True) from exc
        except aiohttp.ClientConnectorError as exc:  # no connection: nothing was sent
            raise PagerError("PagerDuty", call, "unreachable", sent=False) from exc
        except aiohttp.ClientError as exc:  # the request may have left before the failure
            raise PagerError("PagerDuty", call, f"failed ({type(exc).__name__})") from exc
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return status, parsed

    def _rest_headers(self, *, write: bool) -> dict[str, str]:
        if self._token is None:
            raise PagerError("PagerDuty", "REST API", "no PAGERDUTY_API_TOKEN set", sent=False)
        headers = {
            "Accept": REST_ACCEPT,
            "Authorization": f"Token token={self._token}",
            "Content-Type": "application/json",
        }
        if write:
            if not self._from:
                raise PagerError(
                    "PagerDuty", "REST API", "no PAGERDUTY_FROM_EMAIL set for writes", sent=False
                )
            headers["From"] = self._from
        return headers

    async def _rest(
        self, call: str, method: str, path: str, *, body: Any = None, ok: tuple[int, ...] = (200,)
    ) -> Any:
        headers = self._rest_headers(write=method != "GET")
        status, parsed = await self._send(
            call, method, f"{self._api_url}{path}", headers=headers, body=body
        )
        if status not in ok:
            reason, code = _error_of(status, parsed)
            raise PagerError("PagerDuty", call, reason, status=status, code=code)
        return parsed

    async def status(self, incident_id: str) -> str:
        body = await self._rest("GET incident", "GET", f"/incidents/{incident_id}")
        return str(body["incident"]["status"])

    async def incidents_for(self, dedup_key: str) -> Sequence[tuple[str, int, str]]:
        """(id, number, status) of the incidents whose alert carries ``dedup_key``."""
        body = await self._rest(
            "GET incidents", "GET", "/incidents?" + urlencode({"incident_key": dedup_key})
        )
        return [
            (str(one["id"]), int(one.get("incident_number") or 0), str(one["status"]))
            for one in body.get("incidents", [])
        ]

    @property
    def can_read(self) -> bool:
        """True when a REST API key is configured (the Events API needs none)."""
        return self._token is not None

    async def notes(self, incident_id: str) -> Sequence[str]:
        body = await self._rest("GET notes", "GET", f"/incidents/{incident_id}/notes")
        return [str(note.get("content", "")) for note in body.get("notes", [])]

    async def add_note(self, incident_id: str, content: str) -> str:
        body = await self._rest(
            "POST note",
            "POST",
            f"/incidents/{incident_id}/notes",
            body={"note": {"content": content}},
            ok=(200, 201),
        )
        return str(body["note"]["id"])

    async def set_status(
        self, incident_id: str, status: Literal["acknowledged", "resolved"]
    ) -> str:
        body = {"incident": {"type": "incident_reference", "status": status}}
        try:
            answer = await self._rest(
                f"PUT incident ({status})", "PUT", f"/incidents/{incident_id}", body=body
            )
        except PagerError as exc:
            if exc.code == str(ALREADY_RESOLVED):
                return "resolved"  # resolved in PagerDuty already: nothing left to acknowledge
            raise
        return str(answer["incident"]["status"])

    async def trigger(self, page: OwnerPage) -> str:
        event: dict[str, Any] = {
            "routing_key": page.routing_key,
            "event_action": "trigger",
            "dedup_key": page.dedup_key,
            "payload": {
                "summary": page.summary[:1024],
                "source": page.source,
                "severity": page.severity,
                "custom_details": dict(page.details or {}),
            },
            "client": "incident-bot",
            "links": [{"text": text, "href": href} for text, href in page.links],
        }
        status, parsed = await self._send(
            "Events API trigger",
            "POST",
            f"{self._events_url}/v2/enqueue",
            headers={"Content-Type": "application/json"},
            body=event,
        )
        if status != 202:
            reason, code = _error_of(status, parsed)
            raise PagerError("PagerDuty", "Events API trigger", reason, status=status, code=code)
        return str(parsed.get("dedup_key") or page.dedup_key)
