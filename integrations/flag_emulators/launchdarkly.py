"""A local LaunchDarkly REST API (v2) for feature flags, as LaunchDarkly documents it
(launchdarkly.com/docs/api):

- ``Authorization: <access token>`` (no scheme) on every call: 401 ``{"code": "unauthorized",
  ...}`` without a known token, 403 ``forbidden`` for a reader token's write.
- ``GET /api/v2/flags/{projectKey}/{flagKey}[?env=KEY]``: the flag, with
  ``environments.<key>.on`` (its targeting state), ``_version`` and ``lastModified``.
- ``PATCH /api/v2/flags/{projectKey}/{flagKey}`` with ``Content-Type: application/json;
  domain-model=launchdarkly.semanticpatch`` and ``{"environmentKey": ..., "instructions":
  [{"kind": "turnFlagOff"}], "comment": ...}``: the updated flag (200). Instructions other
  than ``turnFlagOn`` / ``turnFlagOff``, an unknown environment, or a body that is not a
  semantic patch are ``400 {"code": "invalid_request", "message": ...}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from integrations.local_server import LocalServer

__all__ = ["EmulatedFlag", "LaunchDarklyEmulator"]

SEMANTIC_PATCH = "domain-model=launchdarkly.semanticpatch"


@dataclass(slots=True)
class EmulatedFlag:
    project: str
    key: str
    on: dict[str, bool]  # per environment key
    version: int = 1
    patches: list[dict[str, Any]] = field(default_factory=list)  # every semantic patch applied
    # Another process (a scheduled change, an infrastructure-as-code run) puts the flag back at
    # once: a write is accepted and recorded, and reading it back shows the old state.
    reverted_by_others: bool = False

    def as_json(self, env: str | None) -> dict[str, Any]:
        environments = {
            name: {"on": on, "_version": self.version, "lastModified": 1765000000000 + self.version}
            for name, on in self.on.items()
            if env is None or name == env
        }
        return {
            "key": self.key,
            "name": self.key,
            "kind": "boolean",
            "_version": self.version,
            "variations": [{"value": True}, {"value": False}],
            "environments": environments,
        }


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status)


class LaunchDarklyEmulator(LocalServer):
    """``flags`` by (project, key); ``tokens`` maps each access token to its role
    (``writer`` or ``reader``)."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, seed_environments: tuple[str, ...] = ()
    ) -> None:
        super().__init__(host=host)
        self.port = port
        self.flags: dict[tuple[str, str], EmulatedFlag] = {}
        self.tokens: dict[str, str] = {}
        # The sandbox's account: a flag it is asked about exists, on in these environments
        # (none: only the flags added are known, as the tests want).
        self.seed_environments = seed_environments

    def add_flag(self, project: str, key: str, **on: bool) -> EmulatedFlag:
        flag = EmulatedFlag(project, key, dict(on))
        self.flags[project, key] = flag
        return flag

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v2/flags/{project}/{flag}", self._get)
        app.router.add_patch("/api/v2/flags/{project}/{flag}", self._patch)

    def _refusal(self, request: web.Request, *, write: bool) -> web.Response | None:
        role = self.tokens.get(request.headers.get("Authorization", ""))
        if role is None:
            return _error(401, "unauthorized", "Invalid access token")
        if write and role != "writer":
            return _error(403, "forbidden", "Access to the requested resource was denied")
        return None

    def _flag(self, request: web.Request) -> EmulatedFlag | web.Response:
        key = (request.match_info["project"], request.match_info["flag"])
        found = self.flags.get(key)
        if found is None and self.seed_environments:
            found = EmulatedFlag(*key, on=dict.fromkeys(self.seed_environments, True))
            self.flags[key] = found
        if found is None:
            return _error(404, "not_found", "Unknown resource")
        return found

    async def _get(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request, write=False)) is not None:
            return refused
        if (status := self.injected("get")) is not None:
            return _error(status, "internal_server_error", "injected")
        flag = self._flag(request)
        if isinstance(flag, web.Response):
            return flag
        return web.json_response(flag.as_json(request.query.get("env")))

    async def _patch(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request, write=True)) is not None:
            return refused
        if (status := self.injected("patch")) is not None:
            return _error(status, "internal_server_error", "injected")
        flag = self._flag(request)
        if isinstance(flag, web.Response):
            return flag
        if SEMANTIC_PATCH not in request.headers.get("Content-Type", ""):
            return _error(400, "invalid_request", "expected a semantic patch for this request")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(400, "invalid_request", "malformed JSON")
        env = body.get("environmentKey") if isinstance(body, dict) else None
        instructions = body.get("instructions") if isinstance(body, dict) else None
        if not isinstance(instructions, list) or not instructions:
            return _error(400, "invalid_request", "instructions are required")
        if env not in flag.on:
            return _error(400, "invalid_request", f"environment {env!r} not found")
        for instruction in instructions:
            kind = instruction.get("kind") if isinstance(instruction, dict) else None
            if kind not in ("turnFlagOn", "turnFlagOff"):
                return _error(400, "invalid_request", f"unsupported instruction {kind!r}")
        for instruction in instructions:
            if not flag.reverted_by_others:
                flag.on[env] = instruction["kind"] == "turnFlagOn"
        flag.version += 1
        flag.patches.append(body)
        return web.json_response(flag.as_json(None))
