"""Vendor actions end to end: the bot with the shipped policy, the Slack and Kubernetes
emulators, and local Statuspage and GitHub stand-ins that speak the vendors' wire formats; the
executors are the real ones the settings build (PyGithub for GitHub, aiohttp for Statuspage)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.action.executors import VendorExecutors
from bot.action.flows import ActionRequest, propose
from bot.action.plan import ActionParameters, VendorActionKind
from bot.app import Runtime, replay_evidence, start_runtime
from bot.clock import ReplayClock
from bot.incident import service as incidents
from bot.policy import SHIPPED_POLICY, Policy, load_policy
from bot.scenario.models import Scenario
from integrations.slack_emulator import EmulatorConfig
from integrations.statuspage_emulator import StatuspageEmulator
from integrations.vendor_actions import build_vendor_executors, load_vendor_settings
from tests.e2e.conftest import sandbox_settings
from tests.fakes.github import FakeGitHub

STATUSPAGE_KEY, GITHUB_TOKEN = "sp-test-key", "ghp-tickets-test"
PAGE, COMPONENT, REPO = "pg-acme", "cmp-billing", "acme/incidents"


@pytest.fixture
def policy() -> Policy:
    return load_policy(SHIPPED_POLICY)


@pytest.fixture
def overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def statuspage() -> AsyncIterator[StatuspageEmulator]:
    page = StatuspageEmulator(
        api_key=STATUSPAGE_KEY, page_id=PAGE, components={COMPONENT: "Billing webhooks"}
    )
    await page.start()
    yield page
    await page.stop()


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=GITHUB_TOKEN) as fake:
        yield fake


@pytest.fixture
def vendors(
    statuspage: StatuspageEmulator, github: FakeGitHub, scenario: Scenario
) -> VendorExecutors:
    settings = load_vendor_settings(
        statuspage_api_url=statuspage.base_url,
        statuspage_api_key=STATUSPAGE_KEY,
        statuspage_page_id=PAGE,
        statuspage_components={"billing-webhooks": COMPONENT},
        tickets_github_api_url=github.api_url,
        tickets_github_token=GITHUB_TOKEN,
        tickets_github_repo=REPO,
    )
    return build_vendor_executors(settings, clock=ReplayClock(scenario.now), poll_interval=0.05)


@pytest.fixture
async def runtime(
    tmp_path: Path,
    scenario: Scenario,
    emulator_config: EmulatorConfig,
    policy: Policy,
    overrides: dict[str, Any],
    vendors: VendorExecutors,
    database_url: str,
) -> AsyncIterator[Runtime]:
    """The bot on both databases (``database_url``: SQLite, then a fresh PostgreSQL)."""
    settings = sandbox_settings(
        tmp_path,
        database_url=database_url,
        packet_update_interval_seconds=0.2,
        recovery_window_seconds=10.0,
        action_verify_seconds=10.0,
        **{"action_sweep_seconds": 600.0, **overrides},
    )
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=replay_evidence([scenario]),
        emulator_config=emulator_config,
        poll_interval=0.1,
        policy=policy,
        cluster_seed=scenario.cluster,
        vendors=vendors,
    )
    yield runtime
    await runtime.stop()


def status_update(text: str = "We are investigating failed billing webhooks.") -> ActionParameters:
    return ActionParameters(
        title="Billing webhooks delayed", text=text, status="partial_outage", ref="INC-1"
    )


async def propose_vendor(
    runtime: Runtime,
    channel: str,
    kind: VendorActionKind,
    parameters: ActionParameters,
    *,
    requester: str,
) -> str:
    """Propose ``kind`` in the incident of ``channel`` as ``requester`` would; the reply."""
    assert runtime.actions is not None
    async with runtime.sessions() as session:
        incident = await incidents.by_channel(session, channel)
    assert incident is not None
    reply = await propose(
        runtime.actions,
        ActionRequest(
            incident_id=incident.id,
            service=incident.service,
            channel_id=channel,
            kind=kind,
            name=incident.service,
            namespace=None,
            parameters=parameters,
            requester=requester,
        ),
    )
    if reply.follow_up is not None:
        await reply.follow_up()
    return reply.text
