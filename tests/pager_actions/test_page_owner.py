"""``page_owner`` through the action flows against the PagerDuty stand-in: it runs on its own
where the policy says ``auto``, waits for an approver where it says ``approve``, pages once
however often it is clicked or asked, stops at the kill switch, and a failed verification
pages the owner."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.action.flows import ActionRequest
from bot.action.models import ActionState
from bot.action.plan import ActionParameters, VendorActionKind
from bot.clock import FixedClock
from bot.killswitch import service as kill_switch
from bot.policy import parse_policy
from integrations.pagerduty import PagerDutyClient
from integrations.pagerduty.actions import PagerDutyPageActions
from integrations.pagerduty_emulator import PagerDutyEmulator
from tests.pager_actions.conftest import APPROVER, OUTSIDER, ROUTING_KEY, ContextFactory
from tests.pager_actions.support import actions_of, ask, audit_events, click, request

PAGE = VendorActionKind.PAGE_OWNER
APPROVE_PAGES = parse_policy(
    "defaults:\n  approvers: ['@sre-oncall']\n  actions:\n    page_owner: {autonomy: approve}\n",
    path=Path("policy.yaml"),
)


def _page(incident: int, channel: str) -> ActionRequest:
    return request(
        incident,
        channel,
        PAGE,
        "checkout-api",
        parameters=ActionParameters(ref=f"INC-{incident}", title="checkout-api 5xx: owner needed"),
    )


async def test_the_policy_lets_a_page_run_on_its_own_and_it_is_read_back(
    context: ContextFactory,
    paging,
    pd_client: PagerDutyClient,
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
    incident: int,
    channel: str,
) -> None:
    ctx = context(PagerDutyPageActions(pd_client, paging, clock=clock, poll_interval=0.01))

    await ask(ctx, _page(incident, channel))

    (record,) = await actions_of(ctx)
    assert record.state == ActionState.VERIFIED
    triggers = pagerduty.state.triggers(ROUTING_KEY)
    dedup_key = f"incident-bot/checkout-api/INC-{incident}"
    assert [event["dedup_key"] for event in triggers] == [dedup_key]
    assert ROUTING_KEY not in str(record.plan)  # the credential is never part of a plan
    assert ("action.approved", "policy") in await audit_events(ctx)
    assert f"is triggered under {dedup_key}" in (record.result or "")


async def test_a_second_request_for_the_same_page_is_refused_as_paged_already(
    context: ContextFactory,
    paging,
    pd_client: PagerDutyClient,
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
    incident: int,
    channel: str,
) -> None:
    ctx = context(PagerDutyPageActions(pd_client, paging, clock=clock, poll_interval=0.01))
    await ask(ctx, _page(incident, channel))

    text = await ask(ctx, _page(incident, channel))

    assert "paged already" in text
    assert len(pagerduty.state.triggers(ROUTING_KEY)) == 1
    assert len(await actions_of(ctx)) == 1


async def test_without_the_approval_the_policy_asks_for_nothing_is_paged(
    context: ContextFactory,
    paging,
    pd_client: PagerDutyClient,
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
    incident: int,
    channel: str,
) -> None:
    ctx = context(PagerDutyPageActions(pd_client, paging, clock=clock), policy=APPROVE_PAGES)
    await ask(ctx, _page(incident, channel))
    (record,) = await actions_of(ctx)

    refused = await click(ctx, record.id, OUTSIDER)

    assert "approvers" in refused or "not" in refused
    assert [one.state for one in await actions_of(ctx)] == [ActionState.PROPOSED]
    assert pagerduty.state.triggers() == []
    assert ("action.approval_refused", f"slack:{OUTSIDER}") in await audit_events(ctx)


async def test_a_double_click_on_two_replicas_pages_once(
    context: ContextFactory,
    paging,
    pagerduty: PagerDutyEmulator,
    clock: FixedClock,
    incident: int,
    channel: str,
) -> None:
    clients = [
        PagerDutyClient(api_url=pagerduty.base_url, events_url=pagerduty.base_url) for _ in range(2)
    ]
    try:
        replicas = [
            context(
                PagerDutyPageActions(one, paging, clock=clock, poll_interval=0.01),
                policy=APPROVE_PAGES,
            )
            for one in clients
        ]
        await ask(replicas[0], _page(incident, channel))
        (record,) = await actions_of(replicas[0])
        answers = await asyncio.gather(*(click(ctx, record.id, APPROVER) for ctx in replicas))
    finally:
        for one in clients:
            await one.close()

    assert len(pagerduty.state.triggers(ROUTING_KEY)) == 1
    assert sum("changes nothing" in a or "at most once" in a for a in answers) == 1, answers
    assert [one.state for one in await actions_of(replicas[0])] == [ActionState.VERIFIED]


async def test_the_kill_switch_stops_a_page(
    context: ContextFactory,
    paging,
    pd_client: PagerDutyClient,
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
    sessions,
    incident: int,
    channel: str,
) -> None:
    ctx = context(PagerDutyPageActions(pd_client, paging, clock=clock))
    async with sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor="slack:U0ALICE", clock=clock)

    text = await ask(ctx, _page(incident, channel))

    assert "kill" in text.lower()
    assert pagerduty.state.triggers() == []
    assert await actions_of(ctx) == []


async def test_a_page_pagerduty_never_opened_is_not_verified_and_pages_the_owner_again(
    context: ContextFactory,
    paging,
    pd_client: PagerDutyClient,
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
    incident: int,
    channel: str,
) -> None:
    for service in pagerduty.state.services.values():
        service.suppress = True  # an event rule swallows the alert: accepted, nothing opened
    ctx = context(PagerDutyPageActions(pd_client, paging, clock=clock, poll_interval=0.05))

    await ask(ctx, _page(incident, channel))

    (record,) = await actions_of(ctx)
    assert record.state == ActionState.NOT_VERIFIED
    keys = [event["dedup_key"] for event in pagerduty.state.triggers(ROUTING_KEY)]
    page_key = f"incident-bot/checkout-api/INC-{incident}"
    assert keys == [page_key, f"{page_key}/action-{record.id}"]
    assert ("action.owner_paged", "bot") in await audit_events(ctx)
