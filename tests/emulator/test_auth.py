"""Tokens and the request forms the Web API accepts, through slack_sdk and raw HTTP."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import SlackEmulator
from tests.emulator.support import slack_error


async def test_auth_test_names_the_bot_and_the_workspace(web: AsyncWebClient) -> None:
    answer = await web.auth_test()
    assert answer["user_id"] == "U0BOT"
    assert answer["bot_id"] == "B0BOT"
    assert answer["team_id"] == "T0EMULATOR"
    assert answer["url"] == "https://emulator.slack.com/"
    assert answer["is_enterprise_install"] is False


async def test_a_wrong_token_is_invalid_auth(emulator: SlackEmulator) -> None:
    stranger = AsyncWebClient(token="xoxb-wrong", base_url=emulator.api_url)
    assert await slack_error(stranger.auth_test()) == "invalid_auth"


async def test_a_call_without_a_token_is_not_authed(emulator: SlackEmulator) -> None:
    anonymous = AsyncWebClient(base_url=emulator.api_url)
    assert await slack_error(anonymous.auth_test()) == "not_authed"


async def test_the_bot_token_cannot_open_socket_mode_connections(web: AsyncWebClient) -> None:
    call = web.apps_connections_open(app_token="xoxb-emulator-bot-token")
    assert await slack_error(call) == "not_allowed_token_type"


async def test_the_app_token_cannot_call_bot_methods(emulator: SlackEmulator) -> None:
    app = AsyncWebClient(token=emulator.config.app_token, base_url=emulator.api_url)
    assert await slack_error(app.users_info(user="U0ALICE")) == "not_allowed_token_type"


async def test_each_connections_open_hands_out_a_fresh_websocket_url(
    emulator: SlackEmulator, web: AsyncWebClient
) -> None:
    token = emulator.config.app_token
    first = (await web.apps_connections_open(app_token=token))["url"]
    second = (await web.apps_connections_open(app_token=token))["url"]
    assert first.startswith(f"ws://127.0.0.1:{emulator.port}/link/?ticket=")
    assert first.endswith("&app_id=A0EMULATOR")
    assert first != second


async def test_arguments_are_read_from_the_query_a_form_and_a_json_body(
    emulator: SlackEmulator,
) -> None:
    headers = {"Authorization": f"Bearer {emulator.config.bot_token}"}
    url = f"{emulator.api_url}users.info"
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(url, params={"user": "U0ALICE"}) as by_query:
            assert (await by_query.json())["user"]["name"] == "alice"
        async with http.post(url, data={"user": "U0BOB", "team_id": "T0EMULATOR"}) as by_form:
            assert (await by_form.json())["user"]["name"] == "bob"
        async with http.post(url, json={"user": "U0CAROL"}) as by_json:
            assert (await by_json.json())["user"]["name"] == "carol"
        async with http.get(url, params={"user": "U0DANA"}) as by_get:
            assert (await by_get.json())["user"]["name"] == "dana"


async def test_the_token_may_come_as_an_argument(emulator: SlackEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{emulator.api_url}auth.test"
        async with http.post(url, data={"token": emulator.config.bot_token}) as answer:
            assert (await answer.json())["ok"] is True


async def test_an_unknown_method_is_unknown_method(emulator: SlackEmulator) -> None:
    url = f"{emulator.api_url}files.nothing"
    async with aiohttp.ClientSession() as http, http.post(url) as answer:
        assert answer.status == 200
        body = await answer.json()
    assert body == {"ok": False, "error": "unknown_method", "req_method": "files.nothing"}


async def test_an_unparsable_json_body_is_invalid_json(emulator: SlackEmulator) -> None:
    headers = {
        "Authorization": f"Bearer {emulator.config.bot_token}",
        "Content-Type": "application/json",
    }
    url = f"{emulator.api_url}auth.test"
    async with aiohttp.ClientSession(headers=headers) as http, http.post(url, data=b"{") as answer:
        assert (await answer.json())["error"] == "invalid_json"
