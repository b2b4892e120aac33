"""Socket Mode through the real SDKs: the hello frame, Bolt's AsyncSocketModeHandler receiving
commands, clicks and events, re-delivery of unacked events (never of commands or clicks), events
held across reconnects, server pings, refresh_requested reconnects, and several connections
sharing the stream."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator
from tests.emulator.support import ack, bolt_connected, bot_client, socket_client, until


async def _socket_url(emulator: SlackEmulator) -> str:
    app = AsyncWebClient(base_url=emulator.api_url)
    opened = await app.apps_connections_open(app_token=emulator.config.app_token)
    return str(opened["url"])


async def test_the_first_frame_on_a_connection_is_hello(emulator: SlackEmulator) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(await _socket_url(emulator)) as ws:
        hello = await ws.receive_json(timeout=5)
    assert hello == {
        "type": "hello",
        "num_connections": 1,
        "debug_info": {"host": "applink-1"},
        "connection_info": {"app_id": "A0EMULATOR"},
    }


async def test_a_ticket_works_only_once(emulator: SlackEmulator) -> None:
    url = await _socket_url(emulator)
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url) as ws:
            await ws.receive_json(timeout=5)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url)
    assert refused.value.status == 401


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(port=0, max_connections=1)])
async def test_connections_past_the_apps_limit_are_refused(emulator: SlackEmulator) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(await _socket_url(emulator)):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(await _socket_url(emulator))
    assert refused.value.status == 429


async def test_a_slash_command_reaches_bolt_and_the_person_sees_its_reply(
    bolt: AsyncApp, people: EmulatorClient
) -> None:
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/hello", "hi there")
    assert seen["acked"] is True
    (reply,) = seen["responses"]
    assert reply["text"] == "hello alice, you said 'hi there'"
    assert reply["ephemeral"] is True


async def test_a_reply_through_the_response_url_is_ephemeral_to_the_person(
    bolt: AsyncApp, people: EmulatorClient
) -> None:
    await people.command("U0ALICE", "C0INCIDENTS", "/hello", "hi")
    (message,) = await people.messages("C0INCIDENTS")
    assert (message["user"], message["ephemeral"], message["recipient"]) == (
        "U0BOT",
        True,
        "U0ALICE",
    )


async def test_a_command_may_name_its_channel_by_name(
    bolt: AsyncApp, people: EmulatorClient
) -> None:
    seen = await people.command("U0ERIN", "#incidents", "/hello", "by name")
    assert seen["responses"][0]["text"] == "hello erin, you said 'by name'"


async def test_an_acks_text_is_what_the_person_sees(bolt: AsyncApp, people: EmulatorClient) -> None:
    seen = await people.command("U0ALICE", "incidents", "/quick")
    assert [(r["text"], r["ephemeral"]) for r in seen["responses"]] == [("acked with text", True)]


async def test_an_in_channel_reply_is_posted_for_everyone(
    bolt: AsyncApp, people: EmulatorClient
) -> None:
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/announce", "sev1")
    assert [(r["text"], r["ephemeral"]) for r in seen["responses"]] == [("announcing sev1", False)]
    (message,) = await people.messages("C0INCIDENTS")
    assert message["recipient"] is None


async def test_what_the_bot_posts_in_the_channel_is_among_what_the_person_saw(
    bolt: AsyncApp, people: EmulatorClient
) -> None:
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/post")
    (reply,) = seen["responses"]
    assert (reply["text"], reply["ephemeral"]) == ("posted for alice", False)
    assert reply["ts"]


async def test_a_command_with_no_app_connected_is_dispatch_failed(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    assert await people.command("U0ALICE", "C0INCIDENTS", "/hello") == {
        "ok": False,
        "error": "dispatch_failed",
    }


async def test_the_slash_command_payload_has_slacks_form_fields(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    requests: list[SocketModeRequest] = []

    async def listener(client: SocketModeClient, request: SocketModeRequest) -> None:
        requests.append(request)
        await ack(client, request)

    async with socket_client(emulator, listener):
        await people.command("U0DANA", "C0INCIDENTS", "/status", "now", wait_for=0)
    (request,) = requests
    assert (request.type, request.accepts_response_payload) == ("slash_commands", True)
    payload = request.payload
    assert {key: payload[key] for key in payload if key not in ("response_url", "trigger_id")} == {
        "token": payload["token"],
        "team_id": "T0EMULATOR",
        "team_domain": "emulator",
        "channel_id": "C0INCIDENTS",
        "channel_name": "incidents",
        "user_id": "U0DANA",
        "user_name": "dana",
        "command": "/status",
        "text": "now",
        "api_app_id": "A0EMULATOR",
        "is_enterprise_install": "false",
    }
    assert payload["response_url"].startswith(f"{emulator.base_url}/response/")
    assert all(isinstance(value, str) for value in payload.values())


@pytest.mark.parametrize(
    "emulator_config", [EmulatorConfig(port=0, ack_timeout=0.2, max_redeliveries=0)]
)
async def test_a_command_nobody_acks_reports_acked_false(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    async def ignore(_client: SocketModeClient, _request: SocketModeRequest) -> None:
        return None

    async with socket_client(emulator, ignore):
        seen = await people.command("U0ALICE", "C0INCIDENTS", "/hello", timeout=0.3)
    assert seen == {"ok": True, "acked": False, "responses": []}


async def test_a_mention_reaches_bolt_and_its_threaded_answer_is_seen(
    bolt: AsyncApp, people: EmulatorClient
) -> None:
    seen = await people.event("app_mention", "U0ERIN", "C0INCIDENTS", "<@U0BOT> status?", 1)
    assert seen["ok"] is True
    (answer,) = seen["responses"]
    assert answer["text"] == "you said <@U0BOT> status?"
    assert answer["thread_ts"] == seen["ts"]


async def test_an_events_api_envelope_has_slacks_shape(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    requests: list[SocketModeRequest] = []

    async def listener(client: SocketModeClient, request: SocketModeRequest) -> None:
        requests.append(request)
        await ack(client, request)

    async with socket_client(emulator, listener):
        await people.event("app_home_opened", "U0ALICE")
        await until(lambda: len(requests) == 1, what="the event")
    (request,) = requests
    assert (request.type, request.retry_attempt, request.retry_reason) == ("events_api", 0, "")
    payload = request.payload
    assert payload["type"] == "event_callback"
    assert payload["event_id"].startswith("Ev")
    assert isinstance(payload["event_time"], int)
    assert payload["authorizations"][0]["user_id"] == "U0BOT"
    assert (payload["event"]["type"], payload["event"]["user"]) == ("app_home_opened", "U0ALICE")
    assert payload["event"]["tab"] == "home"


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(port=0, ack_timeout=0.3)])
async def test_an_unacked_envelope_is_delivered_again_with_retry_attempt_raised(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    attempts: list[tuple[str, int | None, str | None]] = []

    async def acks_the_second(client: SocketModeClient, request: SocketModeRequest) -> None:
        attempts.append((request.envelope_id, request.retry_attempt, request.retry_reason))
        if len(attempts) > 1:
            await ack(client, request)

    async with socket_client(emulator, acks_the_second):
        await people.event("app_mention", "U0ALICE", "C0INCIDENTS", "hi")
        await until(lambda: not emulator.hub.pending, what="the ack")
    first, second = attempts
    assert first[0] == second[0]
    assert (first[1:], second[1:]) == ((0, ""), (1, "timeout"))
    assert (await people.stats())["redeliveries"] == 1


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(port=0, ack_timeout=0.3)])
async def test_a_click_acked_late_is_not_delivered_again_and_the_person_is_told(
    emulator: SlackEmulator, web: AsyncWebClient, people: EmulatorClient
) -> None:
    """Slack sends a click once: one acked after the 3 s window shows the person an error and is
    never re-sent, so a slow handler cannot run twice."""
    app = AsyncApp(client=bot_client(emulator))
    triggers: list[str] = []
    release = asyncio.Event()

    @app.action("slow")
    async def slow(ack: AsyncAck, body: dict[str, Any]) -> None:
        triggers.append(body["trigger_id"])
        await release.wait()  # hangs past ack_timeout
        await ack()

    button = {"type": "button", "action_id": "slow", "text": {"type": "plain_text", "text": "Go"}}
    posted = await web.chat_postMessage(
        channel="C0INCIDENTS", text="go?", blocks=[{"type": "actions", "elements": [button]}]
    )
    async with bolt_connected(emulator, app):
        clicked = await people.click("U0ALICE", "C0INCIDENTS", posted["ts"], "slow", wait_for=0)
        await until(lambda: not emulator.hub.pending, what="the click to be given up")
        release.set()
    assert clicked["acked"] is False
    assert len(triggers) == 1
    assert (await people.stats())["redeliveries"] == 0


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(port=0, ack_timeout=0.3)])
async def test_a_command_whose_connection_drops_before_its_ack_is_not_sent_again(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    silent: list[str] = []
    answered: list[str] = []

    async def never_acks(_client: SocketModeClient, request: SocketModeRequest) -> None:
        silent.append(request.envelope_id)

    async def acks(client: SocketModeClient, request: SocketModeRequest) -> None:
        answered.append(request.envelope_id)
        await ack(client, request)

    async with socket_client(emulator, never_acks) as quiet:
        command = asyncio.create_task(
            people.command("U0ALICE", "C0INCIDENTS", "/hello", wait_for=0, timeout=0.3)
        )
        await until(lambda: len(silent) == 1, what="the command to reach the first client")
        async with socket_client(emulator, acks):
            await quiet.close()
            seen = await command
            await until(lambda: not emulator.hub.pending, what="the command to be given up")
    assert seen["acked"] is False
    assert answered == []  # Slack shows the person an error; it never re-sends a command


async def test_a_click_carries_the_block_id_of_the_block_it_was_in(
    bolt: AsyncApp, web: AsyncWebClient, people: EmulatorClient
) -> None:
    clicks: list[dict[str, Any]] = []

    @bolt.action("go")
    async def go(ack: AsyncAck, body: dict[str, Any]) -> None:
        clicks.append(body)
        await ack()

    button = {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}
    posted = await web.chat_postMessage(
        channel="C0INCIDENTS", text="go?", blocks=[{"type": "actions", "elements": [button]}]
    )
    await people.click("U0ALICE", "C0INCIDENTS", posted["ts"], "go", wait_for=0)
    await until(lambda: len(clicks) == 1, what="the click")
    (body,) = clicks
    block_ids = [block["block_id"] for block in body["message"]["blocks"]]
    assert body["actions"][0]["block_id"] in block_ids
    assert block_ids == [block["block_id"] for block in posted["message"]["blocks"]]


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(port=0, ack_timeout=5)])
async def test_an_event_sent_while_the_app_reconnects_waits_for_the_new_connection(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    received: list[tuple[str, int | None]] = []

    async def acks(client: SocketModeClient, request: SocketModeRequest) -> None:
        received.append((request.payload["event"]["text"], request.retry_attempt))
        await ack(client, request)

    sent = await people.event("app_mention", "U0ALICE", "C0INCIDENTS", "while away")
    assert sent["ok"] is True  # Slack queues it: the person's message is posted either way
    assert emulator.hub.pending  # held for the next connection, not dropped
    async with socket_client(emulator, acks):
        await until(lambda: bool(received), what="the queued event")
    assert received == [("while away", 0)]


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(port=0, ping_interval=0.05)])
async def test_the_server_pings_every_connection_and_counts_the_pongs(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(await _socket_url(emulator), autoping=False) as ws,
    ):
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        ping = await ws.receive(timeout=5)
        assert ping.type is aiohttp.WSMsgType.PING
        await ws.pong(ping.data)
        assert (await ws.receive(timeout=5)).type is aiohttp.WSMsgType.PING  # and again

        async def pong_counted() -> bool:
            return (await people.stats())["pongs"] == 1

        await until(pong_counted, what="the pong to be counted")


async def test_the_server_answers_the_clients_pings(emulator: SlackEmulator) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(await _socket_url(emulator), autoping=False) as ws,
    ):
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        await ws.ping(b"keepalive")
        pong = await ws.receive(timeout=5)
        assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"keepalive")


async def test_refresh_requested_makes_bolt_reconnect_and_keep_receiving(
    emulator: SlackEmulator, bolt: AsyncApp, people: EmulatorClient
) -> None:
    assert await people.disconnect("refresh_requested") == 1
    await until(
        lambda: (
            emulator.api.calls["apps.connections.open"] == 2
            and len(emulator.hub.live_connections) == 1
            and len(emulator.hub.connections) == 1
        ),
        what="Bolt to replace its connection",
    )
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/hello", "still there?")
    assert seen["responses"][0]["text"] == "hello alice, you said 'still there?'"
    assert (await people.stats())["connections"] == 1


async def test_two_connections_share_the_envelopes_round_robin(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    received: dict[str, list[str]] = {"a": [], "b": []}

    def replica(name: str) -> Any:
        async def listener(client: SocketModeClient, request: SocketModeRequest) -> None:
            received[name].append(request.envelope_id)
            await ack(client, request)

        return listener

    async with socket_client(emulator, replica("a")), socket_client(emulator, replica("b")):
        for _ in range(6):
            await people.event("app_mention", "U0ALICE", "C0INCIDENTS", "hi")
        await until(lambda: len(received["a"]) + len(received["b"]) == 6, what="six envelopes")
    assert (len(received["a"]), len(received["b"])) == (3, 3)
    assert not set(received["a"]) & set(received["b"])  # each went to one connection only


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(port=0, ack_timeout=30)])
async def test_an_envelope_pending_on_a_closed_connection_goes_to_a_live_one(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    silent: list[str] = []
    answered: list[tuple[str, int | None]] = []

    async def never_acks(_client: SocketModeClient, request: SocketModeRequest) -> None:
        silent.append(request.envelope_id)

    async def acks(client: SocketModeClient, request: SocketModeRequest) -> None:
        answered.append((request.envelope_id, request.retry_attempt))
        await ack(client, request)

    async with socket_client(emulator, never_acks) as quiet, socket_client(emulator, acks):
        for _ in range(2):  # round-robin: one to each replica
            await people.event("app_mention", "U0ALICE", "C0INCIDENTS", "hi")
        await until(lambda: len(silent) == len(answered) == 1, what="one envelope each")
        await quiet.close()
        # Long before the 30 s ack timeout, the envelope moves to the live connection.
        await until(lambda: len(answered) == 2, what="the envelope to move")
    assert answered[1] == (silent[0], 0)
    assert emulator.hub.redeliveries == 0


async def test_ten_connections_each_get_envelopes_and_an_eleventh_is_refused(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(aiohttp.ClientSession())
        sockets = []
        for _ in range(10):  # Slack's limit per app, the emulator's default
            ws = await stack.enter_async_context(http.ws_connect(await _socket_url(emulator)))
            assert (await ws.receive_json(timeout=5))["type"] == "hello"
            sockets.append(ws)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(await _socket_url(emulator))
        for _ in range(10):
            await people.event("app_mention", "U0ALICE", "C0INCIDENTS", "hi")
        envelope_ids = []
        for ws in sockets:
            envelope = await ws.receive_json(timeout=5)
            envelope_ids.append(envelope["envelope_id"])
            await ws.send_json({"envelope_id": envelope["envelope_id"]})
        await until(lambda: not emulator.hub.pending, what="every ack")
    assert refused.value.status == 429
    assert len(set(envelope_ids)) == 10  # one envelope to each connection, none twice
