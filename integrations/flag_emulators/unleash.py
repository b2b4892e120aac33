"""A local Unleash admin API for feature flags' environments, as Unleash documents it
(docs.getunleash.io/api):

- ``Authorization: <token>`` (an admin or personal access token; ``Bearer <token>`` is
  accepted too): 401 without a known token, 403 for a client token (``NoAccessError``).
- ``GET /api/admin/projects/{projectId}/features/{featureName}/environments/{environment}``:
  the feature's environment, with ``enabled``.
- ``POST .../environments/{environment}/on`` and ``.../off``: 200, empty; a feature or an
  environment that does not exist is 404 ``{"name": "NotFoundError", "message": ...}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from integrations.local_server import LocalServer

__all__ = ["EmulatedFeature", "UnleashEmulator"]


@dataclass(slots=True)
class EmulatedFeature:
    project: str
    name: str
    enabled: dict[str, bool]  # per environment
    toggles: list[tuple[str, bool]] = field(default_factory=list)  # (environment, enabled)
    reverted_by_others: bool = False  # a toggle is accepted, and another process undoes it


def _error(status: int, name: str, message: str) -> web.Response:
    return web.json_response({"name": name, "message": message}, status=status)


class UnleashEmulator(LocalServer):
    """``features`` by (project, name); ``tokens`` maps each token to its type (``admin``
    or ``client``)."""

    def __init__(self, *, host: str = "127.0.0.1") -> None:
        super().__init__(host=host)
        self.features: dict[tuple[str, str], EmulatedFeature] = {}
        self.tokens: dict[str, str] = {}

    def add_feature(self, project: str, name: str, **enabled: bool) -> EmulatedFeature:
        feature = EmulatedFeature(project, name, dict(enabled))
        self.features[project, name] = feature
        return feature

    def routes(self, app: web.Application) -> None:
        base = "/api/admin/projects/{project}/features/{feature}/environments/{env}"
        app.router.add_get(base, self._get)
        app.router.add_post(base + "/on", self._on)
        app.router.add_post(base + "/off", self._off)

    def _refusal(self, request: web.Request) -> web.Response | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        kind = self.tokens.get(token)
        if kind is None:
            return _error(401, "AuthenticationRequired", "You must log in to use Unleash.")
        if kind != "admin":
            return _error(403, "NoAccessError", "You need permission to access this resource")
        return None

    def _feature(self, request: web.Request) -> EmulatedFeature | web.Response:
        key = (request.match_info["project"], request.match_info["feature"])
        found = self.features.get(key)
        if found is None:
            return _error(404, "NotFoundError", f"Could not find feature flag {key[1]}")
        if request.match_info["env"] not in found.enabled:
            return _error(404, "NotFoundError", "Could not find environment")
        return found

    async def _get(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request)) is not None:
            return refused
        if (status := self.injected("get")) is not None:
            return _error(status, "InternalError", "injected")
        feature = self._feature(request)
        if isinstance(feature, web.Response):
            return feature
        env = request.match_info["env"]
        return web.json_response(
            {
                "name": env,
                "environment": env,
                "featureName": feature.name,
                "type": "production",
                "enabled": feature.enabled[env],
                "strategies": [],
                "variants": [],
            }
        )

    async def _toggle(self, request: web.Request, enabled: bool) -> web.Response:
        if (refused := self._refusal(request)) is not None:
            return refused
        if (status := self.injected("on" if enabled else "off")) is not None:
            return _error(status, "InternalError", "injected")
        feature = self._feature(request)
        if isinstance(feature, web.Response):
            return feature
        env = request.match_info["env"]
        if not feature.reverted_by_others:
            feature.enabled[env] = enabled
        feature.toggles.append((env, enabled))
        return web.Response(status=200)

    async def _on(self, request: web.Request) -> web.Response:
        return await self._toggle(request, True)

    async def _off(self, request: web.Request) -> web.Response:
        return await self._toggle(request, False)
