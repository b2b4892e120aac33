"""``page_owner`` as an executor (:class:`~bot.action.ports.VendorActions`): an Events API v2
trigger for the owning service's routing key, with one ``dedup_key`` per incident and service
(``incident-bot/checkout/INC-7``), so a double click, two replicas or two people asking page
once.

- plan: the event exactly as sent, less the routing key (a credential, added when sent); with a
  REST API key, the incidents PagerDuty already has under that dedup key are the observed state,
  and an open one refuses the plan (the owner is paged already).
- execute: the core's run of a vendor plan (:func:`bot.action.vendor_run.run_vendor_plan`):
  plan afresh (an incident that appeared meanwhile changes the hash: nothing sent), checkpoint,
  one trigger of exactly the event shown with the routing key added, never retried.
- verify: read the incident back by its dedup key (REST ``GET /incidents?incident_key=``); with
  no REST key, PagerDuty's ``202`` acceptance is all there is, and the detail says so.
- reversal: none. A page cannot be taken back; people resolve it in PagerDuty.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace

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
    VendorActionKind,
    VendorRequest,
)
from bot.action.vendor_run import run_vendor_plan
from bot.clock import Clock
from bot.errors import ActionPlanError, PagerError, VendorCallError
from bot.pager.paging import OwnerPaging, incident_dedup_key
from bot.pager.ports import OwnerPage
from integrations.pagerduty.client import PagerDutyClient

__all__ = ["PagerDutyPageActions"]

PLACE = "pagerduty"
_INCIDENT_REF = re.compile(r"^INC-(\d{1,9})$")


def _shown(page: OwnerPage) -> dict[str, object]:
    """The event as the plan shows it: everything but the routing key."""
    return {
        "event_action": "trigger",
        "dedup_key": page.dedup_key,
        "payload": {
            "summary": page.summary,
            "source": page.source,
            "severity": page.severity,
            "custom_details": dict(page.details or {}),
        },
        "client": "incident-bot",
        "links": [{"text": text, "href": href} for text, href in page.links],
    }


class PagerDutyPageActions:
    def __init__(
        self,
        client: PagerDutyClient,
        paging: OwnerPaging,
        *,
        clock: Clock,
        poll_interval: float = 0.5,
    ) -> None:
        self._client = client
        self._paging = paging
        self._clock = clock
        self._poll = poll_interval

    @property
    def kinds(self) -> frozenset[VendorActionKind]:
        return frozenset({VendorActionKind.PAGE_OWNER})

    async def locate(
        self, kind: VendorActionKind, name: str, namespace: str | None
    ) -> ActionTarget:
        if not self._paging.configured_for(name):
            raise ActionPlanError(
                f"no PagerDuty routing key is configured for {name} (PAGERDUTY_ROUTING_KEYS)"
            )
        return ActionTarget(PLACE, name)

    def _page(self, target: ActionTarget, parameters: ActionParameters) -> OwnerPage:
        match = _INCIDENT_REF.match(parameters.ref or "")
        if match is None:
            raise ActionPlanError("a page names its incident (ref INC-<number>)")
        service, ref = target.name, parameters.ref or ""
        summary = parameters.title or f"{service}: {ref} needs its owner"
        details = {"incident": ref, **({"note": parameters.text} if parameters.text else {})}
        try:
            return self._paging.page_for(
                service=service,
                dedup_key=incident_dedup_key(service, int(match.group(1))),
                summary=summary,
                details=details,
            )
        except PagerError as exc:
            raise ActionPlanError(exc.reason) from exc

    async def _open_incident(self, dedup_key: str) -> tuple[str, int, str] | None:
        if not self._client.can_read:
            return None
        try:
            found = await self._client.incidents_for(dedup_key)
        except PagerError as exc:
            raise ActionPlanError(f"PagerDuty cannot be read: {exc.reason}") from exc
        return next((one for one in found if one[2] != "resolved"), None)

    async def plan(
        self, kind: VendorActionKind, target: ActionTarget, parameters: ActionParameters
    ) -> ActionPlan:
        page = self._page(target, parameters)
        open_incident = await self._open_incident(page.dedup_key)
        current = ObservedState(
            ref=page.dedup_key, status=open_incident[2] if open_incident else "not paged"
        )
        refusal = None
        if open_incident is not None:
            refusal = (
                f"{target.name}'s owner is paged already: PagerDuty incident "
                f"#{open_incident[1]} is {open_incident[2]} under {page.dedup_key}"
            )
        return ActionPlan(
            kind=VendorActionKind.PAGE_OWNER,
            target=target,
            parameters=parameters,
            current=current,
            desired=ObservedState(ref=page.dedup_key, status="triggered"),
            request=None
            if refusal
            else VendorRequest.of(
                "pagerduty", "POST", "/v2/enqueue", _shown(page), idempotency_key=page.dedup_key
            ),
            reversal=None,
            summary=f"Page {target.name}'s owner in PagerDuty: {page.summary} "
            "(a page cannot be taken back)",
            refusal=refusal,
        )

    async def _send(self, request: VendorRequest, service: str) -> None:
        """Send the shown event with the routing key added (the one thing a plan leaves out)."""
        event = request.json()
        page = OwnerPage(
            routing_key="",
            dedup_key=str(event["dedup_key"]),
            summary=str(event["payload"]["summary"]),
            source=str(event["payload"]["source"]),
            severity=event["payload"]["severity"],
            details=event["payload"].get("custom_details") or {},
            links=tuple((link["text"], link["href"]) for link in event.get("links", [])),
        )
        key = self._paging.routing_key(service)
        if key is None:
            raise VendorCallError("no PagerDuty routing key for this page any more", sent=False)
        try:
            await self._client.trigger(replace(page, routing_key=key))
        except PagerError as exc:
            raise VendorCallError(exc.reason, sent=exc.sent) from exc

    async def execute(
        self, plan: ActionPlan, *, record_checkpoint: CheckpointRecorder | None = None
    ) -> ExecutionResult:
        """The core's one run of a vendor plan: plan afresh (an incident that appeared
        meanwhile changes the hash: nothing sent), checkpoint, one trigger."""

        async def replan() -> ActionPlan:
            return await self.plan(VendorActionKind.PAGE_OWNER, plan.target, plan.parameters)

        async def send(request: VendorRequest) -> None:
            await self._send(request, plan.target.name)

        return await run_vendor_plan(
            plan,
            replan=replan,
            send=send,
            clock=self._clock,
            record_checkpoint=record_checkpoint,
        )

    async def verify(self, plan: ActionPlan, *, deadline: float) -> Verification:
        dedup_key = plan.desired.ref or ""
        if not self._client.can_read:
            detail = (
                f"PagerDuty accepted the trigger (202) under {dedup_key}; without a REST API "
                "key (PAGERDUTY_API_TOKEN) the incident cannot be read back"
            )
            return Verification(VerificationOutcome.VERIFIED, detail, 0)
        ends = time.monotonic() + deadline
        checks = 0
        last = "no incident under that dedup key yet"
        while True:
            checks += 1
            try:
                found = await self._open_incident(dedup_key)
            except ActionPlanError as exc:
                found, last = None, str(exc)
            if found is not None:
                detail = f"PagerDuty incident #{found[1]} is {found[2]} under {dedup_key}"
                return Verification(VerificationOutcome.VERIFIED, detail, checks)
            if time.monotonic() >= ends:
                return Verification(VerificationOutcome.NOT_VERIFIED, last, checks)
            await asyncio.sleep(min(self._poll, max(0.0, ends - time.monotonic())))
