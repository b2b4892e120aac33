"""The action flows (propose, approve, run once, verify, page, reverse) with the PagerDuty and
flag executors against their stand-ins, Slack through the Slack emulator, on both databases.

The action context is built as the composition root builds it, minus a cluster: no cluster
kind is asked for here, so its executor points at an address nothing listens on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.context import ActionContext
from bot.action.executors import VendorExecutors
from bot.action.ports import VendorActions
from bot.action.recovery import RecoveryCheck
from bot.clock import FixedClock
from bot.evidence.gather import EvidenceSources
from bot.incident.progress import step
from bot.pager.paging import OwnerPaging
from bot.policy import Policy, parse_policy
from integrations.flag_emulators import LaunchDarklyEmulator, UnleashEmulator
from integrations.kubernetes import KubeConnection, KubernetesActions
from integrations.pagerduty import PagerDutyClient
from integrations.pagerduty_emulator import PagerDutyEmulator
from integrations.slack.actions import SlackActionChat
from integrations.slack.client import build_web_client
from integrations.slack_emulator import EmulatorConfig, SlackEmulator
from tests.pagerduty.conftest import BOT_EMAIL, ROUTING_KEY, TOKEN
from tests.pagerduty.support import deliver_webhook, only_incident, post_packet

APPROVER, REQUESTER, OUTSIDER = "U0ALICE", "U0BOB", "U0CAROL"
LD_TOKEN, UNLEASH_TOKEN = "api-0f1e2d3c-writer", "*:*.unleash-admin-token"

POLICY = """
approval_ttl_minutes: 15
defaults:
  approvers: ["@sre-oncall"]
  actions:
    page_owner: {autonomy: auto}
    flag_off: {autonomy: approve}
"""

ContextFactory = Callable[..., ActionContext]


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(EmulatorConfig(port=0, rate_limits_enabled=False)) as emulator:
        yield emulator


@pytest.fixture
async def chat(slack: SlackEmulator) -> AsyncIterator[SlackActionChat]:
    async with aiohttp.ClientSession() as http:
        client = build_web_client(slack.config.bot_token, base_url=slack.api_url, session=http)
        yield SlackActionChat(client)


@pytest.fixture
async def channel(chat: SlackActionChat) -> str:
    return (await chat.create_channel("inc-checkout-api")).id


@pytest.fixture
async def pagerduty() -> AsyncIterator[PagerDutyEmulator]:
    async with PagerDutyEmulator() as emulator:
        emulator.state.add_service("Checkout API", ROUTING_KEY)
        emulator.state.add_user("Incident Bot", BOT_EMAIL)
        emulator.state.add_token(TOKEN)
        yield emulator


@pytest.fixture
async def pd_client(pagerduty: PagerDutyEmulator) -> AsyncIterator[PagerDutyClient]:
    client = PagerDutyClient(
        api_url=pagerduty.base_url, events_url=pagerduty.base_url, token=TOKEN, from_email=BOT_EMAIL
    )
    yield client
    await client.close()


@pytest.fixture
def paging(pd_client: PagerDutyClient) -> OwnerPaging:
    keys = {"checkout-api": ROUTING_KEY}
    return OwnerPaging(pd_client, keys.get)


@pytest.fixture
async def launchdarkly() -> AsyncIterator[LaunchDarklyEmulator]:
    async with LaunchDarklyEmulator() as emulator:
        emulator.tokens[LD_TOKEN] = "writer"
        emulator.add_flag("shop", "new-checkout-flow", production=True, staging=True)
        yield emulator


@pytest.fixture
async def unleash() -> AsyncIterator[UnleashEmulator]:
    async with UnleashEmulator() as emulator:
        emulator.tokens[UNLEASH_TOKEN] = "admin"
        emulator.add_feature("shop", "new-checkout-flow", production=True, development=True)
        yield emulator


@pytest.fixture
def policy() -> Policy:
    return parse_policy(POLICY, path=Path("policy.yaml"))


@pytest.fixture
def context(
    sessions: async_sessionmaker[AsyncSession],
    chat: SlackActionChat,
    clock: FixedClock,
    paging: OwnerPaging,
    policy: Policy,
) -> ContextFactory:
    """``context(*executors, policy=...)``: the action context with these vendor executors."""
    nowhere = KubernetesActions(
        KubeConnection(api_url="https://127.0.0.1:9", token="unused"), clock=clock, deadline=1.0
    )

    def build(*executors: VendorActions, policy: Policy = policy) -> ActionContext:
        return ActionContext(
            sessions=sessions,
            cluster=nowhere,
            chat=chat,
            policy=policy,
            clock=clock,
            sources=EvidenceSources(),
            recovery=RecoveryCheck(
                sessions=sessions, sources=EvidenceSources(), clock=clock, window=0.0
            ),
            verify_deadline=2.0,
            owner_group=lambda _service: "sre-oncall",
            vendors=VendorExecutors.of(*executors),
            paging=paging,
        )

    return build


@pytest.fixture
async def incident(
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    pagerduty: PagerDutyEmulator,
    channel: str,
) -> int:
    """An incident of ``checkout-api`` whose packet is posted in ``channel`` and raised no
    marker (so what the policy lets run on its own may)."""
    service = next(iter(pagerduty.state.services.values()))
    await deliver_webhook(sessions, clock, pagerduty.state.add_incident(service, "5xx"))
    ours = await only_incident(sessions)
    await post_packet(sessions, ours.id)
    async with step(
        sessions, ours.id, clock=clock, event="packet.posted", details={"markers": []}
    ) as session:
        await session.flush()
    return ours.id
