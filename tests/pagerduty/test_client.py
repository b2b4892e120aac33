"""The bot's PagerDuty client against the stand-in: PagerDuty's Events API v2 and REST API v2
wire formats, and how their refusals reach the core."""

from __future__ import annotations

import pytest

from bot.errors import PagerError
from bot.pager.ports import OwnerPage
from integrations.pagerduty import PagerDutyClient
from integrations.pagerduty_emulator import PagerDutyEmulator
from integrations.pagerduty_emulator.state import Service
from tests.pagerduty.conftest import BOT_EMAIL, ROUTING_KEY, TOKEN


def _page(dedup_key: str = "incident-bot:INC-7:page_owner") -> OwnerPage:
    return OwnerPage(
        routing_key=ROUTING_KEY,
        dedup_key=dedup_key,
        summary="INC-7 checkout: rollback not verified",
        source="incident-bot",
        details={"incident": "INC-7"},
        links=(("Slack channel", "https://slack.com/app_redirect?channel=C07"),),
    )


async def test_a_trigger_is_accepted_under_its_dedup_key(
    client: PagerDutyClient, pagerduty: PagerDutyEmulator
) -> None:
    assert await client.trigger(_page()) == "incident-bot:INC-7:page_owner"
    (incident,) = pagerduty.state.incidents.values()
    assert incident.title == "INC-7 checkout: rollback not verified"
    (event,) = pagerduty.state.events
    assert event["payload"]["severity"] == "error"
    assert event["links"] == [
        {"text": "Slack channel", "href": "https://slack.com/app_redirect?channel=C07"}
    ]


async def test_a_second_trigger_with_the_same_dedup_key_pages_once(
    client: PagerDutyClient, pagerduty: PagerDutyEmulator
) -> None:
    await client.trigger(_page())
    await client.trigger(_page())
    assert len(pagerduty.state.incidents) == 1
    assert len(pagerduty.state.triggers(ROUTING_KEY)) == 2  # both accepted, one alert


async def test_an_unknown_routing_key_is_refused_with_the_events_api_error(
    client: PagerDutyClient,
) -> None:
    page = OwnerPage(routing_key="f" * 32, dedup_key="k", summary="s", source="bot")
    with pytest.raises(PagerError, match="Invalid routing key") as caught:
        await client.trigger(page)
    assert caught.value.status == 400
    assert caught.value.permanent


async def test_a_note_is_added_and_read_back(
    client: PagerDutyClient, pagerduty: PagerDutyEmulator, service: Service
) -> None:
    incident = pagerduty.state.add_incident(service, "checkout 5xx")
    note_id = await client.add_note(incident.id, "packet summary")
    assert await client.notes(incident.id) == ["packet summary"]
    assert incident.notes[0].id == note_id
    assert pagerduty.state.writes == [("POST", f"/incidents/{incident.id}/notes", BOT_EMAIL)]


async def test_acknowledge_then_resolve_moves_the_incident(
    client: PagerDutyClient, pagerduty: PagerDutyEmulator, service: Service
) -> None:
    incident = pagerduty.state.add_incident(service, "checkout 5xx")
    assert await client.set_status(incident.id, "acknowledged") == "acknowledged"
    assert await client.status(incident.id) == "acknowledged"
    assert await client.set_status(incident.id, "resolved") == "resolved"
    # acknowledging a resolved incident is PagerDuty's 1001, which leaves it resolved
    assert await client.set_status(incident.id, "acknowledged") == "resolved"


async def test_a_write_without_a_from_address_is_refused_as_pagerduty_refuses_it(
    pagerduty: PagerDutyEmulator, service: Service
) -> None:
    incident = pagerduty.state.add_incident(service, "checkout 5xx")
    nobody = PagerDutyClient(api_url=pagerduty.base_url, token=TOKEN, from_email="who@example.com")
    try:
        with pytest.raises(PagerError, match="Requester User Not Found") as caught:
            await nobody.add_note(incident.id, "x")
    finally:
        await nobody.close()
    assert (caught.value.status, caught.value.code) == (400, "1008")
    assert incident.notes == []


async def test_a_wrong_key_and_a_read_only_key_are_refused(
    pagerduty: PagerDutyEmulator, service: Service
) -> None:
    incident = pagerduty.state.add_incident(service, "checkout 5xx")
    pagerduty.state.add_token("read-only-key-000000", read_only=True)
    wrong = PagerDutyClient(api_url=pagerduty.base_url, token="nope", from_email=BOT_EMAIL)
    reader = PagerDutyClient(
        api_url=pagerduty.base_url, token="read-only-key-000000", from_email=BOT_EMAIL
    )
    try:
        with pytest.raises(PagerError) as unauthorized:
            await wrong.status(incident.id)
        assert await reader.status(incident.id) == "triggered"
        with pytest.raises(PagerError) as forbidden:
            await reader.set_status(incident.id, "acknowledged")
    finally:
        await wrong.close()
        await reader.close()
    assert (unauthorized.value.status, unauthorized.value.code) == (401, "2006")
    assert forbidden.value.status == 403
    assert "nope" not in str(unauthorized.value)


async def test_a_server_error_is_not_permanent(
    client: PagerDutyClient, pagerduty: PagerDutyEmulator, service: Service
) -> None:
    incident = pagerduty.state.add_incident(service, "checkout 5xx")
    pagerduty.fail_next("add_note", 500)
    with pytest.raises(PagerError) as caught:
        await client.add_note(incident.id, "x")
    assert caught.value.status == 500
    assert not caught.value.permanent
    assert incident.notes == []


async def test_an_unreachable_pagerduty_says_nothing_was_sent() -> None:
    client = PagerDutyClient(api_url="http://127.0.0.1:9", token=TOKEN, from_email=BOT_EMAIL)
    try:
        with pytest.raises(PagerError, match="unreachable") as caught:
            await client.add_note("P000001", "x")
    finally:
        await client.close()
    assert caught.value.sent is False
