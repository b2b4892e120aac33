"""The Kubernetes REST routes the emulator serves, under ``/api/v1`` and ``/apis/apps/v1``, with
discovery, OpenAPI v3, the access reviews, watches and ``Table`` answers.

Every request is checked in the API server's order: authentication (a bearer token, else 401),
authorization (RBAC, else 403), then the injected faults, then the route. Refusals are
``Status`` objects. A write with ``dryRun=All`` is validated and answered and changes nothing.
Reads and writes are counted per verb and resource (``list pods``, ``patch deployments/scale``)
for the control API.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from integrations.kube_emulator import discovery
from integrations.kube_emulator.access import USER, Access
from integrations.kube_emulator.batch_api import BatchRoutes
from integrations.kube_emulator.cluster import KubeCluster
from integrations.kube_emulator.faults import Faults
from integrations.kube_emulator.fieldvalidation import check_fields, kind_at
from integrations.kube_emulator.paging import page
from integrations.kube_emulator.patches import JSON_PATCH, PATCH_TYPES
from integrations.kube_emulator.rbac import Rbac, User
from integrations.kube_emulator.selectors import FIELDS, FieldSelector, LabelSelector
from integrations.kube_emulator.status import (
    ApiError,
    Resource,
    bad_request,
    status_response,
)
from integrations.kube_emulator.store import DEPLOYMENTS, EVENTS, PODS, REPLICA_SETS
from integrations.kube_emulator.tables import table, wants_table
from integrations.kube_emulator.watch import Watches

__all__ = ["KubeApi"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
APPS = "/apis/apps/v1"
CORE = "/api/v1"
UNPROTECTED = ("/version", "/emulator/", "/healthz", "/readyz", "/livez")
_ACCEPTED = ", ".join(PATCH_TYPES)
_API_VERSIONS = discovery.API_VERSIONS


async def _json(request: web.Request) -> Any:
    try:
        return json.loads(await request.text())
    except ValueError as exc:
        raise bad_request(f"the body of the request could not be decoded as JSON: {exc}") from exc


def _ok(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def _dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    for value in values:
        if value != "All":
            raise ApiError(
                400,
                "BadRequest",
                f'Invalid dry run value: Unsupported value: "{value}": supported values: "All"',
            )
    return bool(values)


class KubeApi:
    def __init__(
        self,
        cluster: KubeCluster,
        token: str,
        *,
        users: dict[str, User] | None = None,
        rbac: Rbac | None = None,
    ) -> None:
        self.cluster = cluster
        self.token = token
        self.faults = Faults()
        self.calls: Counter[str] = Counter()
        self.access = Access(token, users or {}, rbac)
        self.watches = Watches(cluster.store, cluster.clock.now)

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_get("/version", self.version)
        router.add_get("/version/", self.version)  # the Python client's path
        for path in ("/healthz", "/readyz", "/livez"):
            router.add_get(path, self.healthy)
        for slash in ("", "/"):  # the Python client asks for /api/, /apis/apps/v1/...
            router.add_get(f"/api{slash}", self.api_versions)
            router.add_get(f"/apis{slash}", self.api_groups)
            router.add_get(f"/api/{{version}}{slash}", self.resources)
            router.add_get(f"/apis/{{group}}{slash}", self.api_group)
            router.add_get(f"/apis/{{group}}/{{version}}{slash}", self.resources)
        router.add_get("/openapi/v3", self.openapi_root)
        router.add_get("/openapi/v3/{path:.+}", self.openapi)
        self.access.add_routes(app)
        router.add_post(f"{APPS}/namespaces/{{namespace}}/deployments", self.create_deployment)
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
        BatchRoutes(self).add_routes(app)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Authentication, authorization, faults and ``Status`` answers around every Kubernetes
        route; watches are woken after any request that wrote."""
        if request.path.startswith(UNPROTECTED):
            return await handler(request)
        before = self.cluster.store.resource_version
        try:
            user = self.access.authenticate(request)
            request[USER] = user
            self.access.authorize(user, request)
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
        finally:
            if self.cluster.store.resource_version != before:
                self.watches.wake()

    def _count(self, verb: str, resource: str) -> None:
        self.calls[f"{verb} {resource}"] += 1

    # -- discovery ----------------------------------------------------------------------------

    async def version(self, _request: web.Request) -> web.Response:
        return _ok(discovery.VERSION)

    async def healthy(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def api_versions(self, request: web.Request) -> web.Response:
        return _ok(discovery.api_versions(request.host))

    async def api_groups(self, _request: web.Request) -> web.Response:
        return _ok(discovery.api_group_list())

    async def api_group(self, request: web.Request) -> web.Response:
        found = discovery.api_group(request.match_info["group"])
        if found is None:
            raise web.HTTPNotFound
        return _ok(found)

    async def resources(self, request: web.Request) -> web.Response:
        info = request.match_info
        group = info.get("group")
        found = discovery.resource_list(f"{group}/{info['version']}" if group else info["version"])
        if found is None:
            raise web.HTTPNotFound
        return _ok(found)

    async def openapi_root(self, _request: web.Request) -> web.Response:
        return _ok(discovery.openapi_root())

    async def openapi(self, request: web.Request) -> web.Response:
        key = request.match_info["path"]
        group_version = key.removeprefix("apis/").removeprefix("api/")
        found = discovery.openapi_document(group_version) if key.startswith("ap") else None
        if found is None:
            raise web.HTTPNotFound
        return _ok(found)

    # -- reads --------------------------------------------------------------------------------

    async def _list(self, request: web.Request, resource: Resource) -> web.StreamResponse:
        query = request.query
        namespace = request.match_info.get("namespace")
        as_table = wants_table(request.headers.get("Accept", ""))
        api_version = _API_VERSIONS[resource.kind]
        if query.get("watch", "").lower() in ("true", "1"):
            self._count("watch", resource.plural)
            labels = LabelSelector.parse(query.get("labelSelector"))
            fields = FieldSelector.parse(query.get("fieldSelector"), FIELDS[resource.plural])

            def matches(obj: dict[str, Any]) -> bool:
                meta = obj["metadata"]
                in_namespace = namespace is None or meta.get("namespace") == namespace
                return in_namespace and labels.matches(meta.get("labels")) and fields.matches(obj)

            return await self.watches.stream(request, resource, api_version, matches, as_table)
        self._count("list", resource.plural)
        listed = page(
            self.cluster.list(
                resource, namespace, query.get("labelSelector"), query.get("fieldSelector")
            ),
            query.get("limit"),
            query.get("continue"),
        )
        if not as_table:
            return _ok(listed)
        return self._table(request, resource, listed["items"], listed["metadata"])

    def _table(
        self, request: web.Request, resource: Resource, items: list[Any], metadata: Any
    ) -> web.Response:
        answer = table(
            resource.kind,
            _API_VERSIONS[resource.kind],
            items,
            now=self.cluster.clock.now(),
            resource_version=str(metadata.get("resourceVersion", "")),
            include_object=request.query.get("includeObject", "Metadata"),
        )
        return web.Response(
            body=json.dumps(answer).encode(),
            headers={"Content-Type": "application/json;as=Table;v=v1;g=meta.k8s.io"},
        )

    async def list_pods(self, request: web.Request) -> web.StreamResponse:
        return await self._list(request, PODS)

    async def list_events(self, request: web.Request) -> web.StreamResponse:
        return await self._list(request, EVENTS)

    async def list_deployments(self, request: web.Request) -> web.StreamResponse:
        return await self._list(request, DEPLOYMENTS)

    async def list_replica_sets(self, request: web.Request) -> web.StreamResponse:
        return await self._list(request, REPLICA_SETS)

    def _get(self, request: web.Request, resource: Resource) -> web.Response:
        self._count("get", resource.plural)
        info = request.match_info
        obj = self.cluster.get(resource, info["namespace"], info["name"])
        if wants_table(request.headers.get("Accept", "")):
            return self._table(request, resource, [obj], obj["metadata"])
        return _ok({"kind": resource.kind, "apiVersion": _API_VERSIONS[resource.kind], **obj})

    async def get_pod(self, request: web.Request) -> web.Response:
        return self._get(request, PODS)

    async def get_event(self, request: web.Request) -> web.Response:
        return self._get(request, EVENTS)

    async def get_replica_set(self, request: web.Request) -> web.Response:
        return self._get(request, REPLICA_SETS)

    async def get_deployment(self, request: web.Request) -> web.Response:
        return self._get(request, DEPLOYMENTS)

    async def get_scale(self, request: web.Request) -> web.Response:
        self._count("get", "deployments/scale")
        info = request.match_info
        return _ok(self.cluster.scale(info["namespace"], info["name"]))

    # -- writes -------------------------------------------------------------------------------

    async def _patch_body(self, request: web.Request) -> tuple[str, Any]:
        if request.content_type.startswith("application/apply-patch"):
            raise ApiError(
                415,
                "UnsupportedMediaType",
                "server-side apply is not served by this API server: the body of the request "
                f"was in an unknown format - accepted media types include: {_ACCEPTED}",
                {},
            )
        if request.content_type not in PATCH_TYPES:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types "
                f"include: {_ACCEPTED}",
                {},
            )
        patch = await _json(request)
        if request.content_type != JSON_PATCH:
            check_fields(request.query, patch, kind_at(request.path), patch=True)
        return request.content_type, patch

    def _write(
        self,
        request: web.Request,
        write: Callable[[], dict[str, Any]],
        *,
        status: int = 200,
        dry_run: bool = False,
        resource: Resource | None = None,
    ) -> web.Response:
        """Run ``write``; under ``dryRun=All`` answer what it would give and undo it all, the
        object keeping the resourceVersion it had (none for one it would create)."""
        if not (_dry_run(request) or dry_run):
            return _ok(write(), status)
        with self.cluster.dry_run():
            answer = write()
        metadata = answer.get("metadata")
        if isinstance(metadata, dict) and "resourceVersion" in metadata:
            if resource is None:
                resource = PODS if "/pods/" in request.path else DEPLOYMENTS
            namespace = request.match_info["namespace"]
            found = self.cluster.store.find(resource, namespace, str(metadata.get("name", "")))
            if found is None:
                del metadata["resourceVersion"]
            else:
                metadata["resourceVersion"] = found["metadata"]["resourceVersion"]
        return _ok(answer, status)

    async def create_deployment(self, request: web.Request) -> web.Response:
        self._count("create", "deployments")
        namespace = request.match_info["namespace"]
        body = await _json(request)
        check_fields(request.query, body, "Deployment", patch=False)
        return self._write(
            request, lambda: self.cluster.create_deployment(namespace, body), status=201
        )

    async def replace_deployment(self, request: web.Request) -> web.Response:
        self._count("update", "deployments")
        info = request.match_info
        body = await _json(request)
        check_fields(request.query, body, "Deployment", patch=False)
        return self._write(
            request, lambda: self.cluster.replace_deployment(info["namespace"], info["name"], body)
        )

    async def patch_deployment(self, request: web.Request) -> web.Response:
        self._count("patch", "deployments")
        info = request.match_info
        content_type, patch = await self._patch_body(request)
        return self._write(
            request,
            lambda: self.cluster.patch_deployment(
                info["namespace"], info["name"], content_type, patch
            ),
        )

    async def replace_scale(self, request: web.Request) -> web.Response:
        self._count("update", "deployments/scale")
        info = request.match_info
        body = await _json(request)
        return self._write(
            request, lambda: self.cluster.replace_scale(info["namespace"], info["name"], body)
        )

    async def patch_scale(self, request: web.Request) -> web.Response:
        self._count("patch", "deployments/scale")
        info = request.match_info
        content_type, patch = await self._patch_body(request)
        return self._write(
            request,
            lambda: self.cluster.patch_scale(info["namespace"], info["name"], content_type, patch),
        )

    async def patch_pod(self, request: web.Request) -> web.Response:
        self._count("patch", "pods")
        info = request.match_info
        content_type, patch = await self._patch_body(request)
        return self._write(
            request,
            lambda: self.cluster.patch_pod(info["namespace"], info["name"], content_type, patch),
        )

    async def delete_pod(self, request: web.Request) -> web.Response:
        self._count("delete", "pods")
        info = request.match_info
        options = await _json(request) if (await request.text()).strip() else None
        dry_run = isinstance(options, dict) and options.get("dryRun") == ["All"]
        return self._write(
            request,
            lambda: self.cluster.delete_pod(info["namespace"], info["name"], options),
            dry_run=dry_run,
        )
