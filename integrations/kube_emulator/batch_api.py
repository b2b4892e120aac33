"""The routes of batch/v1 CronJobs and Jobs and core/v1 ConfigMaps: what ``kubectl create job
--from=cronjob/X``, ``kubectl get jobs,cronjobs,configmaps`` and the bot's executors ask for.
Authentication, RBAC, faults and ``Status`` answers come from :class:`~integrations
.kube_emulator.api.KubeApi`'s middleware, as for every other route."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from integrations.kube_emulator.fieldvalidation import check_fields
from integrations.kube_emulator.status import Resource
from integrations.kube_emulator.store import CONFIG_MAPS, CRON_JOBS, JOBS

if TYPE_CHECKING:
    from integrations.kube_emulator.api import KubeApi

__all__ = ["BatchRoutes"]

BATCH = "/apis/batch/v1"
CORE = "/api/v1"
NS = "/namespaces/{namespace}"


class BatchRoutes:
    def __init__(self, api: KubeApi) -> None:
        self.api = api
        self.cluster = api.cluster

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        for prefix, resource in ((BATCH, CRON_JOBS), (BATCH, JOBS), (CORE, CONFIG_MAPS)):
            plural = resource.plural
            router.add_get(f"{prefix}/{plural}", self._lister(resource))
            router.add_get(f"{prefix}{NS}/{plural}", self._lister(resource))
            router.add_get(f"{prefix}{NS}/{plural}/{{name}}", self._getter(resource))
            router.add_post(f"{prefix}{NS}/{plural}", self._creator(resource))
        router.add_get(f"{BATCH}{NS}/jobs/{{name}}/status", self._getter(JOBS))
        router.add_get(f"{BATCH}{NS}/cronjobs/{{name}}/status", self._getter(CRON_JOBS))
        router.add_patch(f"{CORE}{NS}/configmaps/{{name}}", self.patch_config_map)
        router.add_put(f"{CORE}{NS}/configmaps/{{name}}", self.replace_config_map)

    def _lister(self, resource: Resource) -> Any:
        async def listing(request: web.Request) -> web.StreamResponse:
            return await self.api._list(request, resource)

        return listing

    def _getter(self, resource: Resource) -> Any:
        async def getting(request: web.Request) -> web.Response:
            return self.api._get(request, resource)

        return getting

    def _creator(self, resource: Resource) -> Any:
        async def creating(request: web.Request) -> web.Response:
            from integrations.kube_emulator.api import _json

            self.api._count("create", resource.plural)
            namespace = request.match_info["namespace"]
            body = await _json(request)
            check_fields(request.query, body, resource.kind, patch=False)
            return self.api._write(
                request,
                lambda: self.cluster.batch.create(resource, namespace, body),
                status=201,
                resource=resource,
            )

        return creating

    async def patch_config_map(self, request: web.Request) -> web.Response:
        self.api._count("patch", "configmaps")
        info = request.match_info
        content_type, patch = await self.api._patch_body(request)

        def write() -> dict[str, Any]:
            current = self.cluster.store.get(CONFIG_MAPS, info["namespace"], info["name"])
            patched = self.cluster._patched(CONFIG_MAPS, info["name"], content_type, current, patch)
            return self.cluster.batch.write_config_map(
                info["namespace"], info["name"], patched, verb="patch", patch_type=content_type
            )

        return self.api._write(request, write, resource=CONFIG_MAPS)

    async def replace_config_map(self, request: web.Request) -> web.Response:
        from integrations.kube_emulator.api import _json

        self.api._count("update", "configmaps")
        info = request.match_info
        body = await _json(request)
        check_fields(request.query, body, "ConfigMap", patch=False)
        return self.api._write(
            request,
            lambda: self.cluster.batch.write_config_map(
                info["namespace"], info["name"], body, verb="update", patch_type=None
            ),
            resource=CONFIG_MAPS,
        )
