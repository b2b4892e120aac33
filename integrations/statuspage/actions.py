"""``status_update`` and its follow-up ``resolve_status`` on Atlassian Statuspage.

A status update is an incident on the configured page (``POST /v1/pages/{page_id}/incidents``)
naming the service's component and the status to give it, with the exact title and text the
approver read in the plan. The incident carries the bot's reference in its ``metadata``
(``{"incident_bot": {"incident": "<ref>"}}``): that is how a plan sees that the update was
already posted (the plan then refuses, so a second run writes nothing), and how the follow-up
finds it. The follow-up resolves it (``PATCH .../incidents/{id}``, status ``resolved``) and puts
the component back to the status it had; that is also the reversal of an update.

Statuspage takes no idempotency key; exactly-once rests on the action's claim, the fresh plan
before the write (which sees an incident the bot already made) and never retrying a write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.action.execution import (
    CheckpointRecorder,
    ExecutionResult,
    Verification,
    VerificationOutcome,
)
from bot.action.plan import (
    ActionParameters,
    ActionPlan,
    ActionTarget,
    ObservedState,
    Reversal,
    VendorActionKind,
    VendorRequest,
)
from bot.action.vendor_run import run_vendor_plan
from bot.clock import Clock
from bot.errors import ActionPlanError, VendorCallError

__all__ = ["StatuspageActions", "StatuspageConnection"]

SYSTEM = "statuspage"
Kind = VendorActionKind
COMPONENT_STATUSES = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)


class StatuspageConnection:
    """Where the API is, the key (sent as ``Authorization: OAuth <key>``, never logged) and
    the seconds one call may take."""

    __slots__ = ("_key", "api_url", "timeout")

    def __init__(self, *, api_key: SecretStr, api_url: str, timeout: float = 5.0) -> None:
        self._key = api_key
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"StatuspageConnection(api_url={self.api_url!r})"

    async def call(self, method: str, path: str, body: str | None = None) -> Any:
        """One call; the JSON answer. VendorCallError for a refusal or no answer."""
        headers = {"Authorization": f"OAuth {self._key.get_secret_value()}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.request(method, self.api_url + path, data=body, headers=headers) as reply,
            ):
                answer = await reply.json(content_type=None)
                if reply.status >= 400:
                    error = answer.get("error") if isinstance(answer, dict) else None
                    raise VendorCallError(
                        f"Statuspage answered {reply.status}: {error or reply.reason}",
                        sent=True,
                    )
                return answer
        except aiohttp.ClientConnectorError as exc:
            raise VendorCallError(f"Statuspage unreachable: {exc.os_error}", sent=False) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise VendorCallError(
                f"no answer from Statuspage ({type(exc).__name__}); the write may have been "
                "applied: look before trying again",
                sent=True,
            ) from exc


def _marker(incident: Mapping[str, Any]) -> str | None:
    metadata = incident.get("metadata") or {}
    bot = metadata.get("incident_bot") if isinstance(metadata, dict) else None
    return str(bot.get("incident")) if isinstance(bot, dict) and "incident" in bot else None


class StatuspageActions:
    """The vendor executor for :attr:`VendorActionKind.STATUS_UPDATE` and its follow-up on one
    page; ``components`` maps a service to its component id on that page."""

    def __init__(
        self,
        connection: StatuspageConnection,
        *,
        page_id: str,
        components: Mapping[str, str],
        clock: Clock,
        poll_interval: float = 0.5,
    ) -> None:
        self._connection = connection
        self._page = page_id
        self._components = dict(components)
        self._clock = clock
        self._poll = poll_interval

    @property
    def kinds(self) -> frozenset[VendorActionKind]:
        return frozenset({Kind.STATUS_UPDATE, Kind.RESOLVE_STATUS})

    def _path(self, tail: str) -> str:
        return f"/v1/pages/{self._page}{tail}"

    async def _read(self, path: str) -> Any:
        try:
            return await self._connection.call("GET", self._path(path))
        except VendorCallError as exc:
            raise ActionPlanError(exc.reason) from exc

    async def locate(
        self, kind: VendorActionKind, name: str, namespace: str | None
    ) -> ActionTarget:
        """``name`` is a service; its component is the one the settings map it to."""
        component = self._components.get(name)
        if component is None:
            raise ActionPlanError(
                f"no Statuspage component is configured for {name} (STATUSPAGE_COMPONENTS)"
            )
        if namespace not in (None, self._page):
            raise ActionPlanError(f"this bot posts only on status page {self._page}")
        found = await self._read(f"/components/{component}")
        return ActionTarget(self._page, str(found["id"]))

    async def _posted(self, ref: str) -> dict[str, Any] | None:
        """The unresolved incident on the page that carries ``ref``."""
        for incident in await self._read("/incidents/unresolved"):
            if _marker(incident) == ref:
                return dict(incident)
        return None

    async def plan(
        self, kind: VendorActionKind, target: ActionTarget, parameters: ActionParameters
    ) -> ActionPlan:
        if kind not in self.kinds:
            raise ActionPlanError(f"Statuspage does not carry out {kind.value}")
        if parameters.ref is None or parameters.text is None:
            raise ActionPlanError("a status update needs the incident's reference and its text")
        status = parameters.status or ("operational" if kind is Kind.RESOLVE_STATUS else "")
        if status not in COMPONENT_STATUSES:
            raise ActionPlanError(f"{status!r} is not a Statuspage component status")
        component = await self._read(f"/components/{target.name}")
        posted = await self._posted(parameters.ref)
        current = ObservedState(
            status=str(component["status"]), ref=str(posted["id"]) if posted else None
        )
        if kind is Kind.STATUS_UPDATE:
            return self._update_plan(target, parameters, component, current, status)
        return self._resolve_plan(target, parameters, component, current, status)

    def _update_plan(
        self,
        target: ActionTarget,
        parameters: ActionParameters,
        component: Mapping[str, Any],
        current: ObservedState,
        status: str,
    ) -> ActionPlan:
        title = parameters.title
        if not title:
            raise ActionPlanError("a status update needs a title")
        body = {
            "incident": {
                "name": title,
                "status": "investigating",
                "body": parameters.text,
                "component_ids": [target.name],
                "components": {target.name: status},
                "deliver_notifications": True,
                "metadata": {"incident_bot": {"incident": parameters.ref}},
            }
        }
        name = component.get("name", target.name)
        back = ActionParameters(
            ref=parameters.ref,
            status=current.status,
            text=f"Resolved. {name} is back to {current.status}.",
        )
        return ActionPlan(
            kind=Kind.STATUS_UPDATE,
            target=target,
            parameters=parameters,
            current=current,
            desired=ObservedState(status=status),
            request=VendorRequest.of(SYSTEM, "POST", self._path("/incidents"), body),
            reversal=Reversal(
                Kind.RESOLVE_STATUS,
                target,
                back,
                f"resolve the status-page incident and set {name} back to {current.status}",
            ),
            summary=f"Post on the status page: “{title}”, {name} {current.status} → {status}",
            refusal=None
            if current.ref is None
            else f"this incident's status update is already posted ({current.ref})",
        )

    def _resolve_plan(
        self,
        target: ActionTarget,
        parameters: ActionParameters,
        component: Mapping[str, Any],
        current: ObservedState,
        status: str,
    ) -> ActionPlan:
        name = component.get("name", target.name)
        body = {
            "incident": {
                "status": "resolved",
                "body": parameters.text,
                "components": {target.name: status},
            }
        }
        path = self._path(f"/incidents/{current.ref}")
        return ActionPlan(
            kind=Kind.RESOLVE_STATUS,
            target=target,
            parameters=parameters,
            current=current,
            desired=ObservedState(status=status, ref=current.ref),
            request=None if current.ref is None else VendorRequest.of(SYSTEM, "PATCH", path, body),
            reversal=None,
            summary=f"Resolve the status-page incident; {name} {current.status} → {status}",
            refusal="no unresolved status-page incident of this incident to resolve"
            if current.ref is None
            else None,
        )

    async def execute(
        self, plan: ActionPlan, *, record_checkpoint: CheckpointRecorder | None = None
    ) -> ExecutionResult:
        async def replan() -> ActionPlan:
            assert isinstance(plan.kind, VendorActionKind)
            return await self.plan(plan.kind, plan.target, plan.parameters)

        async def send(call: VendorRequest) -> None:
            await self._connection.call(call.method, call.path, call.body)

        return await run_vendor_plan(
            plan, replan=replan, send=send, clock=self._clock, record_checkpoint=record_checkpoint
        )

    async def _seen(self, plan: ActionPlan) -> tuple[bool, str]:
        """Whether the page shows the plan's effect now, and what it shows."""
        component = await self._read(f"/components/{plan.target.name}")
        status = str(component["status"])
        ref = plan.parameters.ref or ""
        if plan.kind is Kind.STATUS_UPDATE:
            posted = await self._posted(ref)
            latest = (posted or {}).get("incident_updates") or [{}]
            text_shown = latest[0].get("body") == plan.parameters.text
            done = posted is not None and text_shown and status == plan.desired.status
            where = f"incident {posted['id']} ({posted['status']})" if posted else "no incident"
            return done, f"status page shows {where}; component {status}"
        incident = await self._read(f"/incidents/{plan.desired.ref}")
        done = incident.get("status") == "resolved" and status == plan.desired.status
        return (
            done,
            f"status page shows incident {incident['id']} {incident['status']}; component {status}",
        )

    async def verify(self, plan: ActionPlan, *, deadline: float) -> Verification:
        loop = asyncio.get_running_loop()
        until, checks, detail = loop.time() + deadline, 0, "not read yet"
        while True:
            checks += 1
            try:
                done, detail = await self._seen(plan)
            except ActionPlanError as exc:
                done, detail = False, f"status page unreadable: {exc}"
            if done:
                return Verification(VerificationOutcome.VERIFIED, detail, checks)
            if loop.time() >= until:
                return Verification(VerificationOutcome.NOT_VERIFIED, detail, checks)
            await asyncio.sleep(self._poll)
