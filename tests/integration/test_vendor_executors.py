"""The vendor executors against their stand-ins, without the bot around them: a plan reads the
vendor and writes nothing, a moved vendor voids the plan, verification reads the vendor back
(and says what it saw when the effect is not there), a refused or unreachable vendor is said
plainly and never retried, and the key or token goes only where it belongs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from bot.action.execution import Checkpoint, ExecutionOutcome
from bot.action.plan import ActionParameters, ActionTarget, VendorActionKind, VendorRequest
from bot.clock import FixedClock
from bot.errors import ActionPlanError
from integrations.github.client import GitHubConnection
from integrations.github.issues import GitHubIssueActions
from integrations.statuspage import StatuspageActions, StatuspageConnection
from integrations.statuspage_emulator import StatuspageEmulator
from tests.fakes.github import FakeGitHub

NOW = datetime(2026, 5, 12, 1, 50, tzinfo=UTC)
KEY, TOKEN, REPO = "sp-key", "ghp-token", "acme/incidents"
UPDATE = ActionParameters(
    title="Checkout errors", text="We are investigating.", status="major_outage", ref="INC-7"
)


@pytest.fixture
async def page() -> AsyncIterator[StatuspageEmulator]:
    emulator = StatuspageEmulator(api_key=KEY, page_id="pg1", components={"cmp1": "Checkout"})
    await emulator.start()
    yield emulator
    await emulator.stop()


def statuspage(page: StatuspageEmulator, key: str = KEY) -> StatuspageActions:
    return StatuspageActions(
        StatuspageConnection(api_key=SecretStr(key), api_url=page.base_url, timeout=2.0),
        page_id="pg1",
        components={"checkout": "cmp1"},
        clock=FixedClock(NOW),
        poll_interval=0.01,
    )


async def test_a_status_plan_reads_the_page_writes_nothing_and_carries_the_exact_request(
    page: StatuspageEmulator,
) -> None:
    actions = statuspage(page)
    target = await actions.locate(VendorActionKind.STATUS_UPDATE, "checkout", None)
    assert target == ActionTarget("pg1", "cmp1")
    plan = await actions.plan(VendorActionKind.STATUS_UPDATE, target, UPDATE)
    assert plan.current.status == "operational"
    assert plan.executable
    assert isinstance(plan.request, VendorRequest)
    assert plan.request.path == "/v1/pages/pg1/incidents"
    assert plan.request.json()["incident"]["components"] == {"cmp1": "major_outage"}
    assert page.writes() == []


async def test_a_page_that_moved_since_the_plan_gets_nothing(page: StatuspageEmulator) -> None:
    actions = statuspage(page)
    target = ActionTarget("pg1", "cmp1")
    plan = await actions.plan(VendorActionKind.STATUS_UPDATE, target, UPDATE)
    page.set_component_status(
        "cmp1", "degraded_performance"
    )  # someone changed it by hand meanwhile
    seen: list[Checkpoint] = []

    async def record(checkpoint: Checkpoint) -> None:
        seen.append(checkpoint)

    result = await actions.execute(plan, record_checkpoint=record)
    assert result.outcome is ExecutionOutcome.PLAN_CHANGED
    assert seen == []
    assert page.writes() == []


async def test_a_checkpoint_that_raises_sends_nothing(page: StatuspageEmulator) -> None:
    actions = statuspage(page)
    plan = await actions.plan(VendorActionKind.STATUS_UPDATE, ActionTarget("pg1", "cmp1"), UPDATE)

    async def kill_switch(_: Checkpoint) -> None:
        raise RuntimeError("the kill switch went on")

    with pytest.raises(RuntimeError, match="kill switch"):
        await actions.execute(plan, record_checkpoint=kill_switch)
    assert page.writes() == []


async def test_verification_reads_the_page_back_and_says_what_it_shows(
    page: StatuspageEmulator,
) -> None:
    actions = statuspage(page)
    plan = await actions.plan(VendorActionKind.STATUS_UPDATE, ActionTarget("pg1", "cmp1"), UPDATE)
    before = await actions.verify(plan, deadline=0.05)
    assert not before.verified
    assert "no incident" in before.detail
    result = await actions.execute(plan)
    assert result.succeeded
    after = await actions.verify(plan, deadline=1.0)
    assert after.verified
    assert "component major_outage" in after.detail
    page.set_component_status("cmp1", "operational")  # someone set it back: the effect is gone
    gone = await actions.verify(plan, deadline=0.05)
    assert not gone.verified


async def test_a_wrong_key_is_said_plainly_and_the_key_never_appears(
    page: StatuspageEmulator,
) -> None:
    actions = statuspage(page, key="wrong-key")
    with pytest.raises(ActionPlanError, match="401") as caught:
        await actions.plan(VendorActionKind.STATUS_UPDATE, ActionTarget("pg1", "cmp1"), UPDATE)
    assert "wrong-key" not in str(caught.value)


async def test_a_refused_write_is_sent_once_and_reported(page: StatuspageEmulator) -> None:
    actions = statuspage(page)
    plan = await actions.plan(VendorActionKind.STATUS_UPDATE, ActionTarget("pg1", "cmp1"), UPDATE)
    page.fail("^POST ", 500, times=3)
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.FAILED
    assert result.write_sent
    assert "500" in (result.reason or "")
    assert len(page.writes()) == 1


async def test_an_unreachable_page_is_failed_with_nothing_sent(page: StatuspageEmulator) -> None:
    actions = statuspage(page)
    plan = await actions.plan(VendorActionKind.STATUS_UPDATE, ActionTarget("pg1", "cmp1"), UPDATE)
    await page.stop()
    result = await actions.execute(plan)
    assert result.outcome is ExecutionOutcome.FAILED
    assert not result.write_sent


# --- GitHub Issues --------------------------------------------------------------------------


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=TOKEN) as fake:
        yield fake


def tickets(github: FakeGitHub) -> GitHubIssueActions:
    return GitHubIssueActions(
        GitHubConnection(token=SecretStr(TOKEN), api_url=github.api_url, timeout=2.0),
        repo=REPO,
        clock=FixedClock(NOW),
        poll_interval=0.01,
    )


TICKET = ActionParameters(title="INC-7 checkout errors", text="The packet.", ref="INC-7")


async def test_a_ticket_opens_once_verifies_and_its_reversal_closes_it(github: FakeGitHub) -> None:
    actions = tickets(github)
    target = await actions.locate(VendorActionKind.OPEN_TICKET, "checkout", None)
    plan = await actions.plan(VendorActionKind.OPEN_TICKET, target, TICKET)
    assert (await actions.execute(plan)).succeeded
    assert (await actions.verify(plan, deadline=1.0)).verified
    again = await actions.plan(VendorActionKind.OPEN_TICKET, target, TICKET)
    assert again.refusal is not None
    assert not again.executable
    assert plan.reversal is not None
    assert isinstance(plan.reversal.kind, VendorActionKind)
    undo = await actions.plan(plan.reversal.kind, target, plan.reversal.parameters)
    assert (await actions.execute(undo)).succeeded
    assert (await actions.verify(undo, deadline=1.0)).verified
    (issue,) = github.issues.of(REPO)
    assert issue["state"] == "closed"
    closing_again = await actions.plan(plan.reversal.kind, target, plan.reversal.parameters)
    assert closing_again.refusal == "the ticket #1 is already closed"


async def test_a_ticket_edited_by_hand_does_not_verify(github: FakeGitHub) -> None:
    actions = tickets(github)
    target = await actions.locate(VendorActionKind.OPEN_TICKET, "checkout", None)
    plan = await actions.plan(VendorActionKind.OPEN_TICKET, target, TICKET)
    assert (await actions.execute(plan)).succeeded
    github.issues.of(REPO)[0]["title"] = "something else"
    checked = await actions.verify(plan, deadline=0.05)
    assert not checked.verified
    assert "ticket #1" in checked.detail
