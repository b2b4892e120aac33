"""``/incident declare`` and ``/incident commander`` end to end: real Bolt over Socket Mode
against the emulator, the pipeline opening what a person declared as it opens alerts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from bot.app import Runtime
from bot.audit import service as audit
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually, post_alert
from tests.e2e.test_offline_slice import packets_in

pytestmark = pytest.mark.slow


async def incident_channel(runtime: Runtime, people: EmulatorClient) -> dict[str, Any]:
    """INC-1's channel once the bot has stopped posting in it (packet, then the chart in its
    thread), so what a command shows next is the command's own reply."""

    async def found() -> dict[str, Any] | None:
        packets = await packets_in(people)
        return packets[0][0] if packets else None

    channel = await eventually(found, what="the incident channel's packet")

    await eventually(lambda: quiet(runtime), what="the channel to be ready and charted")
    return channel


async def quiet(runtime: Runtime) -> bool:
    """Every incident's channel is ready and its chart attached (or known to have none)."""
    async with runtime.sessions() as session:
        busy = await session.scalar(
            text(
                "SELECT count(*) FROM incidents WHERE packet_state != 'posted' "
                "OR channel_state != 'ready' OR chart_state IN ('pending', 'uploading')"
            )
        )
    return busy == 0


async def test_a_declared_incident_gets_a_channel_a_packet_and_the_declarer(
    runtime: Runtime, people: EmulatorClient
) -> None:
    seen = await people.command(
        "U0CAROL",
        "C0GENERAL",
        "/incident",
        "declare billing-webhooks sev2 Checkout failing",
        wait_for=2,
        timeout=30,
    )

    assert seen["acked"] is True
    first, last = seen["responses"][0], seen["responses"][-1]
    assert first["ephemeral"] is True
    assert "Declared: sev2 on billing-webhooks, “Checkout failing”" in first["text"]
    channel = await incident_channel(runtime, people)
    assert last["text"] == f"INC-1 is open in <#{channel['id']}>; you are invited."
    members = {c["id"]: c for c in await people.channels()}[channel["id"]]["members"]
    assert "U0CAROL" in members
    packet = (await packets_in(people))[0][1]
    assert "Service: billing-webhooks" in packet["text"]
    assert "Severity: sev2 candidate" in packet["text"]
    async with runtime.sessions() as session:
        rows = (
            await session.execute(text("SELECT source, service, severity, title FROM signals"))
        ).all()
        declared = [e for e in await audit.entries(session) if e.event == "incident.declared"]
        opened = [e for e in await audit.entries(session) if e.event == "incident.opened"]
    assert [tuple(row) for row in rows] == [
        ("slack", "billing-webhooks", "sev2", "Checkout failing")
    ]
    assert declared[0].actor == "slack:U0CAROL"
    assert declared[0].details["declared_by"] == "slack:U0CAROL"
    assert opened[0].incident_id == 1


async def test_declaring_without_a_title_shows_the_usage_privately(
    runtime: Runtime, people: EmulatorClient
) -> None:
    seen = await people.command("U0CAROL", "C0GENERAL", "/incident", "declare billing-webhooks")

    reply = seen["responses"][0]
    assert reply["ephemeral"] is True
    assert "Not understood: `declare billing-webhooks`" in reply["text"]
    assert "`/incident declare billing-webhooks sev2 Checkout failing`" in reply["text"]
    async with runtime.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM signals")) == 0


async def test_a_commander_is_announced_audited_and_shown_in_status(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    channel = await incident_channel(runtime, people)

    seen = await people.command("U0ALICE", channel["id"], "/incident", "commander <@U0ERIN|erin>")

    reply = seen["responses"][0]
    assert reply["ephemeral"] is False
    assert reply["text"] == (
        "<@U0ERIN> is now the incident commander of INC-1 (set by <@U0ALICE>)."
    )
    status = (await people.command("U0ALICE", channel["id"], "/status"))["responses"][0]
    assert "Commander: <@U0ERIN>" in status["text"]
    elsewhere = (await people.command("U0ALICE", "C0INCIDENTS", "/status"))["responses"][0]
    assert "commander <@U0ERIN>" in elsewhere["text"]
    async with runtime.sessions() as session:
        entries = [e for e in await audit.entries(session) if e.event == "incident.commander_set"]
    assert [(e.actor, e.incident_id, e.details) for e in entries] == [
        ("slack:U0ALICE", 1, {"commander": "U0ERIN", "previous": None})
    ]

    again = await people.command("U0ALICE", channel["id"], "/incident", "commander <@U0ERIN>")
    assert again["responses"][0]["ephemeral"] is True
    assert "already commands INC-1" in again["responses"][0]["text"]


async def test_a_commander_without_a_mention_gets_the_usage(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    channel = await incident_channel(runtime, people)

    seen = await people.command("U0ALICE", channel["id"], "/incident", "commander erin")

    reply = seen["responses"][0]
    assert reply["ephemeral"] is True
    assert "Not understood: `commander erin`" in reply["text"]
    assert "`/incident commander @erin`" in reply["text"]


async def test_commander_outside_an_incident_channel_says_where_to_run_it(
    runtime: Runtime, people: EmulatorClient
) -> None:
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/incident", "commander <@U0ERIN>")

    reply = seen["responses"][0]
    assert reply["ephemeral"] is True
    assert reply["text"] == "Run `/incident` in the incident's own channel."


async def test_merge_and_resolve_still_work_through_slack(
    runtime: Runtime, people: EmulatorClient
) -> None:
    for service in ("checkout-api", "search-api"):
        status, _ = await post_alert(
            runtime, "generic", {"service": service, "title": f"{service} is failing"}
        )
        assert status == 202

    async def both() -> list[Any] | None:
        packets = await packets_in(people)
        return packets if len(packets) == 2 else None

    channels = {c["name"]: c for c, _ in await eventually(both, what="two packets")}
    await eventually(lambda: quiet(runtime), what="both channels ready")
    checkout = channels["inc-20260304-checkout-api"]
    search = channels["inc-20260304-search-api"]
    async with runtime.sessions() as session:
        search_id = await session.scalar(
            text("SELECT id FROM incidents WHERE service = 'search-api'")
        )

    merged = await people.command("U0ALICE", checkout["id"], "/incident", f"merge INC-{search_id}")
    resolved = await people.command("U0ALICE", checkout["id"], "/incident", "resolve")

    assert merged["responses"][0]["text"].startswith(f"Merged INC-{search_id} into INC-")
    assert merged["responses"][0]["ephemeral"] is False
    told = [m["text"] for m in await people.messages(search["id"])]
    assert any(f"INC-{search_id} was merged into" in line for line in told)
    # Resolving without a note resolves, then asks (optionally) what fixed it.
    assert "resolved by <@U0ALICE>. What fixed it?" in resolved["responses"][0]["text"]
