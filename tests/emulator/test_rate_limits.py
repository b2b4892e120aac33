"""Slack's rate limits: 429 with Retry-After past a tier's limit and past chat.postMessage's
per-channel limit, slack_sdk's retry handler getting through, and limits changed at runtime."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorClient, EmulatorConfig, RateLimits, SlackEmulator
from tests.emulator.support import bot_client, slack_error


def limited(**limits: float) -> EmulatorConfig:
    return EmulatorConfig(port=0, rate_limits=RateLimits(**limits))  # type: ignore[arg-type]


@pytest.mark.parametrize("emulator_config", [limited(tier2=2, burst=1)])
async def test_past_a_tier_limit_the_answer_is_429_with_an_integer_retry_after(
    emulator: SlackEmulator,
) -> None:
    url = f"{emulator.api_url}conversations.list"
    headers = {"Authorization": f"Bearer {emulator.config.bot_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(url) as first:
            assert first.status == 200
        async with http.post(url) as second:
            assert second.status == 429
            # One call every 30 s at 2 a minute: the next token is 30 s away.
            assert second.headers["Retry-After"] == "30"
            assert await second.json() == {"ok": False, "error": "ratelimited"}


@pytest.mark.parametrize("emulator_config", [limited(tier3=60, burst=2)])
async def test_a_burst_is_tolerated_up_to_its_size(web: AsyncWebClient) -> None:
    await web.conversations_info(channel="C0INCIDENTS")
    await web.conversations_info(channel="C0INCIDENTS")
    assert await slack_error(web.conversations_info(channel="C0INCIDENTS")) == "ratelimited"


@pytest.mark.parametrize("emulator_config", [limited(tier1=1, tier2=1, tier3=1, tier4=1, burst=1)])
async def test_auth_test_and_connections_open_are_not_rate_limited(
    emulator: SlackEmulator, web: AsyncWebClient
) -> None:
    for _ in range(5):
        assert (await web.auth_test())["ok"]
        assert (await web.apps_connections_open(app_token=emulator.config.app_token))["ok"]


@pytest.mark.parametrize("emulator_config", [limited(tier2=1, burst=1)])
async def test_each_method_has_its_own_bucket(web: AsyncWebClient) -> None:
    await web.conversations_list()
    assert await slack_error(web.conversations_list()) == "ratelimited"
    assert (await web.usergroups_users_list(usergroup="S0PAYONCALL"))["ok"]


@pytest.mark.parametrize(
    "emulator_config",
    [limited(post_message_per_channel_per_second=1.0, post_message_channel_burst=1)],
)
async def test_posting_past_the_per_channel_limit_is_ratelimited_in_that_channel_only(
    web: AsyncWebClient,
) -> None:
    other = (await web.conversations_create(name="inc-other"))["channel"]["id"]
    await web.chat_postMessage(channel="C0INCIDENTS", text="one")
    assert await slack_error(web.chat_postMessage(channel="C0INCIDENTS", text="two")) == (
        "ratelimited"
    )
    assert (await web.chat_postMessage(channel=other, text="elsewhere"))["ok"]


@pytest.mark.parametrize(
    "emulator_config",
    [limited(post_message_per_channel_per_second=1.0, post_message_channel_burst=1)],
)
async def test_slack_sdks_rate_limit_retry_handler_gets_through(
    emulator: SlackEmulator, people: EmulatorClient
) -> None:
    patient = bot_client(emulator)
    patient.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    await patient.chat_postMessage(channel="C0INCIDENTS", text="one")
    await patient.chat_postMessage(channel="C0INCIDENTS", text="two")  # waits Retry-After: 1
    stats = await people.stats()
    assert stats["ratelimited"]["chat.postMessage"] >= 1
    assert [m["text"] for m in await people.messages("C0INCIDENTS")] == ["one", "two"]


@pytest.mark.parametrize("emulator_config", [limited(post_message_workspace_per_minute=2)])
async def test_the_workspace_wide_post_limit_spans_channels(web: AsyncWebClient) -> None:
    other = (await web.conversations_create(name="inc-spread"))["channel"]["id"]
    await web.chat_postMessage(channel="C0INCIDENTS", text="one")
    await web.chat_postMessage(channel=other, text="two")
    assert await slack_error(web.chat_postMessage(channel=other, text="three")) == "ratelimited"


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(port=0)])
async def test_limits_can_be_tightened_at_runtime_through_the_control_api(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    await people.set_limits(tier3=1, burst=1)
    await web.conversations_info(channel="C0INCIDENTS")
    assert await slack_error(web.conversations_info(channel="C0INCIDENTS")) == "ratelimited"


@pytest.mark.parametrize("emulator_config", [limited(tier3=1, burst=1)])
async def test_limits_can_be_turned_off_at_runtime(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    await web.conversations_info(channel="C0INCIDENTS")
    answer = await people.set_limits(enabled=False)
    assert answer["enabled"] is False
    for _ in range(3):
        await web.conversations_info(channel="C0INCIDENTS")


@pytest.mark.parametrize("emulator_config", [limited(tier3=60, overrides={"users.info": 1})])
async def test_a_method_override_replaces_its_tier(web: AsyncWebClient) -> None:
    await web.users_info(user="U0ALICE")
    assert await slack_error(web.users_info(user="U0ALICE")) == "ratelimited"
    assert (await web.conversations_info(channel="C0INCIDENTS"))["ok"]


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(port=0)])
async def test_the_default_limits_are_slacks_published_figures(people: EmulatorClient) -> None:
    limits = (await people.limits())["limits"]
    assert (limits["tier1"], limits["tier2"], limits["tier3"], limits["tier4"]) == (1, 20, 50, 100)
    assert limits["post_message_per_channel_per_second"] == 1.0


def test_limits_must_be_positive_numbers() -> None:
    with pytest.raises(ValueError, match="tier2"):
        RateLimits(tier2=0)
