"""Unleash's admin API for ``flag_off``/``flag_on``: ``GET
/api/admin/projects/{projectId}/features/{featureName}/environments/{environment}`` reads
``enabled``, and ``POST .../environments/{environment}/off`` (``/on``) toggles it. The token (an
admin token, or a personal access token of a user allowed to toggle in that project and
environment) goes in ``Authorization`` as it is."""

from __future__ import annotations

from urllib.parse import quote

from bot.action.plan import ActionTarget, VendorRequest
from bot.errors import ActionPlanError, PagerError
from integrations.flags.actions import FlagActions, FlagState

__all__ = ["UnleashFlags"]


class UnleashFlags(FlagActions):
    system = "unleash"

    def _path(self, target: ActionTarget) -> str:
        project, feature = quote(target.namespace, safe=""), quote(target.name, safe="")
        environment = quote(self.environment, safe="")
        return f"/api/admin/projects/{project}/features/{feature}/environments/{environment}"

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": token, "Accept": "application/json"}

    async def read(self, target: ActionTarget) -> FlagState:
        try:
            status, body = await self.call("GET", self._path(target))
        except PagerError as exc:
            raise ActionPlanError(f"Unleash cannot be read: {exc.reason}") from exc
        if status == 404:
            raise ActionPlanError(
                f"Unleash has no flag {target.name} in {target.namespace}/{self.environment}"
            )
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("enabled"), bool):
            raise ActionPlanError(str(self.refused(f"GET {self._path(target)}", status, body)))
        return body["enabled"], ""

    def request(self, target: ActionTarget, on: bool) -> VendorRequest:
        return VendorRequest.of(
            "unleash", "POST", f"{self._path(target)}/{'on' if on else 'off'}", {}
        )
