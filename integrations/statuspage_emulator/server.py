"""A local Statuspage: the v1 routes the status-update executor uses, with Statuspage's JSON
shapes and its ``Authorization: OAuth <key>`` check, on 127.0.0.1.

Routes (developer.statuspage.io): ``GET /v1/pages/{page_id}/components`` and
``.../components/{component_id}``; ``GET .../incidents/unresolved``; ``POST .../incidents``
(``{"incident": {"name", "status", "body", "component_ids", "components": {id: status},
"deliver_notifications", "metadata"}}``, 201 with the incident); ``GET``, ``PATCH`` and
``DELETE .../incidents/{incident_id}``. An incident's components take the statuses it names;
resolving it without naming them sets them operational. Errors are ``{"error": "..."}`` with
401 (no or wrong key), 404 (unknown page, component or incident) and 422 (a bad body).

Every request is kept in :attr:`StatuspageEmulator.seen` (with its idempotency header, if
any), so tests see exactly what the bot sent; :meth:`StatuspageEmulator.fail` makes the next
requests to a path answer an error.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

__all__ = ["COMPONENT_STATUSES", "INCIDENT_STATUSES", "StatuspageEmulator", "StatuspageSeen"]

COMPONENT_STATUSES = frozenset(
    {"operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"}
)
INCIDENT_STATUSES = frozenset({"investigating", "identified", "monitoring", "resolved"})


@dataclass(frozen=True, slots=True)
class StatuspageSeen:
    method: str
    path: str
    authorization: str | None
    body: Any


@dataclass
class _Failure:
    pattern: re.Pattern[str]
    status: int
    remaining: int


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class StatuspageEmulator:
    """One page (``page_id``) with ``components`` (id → name), every one operational."""

    api_key: str
    page_id: str = "pg-demo"
    components: dict[str, str] = field(default_factory=lambda: {"cmp-api": "API"})
    seen: list[StatuspageSeen] = field(default_factory=list)
    _status: dict[str, str] = field(default_factory=dict)
    _incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    base_url: str = ""

    def __post_init__(self) -> None:
        self._status = dict.fromkeys(self.components, "operational")

    # --- for tests -----------------------------------------------------------------------

    def component_status(self, component_id: str) -> str:
        return self._status[component_id]

    def set_component_status(self, component_id: str, status: str) -> None:
        """Change a component's status as a person would in Statuspage's own page."""
        if status not in COMPONENT_STATUSES:
            raise ValueError(f"{status!r} is not a component status")
        self._status[component_id] = status

    def incidents(self) -> list[dict[str, Any]]:
        return [dict(incident) for incident in self._incidents.values()]

    def writes(self) -> list[StatuspageSeen]:
        return [seen for seen in self.seen if seen.method != "GET"]

    def fail(self, pattern: str, status: int = 500, *, times: int = 1) -> None:
        """The next ``times`` requests whose ``METHOD path`` matches ``pattern`` answer
        ``status``."""
        self._failures.append(_Failure(re.compile(pattern), status, times))

    # --- serving -------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(middlewares=[self._check])
        base = "/v1/pages/{page_id}"
        app.router.add_get(f"{base}/components", self._list_components)
        app.router.add_get(f"{base}/components/{{component_id}}", self._get_component)
        app.router.add_get(f"{base}/incidents/unresolved", self._unresolved)
        app.router.add_post(f"{base}/incidents", self._create)
        app.router.add_get(f"{base}/incidents/{{incident_id}}", self._get_incident)
        app.router.add_patch(f"{base}/incidents/{{incident_id}}", self._update)
        app.router.add_delete(f"{base}/incidents/{{incident_id}}", self._delete)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _check(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body: Any = None
        if request.body_exists:
            try:
                body = await request.json()
            except json.JSONDecodeError:
                return _error(400, "the body is not JSON")
        authorization = request.headers.get("Authorization")
        self.seen.append(StatuspageSeen(request.method, request.path, authorization, body))
        if authorization != f"OAuth {self.api_key}":
            return _error(401, "Could not authenticate")
        if request.match_info.get("page_id") != self.page_id:
            return _error(404, "The page could not be found")
        for failure in self._failures:
            if failure.remaining > 0 and failure.pattern.search(f"{request.method} {request.path}"):
                failure.remaining -= 1
                return _error(failure.status, "injected failure")
        answer: web.StreamResponse = await handler(request)
        return answer

    def _component(self, component_id: str) -> dict[str, Any]:
        return {
            "id": component_id,
            "page_id": self.page_id,
            "group_id": None,
            "name": self.components[component_id],
            "description": None,
            "position": list(self.components).index(component_id) + 1,
            "status": self._status[component_id],
            "showcase": True,
            "only_show_if_degraded": False,
            "group": False,
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": _now(),
        }

    async def _list_components(self, _request: web.Request) -> web.Response:
        return web.json_response([self._component(c) for c in self.components])

    async def _get_component(self, request: web.Request) -> web.Response:
        component_id = request.match_info["component_id"]
        if component_id not in self.components:
            return _error(404, "The component could not be found")
        return web.json_response(self._component(component_id))

    async def _unresolved(self, _request: web.Request) -> web.Response:
        found = [i for i in self._incidents.values() if i["status"] != "resolved"]
        return web.json_response(found)

    def _apply(self, incident: dict[str, Any], fields: dict[str, Any]) -> str | None:
        """Apply an incident body's fields; the reason when they are not acceptable."""
        status = fields.get("status", incident.get("status", "investigating"))
        components = fields.get("components") or {}
        if status not in INCIDENT_STATUSES:
            return f"status {status!r} is not an incident status"
        if not isinstance(components, dict):
            return "components must map component ids to statuses"
        for component_id, value in components.items():
            if component_id not in self.components:
                return f"component {component_id} does not exist"
            if value not in COMPONENT_STATUSES:
                return f"{value!r} is not a component status"
        ids = list(fields.get("component_ids") or incident.get("component_ids") or components)
        affected = []
        if status == "resolved" and not components:
            components = dict.fromkeys(ids, "operational")
        for component_id, value in components.items():
            affected.append(
                {
                    "code": component_id,
                    "name": self.components[component_id],
                    "old_status": self._status[component_id],
                    "new_status": value,
                }
            )
            self._status[component_id] = value
        now = _now()
        for key in ("name", "impact_override", "deliver_notifications", "metadata"):
            if key in fields:
                incident[key] = fields[key]
        incident.update(status=status, component_ids=ids, updated_at=now)
        incident["components"] = [self._component(c) for c in ids]
        if status == "resolved":
            incident["resolved_at"] = now
        update_id = f"upd{next(self._ids)}"
        incident.setdefault("incident_updates", []).insert(
            0,
            {
                "id": update_id,
                "incident_id": incident["id"],
                "status": status,
                "body": fields.get("body", ""),
                "affected_components": affected,
                "created_at": now,
                "display_at": now,
                "updated_at": now,
                "deliver_notifications": bool(fields.get("deliver_notifications", True)),
            },
        )
        return None

    async def _create(self, request: web.Request) -> web.Response:
        fields = (await _body(request)).get("incident")
        if not isinstance(fields, dict) or not fields.get("name"):
            return _error(422, "incident[name] is required")
        incident_id = f"inc{next(self._ids):05d}"
        now = _now()
        incident: dict[str, Any] = {
            "id": incident_id,
            "page_id": self.page_id,
            "name": fields["name"],
            "impact": "major",
            "created_at": now,
            "resolved_at": None,
            "shortlink": f"https://stspg.io/{incident_id}",
            "metadata": {},
        }
        problem = self._apply(incident, fields)
        if problem is not None:
            return _error(422, problem)
        self._incidents[incident_id] = incident
        return web.json_response(incident, status=201)

    async def _get_incident(self, request: web.Request) -> web.Response:
        incident = self._incidents.get(request.match_info["incident_id"])
        if incident is None:
            return _error(404, "The incident could not be found")
        return web.json_response(incident)

    async def _update(self, request: web.Request) -> web.Response:
        incident = self._incidents.get(request.match_info["incident_id"])
        fields = (await _body(request)).get("incident")
        if incident is None:
            return _error(404, "The incident could not be found")
        if not isinstance(fields, dict):
            return _error(422, "incident is required")
        problem = self._apply(incident, fields)
        if problem is not None:
            return _error(422, problem)
        return web.json_response(incident)

    async def _delete(self, request: web.Request) -> web.Response:
        incident = self._incidents.pop(request.match_info["incident_id"], None)
        if incident is None:
            return _error(404, "The incident could not be found")
        return web.json_response(incident)


async def _body(request: web.Request) -> dict[str, Any]:
    """The JSON body (the middleware checked it parses; aiohttp keeps it for a second read)."""
    if not request.body_exists:
        return {}
    body = await request.json()
    return body if isinstance(body, dict) else {}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
