"""The console's side of the emulator, over HTTP: the page and its files under a strict
Content-Security-Policy, what one person sees (ephemeral messages only their own, unread counts
that clear once read), uploaded files that cannot run in the page's origin, the live feed, and
the incidents it forwards to the bot (none without one). The page itself runs in
``tests/browser``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import SlackEmulator
from integrations.slack_emulator.console.routes import CONTENT_SECURITY_POLICY

INCIDENTS = "C0INCIDENTS"
ALICE, ERIN = "U0ALICE", "U0ERIN"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _json(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.request("POST" if "json" in kwargs else "GET", url, **kwargs) as answer:
        return answer.status, await answer.json()


@pytest.mark.parametrize(
    "path",
    ["/", "/console/", "/console/static/app.js", "/console/static/console.css"],
)
async def test_the_page_and_its_files_carry_a_strict_content_security_policy(
    emulator: SlackEmulator, http: aiohttp.ClientSession, path: str
) -> None:
    async with http.get(emulator.base_url + path) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


async def test_the_page_has_no_inline_script(
    emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(emulator.console_url) as answer:
        page = await answer.text()
    assert '<script type="module" src="/console/static/app.js"></script>' in page
    assert page.count("<script") == 1
    assert " on" + "click=" not in page


@pytest.mark.parametrize("name", ["../routes.py", "index.html", "..%2Froutes.py", "x.py"])
async def test_only_the_consoles_scripts_and_styles_are_served_as_static_files(
    emulator: SlackEmulator, http: aiohttp.ClientSession, name: str
) -> None:
    async with http.get(f"{emulator.base_url}/console/static/{name}") as answer:
        assert answer.status == 404


async def test_an_ephemeral_message_is_listed_only_for_its_person(
    emulator: SlackEmulator, web: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    await web.chat_postMessage(channel=INCIDENTS, text="for everyone")
    await web.chat_postEphemeral(channel=INCIDENTS, user=ALICE, text="for alice only")
    url = f"{emulator.base_url}/console/api/messages?channel={INCIDENTS}"

    _, alice = await _json(http, f"{url}&as={ALICE}")
    _, erin = await _json(http, f"{url}&as={ERIN}")

    assert [m["text"] for m in alice["messages"]] == ["for everyone", "for alice only"]
    assert alice["messages"][1]["ephemeral"] is True
    assert [m["text"] for m in erin["messages"]] == ["for everyone"]


async def test_nobody_outside_a_private_channel_reads_it_through_the_console(
    emulator: SlackEmulator, web: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    created = await web.conversations_create(name="inc-private", is_private=True)
    channel = created["channel"]["id"]
    status, answer = await _json(
        http, f"{emulator.base_url}/console/api/messages?channel={channel}&as={ALICE}"
    )
    assert (status, answer["error"]) == (404, "channel_not_found")
    _, listed = await _json(http, f"{emulator.base_url}/console/api/channels?as={ALICE}")
    assert channel not in [c["id"] for c in listed["channels"]]


async def test_unread_counts_are_per_person_and_clear_once_read(
    emulator: SlackEmulator, web: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    await web.chat_postMessage(channel=INCIDENTS, text="one")
    await web.chat_postMessage(channel=INCIDENTS, text="two")
    await web.chat_postEphemeral(channel=INCIDENTS, user=ERIN, text="erin's")

    async def unread(person: str) -> int:
        _, answer = await _json(http, f"{emulator.base_url}/console/api/channels?as={person}")
        return next(c["unread"] for c in answer["channels"] if c["id"] == INCIDENTS)

    assert (await unread(ALICE), await unread(ERIN)) == (2, 3)
    status, _ = await _json(
        http, f"{emulator.base_url}/console/api/read", json={"user": ALICE, "channel": INCIDENTS}
    )
    assert status == 200
    assert (await unread(ALICE), await unread(ERIN)) == (0, 3)
    await web.chat_postMessage(channel=INCIDENTS, text="three")
    assert await unread(ALICE) == 1


async def test_an_uploaded_file_cannot_run_in_the_consoles_origin(
    emulator: SlackEmulator, web: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    page = b"<script>alert(1)</script>"
    uploaded = await web.files_upload_v2(channel=INCIDENTS, content=page, filename="x.html")
    file_id = uploaded["files"][0]["id"]
    async with http.get(f"{emulator.base_url}/console/api/files/{file_id}") as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        assert answer.headers["Content-Disposition"] == "attachment"
        assert "sandbox" in answer.headers["Content-Security-Policy"]
        assert await answer.read() == page


async def test_the_live_feed_says_when_the_workspace_changed(
    emulator: SlackEmulator, web: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emulator.base_url}/console/api/events") as feed:
        assert feed.headers["Content-Type"] == "text/event-stream"
        first = await _next_change(feed)
        await web.chat_postMessage(channel=INCIDENTS, text="news")
        second = await _next_change(feed)
    assert second["revision"] > first["revision"]


async def _next_change(feed: aiohttp.ClientResponse) -> dict[str, Any]:
    async with asyncio.timeout(10):
        event = None
        while True:
            line = (await feed.content.readline()).decode().strip()
            if line == "event: change":
                event = "change"
            elif line.startswith("data: ") and event == "change":
                return dict(json.loads(line.removeprefix("data: ")))


async def test_incidents_are_refused_plainly_without_a_bot_beside_the_emulator(
    emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    status, answer = await _json(http, f"{emulator.base_url}/console/api/incidents")
    assert (status, answer["error"]) == (404, "no_incident_source")
    _, workspace = await _json(http, f"{emulator.base_url}/console/api/workspace")
    assert workspace["incidents"] is False


async def test_incidents_are_forwarded_from_the_bots_endpoint_as_it_answers(
    emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    async def listing(request: web.Request) -> web.Response:
        number = request.match_info.get("number")
        if number == "7":
            return web.json_response({"ok": True, "incident": {"id": 7}})
        return web.json_response({"ok": False, "error": "incident_not_found"}, status=404)

    app = web.Application()
    app.router.add_get("/sandbox/incidents/{number}", listing)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    emulator.console.incidents_url = f"http://127.0.0.1:{port}/sandbox/incidents"
    try:
        found = await _json(http, f"{emulator.base_url}/console/api/incidents/7")
        missing = await _json(http, f"{emulator.base_url}/console/api/incidents/8")
        bad = await _json(http, f"{emulator.base_url}/console/api/incidents/x")
    finally:
        await runner.cleanup()
    assert found == (200, {"ok": True, "incident": {"id": 7}})
    assert missing == (404, {"ok": False, "error": "incident_not_found"})
    assert bad[0] == 404


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1:1", "https://127.0.0.1", "null"],
)
async def test_a_browser_page_from_elsewhere_cannot_act_as_a_person(
    emulator: SlackEmulator, http: aiohttp.ClientSession, origin: str
) -> None:
    command = {"user": ALICE, "channel": INCIDENTS, "command": "/status", "wait_for": 0}
    # A "simple" cross-site request: text/plain needs no preflight, and the body is still JSON.
    async with http.post(
        f"{emulator.base_url}/emulator/api/command",
        data=json.dumps(command),
        headers={"Origin": origin, "Content-Type": "text/plain"},
    ) as answer:
        assert answer.status == 403
        assert (await answer.json())["error"] == "cross_origin_refused"


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
async def test_the_consoles_own_page_acts_through_the_control_api(
    emulator: SlackEmulator, http: aiohttp.ClientSession, name: str
) -> None:
    origin = f"http://{name}:{emulator.port}"
    async with http.post(
        f"{emulator.base_url}/emulator/api/event",
        json={"type": "message", "user": ALICE, "channel": INCIDENTS, "text": "hi"},
        headers={"Origin": origin, "Host": f"{name}:{emulator.port}"},
    ) as answer:
        assert answer.status == 200, await answer.text()
    messages = emulator.state.messages[INCIDENTS]
    assert [m.text for m in messages] == ["hi"]


async def test_a_request_naming_another_host_is_refused(
    emulator: SlackEmulator, http: aiohttp.ClientSession
) -> None:
    # What a page on a rebound name (attacker.example -> 127.0.0.1) sends.
    async with http.get(
        f"{emulator.base_url}/console/api/messages?channel={INCIDENTS}&as={ALICE}",
        headers={"Host": f"attacker.example:{emulator.port}"},
    ) as answer:
        assert answer.status == 403
        assert (await answer.json())["error"] == "unknown_host"
