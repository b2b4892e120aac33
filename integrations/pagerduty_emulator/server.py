"""A local PagerDuty on 127.0.0.1 speaking the two APIs the bot uses, as PagerDuty documents
them (developer.pagerduty.com):

- **Events API v2**: ``POST /v2/enqueue`` with ``routing_key`` (the service integration's
  32-character key), ``event_action`` (``trigger``, ``acknowledge``, ``resolve``), ``dedup_key``
  and, for a trigger, ``payload.summary``, ``payload.source`` and ``payload.severity``
  (``critical``, ``error``, ``warning``, ``info``). Answers ``202 {"status": "success",
  "message": "Event processed", "dedup_key": ...}``; an invalid event is ``400 {"status":
  "invalid event", "message": "Event object is invalid", "errors": [...]}``. No
  ``Authorization`` header: the routing key is the credential.
- **REST API v2**: ``Authorization: Token token=<key>`` on every call (401, code 2006,
  without one); writes need a ``From:`` header naming a user of the account (400, code 2016,
  without one) and a key that is not read-only (403). ``GET /incidents/{id}``, ``PUT
  /incidents/{id}`` with ``{"incident": {"type": "incident_reference", "status":
  "acknowledged" | "resolved"}}``, ``GET`` and ``POST /incidents/{id}/notes`` with ``{"note":
  {"content": ...}}`` (201). Errors are ``{"error": {"message", "code", "errors"}}``.

Both APIs share one port here (PagerDuty serves them from two hosts); a test can make the next
calls to a route fail (:meth:`PagerDutyEmulator.fail_next`).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from integrations.local_server import LocalServer
from integrations.pagerduty_emulator.state import EmulatedIncident, PagerDutyState, User

__all__ = ["PagerDutyEmulator"]

SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")
MAX_EVENT_BYTES = 512 * 1024
FROM_REQUIRED = (
    'You must specify a user\'s email address in the "From" header to perform this action'
)


def _rest_error(status: int, message: str, code: int, *errors: str) -> web.Response:
    body = {"error": {"message": message, "code": code, "errors": list(errors)}}
    return web.json_response(body, status=status)


def _invalid_event(*errors: str) -> web.Response:
    body = {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)}
    return web.json_response(body, status=400)


def _event_errors(event: Any) -> list[str]:
    if not isinstance(event, dict):
        return ["Event object is not a JSON object"]
    errors = []
    routing_key = event.get("routing_key")
    if not isinstance(routing_key, str) or len(routing_key) != 32:
        errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
    if event.get("event_action") not in ACTIONS:
        errors.append("'event_action' is invalid (must be one of trigger, acknowledge, resolve)")
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or len(dedup_key) > 255):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if event.get("event_action") in ("acknowledge", "resolve") and not dedup_key:
        errors.append("'dedup_key' is missing or blank")
    if event.get("event_action") == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            return [*errors, "'payload' is missing or not an object"]
        for name in ("summary", "source"):
            if not isinstance(payload.get(name), str) or not payload[name].strip():
                errors.append(f"'payload.{name}' is missing or blank")
        if isinstance(payload.get("summary"), str) and len(payload["summary"]) > 1024:
            errors.append("'payload.summary' is too long (at most 1024 characters)")
        if payload.get("severity") not in SEVERITIES:
            errors.append("'payload.severity' is invalid (critical, error, warning or info)")
    return errors


class PagerDutyEmulator(LocalServer):
    """``async with PagerDutyEmulator() as pd: ...``; ``pd.base_url`` is both the REST API's
    and the Events API's base URL; ``pd.state`` holds the account (add services, users and
    tokens to it before the calls)."""

    max_body_bytes = MAX_EVENT_BYTES

    def __init__(
        self, state: PagerDutyState | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__(host=host, port=port)
        self.state = state or PagerDutyState()

    def _fault(self, route: str) -> web.Response | None:
        """The injected failure of ``route`` ("enqueue", "get_incident", "put_incident",
        "list_notes", "add_note"), as PagerDuty words a server error; None for none."""
        status = self.injected(route)
        if status is None:
            return None
        return _rest_error(status, "Internal Server Error", 2000, "injected")

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/enqueue", self._enqueue)
        app.router.add_get("/incidents", self._list_incidents)
        app.router.add_get("/incidents/{id}", self._get_incident)
        app.router.add_put("/incidents/{id}", self._put_incident)
        app.router.add_get("/incidents/{id}/notes", self._list_notes)
        app.router.add_post("/incidents/{id}/notes", self._add_note)

    # Events API v2

    async def _enqueue(self, request: web.Request) -> web.Response:
        if (failed := self._fault("enqueue")) is not None:
            return failed
        try:
            event = json.loads(await request.read())
        except ValueError:
            return _invalid_event("Event object is not valid JSON")
        if errors := _event_errors(event):
            return _invalid_event(*errors)
        service = self.state.service_by_key(event["routing_key"])
        if service is None:
            return _invalid_event("Invalid routing key")
        dedup_key = self.state.apply_event(event, service)
        body = {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
        return web.json_response(body, status=202)

    # REST API v2

    def _refusal(self, request: web.Request, *, write: bool) -> web.Response | None:
        """401 without a valid key; for a write, 403 for a read-only key and 400 without a
        ``From`` naming a user."""
        header = request.headers.get("Authorization", "")
        value = header.removeprefix("Token token=") if header.startswith("Token token=") else ""
        token = self.state.tokens.get(value)
        if token is None:
            return _rest_error(401, "Authentication failed", 2006)
        if not write:
            return None
        if token.read_only:
            return _rest_error(403, "Access Denied", 2010, "The API key is read-only")
        sender = request.headers.get("From", "").strip()
        if not sender:
            return _rest_error(400, FROM_REQUIRED, 2016)
        if self.state.user_by_email(sender) is None:
            return _rest_error(400, "Requester User Not Found", 1008)
        return None

    def _incident(self, request: web.Request) -> EmulatedIncident | web.Response:
        found = self.state.incidents.get(request.match_info["id"])
        if found is None:
            return _rest_error(404, "Not Found", 2100, "Incident Not Found")
        return found

    def _writer(self, request: web.Request) -> User:
        user = self.state.user_by_email(request.headers["From"].strip())
        assert user is not None  # checked by _refusal
        self.state.writes.append((request.method, request.path, user.email))
        return user

    async def _body(self, request: web.Request) -> dict[str, Any] | web.Response:
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _rest_error(400, "Invalid Input Provided", 2001, "Malformed JSON")
        if not isinstance(body, dict):
            return _rest_error(400, "Invalid Input Provided", 2001, "Expected a JSON object")
        return body

    async def _list_incidents(self, request: web.Request) -> web.Response:
        """``GET /incidents?incident_key=...``: the incidents whose alert has that dedup key
        (PagerDuty's list filter), as a classic paginated list."""
        if (refused := self._refusal(request, write=False)) is not None:
            return refused
        if (failed := self._fault("list_incidents")) is not None:
            return failed
        key = request.query.get("incident_key")
        found = [
            incident.as_json(self.base_url)
            for incident in self.state.incidents.values()
            if key is None or any(alert.dedup_key == key for alert in incident.alerts)
        ]
        body = {"incidents": found, "limit": 25, "offset": 0, "more": False, "total": None}
        return web.json_response(body)

    async def _get_incident(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request, write=False)) is not None:
            return refused
        if (failed := self._fault("get_incident")) is not None:
            return failed
        incident = self._incident(request)
        if isinstance(incident, web.Response):
            return incident
        return web.json_response({"incident": incident.as_json(self.base_url)})

    async def _put_incident(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request, write=True)) is not None:
            return refused
        if (failed := self._fault("put_incident")) is not None:
            return failed
        incident = self._incident(request)
        if isinstance(incident, web.Response):
            return incident
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        wanted = body.get("incident")
        if not isinstance(wanted, dict) or wanted.get("type") not in (
            "incident",
            "incident_reference",
        ):
            return _rest_error(400, "Invalid Input Provided", 2001, "incident type is invalid")
        status = wanted.get("status")
        if status not in ("acknowledged", "resolved", None):
            return _rest_error(400, "Invalid Status Provided", 1003)
        user = self._writer(request)
        if status == "acknowledged":
            if incident.status == "resolved":
                return _rest_error(400, "Incident Already Resolved", 1001)
            incident.status = "acknowledged"
            incident.acknowledged_by.append(user.id)
        elif status == "resolved" and incident.status != "resolved":
            incident.status = "resolved"
            incident.resolved_by = user.id
            for alert in incident.alerts:
                alert.status = "resolved"
        return web.json_response({"incident": incident.as_json(self.base_url)})

    async def _list_notes(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request, write=False)) is not None:
            return refused
        if (failed := self._fault("list_notes")) is not None:
            return failed
        incident = self._incident(request)
        if isinstance(incident, web.Response):
            return incident
        return web.json_response({"notes": [self._note(n) for n in incident.notes]})

    async def _add_note(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request, write=True)) is not None:
            return refused
        if (failed := self._fault("add_note")) is not None:
            return failed
        incident = self._incident(request)
        if isinstance(incident, web.Response):
            return incident
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        note = body.get("note")
        content = note.get("content") if isinstance(note, dict) else None
        if not isinstance(content, str) or not content.strip():
            return _rest_error(400, "Invalid Input Provided", 2001, "Content cannot be empty")
        if len(content) > 25_000:
            return _rest_error(400, "Invalid Input Provided", 2001, "Content is too long")
        added = self.state.add_note(incident, self._writer(request), content)
        return web.json_response({"note": self._note(added)}, status=201)

    def _note(self, note: Any) -> dict[str, Any]:
        return {
            "id": note.id,
            "user": {
                "id": note.user.id,
                "type": "user_reference",
                "summary": note.user.name,
                "self": f"{self.base_url}/users/{note.user.id}",
            },
            "channel": {"summary": "The PagerDuty website or APIs"},
            "content": note.content,
            "created_at": note.created_at,
        }
