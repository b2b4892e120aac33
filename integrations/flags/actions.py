"""``flag_off`` (and its reversal ``flag_on``) as an executor, whichever flag service the
settings name: the steps are the same, the wire differs (:mod:`.launchdarkly`,
:mod:`.unleash`).

- plan: read the flag's state in the configured environment (``on``/``off`` is the observed
  state) and show the exact request; a flag already in the asked state refuses the plan.
- execute: the core's run of a vendor plan: plan afresh (someone toggled it meanwhile: the
  hash moved, nothing sent), checkpoint, one write, never retried.
- verify: read the flag back until it is in the asked state, or the deadline.
- reversal: ``flag_off`` is undone by ``flag_on`` of the same flag and environment (planned
  afresh and approved like any action), and the other way round.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

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
from bot.errors import ActionPlanError, PagerError, VendorCallError

__all__ = ["FlagActions", "FlagState"]

FlagState = tuple[bool, str]  # (on, version): the version is what the checkpoint records

_WANTED = {VendorActionKind.FLAG_OFF: False, VendorActionKind.FLAG_ON: True}
_OPPOSITE = {
    VendorActionKind.FLAG_OFF: VendorActionKind.FLAG_ON,
    VendorActionKind.FLAG_ON: VendorActionKind.FLAG_OFF,
}


def _word(on: bool) -> str:
    return "on" if on else "off"


class FlagActions:
    """What both flag services share; a subclass says how to read a flag and which request
    turns it on or off (``system`` names the vendor in plans and errors)."""

    system = "flags"

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        project: str,
        environment: str,
        clock: Clock,
        timeout: float = 10.0,
        poll_interval: float = 0.5,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.project = project
        self.environment = environment
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._poll = poll_interval
        self._session: aiohttp.ClientSession | None = None

    # What a subclass provides

    def auth_headers(self, token: str) -> dict[str, str]:
        raise NotImplementedError

    async def read(self, target: ActionTarget) -> FlagState:
        """The flag's state in :attr:`environment`; ActionPlanError when it cannot be read."""
        raise NotImplementedError

    def request(self, target: ActionTarget, on: bool) -> VendorRequest:
        raise NotImplementedError

    # Shared

    @property
    def kinds(self) -> frozenset[VendorActionKind]:
        return frozenset(_WANTED)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(
        self, method: str, path: str, *, body: str | None = None, content_type: str | None = None
    ) -> tuple[int, Any]:
        """One HTTP call under the API URL; PagerError when no answer came."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = self.auth_headers(self._token)
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            async with self._session.request(
                method, self.api_url + path, headers=headers, data=body
            ) as response:
                text = await response.text()
                status = response.status
        except TimeoutError as exc:
            raise PagerError(self.system, f"{method} {path}", "no answer in time") from exc
        except aiohttp.ClientConnectorError as exc:
            raise PagerError(self.system, f"{method} {path}", "unreachable", sent=False) from exc
        except aiohttp.ClientError as exc:
            raise PagerError(self.system, f"{method} {path}", type(exc).__name__) from exc
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, None

    def refused(self, call: str, status: int, body: Any) -> PagerError:
        message = body.get("message") if isinstance(body, dict) else None
        return PagerError(
            self.system, call, f"HTTP {status}: {message or 'refused'}", status=status
        )

    async def locate(
        self, kind: VendorActionKind, name: str, namespace: str | None
    ) -> ActionTarget:
        try:
            target = ActionTarget(namespace or self.project, name)
        except ValueError as exc:
            raise ActionPlanError(f"{name!r} is not a flag key") from exc
        await self.read(target)  # raises when there is no such flag
        return target

    async def plan(
        self, kind: VendorActionKind, target: ActionTarget, parameters: ActionParameters
    ) -> ActionPlan:
        wanted = _WANTED.get(kind)
        if wanted is None:
            raise ActionPlanError(f"{self.system} carries out flag_off and flag_on, not {kind}")
        on, _version = await self.read(target)
        where = f"{target.name} in {self.environment} ({self.system} project {target.namespace})"
        refusal = f"{where} is {_word(on)} already" if on is wanted else None
        return ActionPlan(
            kind=kind,
            target=target,
            parameters=parameters,
            current=ObservedState(status=_word(on), ref=self.environment),
            desired=ObservedState(status=_word(wanted), ref=self.environment),
            request=None if refusal else self.request(target, wanted),
            reversal=Reversal(
                _OPPOSITE[kind],
                target,
                ActionParameters(),
                f"turn {target.name} back {_word(on)} in {self.environment}",
            ),
            summary=f"Turn {where} {_word(wanted)}",
            refusal=refusal,
        )

    async def send(self, request: VendorRequest) -> None:
        status, body = await self.call(
            request.method, request.path, body=request.body, content_type=request.content_type
        )
        if not 200 <= status < 300:
            raise self.refused(f"{request.method} {request.path}", status, body)

    async def _send_call(self, request: VendorRequest) -> None:
        try:
            await self.send(request)
        except PagerError as exc:
            raise VendorCallError(exc.reason, sent=exc.sent) from exc

    async def execute(
        self, plan: ActionPlan, *, record_checkpoint: CheckpointRecorder | None = None
    ) -> ExecutionResult:
        """The core's one run of a vendor plan (:func:`bot.action.vendor_run.run_vendor_plan`):
        plan afresh, checkpoint, one write."""
        kind = plan.kind

        async def replan() -> ActionPlan:
            assert isinstance(kind, VendorActionKind)
            return await self.plan(kind, plan.target, plan.parameters)

        return await run_vendor_plan(
            plan,
            replan=replan,
            send=self._send_call,
            clock=self._clock,
            record_checkpoint=record_checkpoint,
        )

    async def verify(self, plan: ActionPlan, *, deadline: float) -> Verification:
        wanted = plan.desired.status
        ends = time.monotonic() + deadline
        checks = 0
        last = "not read yet"
        while True:
            checks += 1
            try:
                on, _version = await self.read(plan.target)
                last = f"{plan.target.name} is {_word(on)} in {self.environment}"
                if _word(on) == wanted:
                    return Verification(VerificationOutcome.VERIFIED, f"read back: {last}", checks)
            except ActionPlanError as exc:
                last = str(exc)
            if time.monotonic() >= ends:
                return Verification(VerificationOutcome.NOT_VERIFIED, last, checks)
            await asyncio.sleep(min(self._poll, max(0.0, ends - time.monotonic())))
