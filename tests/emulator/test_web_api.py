"""The emulator's Web API through the real slack_sdk client: Slack's shapes and error codes."""

from __future__ import annotations

import json

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorConfig, RateLimits, render_blocks


async def _error(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


async def test_auth_test_names_the_bot(web, emulator) -> None:
    answer = await web.auth_test()
    assert (answer["user_id"], answer["bot_id"]) == ("U0BOT", "B0BOT")


async def test_a_wrong_token_is_invalid_auth(emulator) -> None:
    stranger = AsyncWebClient(token="xoxb-wrong", base_url=emulator.api_url)
    assert await _error(stranger.auth_test()) == "invalid_auth"


async def test_the_bot_token_cannot_open_socket_mode_connections(web) -> None:
    assert await _error(web.apps_connections_open(app_token="xoxb-emulator-bot-token")) == (
        "invalid_auth"
    )


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Has Capitals", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("general", "name_taken"),
    ],
)
async def test_channel_names_follow_slacks_rules(web, name: str, error: str) -> None:
    assert await _error(web.conversations_create(name=name)) == error


async def test_a_created_channel_has_slacks_shape_and_its_name_is_then_taken(web) -> None:
    created = (await web.conversations_create(name="inc-test"))["channel"]
    assert created["id"].startswith("C")
    assert created["creator"] == "U0BOT"
    assert created["is_member"] is True
    assert await _error(web.conversations_create(name="inc-test")) == "name_taken"


async def test_invite_topic_info_and_list_work_together(web) -> None:
    channel = (await web.conversations_create(name="inc-invite"))["channel"]["id"]
    await web.conversations_invite(channel=channel, users="U0ALICE,U0BOB")
    assert await _error(web.conversations_invite(channel=channel, users="U0ALICE")) == (
        "already_in_channel"
    )
    assert await _error(web.conversations_invite(channel=channel, users="U0BOT")) == (
        "cant_invite_self"
    )
    assert await _error(web.conversations_invite(channel=channel, users="U0NOBODY")) == (
        "user_not_found"
    )
    await web.conversations_setTopic(channel=channel, topic="sev2 · checkout")
    assert await _error(web.conversations_setTopic(channel=channel, topic="x" * 251)) == "too_long"
    info = (await web.conversations_info(channel=channel))["channel"]
    assert info["topic"]["value"] == "sev2 · checkout"
    assert info["num_members"] == 3
    listed = await web.conversations_list(limit=1)
    assert len(listed["channels"]) == 1
    assert listed["response_metadata"]["next_cursor"]


async def test_messages_thread_and_history_is_newest_first_without_replies(web) -> None:
    channel = (await web.conversations_create(name="inc-history"))["channel"]["id"]
    first = await web.chat_postMessage(channel=channel, text="first")
    await web.chat_postMessage(channel=channel, text="reply", thread_ts=first["ts"])
    second = await web.chat_postMessage(
        channel=channel,
        text="second",
        metadata={"event_type": "incident_packet", "event_payload": {"incident_id": 7}},
    )
    history = await web.conversations_history(channel=channel)
    assert [m["text"] for m in history["messages"]] == ["second", "first"]
    assert "metadata" not in history["messages"][0]
    with_metadata = await web.conversations_history(channel=channel, include_all_metadata=True)
    assert with_metadata["messages"][0]["metadata"]["event_payload"] == {"incident_id": 7}
    replies = await web.conversations_replies(channel=channel, ts=first["ts"])
    assert [m["text"] for m in replies["messages"]] == ["first", "reply"]
    assert float(second["ts"]) > float(first["ts"])


async def test_posting_needs_membership_and_text_or_blocks(web) -> None:
    assert await _error(web.chat_postMessage(channel="C0GENERAL", text="hi")) == "not_in_channel"
    assert await _error(web.chat_postMessage(channel="C0NOPE", text="hi")) == "channel_not_found"
    with pytest.warns(UserWarning, match="top-level `text` argument is missing"):
        assert await _error(web.chat_postMessage(channel="C0INCIDENTS", text="")) == "no_text"


async def test_blocks_over_slacks_limits_are_invalid_blocks_with_a_pointer(web) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as caught:
        await web.chat_postMessage(channel="C0INCIDENTS", text="t", blocks=blocks)
    assert caught.value.response["error"] == "invalid_blocks"
    assert caught.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


async def test_a_message_is_updated_in_place(web, people) -> None:
    posted = await web.chat_postMessage(channel="C0INCIDENTS", text="before")
    updated = await web.chat_update(channel="C0INCIDENTS", ts=posted["ts"], text="after")
    assert updated["ts"] == posted["ts"]
    messages = await people.messages("C0INCIDENTS")
    assert [m["text"] for m in messages] == ["after"]


async def test_an_ephemeral_message_is_only_for_its_recipient(web, people) -> None:
    await web.chat_postEphemeral(channel="C0INCIDENTS", user="U0ALICE", text="just you")
    assert (
        await _error(web.chat_postEphemeral(channel="C0INCIDENTS", user="U0BOB", text="x"))
        == "user_not_in_channel"
    )
    (message,) = await people.messages("C0INCIDENTS")
    assert (message["ephemeral"], message["recipient"]) == (True, "U0ALICE")
    history = await web.conversations_history(channel="C0INCIDENTS")
    assert history["messages"] == []


async def test_users_and_user_groups_come_from_the_workspace_file(web) -> None:
    alice = (await web.users_info(user="U0ALICE"))["user"]
    assert alice["profile"]["real_name"] == "Alice Moreau"
    groups = (await web.usergroups_list())["usergroups"]
    payments = next(g for g in groups if g["handle"] == "payments-oncall")
    members = await web.usergroups_users_list(usergroup=payments["id"])
    assert members["users"] == ["U0BOB", "U0DANA"]
    assert await _error(web.usergroups_users_list(usergroup="S0NOPE")) == "no_such_subteam"


@pytest.mark.parametrize(
    "emulator_config", [EmulatorConfig(port=0, rate_limits=RateLimits(tier2=2, burst=1))]
)
async def test_past_a_tier_limit_the_answer_is_429_with_retry_after(emulator) -> None:
    url = f"{emulator.api_url}conversations.list"
    headers = {"Authorization": f"Bearer {emulator.config.bot_token}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, headers=headers) as first:
            assert first.status == 200
        async with http.post(url, headers=headers) as second:
            assert second.status == 429
            assert int(second.headers["Retry-After"]) >= 1
            assert json.loads(await second.text()) == {"ok": False, "error": "ratelimited"}


@pytest.mark.parametrize(
    "emulator_config",
    [
        EmulatorConfig(
            port=0,
            rate_limits=RateLimits(
                post_message_per_channel_per_second=1.0, post_message_channel_burst=1
            ),
        )
    ],
)
async def test_the_per_channel_post_limit_is_enforced_and_the_sdk_retry_handler_gets_through(
    emulator, people
) -> None:
    bare = AsyncWebClient(token=emulator.config.bot_token, base_url=emulator.api_url)
    await bare.chat_postMessage(channel="C0INCIDENTS", text="one")
    assert await _error(bare.chat_postMessage(channel="C0INCIDENTS", text="two")) == "ratelimited"

    patient = AsyncWebClient(token=emulator.config.bot_token, base_url=emulator.api_url)
    patient.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    await patient.chat_postMessage(channel="C0INCIDENTS", text="three")

    stats = await people.stats()
    assert stats["ratelimited"]["chat.postMessage"] >= 2
    assert [m["text"] for m in await people.messages("C0INCIDENTS")] == ["one", "three"]


async def test_limits_can_be_tightened_at_runtime(emulator, web, people) -> None:
    await people.set_limits(tier3=1, burst=1)
    await web.conversations_info(channel="C0INCIDENTS")
    assert await _error(web.conversations_info(channel="C0INCIDENTS")) == "ratelimited"


def test_blocks_render_as_a_person_reads_them() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Incident packet"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "See <https://x.io/a|the graph>"}},
        {"type": "divider"},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "INC-1"}, {"type": "mrkdwn", "text": "sev2"}],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "style": "primary",
                    "action_id": "a",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Deny"},
                    "style": "danger",
                    "action_id": "d",
                },
            ],
        },
    ]
    assert render_blocks(blocks).splitlines() == [
        "Incident packet",
        "See the graph",
        "─" * 40,
        "INC-1 · sev2",
        "[*Approve] [!Deny]",
    ]
