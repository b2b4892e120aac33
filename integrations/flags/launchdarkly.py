"""LaunchDarkly's REST API v2 for ``flag_off``/``flag_on``: ``GET
/api/v2/flags/{projectKey}/{flagKey}?env=ENV`` reads ``environments.ENV.on`` (and
``_version``), and ``PATCH`` of the same path with ``Content-Type: application/json;
domain-model=launchdarkly.semanticpatch`` and ``{"environmentKey": ENV, "instructions":
[{"kind": "turnFlagOff"}], "comment": ...}`` turns it off (``turnFlagOn``: on). The access
token goes in ``Authorization`` as it is (no scheme); it needs the ``writer`` role or a custom
role allowing ``updateOn`` on the flag in that environment."""

from __future__ import annotations

from urllib.parse import quote

from bot.action.plan import ActionTarget, VendorRequest
from bot.errors import ActionPlanError, PagerError
from integrations.flags.actions import FlagActions, FlagState

__all__ = ["SEMANTIC_PATCH", "LaunchDarklyFlags"]

SEMANTIC_PATCH = "application/json; domain-model=launchdarkly.semanticpatch"
COMMENT = "incident-bot: approved action"


def _path(target: ActionTarget) -> str:
    return f"/api/v2/flags/{quote(target.namespace, safe='')}/{quote(target.name, safe='')}"


class LaunchDarklyFlags(FlagActions):
    system = "launchdarkly"

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": token, "Accept": "application/json"}

    async def read(self, target: ActionTarget) -> FlagState:
        path = f"{_path(target)}?env={quote(self.environment, safe='')}"
        try:
            status, body = await self.call("GET", path)
        except PagerError as exc:
            raise ActionPlanError(f"LaunchDarkly cannot be read: {exc.reason}") from exc
        if status == 404:
            raise ActionPlanError(f"LaunchDarkly has no flag {target.name} in {target.namespace}")
        if status != 200 or not isinstance(body, dict):
            raise ActionPlanError(str(self.refused(f"GET {_path(target)}", status, body)))
        environment = (body.get("environments") or {}).get(self.environment)
        if not isinstance(environment, dict) or not isinstance(environment.get("on"), bool):
            raise ActionPlanError(f"flag {target.name} has no environment {self.environment}")
        return environment["on"], str(environment.get("_version", body.get("_version", "")))

    def request(self, target: ActionTarget, on: bool) -> VendorRequest:
        body = {
            "environmentKey": self.environment,
            "instructions": [{"kind": "turnFlagOn" if on else "turnFlagOff"}],
            "comment": COMMENT,
        }
        plain = VendorRequest.of("launchdarkly", "PATCH", _path(target), body)
        return VendorRequest(
            plain.system, plain.method, plain.path, plain.body, content_type=SEMANTIC_PATCH
        )
