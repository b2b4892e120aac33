"""The action context where no Kubernetes cluster is configured (``bot.wiring.actions``): with a
vendor executor (a status page here, on its local stand-in) the flows still run, and every
cluster kind is refused at planning saying why; with nothing at all there is no context, and
``/rollback`` says no cluster is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.action.executors import NoCluster
from bot.action.plan import ClusterActionKind, VendorActionKind
from bot.catalog import Catalog
from bot.clock import FixedClock
from bot.errors import ActionPlanError
from bot.evidence.gather import EvidenceSources
from bot.policy import SHIPPED_POLICY, load_policy
from bot.runbook.loader import RunbookLibrary
from bot.settings import Settings
from bot.wiring.actions import ExecutorSetup, build_actions, vendor_executors
from integrations.statuspage_emulator import StatuspageEmulator
from integrations.vendor_actions import build_vendor_executors, load_vendor_settings

KEY, PAGE, COMPONENT = "sp-test-key", "pg-acme", "cmp-billing"


@pytest.fixture
async def statuspage() -> AsyncIterator[StatuspageEmulator]:
    page = StatuspageEmulator(api_key=KEY, page_id=PAGE, components={COMPONENT: "Billing"})
    await page.start()
    yield page
    await page.stop()


async def _no_cluster(_setup: ExecutorSetup) -> None:
    return None


async def _context(setup: ExecutorSetup, sessions: Any) -> Any:
    return await build_actions(
        setup,
        sessions=sessions,
        chat=None,  # type: ignore[arg-type]  # never reached: nothing is posted here
        policy=load_policy(SHIPPED_POLICY),
        sources=EvidenceSources(),
        catalog=Catalog(),
        runbooks=RunbookLibrary(()),
        executors={"cluster": _no_cluster, "vendors": vendor_executors},
    )


async def test_vendor_executors_run_without_a_cluster_and_cluster_kinds_say_why(
    sessions: Any, statuspage: StatuspageEmulator
) -> None:
    clock = FixedClock(datetime(2026, 3, 4, 14, 6, tzinfo=UTC))
    vendors = build_vendor_executors(
        load_vendor_settings(
            statuspage_api_url=statuspage.base_url,
            statuspage_api_key=KEY,
            statuspage_page_id=PAGE,
            statuspage_components={"billing-webhooks": COMPONENT},
        ),
        clock=clock,
    )
    async with AsyncExitStack() as resources:
        setup = ExecutorSetup(Settings(), clock, lambda: (), resources, vendors=vendors)
        ctx = await _context(setup, sessions)
    assert ctx is not None
    assert isinstance(ctx.cluster, NoCluster)
    assert VendorActionKind.STATUS_UPDATE in ctx.vendors.by_kind
    with pytest.raises(ActionPlanError, match="No Kubernetes cluster is configured"):
        await ctx.executors.locate(ClusterActionKind.ROLLBACK, "billing-webhooks", "payments")


async def test_with_nothing_to_carry_out_there_is_no_action_context(sessions: Any) -> None:
    clock = FixedClock(datetime(2026, 3, 4, 14, 6, tzinfo=UTC))
    async with AsyncExitStack() as resources:
        setup = ExecutorSetup(
            Settings(),
            clock,
            lambda: (),
            resources,
            vendors=build_vendor_executors(load_vendor_settings(), clock=clock),
        )
        assert await _context(setup, sessions) is None
