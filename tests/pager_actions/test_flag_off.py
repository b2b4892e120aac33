"""``flag_off`` and its reversal through the action flows, against LaunchDarkly's and Unleash's
stand-ins: the exact request in the plan, refused without the approval the policy asks for,
one write however often it is approved, stopped by the kill switch, a failed verification pages
the owner, and the reversal turns the flag back on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.action import service as actions
from bot.action.codec import plan_from_dict
from bot.action.flows import decide
from bot.action.models import ActionState
from bot.action.plan import ActionParameters, ActionTarget, VendorActionKind, VendorRequest
from bot.clock import FixedClock
from bot.errors import ActionPlanError
from bot.killswitch import service as kill_switch
from integrations.flag_emulators import LaunchDarklyEmulator, UnleashEmulator
from integrations.flags import FlagActions, LaunchDarklyFlags, UnleashFlags
from integrations.pagerduty_emulator import PagerDutyEmulator
from tests.pager_actions.conftest import (
    APPROVER,
    LD_TOKEN,
    OUTSIDER,
    ROUTING_KEY,
    UNLEASH_TOKEN,
    ContextFactory,
)
from tests.pager_actions.support import actions_of, ask, audit_events, click, request

OFF, ON = VendorActionKind.FLAG_OFF, VendorActionKind.FLAG_ON
FLAG = "new-checkout-flow"


@dataclass
class FlagService:
    """One flag service's stand-in and the bot's executor for it."""

    executor: FlagActions
    launchdarkly: LaunchDarklyEmulator | None = None
    unleash: UnleashEmulator | None = None

    def on(self) -> bool:
        if self.launchdarkly is not None:
            return self.launchdarkly.flags["shop", FLAG].on["production"]
        assert self.unleash is not None
        return self.unleash.features["shop", FLAG].enabled["production"]

    def writes(self) -> int:
        if self.launchdarkly is not None:
            return len(self.launchdarkly.flags["shop", FLAG].patches)
        assert self.unleash is not None
        return len(self.unleash.features["shop", FLAG].toggles)

    def revert_every_write(self) -> None:
        if self.launchdarkly is not None:
            self.launchdarkly.flags["shop", FLAG].reverted_by_others = True
        if self.unleash is not None:
            self.unleash.features["shop", FLAG].reverted_by_others = True


@pytest.fixture(params=["launchdarkly", "unleash"])
async def flags(
    request: pytest.FixtureRequest,
    launchdarkly: LaunchDarklyEmulator,
    unleash: UnleashEmulator,
    clock: FixedClock,
) -> AsyncIterator[FlagService]:
    common = {"project": "shop", "environment": "production", "clock": clock}
    if request.param == "launchdarkly":
        executor: FlagActions = LaunchDarklyFlags(
            api_url=launchdarkly.base_url, token=LD_TOKEN, poll_interval=0.01, **common
        )
        service = FlagService(executor, launchdarkly=launchdarkly)
    else:
        executor = UnleashFlags(
            api_url=unleash.base_url, token=UNLEASH_TOKEN, poll_interval=0.01, **common
        )
        service = FlagService(executor, unleash=unleash)
    yield service
    await executor.close()


async def test_the_plan_shows_the_exact_request_and_the_state_it_was_read_in(
    flags: FlagService,
) -> None:
    target = await flags.executor.locate(OFF, FLAG, None)
    plan = await flags.executor.plan(OFF, target, ActionParameters())

    assert (plan.current.status, plan.desired.status) == ("on", "off")
    assert isinstance(plan.request, VendorRequest)
    if flags.launchdarkly is not None:
        assert (plan.request.method, plan.request.path) == (
            "PATCH",
            "/api/v2/flags/shop/new-checkout-flow",
        )
        assert plan.request.content_type == (
            "application/json; domain-model=launchdarkly.semanticpatch"
        )
        assert plan.request.json()["instructions"] == [{"kind": "turnFlagOff"}]
        assert plan.request.json()["environmentKey"] == "production"
    else:
        assert (plan.request.method, plan.request.path) == (
            "POST",
            "/api/admin/projects/shop/features/new-checkout-flow/environments/production/off",
        )
    assert plan.reversal is not None
    assert (plan.reversal.kind, plan.reversal.target) == (ON, ActionTarget("shop", FLAG))
    assert LD_TOKEN not in str(plan)
    assert UNLEASH_TOKEN not in str(plan)


async def test_a_flag_that_is_not_there_or_off_already_is_not_planned(flags: FlagService) -> None:
    with pytest.raises(ActionPlanError, match="no flag"):
        await flags.executor.locate(OFF, "no-such-flag", None)
    target = ActionTarget("shop", FLAG)
    await flags.executor.execute(await flags.executor.plan(OFF, target, ActionParameters()))
    again = await flags.executor.plan(OFF, target, ActionParameters())
    assert again.refusal is not None
    assert "off already" in again.refusal
    assert not again.executable


async def test_without_the_approval_the_policy_asks_for_the_flag_stays_on(
    context: ContextFactory, flags: FlagService, incident: int, channel: str
) -> None:
    ctx = context(flags.executor)
    await ask(ctx, request(incident, channel, OFF, FLAG))
    (record,) = await actions_of(ctx)

    await click(ctx, record.id, OUTSIDER)
    await click(ctx, record.id, "U0BOB")  # the requester may not approve their own

    assert [one.state for one in await actions_of(ctx)] == [ActionState.PROPOSED]
    assert flags.on()
    assert flags.writes() == 0


async def test_an_approved_flag_off_runs_once_on_two_replicas_and_is_read_back(
    context: ContextFactory, flags: FlagService, incident: int, channel: str
) -> None:
    replicas = [context(flags.executor), context(flags.executor)]
    await ask(replicas[0], request(incident, channel, OFF, FLAG))
    (record,) = await actions_of(replicas[0])

    await asyncio.gather(*(click(ctx, record.id, APPROVER) for ctx in replicas))

    (done,) = await actions_of(replicas[0])
    assert done.state == ActionState.VERIFIED
    assert "read back" in (done.result or "")
    assert not flags.on()
    assert flags.writes() == 1
    assert ("action.approved", f"slack:{APPROVER}") in await audit_events(replicas[0])


async def test_the_kill_switch_between_approval_and_run_stops_the_write(
    context: ContextFactory,
    flags: FlagService,
    incident: int,
    channel: str,
    sessions,
    clock: FixedClock,
) -> None:
    ctx = context(flags.executor)
    await ask(ctx, request(incident, channel, OFF, FLAG))
    (record,) = await actions_of(ctx)
    async with sessions() as session:
        stored = await actions.get(session, record.id)
    assert stored is not None
    reply = await decide(ctx, value=f"{stored.id}:{stored.plan_hash}", user=APPROVER, approve=True)
    async with sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor=f"slack:{APPROVER}", clock=clock)
    assert reply.follow_up is not None
    await reply.follow_up()

    (stopped,) = await actions_of(ctx)
    assert stopped.state == ActionState.FAILED
    assert "kill_switch" in (stopped.result or "")
    assert flags.on()
    assert flags.writes() == 0


async def test_a_failed_verification_pages_the_owner_in_pagerduty(
    context: ContextFactory,
    flags: FlagService,
    pagerduty: PagerDutyEmulator,
    incident: int,
    channel: str,
) -> None:
    flags.revert_every_write()  # accepted, and put back at once by someone else's automation
    ctx = context(flags.executor)
    await ask(ctx, request(incident, channel, OFF, FLAG))
    (record,) = await actions_of(ctx)

    await click(ctx, record.id, APPROVER)

    (failed,) = await actions_of(ctx)
    assert failed.state == ActionState.NOT_VERIFIED
    (page,) = pagerduty.state.triggers(ROUTING_KEY)
    assert page["dedup_key"] == f"incident-bot/checkout-api/INC-{incident}/action-{record.id}"
    assert (
        "not verified" in page["payload"]["summary"]
        or "needs a person" in page["payload"]["summary"]
    )
    assert ("action.owner_paged", "bot") in await audit_events(ctx)


async def test_the_reversal_turns_the_flag_back_on(
    context: ContextFactory, flags: FlagService, incident: int, channel: str
) -> None:
    ctx = context(flags.executor)
    await ask(ctx, request(incident, channel, OFF, FLAG))
    (off,) = await actions_of(ctx)
    await click(ctx, off.id, APPROVER)
    assert not flags.on()
    assert off.plan is not None
    reversal = plan_from_dict(off.plan).reversal
    assert reversal is not None

    await ask(
        ctx,
        request(
            incident,
            channel,
            reversal.kind,
            reversal.target.name,
            namespace=reversal.target.namespace,
        ),
    )
    back = (await actions_of(ctx))[-1]
    await click(ctx, back.id, APPROVER)

    assert [one.state for one in await actions_of(ctx)] == [ActionState.VERIFIED] * 2
    assert flags.on()
    assert flags.writes() == 2
