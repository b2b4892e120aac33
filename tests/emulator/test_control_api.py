"""The control API: seeing channels and messages as a person does, clicking buttons (through
their confirm dialog) into a Bolt app, response URLs, and the API's refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorClient, EmulatorConfig, EmulatorError, SlackEmulator
from tests.emulator.support import (
    ack,
    bolt_connected,
    bot_client,
    slack_error,
    socket_client,
    until,
)

CONFIRMED_BUTTON: dict[str, Any] = {
    "type": "button",
    "action_id": "approve",
    "value": "rollback-42",
    "style": "danger",
    "text": {"type": "plain_text", "text": "Approve"},
    "confirm": {
        "title": {"type": "plain_text", "text": "Roll back?"},
        "text": {"type": "mrkdwn", "text": "billing-webhooks to 51d0e7c"},
        "confirm": {"type": "plain_text", "text": "Roll back"},
        "deny": {"type": "plain_text", "text": "Cancel"},
    },
}


def _hit(people: EmulatorClient, method: str) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return (await people.stats())["fault_hits"].get(method, 0) > 0

    return probe


async def _post_buttons(web: AsyncWebClient, *buttons: dict[str, Any]) -> str:
    posted = await web.chat_postMessage(
        channel="C0INCIDENTS",
        text="approve?",
        blocks=[{"type": "actions", "block_id": "decide", "elements": list(buttons)}],
    )
    return str(posted["ts"])


async def test_the_seeded_channels_are_listed_with_their_members(people: EmulatorClient) -> None:
    channels = {channel["name"]: channel for channel in await people.channels()}
    assert channels["general"]["id"] == "C0GENERAL"
    assert channels["incidents"]["id"] == "C0INCIDENTS"
    assert "U0BOT" in channels["incidents"]["members"]
    assert "U0BOT" not in channels["general"]["members"]
    assert set(channels["general"]) >= {
        "id",
        "name",
        "topic",
        "purpose",
        "members",
        "created",
        "creator",
        "is_archived",
    }


async def test_messages_of_an_unknown_channel_are_a_404(people: EmulatorClient) -> None:
    with pytest.raises(EmulatorError) as refused:
        await people.messages("C0NOPE")
    assert refused.value.code == "channel_not_found"
    assert "404" in str(refused.value)


async def test_messages_include_thread_replies_and_ephemeral_ones_oldest_first(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    parent = await web.chat_postMessage(channel="C0INCIDENTS", text="parent")
    await web.chat_postMessage(channel="C0INCIDENTS", text="reply", thread_ts=parent["ts"])
    await web.chat_postEphemeral(channel="C0INCIDENTS", user="U0ERIN", text="psst")
    messages = await people.messages("C0INCIDENTS")
    assert [(m["text"], m["ephemeral"], m["recipient"]) for m in messages] == [
        ("parent", False, None),
        ("reply", False, None),
        ("psst", True, "U0ERIN"),
    ]


async def test_a_command_from_an_unknown_person_is_a_400(
    bolt: AsyncApp, people: EmulatorClient
) -> None:
    with pytest.raises(EmulatorError) as refused:
        await people.command("U0NOBODY", "C0INCIDENTS", "/hello")
    assert refused.value.code == "user_not_found"
    assert "400" in str(refused.value)


async def test_a_click_goes_through_the_confirm_dialog_to_bolts_action_listener(
    bolt: AsyncApp, web: AsyncWebClient, people: EmulatorClient
) -> None:
    ts = await _post_buttons(web, CONFIRMED_BUTTON)
    seen = await people.click("U0ERIN", "C0INCIDENTS", ts, "approve")
    assert seen["confirm"] == {
        "title": "Roll back?",
        "text": "billing-webhooks to 51d0e7c",
        "confirm": "Roll back",
        "deny": "Cancel",
    }
    assert seen["acked"] is True
    assert [(r["text"], r["ephemeral"]) for r in seen["responses"]] == [
        ("approved rollback-42", True)
    ]


async def test_a_click_on_a_button_without_a_dialog_reports_no_confirm(
    bolt: AsyncApp, web: AsyncWebClient, people: EmulatorClient
) -> None:
    plain = {**CONFIRMED_BUTTON, "confirm": None}
    del plain["confirm"]
    ts = await _post_buttons(web, plain)
    seen = await people.click("U0ERIN", "C0INCIDENTS", ts, "approve")
    assert seen["confirm"] is None


async def test_a_block_actions_payload_has_slacks_shape(
    emulator: SlackEmulator, web: AsyncWebClient, people: EmulatorClient
) -> None:
    requests: list[SocketModeRequest] = []

    async def listener(client: SocketModeClient, request: SocketModeRequest) -> None:
        requests.append(request)
        await ack(client, request)

    ts = await _post_buttons(web, CONFIRMED_BUTTON)
    async with socket_client(emulator, listener):
        await people.click("U0ERIN", "incidents", ts, "approve", wait_for=0)
    (request,) = requests
    assert (request.type, request.accepts_response_payload) == ("interactive", False)
    payload = request.payload
    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": "U0ERIN",
        "username": "erin",
        "name": "erin",
        "team_id": "T0EMULATOR",
    }
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": "C0INCIDENTS",
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": "C0INCIDENTS", "name": "incidents"}
    assert payload["team"] == {"id": "T0EMULATOR", "domain": "emulator"}
    assert payload["message"]["blocks"][0]["elements"][0]["action_id"] == "approve"
    assert payload["state"] == {"values": {}}
    assert payload["trigger_id"]
    assert payload["response_url"].startswith(f"{emulator.base_url}/response/")
    (action,) = payload["actions"]
    assert {key: action[key] for key in ("action_id", "block_id", "value", "type", "style")} == {
        "action_id": "approve",
        "block_id": "decide",
        "value": "rollback-42",
        "type": "button",
        "style": "danger",
    }
    assert action["text"] == {"type": "plain_text", "text": "Approve"}


async def test_replace_original_replaces_the_clicked_message(
    bolt: AsyncApp, web: AsyncWebClient, people: EmulatorClient
) -> None:
    finish = {"type": "button", "action_id": "finish", "text": {"type": "plain_text", "text": "X"}}
    ts = await _post_buttons(web, finish)
    seen = await people.click("U0ALICE", "C0INCIDENTS", ts, "finish")
    (response,) = seen["responses"]
    assert (response["text"], response.get("replaced")) == ("finished", True)
    (message,) = await people.messages("C0INCIDENTS")
    assert (message["ts"], message["text"], message["blocks"]) == (ts, "finished", [])


async def test_clicking_a_button_that_is_not_there_is_button_not_found(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    ts = await _post_buttons(web, CONFIRMED_BUTTON)
    with pytest.raises(EmulatorError) as refused:
        await people.click("U0ERIN", "C0INCIDENTS", ts, "nothing-here")
    assert refused.value.code == "button_not_found"


async def test_clicking_on_an_unknown_message_is_message_not_found(
    people: EmulatorClient,
) -> None:
    with pytest.raises(EmulatorError) as refused:
        await people.click("U0ERIN", "C0INCIDENTS", "1700000000.000001", "approve")
    assert refused.value.code == "message_not_found"


async def test_nobody_can_click_in_someone_elses_ephemeral_message(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    posted = await web.chat_postEphemeral(
        channel="C0INCIDENTS",
        user="U0ALICE",
        text="only alice",
        blocks=[{"type": "actions", "elements": [CONFIRMED_BUTTON]}],
    )
    with pytest.raises(EmulatorError) as refused:
        await people.click("U0ERIN", "C0INCIDENTS", posted["message_ts"], "approve")
    assert refused.value.code == "message_not_found"


async def test_a_response_url_takes_five_replies_and_no_more(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    urls: list[str] = []

    async def listener(client: SocketModeClient, request: SocketModeRequest) -> None:
        urls.append(request.payload["response_url"])
        await ack(client, request)

    async with socket_client(emulator, listener):
        await people.command("U0ALICE", "C0INCIDENTS", "/hello", wait_for=0)
    statuses = []
    async with aiohttp.ClientSession() as http:
        for number in range(6):
            async with http.post(urls[0], json={"text": f"reply {number}"}) as answer:
                statuses.append((answer.status, await answer.text()))
    assert statuses == [(200, "ok")] * 5 + [(404, "used_url")]
    assert len(await people.messages("C0INCIDENTS")) == 5


async def test_unknown_rate_limit_fields_are_refused(people: EmulatorClient) -> None:
    with pytest.raises(EmulatorError) as refused:
        await people.set_limits(tier9=5)
    assert refused.value.code == "invalid_limits"


async def test_stats_count_calls_per_method(web: AsyncWebClient, people: EmulatorClient) -> None:
    await web.auth_test()
    await web.auth_test()
    await web.users_info(user="U0ALICE")
    stats = await people.stats()
    assert stats["calls"] == {"auth.test": 2, "users.info": 1}
    assert (stats["ratelimited"], stats["redeliveries"], stats["connections"]) == ({}, 0, 0)


async def test_the_client_can_use_a_session_it_was_given(emulator: SlackEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with EmulatorClient(emulator.base_url, http) as people:
            assert await people.channel_by_name("#general") is not None
        assert not http.closed


async def test_a_method_faulted_before_hangs_without_doing_its_work(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    await people.set_faults(conversations_create="before")
    call = asyncio.create_task(web.conversations_create(name="inc-hung"))
    await until(_hit(people, "conversations.create"), what="the call to hang")
    assert await people.channel_by_name("inc-hung") is None
    await people.set_faults()
    assert await slack_error(call) == "request_timeout"
    assert await people.channel_by_name("inc-hung") is None


async def test_a_method_faulted_after_does_its_work_then_hangs(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    await people.set_faults(conversations_create="after")
    call = asyncio.create_task(web.conversations_create(name="inc-done"))
    await until(_hit(people, "conversations.create"), what="the call to hang")
    assert await people.channel_by_name("inc-done") is not None
    assert not call.done()
    await people.set_faults()
    assert (await call)["channel"]["name"] == "inc-done"


async def test_stopping_the_emulator_lets_a_hung_call_go() -> None:
    emulator = SlackEmulator(EmulatorConfig(port=0))
    async with emulator, EmulatorClient(emulator.base_url) as people:
        await people.set_faults(users_info="after")
        call = asyncio.create_task(bot_client(emulator).users_info(user="U0ALICE"))
        await until(_hit(people, "users.info"), what="the call to hang")
    assert (await call)["user"]["id"] == "U0ALICE"


async def test_a_command_sees_no_reply_in_another_messages_thread(
    emulator: SlackEmulator, web: AsyncWebClient, people: EmulatorClient
) -> None:
    """A person who runs a command looks at the channel: a reply the bot puts in some other
    message's thread meanwhile (a chart under a packet) shows there as a reply count, not in
    what they saw; one also sent to the channel does show."""
    packet = await web.chat_postMessage(channel="C0INCIDENTS", text="the packet")
    app = AsyncApp(client=bot_client(emulator))

    @app.command("/status")
    async def status(ack: AsyncAck, respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel="C0INCIDENTS", text="chart", thread_ts=packet["ts"])
        await client.chat_postMessage(
            channel="C0INCIDENTS", text="broadcast", thread_ts=packet["ts"], reply_broadcast=True
        )
        await respond(response_type="in_channel", text="Status of INC-1")

    async with bolt_connected(emulator, app):
        seen = await people.command("U0ALICE", "C0INCIDENTS", "/status", wait_for=2)
    assert [r["text"] for r in seen["responses"]] == ["broadcast", "Status of INC-1"]
    assert len(await people.messages("C0INCIDENTS")) == 4  # the thread reply is there


async def test_a_click_sees_the_replies_in_the_clicked_messages_thread(
    emulator: SlackEmulator, web: AsyncWebClient, people: EmulatorClient
) -> None:
    ts = await _post_buttons(
        web,
        {
            "type": "button",
            "action_id": "run",
            "value": "1",
            "text": {"type": "plain_text", "text": "Run"},
        },
    )
    other = await web.chat_postMessage(channel="C0INCIDENTS", text="another message")
    app = AsyncApp(client=bot_client(emulator))

    @app.action("run")
    async def run(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(
            channel="C0INCIDENTS", text="elsewhere", thread_ts=other["ts"]
        )
        await client.chat_postMessage(
            channel="C0INCIDENTS", text="it ran", thread_ts=body["container"]["message_ts"]
        )

    async with bolt_connected(emulator, app):
        seen = await people.click("U0ERIN", "C0INCIDENTS", ts, "run")
    assert [r["text"] for r in seen["responses"]] == ["it ran"]


async def test_stats_count_the_envelopes_each_connection_received(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    async with socket_client(emulator, ack), socket_client(emulator, ack):
        for _ in range(4):
            await people.event("app_mention", "U0ALICE", "C0INCIDENTS", "hi")
        await until(
            lambda: sum(emulator.hub.live_connections[i].received for i in (0, 1)) == 4,
            what="four envelopes",
        )
        stats = await people.stats()
    assert stats["envelopes_per_connection"] == [2, 2]
