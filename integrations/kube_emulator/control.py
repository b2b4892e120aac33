"""The control API under ``/emulator/api/`` (JSON, no authentication: it listens on 127.0.0.1).

For tests and tools to operate the emulated cluster and see what was done to it:

- ``GET /emulator/api/stats``: API calls per verb and resource, fault hits, the resourceVersion.
- ``GET /emulator/api/changes``: every write since the seed (or ``?since=RV``), by the client or
  the controllers, in order.
- ``GET|POST /emulator/api/faults``: the fault rules; POST replaces them all
  (``{"faults": [{"method": "GET", "path": "/api/v1/namespaces/x/pods", "fault": "hang"}]}``).
- ``GET|POST /emulator/api/rollout``: ``{"reads": N}``, how many reads a rollout takes.
- ``GET /emulator/api/access``: every request authorization allowed, by user, verb, group,
  resource and namespace, with counts (what a least-privilege Role must grant).

Refusals are ``{"ok": false, "error": code, "detail": text}`` with status 400.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from integrations.kube_emulator.api import KubeApi
from integrations.kube_emulator.faults import Fault

__all__ = ["ControlApi"]


def _refuse(error: str, detail: str) -> web.Response:
    return web.json_response({"ok": False, "error": error, "detail": detail}, status=400)


async def _body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class ControlApi:
    def __init__(self, api: KubeApi) -> None:
        self.api = api

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_get("/emulator/api/stats", self.stats)
        router.add_get("/emulator/api/changes", self.changes)
        router.add_get("/emulator/api/faults", self.faults)
        router.add_post("/emulator/api/faults", self.set_faults)
        router.add_get("/emulator/api/rollout", self.rollout)
        router.add_get("/emulator/api/access", self.access)
        router.add_post("/emulator/api/rollout", self.set_rollout)

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "calls": dict(self.api.calls),
                "fault_hits": dict(self.api.faults.hits),
                "resource_version": self.api.cluster.store.resource_version,
            }
        )

    async def changes(self, request: web.Request) -> web.Response:
        try:
            since = int(request.query.get("since", "0"))
        except ValueError:
            return _refuse("invalid_since", "since is a resourceVersion, a whole number")
        changes = [
            change.as_dict()
            for change in self.api.cluster.store.changes
            if change.resource_version > since
        ]
        return web.json_response({"ok": True, "changes": changes})

    async def access(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "access": self.api.access.record()})

    async def faults(self, _request: web.Request) -> web.Response:
        rules = [rule.as_dict() for rule in self.api.faults.rules]
        return web.json_response({"ok": True, "faults": rules})

    async def set_faults(self, request: web.Request) -> web.Response:
        body = await _body(request)
        if body is None or not isinstance(body.get("faults"), list):
            return _refuse("invalid_faults", 'send {"faults": [...]}')
        try:
            rules = [Fault.parse(raw) for raw in body["faults"]]
        except ValueError as exc:
            return _refuse("invalid_faults", str(exc))
        self.api.faults.replace(rules)
        return web.json_response({"ok": True, "faults": [rule.as_dict() for rule in rules]})

    async def rollout(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "reads": self.api.cluster.controllers.rollout_reads})

    async def set_rollout(self, request: web.Request) -> web.Response:
        body = await _body(request)
        reads = body.get("reads") if body is not None else None
        if isinstance(reads, bool) or not isinstance(reads, int) or reads < 0:
            return _refuse("invalid_reads", "reads is a whole number, 0 or more")
        self.api.cluster.controllers.rollout_reads = reads
        return web.json_response({"ok": True, "reads": reads})
