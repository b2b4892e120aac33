"""The Kubernetes REST routes the emulator serves, under ``/api/v1`` and ``/apis/apps/v1``.

Every request is checked in the API server's order: authentication (a bearer token, else 401),
then the injected faults, then the route. Refusals are ``Status`` objects. Reads and writes are
counted per verb and resource (``list pods``, ``patch deployments/scale``) for the control API.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from integrations.kube_emulator.cluster import KubeCluster
from integrations.kube_emulator.faults import Faults
from integrations.kube_emulator.patches import PATCH_TYPES
from integrations.kube_emulator.status import (
    ApiError,
    bad_request,
    status_response,
    unauthorized,
)
from integrations.kube_emulator.store import DEPLOYMENTS, EVENTS, PODS, REPLICA_SETS

__all__ = ["KubeApi"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
APPS = "/apis/apps/v1"
CORE = "/api/v1"
UNPROTECTED = ("/version", "/emulator/")
_ACCEPTED = (
    "application/json-patch+json, application/merge-patch+json, "
    "application/apply-patch+yaml, application/strategic-merge-patch+json, "
    "application/apply-patch+cbor"
)


async def _json(request: web.Request) -> Any:
    try:
        return json.loads(await request.text())
    except ValueError as exc:
        raise bad_request(f"the body of the request could not be decoded as JSON: {exc}") from exc


def _ok(body: dict[str, Any]) -> web.Response:
    return web.json_response(body)


class KubeApi:
    def __init__(self, cluster: KubeCluster, token: str) -> None:
        self.cluster = cluster
        self.token = token
        self.faults = Faults()
        self.calls: Counter[str] = Counter()

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_get("/version", self.version)
        router.add_get("/version/", self.version)  # the Python client's path
        ns = "/namespaces/{namespace}"
        for path, handler in (
            (f"{CORE}/pods", self.list_pods),
            (f"{CORE}{ns}/pods", self.list_pods),
            (f"{CORE}/events", self.list_events),
            (f"{CORE}{ns}/events", self.list_events),
            (f"{APPS}/deployments", self.list_deployments),
            (f"{APPS}{ns}/deployments", self.list_deployments),
            (f"{APPS}/replicasets", self.list_replica_sets),
            (f"{APPS}{ns}/replicasets", self.list_replica_sets),
            (f"{CORE}{ns}/pods/{{name}}", self.get_pod),
            (f"{CORE}{ns}/events/{{name}}", self.get_event),
            (f"{APPS}{ns}/replicasets/{{name}}", self.get_replica_set),
            (f"{APPS}{ns}/deployments/{{name}}", self.get_deployment),
            (f"{APPS}{ns}/deployments/{{name}}/status", self.get_deployment),
            (f"{APPS}{ns}/deployments/{{name}}/scale", self.get_scale),
        ):
            router.add_get(path, handler)
        router.add_delete(f"{CORE}{ns}/pods/{{name}}", self.delete_pod)
        router.add_patch(f"{CORE}{ns}/pods/{{name}}", self.patch_pod)
        router.add_put(f"{APPS}{ns}/deployments/{{name}}", self.replace_deployment)
        router.add_patch(f"{APPS}{ns}/deployments/{{name}}", self.patch_deployment)
        router.add_put(f"{APPS}{ns}/deployments/{{name}}/scale", self.replace_scale)
        router.add_patch(f"{APPS}{ns}/deployments/{{name}}/scale", self.patch_scale)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Authentication, faults and ``Status`` answers around every Kubernetes route."""
        if request.path.startswith(UNPROTECTED):
            return await handler(request)
        try:
            if request.headers.get("Authorization", "") != f"Bearer {self.token}":
                raise unauthorized()
            await self.faults.check(request.method, request.path)
            try:
                return await handler(request)
            except web.HTTPNotFound as exc:
                raise ApiError(
                    404, "NotFound", "the server could not find the requested resource", {}
                ) from exc
            except web.HTTPMethodNotAllowed as exc:
                raise ApiError(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on the requested resource",
                    {},
                ) from exc
        except ApiError as error:
            return status_response(error)

    def _count(self, verb: str, resource: str) -> None:
        self.calls[f"{verb} {resource}"] += 1

    # -- reads --------------------------------------------------------------------------------

    async def version(self, _request: web.Request) -> web.Response:
        return _ok(
            {
                "major": "1",
                "minor": "31",
                "gitVersion": "v1.31.0-emulator",
                "gitCommit": "0000000000000000000000000000000000000000",
                "gitTreeState": "clean",
                "buildDate": "2026-01-01T00:00:00Z",
                "goVersion": "go1.22.5",
                "compiler": "gc",
                "platform": "linux/amd64",
            }
        )

    def _list(self, request: web.Request, resource: Any) -> web.Response:
        self._count("list", resource.plural)
        query = request.query
        return _ok(
            self.cluster.list(
                resource,
                request.match_info.get("namespace"),
                query.get("labelSelector"),
                query.get("fieldSelector"),
            )
        )

    async def list_pods(self, request: web.Request) -> web.Response:
        return self._list(request, PODS)

    async def list_events(self, request: web.Request) -> web.Response:
        return self._list(request, EVENTS)

    async def list_deployments(self, request: web.Request) -> web.Response:
        return self._list(request, DEPLOYMENTS)

    async def list_replica_sets(self, request: web.Request) -> web.Response:
        return self._list(request, REPLICA_SETS)

    def _get(
        self, request: web.Request, resource: Any, kind: str, api_version: str
    ) -> web.Response:
        self._count("get", resource.plural)
        info = request.match_info
        obj = self.cluster.get(resource, info["namespace"], info["name"])
        return _ok({"kind": kind, "apiVersion": api_version, **obj})

    async def get_pod(self, request: web.Request) -> web.Response:
        return self._get(request, PODS, "Pod", "v1")

    async def get_event(self, request: web.Request) -> web.Response:
        return self._get(request, EVENTS, "Event", "v1")

    async def get_replica_set(self, request: web.Request) -> web.Response:
        return self._get(request, REPLICA_SETS, "ReplicaSet", "apps/v1")

    async def get_deployment(self, request: web.Request) -> web.Response:
        return self._get(request, DEPLOYMENTS, "Deployment", "apps/v1")

    async def get_scale(self, request: web.Request) -> web.Response:
        self._count("get", "deployments/scale")
        info = request.match_info
        return _ok(self.cluster.scale(info["namespace"], info["name"]))

    # -- writes -------------------------------------------------------------------------------

    async def _patch_body(self, request: web.Request) -> tuple[str, Any]:
        if request.content_type not in PATCH_TYPES:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types "
                f"include: {_ACCEPTED}",
                {},
            )
        return request.content_type, await _json(request)

    async def replace_deployment(self, request: web.Request) -> web.Response:
        self._count("update", "deployments")
        info = request.match_info
        body = await _json(request)
        return _ok(self.cluster.replace_deployment(info["namespace"], info["name"], body))

    async def patch_deployment(self, request: web.Request) -> web.Response:
        self._count("patch", "deployments")
        info = request.match_info
        content_type, patch = await self._patch_body(request)
        return _ok(
            self.cluster.patch_deployment(info["namespace"], info["name"], content_type, patch)
        )

    async def replace_scale(self, request: web.Request) -> web.Response:
        self._count("update", "deployments/scale")
        info = request.match_info
        body = await _json(request)
        return _ok(self.cluster.replace_scale(info["namespace"], info["name"], body))

    async def patch_scale(self, request: web.Request) -> web.Response:
        self._count("patch", "deployments/scale")
        info = request.match_info
        content_type, patch = await self._patch_body(request)
        return _ok(self.cluster.patch_scale(info["namespace"], info["name"], content_type, patch))

    async def patch_pod(self, request: web.Request) -> web.Response:
        self._count("patch", "pods")
        info = request.match_info
        content_type, patch = await self._patch_body(request)
        return _ok(self.cluster.patch_pod(info["namespace"], info["name"], content_type, patch))

    async def delete_pod(self, request: web.Request) -> web.Response:
        self._count("delete", "pods")
        info = request.match_info
        options = await _json(request) if (await request.text()).strip() else None
        return _ok(self.cluster.delete_pod(info["namespace"], info["name"], options))
