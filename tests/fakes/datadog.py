"""A fake Datadog API on 127.0.0.1 for datadog-api-client to talk to, unchanged.

It answers the endpoints the bot reads with the shapes of Datadog's API reference (and of the
SDK's models, which deserialize them strictly): ``GET /api/v1/query``,
``POST /api/v2/logs/events/search``, ``GET /api/v1/monitor/{id}`` and ``GET /api/v1/events``.
It checks ``DD-API-KEY`` and ``DD-APPLICATION-KEY`` as Datadog does (a missing key is a 401, a
wrong one a 403 with ``{"errors": ["Forbidden"]}``), records every request, and can be told to
fail an endpoint: any status with headers (429 with ``X-RateLimit-*``, 5xx...) or a hang that
lasts until the server stops.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from aiohttp import web

__all__ = [
    "HANG",
    "FakeDatadog",
    "Fault",
    "RecordedRequest",
    "event",
    "log_event",
    "monitor",
    "rate_limited",
]

HANG: Literal["hang"] = "hang"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Fault:
    """Answer an endpoint with this status, headers and Datadog's error body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()


def rate_limited(reset_seconds: int, *, name: str = "logs_list") -> Fault:
    """A 429 with the headers Datadog documents for rate limits."""
    return Fault(
        429,
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Period": "3600",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset_seconds),
            "X-RateLimit-Name": name,
        },
        ("Too many requests",),
    )


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any


class FakeDatadog:
    """One fake Datadog organisation. Seed ``series``, ``logs``, ``monitors`` and ``events``;
    set ``faults[path]`` to make an endpoint fail (``FakeDatadog.QUERY``, ``.LOGS``,
    ``.MONITOR``, ``.EVENTS``)."""

    QUERY = "/api/v1/query"
    LOGS = "/api/v2/logs/events/search"
    MONITOR = "/api/v1/monitor/{monitor_id}"
    EVENTS = "/api/v1/events"

    def __init__(self, *, api_key: str = "fake-api-key", app_key: str = "fake-app-key") -> None:
        self.api_key = api_key
        self.app_key = app_key
        # metric query string (as the bot sends it) -> series objects of the v1 query answer
        self.series: dict[str, list[dict[str, Any]]] = {}
        # log search query string -> Log objects of the v2 search answer (any order)
        self.logs: dict[str, list[dict[str, Any]]] = {}
        self.monitors: dict[int, dict[str, Any]] = {}
        # Event objects of the v1 event stream (any order)
        self.events: list[dict[str, Any]] = []
        self.faults: dict[str, Fault | Literal["hang"]] = {}
        self.requests: list[RecordedRequest] = []
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> FakeDatadog:
        app = web.Application(middlewares=[self._record, self._authenticate, self._fail])
        app.router.add_get(self.QUERY, self._query)
        app.router.add_post(self.LOGS, self._search_logs)
        app.router.add_get(self.MONITOR, self._monitor)
        app.router.add_get(self.EVENTS, self._list_events)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        self._release.set()  # let hanging handlers finish so the server can stop
        if self._runner is not None:
            await self._runner.cleanup()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path.startswith(path)]

    # -- middlewares: record, authenticate, inject faults ---------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        self.requests.append(
            RecordedRequest(request.method, request.path, dict(request.query), body)
        )
        return await handler(request)

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        api_key = request.headers.get("DD-API-KEY")
        app_key = request.headers.get("DD-APPLICATION-KEY")
        if not api_key or not app_key:
            return _errors(401, "Unauthorized")
        if api_key != self.api_key or app_key != self.app_key:
            return web.json_response(
                {"status": "error", "code": 403, "errors": ["Forbidden"]}, status=403
            )
        return await handler(request)

    @web.middleware
    async def _fail(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.resource
        fault = self.faults.get(route.canonical if route is not None else request.path)
        if fault == HANG:
            await self._release.wait()
            return _errors(504, "Gateway Timeout")
        if isinstance(fault, Fault):
            response = _errors(fault.status, *fault.errors)
            response.headers.update(fault.headers)
            return response
        return await handler(request)

    # -- endpoints ------------------------------------------------------------------------

    async def _query(self, request: web.Request) -> web.Response:
        """``GET /api/v1/query?from=&to=&query=``: seconds in, milliseconds out."""
        start, end = int(request.query["from"]), int(request.query["to"])
        query = request.query["query"]
        series = []
        for index, one in enumerate(self.series.get(query, [])):
            points = [p for p in one["pointlist"] if start * 1000 <= p[0] <= end * 1000]
            series.append(
                {
                    "aggr": one.get("aggr", "sum"),
                    "display_name": one.get("display_name", one["metric"]),
                    "end": points[-1][0] if points else end * 1000,
                    "expression": one.get("expression", query),
                    "interval": one.get("interval", 60),
                    "length": len(points),
                    "metric": one["metric"],
                    "pointlist": points,
                    "query_index": index,
                    "scope": one.get("scope", "*"),
                    "start": points[0][0] if points else start * 1000,
                    "tag_set": one.get("tag_set", []),
                    "unit": one.get("unit", [None, None]),
                }
            )
        return web.json_response(
            {
                "status": "ok",
                "res_type": "time_series",
                "resp_version": 1,
                "query": query,
                "from_date": start * 1000,
                "to_date": end * 1000,
                "series": series,
                "message": "",
                "group_by": [],
            }
        )

    async def _search_logs(self, request: web.Request) -> web.Response:
        """``POST /api/v2/logs/events/search`` with a cursor in ``page.cursor``; the next
        cursor is ``meta.page.after`` (absent on the last page)."""
        body = await request.json()
        wanted = body.get("filter", {})
        since = datetime.fromisoformat(wanted["from"])
        until = datetime.fromisoformat(wanted["to"])
        matching = [
            log
            for log in self.logs.get(wanted.get("query", "*"), [])
            if since <= datetime.fromisoformat(log["attributes"]["timestamp"]) <= until
        ]
        matching.sort(
            key=lambda log: log["attributes"]["timestamp"],
            reverse=body.get("sort") == "-timestamp",
        )
        page = body.get("page", {})
        offset = int(base64.b64decode(page["cursor"])) if "cursor" in page else 0
        limit = int(page.get("limit", 10))
        data = matching[offset : offset + limit]
        answer: dict[str, Any] = {
            "data": data,
            "meta": {"elapsed": 7, "request_id": "req-fake", "status": "done"},
        }
        if offset + limit < len(matching):
            after = base64.b64encode(str(offset + limit).encode()).decode()
            answer["meta"]["page"] = {"after": after}
            answer["links"] = {
                "next": f"{self.base_url}/api/v2/logs/events?page%5Bcursor%5D={after}"
            }
        return web.json_response(answer)

    async def _monitor(self, request: web.Request) -> web.Response:
        monitor = self.monitors.get(int(request.match_info["monitor_id"]))
        if monitor is None:
            return _errors(404, "Monitor not found")
        if "group_states" not in request.query:  # Datadog leaves the groups out unless asked
            monitor = {**monitor, "state": {}}
        return web.json_response(monitor)

    async def _list_events(self, request: web.Request) -> web.Response:
        """``GET /api/v1/events?start=&end=&tags=``: seconds both ways, newest first.

        ``tags`` is a comma separated list; the reference does not say whether an event must
        carry all of them or one. The fake takes the looser reading (any one), so it is the
        adapter's own check that keeps other events out."""
        start, end = int(request.query["start"]), int(request.query["end"])
        wanted = [tag for tag in request.query.get("tags", "").split(",") if tag]
        matching = [
            one
            for one in self.events
            if start <= one["date_happened"] <= end
            and (not wanted or any(t in one["tags"] for t in wanted))
        ]
        matching.sort(key=lambda one: one["date_happened"], reverse=True)
        return web.json_response({"events": matching, "status": "ok"})


def _errors(status: int, *errors: str) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps({"errors": list(errors)}),
        content_type="application/json",
    )


def log_event(
    *, at: str, service: str, status: str, message: str, host: str = "web-1"
) -> dict[str, Any]:
    """One Log object as the v2 search answers it."""
    return {
        "id": base64.b64encode(f"{at}{message}".encode()).decode(),
        "type": "log",
        "attributes": {
            "timestamp": at,
            "status": status,
            "service": service,
            "message": message,
            "host": host,
            "tags": [f"service:{service}", "env:prod"],
            "attributes": {"service": service},
        },
    }


def monitor(
    monitor_id: int,
    *,
    name: str,
    overall_state: str,
    query: str,
    groups: dict[str, tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """A monitor as ``GET /api/v1/monitor/{id}?group_states=all`` answers it; ``groups`` maps a
    group's name to its status and the epoch second it last triggered."""
    return {
        "state": {
            "groups": {
                group: {
                    "name": group,
                    "status": status,
                    "last_triggered_ts": triggered,
                    "last_notified_ts": triggered,
                    "last_nodata_ts": 0,
                    "last_resolved_ts": 0,
                }
                for group, (status, triggered) in (groups or {}).items()
            }
        },
        "id": monitor_id,
        "name": name,
        "type": "query alert",
        "query": query,
        "message": "@slack-incidents",
        "tags": ["service:billing-webhooks", "team:payments"],
        "options": {"thresholds": {"critical": 5.0}, "notify_no_data": False},
        "overall_state": overall_state,
        "created": "2026-01-10T09:00:00.000000+00:00",
        "modified": "2026-02-01T12:30:00.000000+00:00",
        "multi": False,
        "priority": 2,
        "restricted_roles": None,
        "deleted": None,
        "creator": {
            "email": "oncall@example.com",
            "handle": "oncall@example.com",
            "name": "On Call",
        },
    }


def event(
    event_id: int,
    *,
    happened: int,
    title: str,
    tags: list[str],
    alert_type: str = "info",
    text: str = "",
) -> dict[str, Any]:
    """One Event object as ``GET /api/v1/events`` answers it (``url`` is a path of the web app;
    ``date_happened`` is epoch seconds)."""
    return {
        "alert_type": alert_type,
        "date_happened": happened,
        "device_name": None,
        "host": None,
        "id": event_id,
        "id_str": str(event_id),
        "payload": "{}",
        "priority": "normal",
        "source_type_name": "My Apps",
        "tags": tags,
        "text": text,
        "title": title,
        "url": f"/event/event?id={event_id}",
        # Also in real answers, though not in the API reference's schema.
        "is_aggregate": False,
        "comments": [],
        "resource": f"/api/v1/events/{event_id}",
    }
