"""The bot's Slack client and adapter report to the metrics: every 429 by method, retried or
not, and every call that failed for good by method and Slack's error code."""

from __future__ import annotations

import pytest

from bot.errors import ChatError
from integrations.prometheus import PrometheusMetrics
from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client, method_of
from integrations.slack_emulator import EmulatorConfig, RateLimits, SlackEmulator


def test_the_method_is_the_last_part_of_the_url() -> None:
    assert method_of("http://127.0.0.1:3000/api/chat.postMessage?x=1") == "chat.postMessage"


@pytest.mark.parametrize(
    "emulator_config", [EmulatorConfig(port=0, rate_limits=RateLimits(tier2=2, burst=1))]
)
async def test_a_429_and_the_failure_it_ends_in_are_counted_by_method(
    emulator: SlackEmulator,
) -> None:
    metrics = PrometheusMetrics()
    client = build_web_client(
        emulator.config.bot_token,
        base_url=emulator.api_url,
        max_rate_limit_retries=0,  # no wait: the first 429 is the answer
        metrics=metrics,
    )
    chat = SlackChat(client, metrics=metrics)
    assert await chat.find_own_channel("nothing-here") is None
    with pytest.raises(ChatError, match="ratelimited"):
        await chat.find_own_channel("nothing-here")

    def sample(name: str, **labels: str) -> float | None:
        return metrics.registry.get_sample_value(name, labels)

    assert sample("incident_bot_slack_rate_limited_total", method="conversations.list") == 1
    assert (
        sample(
            "incident_bot_slack_api_errors_total", method="conversations.list", error="ratelimited"
        )
        == 1
    )


async def test_a_refused_call_is_counted_with_slacks_error_code(emulator: SlackEmulator) -> None:
    metrics = PrometheusMetrics()
    client = build_web_client(emulator.config.bot_token, base_url=emulator.api_url)
    chat = SlackChat(client, metrics=metrics)
    with pytest.raises(ChatError, match="channel_not_found"):
        await chat.set_topic("C0DOESNOTEXIST", "topic")
    errors = metrics.registry.get_sample_value(
        "incident_bot_slack_api_errors_total",
        {"method": "conversations.setTopic", "error": "channel_not_found"},
    )
    assert errors == 1
